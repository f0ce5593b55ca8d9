"""Product pictures for the demo, drawn with Pillow: a coloured card with the product's name (no downloads)."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

#: Where Debian's fonts-noto-cjk puts its fonts, boldest first; any other Noto CJK font found is tried after.
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc")
SIZE = 600


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font with Chinese glyphs (fonts-noto-cjk), or None when the machine has none."""
    for path in CJK_FONTS:
        if Path(path).is_file():
            return path
    found = sorted(Path("/usr/share/fonts").glob("**/Noto*CJK*")) if Path("/usr/share/fonts").is_dir() else []
    return str(found[0]) if found else None


@lru_cache(maxsize=64)
def _font(size: int, cjk: bool):
    from PIL import ImageFont

    path = cjk_font_path() if cjk else None
    if path is not None:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _lines(draw, text: str, font, width: int) -> list[str]:
    """Break text into lines that fit `width`: at spaces for Latin text, anywhere for Chinese."""
    words = text.split(" ") if text.isascii() else list(text)
    glue = " " if text.isascii() else ""
    lines, current = [], ""
    for word in words:
        candidate = f"{current}{glue}{word}" if current else word
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines = [*lines, current] if current else lines
    if glue or len(lines) < 2:
        return lines
    # Chinese breaks anywhere: share the characters evenly, so no line is left with one of them.
    per_line = -(-len(text) // len(lines))
    return [text[i:i + per_line] for i in range(0, len(text), per_line)]


def _tint(colour: tuple[int, int, int], towards: int, share: float) -> tuple[int, int, int]:
    """The colour moved `share` of the way towards grey level `towards` (a lighter or darker shade)."""
    return tuple(round(c + (towards - c) * share) for c in colour)


def draw_product_image(name: str, colour: tuple[int, int, int], subtitle: str = "", name_en: str | None = None,
                       size: int = SIZE) -> bytes:
    """A square PNG card: the shop's colour, a lighter panel, the product's name large, a subtitle in the top band.

    Without a CJK font (fonts-noto-cjk) Chinese would draw as boxes, so the English name is drawn instead
    when there is one.
    """
    from PIL import Image, ImageDraw

    cjk = cjk_font_path() is not None
    if not cjk and name_en and not name.isascii():
        name, subtitle = name_en, ""
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    margin = size // 12
    draw.rounded_rectangle((margin, margin, size - margin, size - margin), radius=size // 16,
                           fill=_tint(colour, 255, 0.82))
    # A band of the shop's colour across the top of the panel, like a price tag.
    draw.rounded_rectangle((margin, margin, size - margin, margin + size // 7), radius=size // 16,
                           fill=_tint(colour, 255, 0.35))
    inner = size - 4 * margin
    font_size = size // 7
    font = _font(font_size, cjk)
    lines = _lines(draw, name, font, inner)
    while len(lines) > 3 and font_size > size // 16:
        font_size -= size // 80
        font = _font(font_size, cjk)
        lines = _lines(draw, name, font, inner)
    text_colour = _tint(colour, 0, 0.55)
    line_height = round(font_size * 1.25)
    top = (size - line_height * len(lines)) // 2
    for i, line in enumerate(lines):
        draw.text((size // 2, top + i * line_height + line_height // 2), line, font=font, fill=text_colour,
                  anchor="mm")
    if subtitle:
        small = _font(size // 18, cjk and not subtitle.isascii())
        draw.text((size // 2, margin + size // 14), subtitle, font=small, fill=_tint(colour, 255, 0.95), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)  # flat colours: light compression is small and quick
    return out.getvalue()
