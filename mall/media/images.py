"""Pillow work on an uploaded picture: what it really is, how big, turned upright, metadata dropped, resized.

Only JPEG, PNG and WebP are opened (Pillow tries no other decoder), so an SVG, a renamed text file or any
other format is refused whatever its name or declared type says. The pixel count is checked from the header,
before any pixel is decoded, so a small file that would unpack to gigabytes (a decompression bomb) is refused.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from mall.errors import FieldErrors

#: Pillow format → (file extension, content type, save options).
FORMATS = {
    "JPEG": ("jpg", "image/jpeg", {"quality": 85, "optimize": True, "progressive": True}),
    "PNG": ("png", "image/png", {}),
    "WEBP": ("webp", "image/webp", {"quality": 82, "method": 4}),
}
#: The longest side of the picture shown on a product page, and of the thumbnail on cards and lists.
DISPLAY_SIZE = 1200
THUMB_SIZE = 400
FIELD = "file"


@dataclass(frozen=True)
class Rendition:
    """Encoded bytes of one size of a picture."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Prepared:
    """A checked picture in its display size and its thumbnail, both in the upload's own format."""

    extension: str
    content_type: str
    display: Rendition
    thumb: Rendition


def refuse(message: str) -> FieldErrors:
    """The refusal of an upload, on the `file` field."""
    return FieldErrors(_("The image was not accepted."), {FIELD: [message]})


def prepare(raw: bytes, max_pixels: int) -> Prepared:
    """Check the bytes are a JPEG, PNG or WebP of at most `max_pixels`, and make the two sizes (FieldErrors if not)."""
    picture = _open(raw, max_pixels)
    extension, content_type, options = FORMATS[picture.format]
    icc = picture.info.get("icc_profile")
    upright = _normalised(ImageOps.exif_transpose(picture), picture.format)
    return Prepared(extension, content_type, _render(upright, DISPLAY_SIZE, picture.format, options, icc),
                    _render(upright, THUMB_SIZE, picture.format, options, icc))


def _open(raw: bytes, max_pixels: int) -> Image.Image:
    too_many = _("The image may have at most %(n)s million pixels.", n=_millions(max_pixels))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = Image.open(BytesIO(raw), formats=list(FORMATS))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise refuse(too_many) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise refuse(_("This file is not a JPEG, PNG or WebP image.")) from None
        width, height = picture.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise refuse(too_many)
        try:
            picture.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise refuse(too_many) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise refuse(_("The image could not be read; the file may be damaged.")) from None
    return picture


def _millions(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _normalised(picture: Image.Image, fmt: str) -> Image.Image:
    """A mode the format can store, keeping transparency where it can be kept."""
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if fmt == "JPEG":
        wanted = "L" if picture.mode == "L" else "RGB"
    else:
        wanted = "RGBA" if has_alpha else ("L" if picture.mode == "L" else "RGB")
    return picture if picture.mode == wanted else picture.convert(wanted)


def _render(picture: Image.Image, size: int, fmt: str, options: dict, icc: bytes | None) -> Rendition:
    """The picture shrunk to fit `size` × `size` (never enlarged), encoded without EXIF, XMP or comments."""
    copy = picture.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    copy.info = {}  # encoders read metadata from here: EXIF (with its GPS position), XMP, text chunks
    out = BytesIO()
    extra = {"icc_profile": icc} if icc else {}  # the colour profile is kept: colours stay right
    copy.save(out, fmt, **options, **extra)
    return Rendition(out.getvalue(), copy.width, copy.height)
