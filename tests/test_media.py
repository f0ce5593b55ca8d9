"""Product images: what an upload may be (type, size, pixels), what is stored (upright, no metadata, a smaller
thumbnail), the order and cover, who may upload to which product, the /media/ route, and the pictures on pages."""

import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from mall.extensions import db
from mall.media.models import ProductImage
from mall.media.operations import save_image
from mall.tenants.models import StaffRole
from tests.races_support import signed_in


def picture(fmt="JPEG", size=(1000, 800), colour=(200, 40, 60), **save) -> bytes:
    """An image file made with Pillow."""
    mode = "RGBA" if fmt == "PNG" and len(colour) == 4 else "RGB"
    out = BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **save)
    return out.getvalue()


def noisy_jpeg(size=(1000, 800)) -> bytes:
    """A JPEG that does not compress to nothing, so its thumbnail is clearly smaller."""
    out = BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def upload(client, path, data: bytes, name="photo.jpg", content_type="image/jpeg", headers=None):
    """POST the bytes as the multipart field `file` (encoded here: the test client would spool a large body to
    a temporary file it never closes)."""
    body = (b"--BOUNDARY\r\n" + f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode()
            + f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n--BOUNDARY--\r\n")
    return client.post(path, data=body, headers=headers or {}, content_type="multipart/form-data; boundary=BOUNDARY")


@pytest.fixture
def shop_world(make_user, make_shop, make_product, api):
    """A shop with its owner's API client and a product, and a second shop with a product of its own."""
    owner = make_user()
    shop = make_shop(owner=owner)
    other = make_shop()
    return {"owner": owner, "shop": shop, "product": make_product(shop, name="Red hoodie"),
            "foreign": make_product(other, name="Not yours"), "api": api(owner), "other": other}


def _path(world, product=None) -> str:
    product = product or world["product"]
    return f"/api/v1/shops/{world['shop'].slug}/products/{product.id}/images"


def _media_file(app, url: str) -> Path:
    assert url.startswith("/media/")
    return Path(app.config["MEDIA_DIR"]) / url.removeprefix("/media/")


def _auth(world) -> dict:
    return {"Authorization": f"Bearer {world['api'].token}", "Accept-Language": "en"}


def test_an_upload_is_stored_with_a_smaller_thumbnail_and_shown_on_the_product(app, client, shop_world):
    reply = upload(client, _path(shop_world), noisy_jpeg(), headers=_auth(shop_world))
    assert reply.status_code == 201, reply.get_json()
    image = reply.get_json()["image"]
    assert set(image) == {"id", "url", "thumb_url"}
    display, thumb = _media_file(app, image["url"]), _media_file(app, image["thumb_url"])
    assert display.exists() and thumb.exists()
    assert thumb.stat().st_size < display.stat().st_size
    with Image.open(display) as big, Image.open(thumb) as small:
        assert big.size == (1000, 800) and big.format == "JPEG"
        assert max(small.size) == 400 and small.size[0] < big.size[0]
    product = shop_world["api"].get(f"/api/v1/shops/{shop_world['shop'].slug}/products/{shop_world['product'].id}")
    assert product.get_json()["product"]["images"] == [image]


def test_a_big_picture_is_shrunk_to_the_display_size(app, client, shop_world):
    reply = upload(client, _path(shop_world), picture(size=(3000, 1500)), headers=_auth(shop_world))
    with Image.open(_media_file(app, reply.get_json()["image"]["url"])) as stored:
        assert stored.size == (1200, 600)


@pytest.mark.parametrize("fmt,content_type,extension", [("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")])
def test_png_and_webp_are_taken_and_keep_their_format(app, client, shop_world, fmt, content_type, extension):
    reply = upload(client, _path(shop_world), picture(fmt, colour=(10, 20, 30, 128) if fmt == "PNG" else (1, 2, 3)),
                   name=f"x.{extension}", content_type=content_type, headers=_auth(shop_world))
    assert reply.status_code == 201
    url = reply.get_json()["image"]["url"]
    assert url.endswith(f".{extension}")
    with Image.open(_media_file(app, url)) as stored:
        assert stored.format == fmt
        if fmt == "PNG":
            assert stored.mode == "RGBA"  # transparency kept


def test_exif_orientation_is_applied_and_metadata_removed(app, client, shop_world):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned, the picture must be rotated 90° to be upright
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPS: where it was taken
    raw = picture(size=(300, 200), exif=exif.tobytes())
    reply = upload(client, _path(shop_world), raw, headers=_auth(shop_world))
    assert reply.status_code == 201
    image = reply.get_json()["image"]
    for url in (image["url"], image["thumb_url"]):
        with Image.open(_media_file(app, url)) as stored:
            assert stored.size == (200, 300)
            assert dict(stored.getexif()) == {}
            assert "exif" not in stored.info and "xmp" not in stored.info


def _refused(reply, *words):
    assert reply.status_code == 422, reply.get_data(as_text=True)
    body = reply.get_json()["error"]
    assert list(body["fields"]) == ["file"]
    text = body["fields"]["file"][0]
    assert all(word in text for word in words), text
    assert db.session.execute(db.select(ProductImage)).first() is None


@pytest.mark.parametrize("raw,name,content_type", [
    (b"just some words, not a picture\n" * 20, "notes.jpg", "image/jpeg"),  # a text file renamed
    (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>', "a.svg",
     "image/svg+xml"),
    (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "broken.jpg", "image/jpeg"),  # claims to be a JPEG
    (None, "anim.gif", "image/gif"),  # a real picture of a kind that is not taken
    (None, "bitmap.bmp", "image/bmp"),
])
def test_anything_but_jpeg_png_or_webp_is_refused(client, shop_world, raw, name, content_type):
    if raw is None:
        raw = picture("GIF" if name.endswith("gif") else "BMP", size=(50, 50))
    _refused(upload(client, _path(shop_world), raw, name=name, content_type=content_type, headers=_auth(shop_world)),
             "JPEG, PNG or WebP")


def test_a_truncated_picture_is_refused(client, shop_world):
    raw = noisy_jpeg()
    reply = upload(client, _path(shop_world), raw[: len(raw) // 2], headers=_auth(shop_world))
    _refused(reply)


def test_no_file_or_an_empty_one_is_refused(client, shop_world):
    no_file = client.post(_path(shop_world), data={"file": "text, not a file"}, headers=_auth(shop_world),
                          content_type="multipart/form-data")
    assert no_file.get_json()["error"]["message"] == "The image was not accepted."
    _refused(no_file, "Choose an image file")
    _refused(upload(client, _path(shop_world), b"", headers=_auth(shop_world)), "Choose an image file")


def test_a_file_above_the_limit_is_a_422(app, client, shop_world):
    assert app.config["MAX_IMAGE_BYTES"] == 10 * 1024 * 1024  # the default
    raw = noisy_jpeg((600, 600))
    app.config["MAX_IMAGE_BYTES"] = len(raw) - 1
    try:
        _refused(upload(client, _path(shop_world), raw, headers=_auth(shop_world)), "at most")
        # Far above the limit: refused by its declared length before the body is read, with the same answer.
        huge = b"\xff\xd8" + b"0" * (len(raw) + 2 * 1024 * 1024)
        _refused(upload(client, _path(shop_world), huge, headers=_auth(shop_world)), "at most")
    finally:
        app.config["MAX_IMAGE_BYTES"] = 10 * 1024 * 1024


def test_too_many_pixels_are_refused_before_decoding(app, client, shop_world):
    # A PNG header announcing 60 000 × 60 000 pixels with almost no data: a decompression bomb.
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    _refused(upload(client, _path(shop_world), bomb, name="bomb.png", content_type="image/png",
                    headers=_auth(shop_world)), "million pixels")
    app.config["MAX_IMAGE_PIXELS"] = 100 * 100
    try:
        _refused(upload(client, _path(shop_world), picture(size=(101, 100)), headers=_auth(shop_world)),
                 "million pixels")
    finally:
        app.config["MAX_IMAGE_PIXELS"] = 40_000_000


def test_another_shops_product_is_a_404_and_only_managers_upload(client, shop_world, make_user, add_staff, api):
    foreign = upload(client, _path(shop_world, shop_world["foreign"]), picture(), headers=_auth(shop_world))
    assert foreign.status_code == 404
    support = make_user()
    add_staff(shop_world["shop"], support, StaffRole.SUPPORT)
    for user in (support, make_user()):
        token = api(user).token
        reply = upload(client, _path(shop_world), picture(), headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 403
    assert upload(client, _path(shop_world), picture()).status_code == 401
    assert db.session.execute(db.select(ProductImage)).first() is None


def _order_of(product_id) -> list[int]:
    db.session.expire_all()
    return list(db.session.execute(db.select(ProductImage.id).where(ProductImage.product_id == product_id)
                                   .order_by(ProductImage.position, ProductImage.id)).scalars())


def test_the_first_image_is_the_cover_and_the_merchant_reorders_and_deletes(app, shop_world):
    staff = signed_in(app, shop_world["owner"])
    shop, product = shop_world["shop"], shop_world["product"]
    base = f"/admin/{shop.slug}/products/{product.id}"
    for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255)):
        reply = upload(staff, f"{base}/images", picture(colour=colour))
        assert reply.status_code == 302 and reply.location.endswith(f"{base}/edit#images")
    first, second, third = _order_of(product.id)
    page = staff.get(f"{base}/edit").get_data(as_text=True)
    assert page.count('class="image-item"') == 3 and "Cover" in page and 'data-confirm="Delete this image?"' in page

    staff.post(f"{base}/images/{third}/move", data={"step": "-1"})
    assert _order_of(product.id) == [first, third, second]
    staff.post(f"{base}/images/{first}/move", data={"step": "-1"})  # already first: nothing moves
    assert _order_of(product.id) == [first, third, second]
    staff.post(f"{base}/images/{second}/cover")
    assert _order_of(product.id) == [second, first, third]
    api = shop_world["api"].get(f"/api/v1/shops/{shop.slug}/products/{product.id}").get_json()["product"]
    assert [i["id"] for i in api["images"]] == [second, first, third]

    gone = db.session.get(ProductImage, second)
    files = [Path(app.config["MEDIA_DIR"]) / gone.key, Path(app.config["MEDIA_DIR"]) / gone.thumb_key]
    assert all(f.exists() for f in files)
    staff.post(f"{base}/images/{second}/delete")
    assert _order_of(product.id) == [first, third]  # the next one is the cover now
    assert not any(f.exists() for f in files)
    positions = db.session.execute(db.select(ProductImage.position).order_by(ProductImage.position)).scalars()
    assert list(positions) == [0, 1]


def test_an_image_of_another_product_or_shop_is_a_404_on_the_pages(app, shop_world, make_product):
    staff = signed_in(app, shop_world["owner"])
    shop, product = shop_world["shop"], shop_world["product"]
    base = f"/admin/{shop.slug}/products/{product.id}"
    upload(staff, f"{base}/images", picture())
    image_id = _order_of(product.id)[0]
    sibling = make_product(shop)
    assert staff.post(f"/admin/{shop.slug}/products/{sibling.id}/images/{image_id}/delete").status_code == 404
    assert staff.post(f"/admin/{shop.slug}/products/{shop_world['foreign'].id}/images",
                      data={"file": (BytesIO(picture()), "a.jpg")}).status_code == 404
    assert staff.post(f"/admin/{shop_world['other'].slug}/products/{shop_world['foreign'].id}/images/{image_id}"
                      "/cover").status_code == 403
    assert _order_of(product.id) == [image_id]


def test_a_refused_upload_on_the_page_says_why(app, shop_world):
    staff = signed_in(app, shop_world["owner"])
    base = f"/admin/{shop_world['shop'].slug}/products/{shop_world['product'].id}"
    page = upload(staff, f"{base}/images", b"plain text", name="notes.png", content_type="image/png")
    assert page.status_code == 302
    assert "This file is not a JPEG, PNG or WebP image." in staff.get(page.location).get_data(as_text=True)
    app.config["MAX_IMAGE_BYTES"] = 1000
    try:
        page = upload(staff, f"{base}/images", b"0" * (1100 * 1024))
        assert page.status_code == 302
        assert "The image may be at most" in staff.get(page.location).get_data(as_text=True)
    finally:
        app.config["MAX_IMAGE_BYTES"] = 10 * 1024 * 1024
    assert db.session.execute(db.select(ProductImage)).first() is None


def test_the_media_route_serves_stored_files_and_nothing_else(app, client, shop_world):
    image = upload(client, _path(shop_world), picture(), headers=_auth(shop_world)).get_json()["image"]
    with client.get(image["thumb_url"]) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert "max-age=31536000" in served.headers["Cache-Control"]
        assert served.get_data() == _media_file(app, image["thumb_url"]).read_bytes()
    Path(app.instance_path).mkdir(exist_ok=True)
    (Path(app.config["MEDIA_DIR"]).parent / "outside.jpg").write_bytes(picture())
    for path in ("/media/../outside.jpg", "/media/%2e%2e/outside.jpg", "/media/products/..%2f..%2foutside.jpg",
                 "/media/..%5coutside.jpg", "/media//etc/passwd", "/media/products/none.jpg",
                 "/media/" + image["url"].removeprefix("/media/").replace(".jpg", ".JPG")):
        with client.get(path, follow_redirects=True) as refused:
            assert refused.status_code == 404, path


def test_files_of_a_rolled_back_upload_are_removed(app, shop_world):
    from werkzeug.datastructures import FileStorage

    with app.test_request_context("/"):
        saved = save_image(FileStorage(BytesIO(picture()), "a.jpg"), folder="aftersales/1")
        files = [_media_file(app, saved.url), _media_file(app, saved.thumb_url)]
        assert all(f.exists() for f in files)
        db.session.rollback()
        assert not any(f.exists() for f in files)


def test_deleting_a_product_removes_its_images_and_files(app, shop_world):
    staff = signed_in(app, shop_world["owner"])
    shop, product = shop_world["shop"], shop_world["product"]
    upload(staff, f"/admin/{shop.slug}/products/{product.id}/images", picture())
    image = db.session.execute(db.select(ProductImage)).scalar_one()
    stored = Path(app.config["MEDIA_DIR"]) / image.key
    assert stored.exists()
    staff.post(f"/admin/{shop.slug}/products/{product.id}/delete")
    db.session.expire_all()
    assert db.session.execute(db.select(ProductImage)).first() is None and not stored.exists()


def test_cards_lines_and_lists_show_the_cover_with_its_name(app, client, shop_world, make_user, make_product, buy):
    shop, product = shop_world["shop"], shop_world["product"]
    plain = make_product(shop, name="Plain tee")
    image = upload(client, _path(shop_world), picture(), headers=_auth(shop_world)).get_json()["image"]
    cover = f'src="{image["thumb_url"]}" alt="Red hoodie"'
    client.post("/lang/en")
    assert cover in client.get(f"/s/{shop.slug}/").get_data(as_text=True)
    assert cover in client.get("/").get_data(as_text=True)
    assert f'src="{image["url"]}" alt="Red hoodie"' in client.get(f"/s/{shop.slug}/products/{product.id}").get_data(
        as_text=True)
    placeholder = client.get(f"/s/{shop.slug}/").get_data(as_text=True)
    assert 'role="img" aria-label="Plain tee"' in placeholder

    shopper = make_user()
    order = buy(shopper, (product, 1), (plain, 1)).orders[0]
    member = signed_in(app, shopper)
    member.post("/cart/add", data={"product_id": product.id, "qty": "1"})
    assert cover in member.get("/cart").get_data(as_text=True)
    assert cover in member.get(f"/orders/{order.id}").get_data(as_text=True)
    staff = signed_in(app, shop_world["owner"])
    assert cover in staff.get(f"/admin/{shop.slug}/orders/{order.id}").get_data(as_text=True)
    listing = staff.get(f"/admin/{shop.slug}/products").get_data(as_text=True)
    assert cover in listing and 'aria-label="Plain tee"' in listing


class MemoryStorage:
    """A stand-in for an object store: what a deployment's S3 class does, in a dict (docs/media.md)."""

    files: dict = {}

    def __init__(self, base_url):
        self.base_url = base_url

    @classmethod
    def from_app(cls, app):
        return cls(app.config["MEDIA_URL"])

    def save(self, key, data, content_type):
        self.files[key] = (data, content_type)

    def url(self, key):
        return self.base_url + key

    def delete(self, key):
        self.files.pop(key, None)


def test_another_storage_is_chosen_by_configuration(app, shop_world):
    from tests.conftest import make_test_app

    other = make_test_app(MEDIA_STORAGE="tests.test_media:MemoryStorage", MEDIA_URL="https://cdn.example.com/m/")
    client = other.test_client()
    path, auth, storefront = _path(shop_world), _auth(shop_world), f"/s/{shop_world['shop'].slug}/"
    db.session.commit()  # SQLite: the other app's requests need the write lock this session's reads took
    reply = upload(client, path, picture(), headers=auth)
    assert reply.status_code == 201
    image = reply.get_json()["image"]
    key = image["url"].removeprefix("https://cdn.example.com/m/")
    assert MemoryStorage.files[key][1] == "image/jpeg" and image["thumb_url"].startswith("https://cdn.example.com/m/")
    assert not _media_file(app, "/media/" + key).exists()
    assert client.get("/media/" + key).status_code == 404  # the app serves only its own folder
    page = client.get(storefront)
    assert "img-src 'self' data: https://cdn.example.com;" in page.headers["Content-Security-Policy"]
    assert f'src="{image["thumb_url"]}"' in page.get_data(as_text=True)


def test_a_refusal_speaks_the_callers_language(client, shop_world):
    headers = {**_auth(shop_world), "Accept-Language": "zh"}
    body = upload(client, _path(shop_world), b"not a picture", headers=headers).get_json()["error"]
    assert body["message"] == "图片不符合要求。" and body["fields"]["file"] == ["此文件不是 JPEG、PNG 或 WebP 图片。"]
