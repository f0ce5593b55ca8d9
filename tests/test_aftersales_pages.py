"""After-sales pages: the shopper applies from the order page and sends a return back; the shop decides and receives."""

import re
from decimal import Decimal

import pytest

from mall.aftersales.models import AfterSale
from mall.extensions import db
from mall.orders import operations as orders
from mall.orders.models import Order
from mall.tenants.models import StaffRole
from tests.races_support import flashes, signed_in


@pytest.fixture
def world(app, make_user, make_shop, make_product, buy):
    """A shop with a 10.00 tee and a 25.00 cap, a shopper's paid order of 2 tees and a cap, and signed-in clients."""
    owner, shopper = make_user(name="Owner"), make_user(name="Ann")
    shop = make_shop(owner=owner, slug="tees", shipping_fee=Decimal("6.00"))
    tee, cap = make_product(shop, price="10.00", name="Tee"), make_product(shop, price="25.00", name="Cap")
    order = buy(shopper, (tee, 2), (cap, 1)).orders[0]
    lines = {line.product_id: line.id for line in order.lines}
    return {"shop": shop, "order": order, "tee": lines[tee.id], "cap": lines[cap.id], "owner": owner,
            "shopper": shopper, "me": signed_in(app, shopper), "staff": signed_in(app, owner)}


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _apply(w, **form):
    data = {"kind": "refund", "reason_code": "not_received", "reason": "", "idempotency_key": "k1", **form}
    return w["me"].post(f"/orders/{w['order'].id}/after-sales/new", data=data)


def test_a_shopper_applies_from_the_order_page_and_follows_the_request(world):
    w = world
    order_page = _text(w["me"].get(f"/orders/{w['order'].id}"))
    assert "Apply for after-sales" in order_page
    form = _text(w["me"].get(f"/orders/{w['order'].id}/after-sales/new"))
    assert 'value="refund"' in form and 'value="return"' not in form  # not shipped: refund only
    too_many = _apply(w, **{f"qty_{w['tee']}": "3"})
    assert too_many.status_code == 422 and "at most 2 can still be asked for." in _text(too_many)
    for junk in ("²", "-1", "1.5", "9" * 30):
        refused = _apply(w, **{f"qty_{w['tee']}": junk})
        assert refused.status_code == 422 and "Enter a whole number" in _text(refused)
    nothing = _apply(w)
    assert nothing.status_code == 422 and "Choose at least one item and its quantity." in _text(nothing)
    other = _apply(w, reason_code="other", **{f"qty_{w['tee']}": "1"})
    assert other.status_code == 422 and "Say what is wrong." in _text(other)
    assert db.session.execute(db.select(db.func.count(AfterSale.id))).scalar() == 0

    done = _apply(w, **{f"qty_{w['tee']}": "2", f"qty_{w['cap']}": "0"})
    assert done.status_code == 302
    again = _apply(w, **{f"qty_{w['tee']}": "2", f"qty_{w['cap']}": "0"})  # the same form sent twice
    assert again.status_code == 302 and again.location == done.location
    assert db.session.execute(db.select(db.func.count(AfterSale.id))).scalar() == 1
    detail = _text(w["me"].get(done.location))
    assert "Your request is with the shop." in detail and "Awaiting decision" in detail
    assert "Goods not received" in detail and "¥20.00" in detail
    assert "Awaiting decision" in _text(w["me"].get("/after-sales"))
    assert "After-sales #" in _text(w["me"].get(f"/orders/{w['order'].id}"))


def test_the_shop_lists_filters_approves_and_declines(world, app, make_user, make_shop):
    w = world
    empty = _text(w["staff"].get("/admin/tees/after-sales"))
    assert "No after-sales requests here." in empty
    first = _apply(w, **{f"qty_{w['tee']}": "1"}).location
    second = _apply(w, idempotency_key="k2", **{f"qty_{w['cap']}": "1"}).location
    first_id, second_id = (int(url.rsplit("/", 1)[1]) for url in (first, second))
    listing = _text(w["staff"].get("/admin/tees/after-sales?status=requested"))
    assert f">After-sales #{first_id}</a>" in listing and f">After-sales #{second_id}</a>" in listing
    assert 'title="Waiting for the shop">2</span>' in listing  # the menu's count
    assert "No after-sales requests here." in _text(w["staff"].get("/admin/tees/after-sales?status=refunded"))
    assert w["staff"].get("/admin/tees/after-sales?status=nonsense&page=x").status_code == 200

    page = _text(w["staff"].get(f"/admin/tees/after-sales/{first_id}"))
    assert "Approve and refund" in page and "Approve and refund ¥10.00 now?" in page
    approved = w["staff"].post(f"/admin/tees/after-sales/{first_id}/approve")
    assert approved.status_code == 302 and flashes(w["staff"]) == ["Approved and refunded."]
    twice = w["staff"].post(f"/admin/tees/after-sales/{first_id}/approve")
    assert twice.status_code == 302 and flashes(w["staff"]) == ["Only a request awaiting the shop can be approved."]

    blank = w["staff"].post(f"/admin/tees/after-sales/{second_id}/reject", data={"reason": " "})
    assert blank.status_code == 422 and "Give the shopper a reason" in _text(blank)
    declined = w["staff"].post(f"/admin/tees/after-sales/{second_id}/reject", data={"reason": "Sold as seen"})
    assert declined.status_code == 302
    assert flashes(w["staff"]) == ["Request declined. The buyer has been told why."]
    db.session.expire_all()
    assert [a.status for a in db.session.execute(db.select(AfterSale).order_by(AfterSale.id)).scalars()] == [
        "refunded", "rejected"]
    assert "Sold as seen" in _text(w["me"].get(second))
    inbox = _text(w["me"].get("/member/inbox"))
    assert "Shop declined your after-sales request" in inbox and "Shop refunded ¥10.00" in inbox
    assert f"Order #{w['order'].id}: the buyer asks for a refund" in _text(w["staff"].get("/member/inbox"))


def test_a_return_is_sent_back_then_received(world):
    w = world
    with_order = db.session.get(Order, w["order"].id)
    orders.ship(with_order, None)
    orders.complete(with_order, None)
    db.session.commit()
    form = _text(w["me"].get(f"/orders/{w['order'].id}/after-sales/new"))
    assert 'value="return"' in form and 'value="refund"' not in form  # received: return only
    url = _apply(w, kind="return", reason_code="wrong_item", **{f"qty_{w['cap']}": "1"}).location
    sale_id = int(url.rsplit("/", 1)[1])
    assert "Approve the return?" in _text(w["staff"].get(f"/admin/tees/after-sales/{sale_id}"))
    w["staff"].post(f"/admin/tees/after-sales/{sale_id}/approve")
    detail = _text(w["me"].get(url))
    assert "Send the goods back" in detail and 'data-test="return-shipped-form"' in detail
    bad = w["me"].post(f"/after-sales/{sale_id}/return-shipped", data={"carrier": "sf", "tracking_no": "no!"})
    assert bad.status_code == 422 and "Send the goods back" in _text(bad)
    unnamed = w["me"].post(f"/after-sales/{sale_id}/return-shipped",
                           data={"carrier": "other", "carrier_other": "", "tracking_no": "ZX12345"})
    assert unnamed.status_code == 422 and "Name the carrier" in _text(unnamed)
    sent = w["me"].post(f"/after-sales/{sale_id}/return-shipped",
                        data={"carrier": "other", "carrier_other": "德邦物流", "tracking_no": "DB12345"})
    assert sent.status_code == 302
    page = _text(w["staff"].get(f"/admin/tees/after-sales/{sale_id}"))
    assert "德邦物流 · DB12345" in page and "Goods received: refund" in page
    w["staff"].post(f"/admin/tees/after-sales/{sale_id}/receive")
    assert flashes(w["staff"]) == ["Goods received and refunded."]
    assert "Refunded" in _text(w["me"].get(url)) and "¥25.00" in _text(w["me"].get(url))


def test_pages_of_others_are_404_and_support_only_reads(world, app, make_user, make_shop, add_staff):
    w = world
    url = _apply(w, **{f"qty_{w['tee']}": "1"}).location
    sale_id = int(url.rsplit("/", 1)[1])
    stranger = signed_in(app, make_user())
    assert stranger.get(url).status_code == 404
    assert stranger.post(f"/after-sales/{sale_id}/return-shipped", data={"carrier": "sf",
                                                                        "tracking_no": "SF12345"}).status_code == 404
    assert stranger.get(f"/orders/{w['order'].id}/after-sales/new").status_code == 404
    assert "No after-sales requests." in _text(stranger.get("/after-sales"))
    other_owner = make_user()
    make_shop(owner=other_owner, slug="other")
    theirs = signed_in(app, other_owner)
    assert theirs.get(f"/admin/other/after-sales/{sale_id}").status_code == 404
    assert theirs.post(f"/admin/other/after-sales/{sale_id}/approve").status_code == 404
    assert theirs.get(f"/admin/tees/after-sales/{sale_id}").status_code == 403
    support = make_user()
    add_staff(w["shop"], support, StaffRole.SUPPORT)
    helper = signed_in(app, support)
    assert "decisions need a manager" in _text(helper.get(f"/admin/tees/after-sales/{sale_id}"))
    assert helper.post(f"/admin/tees/after-sales/{sale_id}/approve").status_code == 403
    db.session.expire_all()
    assert db.session.get(AfterSale, sale_id).status == "requested"


def test_a_settled_or_cancelled_order_offers_no_after_sales(world):
    w = world
    assert w["me"].post(f"/orders/{w['order'].id}/cancel").status_code == 302
    assert "Apply for after-sales" not in _text(w["me"].get(f"/orders/{w['order'].id}"))
    refused = w["me"].get(f"/orders/{w['order'].id}/after-sales/new")
    assert refused.status_code == 302 and refused.location.endswith(f"/orders/{w['order'].id}")


def test_the_pages_render_in_chinese(world):
    w = world
    url = _apply(w, reason="Box crushed", **{f"qty_{w['tee']}": "1"}).location
    for client in (w["me"], w["staff"]):
        client.post("/lang/zh")
    assert "未收到货：Box crushed" in _text(w["me"].get(url))
    sale_id = url.rsplit("/", 1)[1]
    pages = ((w["me"], url), (w["me"], "/after-sales"), (w["me"], f"/orders/{w['order'].id}/after-sales/new"),
             (w["staff"], "/admin/tees/after-sales"), (w["staff"], f"/admin/tees/after-sales/{sale_id}"))
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200 and 'lang="zh-CN"' in response.get_data(as_text=True)


def test_photos_go_with_a_request_checked_as_pictures(world):
    from io import BytesIO

    from tests.test_media import picture

    w = world
    files = {"photos": [(BytesIO(picture()), "damage.jpg"), (BytesIO(picture("PNG")), "box.png")]}
    sent = _apply(w, **{f"qty_{w['tee']}": "1"}, **files)
    assert sent.status_code == 302
    after_sale = db.session.execute(db.select(AfterSale)).scalar_one()
    folder = f"aftersales/{w['shop'].id}/"
    assert len(after_sale.photos) == 2 and all(key.startswith(folder) for key in after_sale.photos)
    page = _text(w["staff"].get(f"/admin/tees/after-sales/{after_sale.id}"))
    assert page.count('alt="Photo ') == 2
    thumbnail = w["me"].get(page.split('<img src="')[1].split('"')[0])
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    thumbnail.close()
    text_file = _apply(w, idempotency_key="k2", **{f"qty_{w['cap']}": "1"},
                       photos=[(BytesIO(b"not a picture"), "photo.jpg")])
    assert text_file.status_code == 422 and "This file is not a JPEG, PNG or WebP image." in _text(text_file)
    four = _apply(w, idempotency_key="k3", **{f"qty_{w['cap']}": "1"},
                  photos=[(BytesIO(picture()), f"{n}.jpg") for n in range(4)])
    assert four.status_code == 422 and "Add at most 3 photos." in _text(four)
    assert db.session.execute(db.select(db.func.count(AfterSale.id))).scalar() == 1
