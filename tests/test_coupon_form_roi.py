"""The merchant coupon form's date windows and product / category scope (enforced at checkout), the coupon list's
return on investment from real orders, and the settlement CSV in the reader's language at the shop's clock."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from mall import clock
from mall.errors import FieldErrors
from mall.extensions import db
from mall.tenants.models import Staff
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD

TZ = ZoneInfo("Asia/Shanghai")
BASE = {"name": "茶叶满减", "kind": "amount_off", "value": "5", "min_spend": "0", "per_member_limit": 1}


@pytest.fixture
def manager(make_shop, make_user, make_programme, make_product, add_staff, client):
    """A shop with a tea and a cup in two categories; its manager signed in (English)."""
    tenant = make_shop(slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    tea = make_product(tenant, price="30.00", stock=50, category="Tea", name="Longjing")
    cup = make_product(tenant, price="12.00", stock=50, category="Cups", name="Celadon cup")
    user = make_user()
    add_staff(tenant, user, "manager")
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"tenant": tenant, "programme": programme, "tea": tea, "cup": cup, "client": client}


def test_the_form_lists_the_shops_products_and_categories_by_name(manager):
    page = manager["client"].get("/admin/tea/loyalty/coupons").text
    assert "Longjing" in page and "Celadon cup" in page and "Tea" in page and "Cups" in page


def test_a_window_and_a_product_scope_save_and_pricing_keeps_to_them(manager, make_user, checkout_at):
    """From today to in ten days (the last day whole, at the shop's clock), only the tea: a checkout of a tea and
    a cup takes the 5 off the tea alone; after the window the coupon is expired."""
    today = clock.local_date("Asia/Shanghai")
    until = today + timedelta(days=10)
    reply = manager["client"].post("/admin/tea/loyalty/coupons", data={
        **BASE, "validity": "dates", "valid_from": today.isoformat(), "valid_until": until.isoformat(),
        "product_ids": [str(manager["tea"].id)]})
    assert reply.status_code == 302, reply.text
    template = db.session.execute(db.select(CouponTemplate)).scalar_one()
    assert template.product_ids == [manager["tea"].id] and template.valid_days is None
    assert template.valid_from == datetime.combine(today, datetime.min.time(), TZ)
    assert template.valid_until == datetime.combine(until + timedelta(days=1), datetime.min.time(), TZ)
    shopper = make_user()
    coupon = coupon_ops.issue(template, shopper, "staff")
    db.session.commit()
    assert coupon.valid_until == template.valid_until
    (order,) = checkout_at(shopper, clock.now(), (manager["tea"], 1), (manager["cup"], 1), coupons=[coupon.id])
    by_product = {line.product_id: line for line in order.lines}
    assert by_product[manager["cup"].id].net == by_product[manager["cup"].id].base  # out of scope: no discount
    assert by_product[manager["tea"].id].base - by_product[manager["tea"].id].net == Decimal("5.00")
    assert order.coupon_discount == Decimal("5.00")
    assert coupon.status(template.valid_until) == "used"


def test_a_category_scope_saves_and_an_out_of_scope_cart_gets_no_discount(manager, make_user, checkout_at):
    """Scoped to Cups: a tea-only cart cannot use it (nothing eligible), a cup gets the discount."""
    reply = manager["client"].post("/admin/tea/loyalty/coupons", data={
        **BASE, "validity": "days", "valid_days": "7", "category_ids": [str(manager["cup"].category_id)]})
    assert reply.status_code == 302, reply.text
    template = db.session.execute(db.select(CouponTemplate)).scalar_one()
    assert template.category_ids == [manager["cup"].category_id]
    shopper = make_user()
    coupon = coupon_ops.issue(template, shopper, "staff")
    db.session.commit()
    with pytest.raises(FieldErrors):
        checkout_at(shopper, clock.now(), (manager["tea"], 1), coupons=[coupon.id])
    db.session.rollback()
    (order,) = checkout_at(shopper, clock.now(), (manager["cup"], 2), coupons=[coupon.id])
    assert order.coupon_discount == Decimal("5.00")


@pytest.mark.parametrize("change,message", [
    ({"validity": "dates", "valid_from": "2026-05-10", "valid_until": "2026-05-01"}, "Must be after valid_from."),
    ({"validity": "dates", "valid_from": "2026-01-01", "valid_until": "2045-01-01"}, "at most 3650 days"),
    ({"validity": "dates", "valid_from": "1900-01-01", "valid_until": "2026-01-01"}, "Give a moment from"),
    ({"validity": "dates"}, "Give valid_days, or valid_from and valid_until."),
    ({"validity": "days", "valid_days": ""}, "Give valid_days, or valid_from and valid_until."),
    ({"validity": "days", "valid_days": "0"}, "Must be between 1 and 3650."),
    ({"validity": "dates", "valid_from": "2026-13-01", "valid_until": "2026-05-01"}, "Not a valid date value."),
    ({"validity": "days", "valid_days": "5", "product_ids": ["999999"]}, "Choose from the list."),
    ({"validity": "days", "valid_days": "5", "category_ids": ["abc"]}, "Invalid choice"),
])
def test_bad_windows_and_scopes_reshow_the_form(manager, change, message):
    reply = manager["client"].post("/admin/tea/loyalty/coupons", data={**BASE, **change})
    assert reply.status_code == 422
    assert message in reply.text
    assert db.session.execute(db.select(CouponTemplate)).first() is None


def test_another_shops_products_are_refused_by_the_api_too(manager, make_shop, make_user, make_product, api):
    """A foreign product or category id in a template is a 422 naming the field."""
    foreign = make_product(make_shop(owner=make_user(), slug="cafe"), category="Beans")
    owner = db.session.execute(db.select(Staff).where(Staff.tenant_id == manager["tenant"].id)).scalars().first().user
    for field, value in (("product_ids", foreign.id), ("category_ids", foreign.category_id)):
        reply = api(owner).post("/api/v1/shops/tea/coupon-templates", {**BASE, "valid_days": 5, field: [value]})
        assert reply.status_code == 422 and field in reply.json["error"]["fields"], reply.json
    assert db.session.execute(db.select(CouponTemplate)).first() is None


def _queries(client, path: str) -> tuple[int, str]:
    seen = []

    def note(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        html = client.get(path).text
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(seen), html


def test_roi_from_real_orders_in_a_bounded_number_of_queries(manager, make_user, checkout_at):
    """3 issued, 2 used on orders of 30.00 and 42.00 (each 5 off): 66.7 %, 2 orders, ¥62.00 revenue, ¥10.00
    discount; a second template on the page adds no queries."""
    template = coupon_ops.create_template(manager["programme"], {**BASE, "valid_days": 30})
    shoppers = [make_user() for _ in range(3)]
    coupons = [coupon_ops.issue(template, s, "staff") for s in shoppers]
    db.session.commit()
    one, _html = _queries(manager["client"], "/admin/tea/loyalty/coupons")
    (a,) = checkout_at(shoppers[0], clock.now(), (manager["tea"], 1), coupons=[coupons[0].id])
    (b,) = checkout_at(shoppers[1], clock.now(), (manager["tea"], 1), (manager["cup"], 1), coupons=[coupons[1].id])
    assert (a.total, b.total) == (Decimal("25.00"), Decimal("37.00"))
    roi = coupon_ops.roi_of([template.id])[template.id]
    assert roi == {"used": 2, "orders": 2, "revenue": Decimal("62.00"), "discount": Decimal("10.00")}
    coupon_ops.create_template(manager["programme"], {**BASE, "name": "Second", "valid_days": 30})
    db.session.commit()
    two, html = _queries(manager["client"], "/admin/tea/loyalty/coupons")
    assert two == one
    assert "66.7%" in html and "¥62.00" in html and "¥10.00" in html


def test_settlement_csv_in_each_language_at_the_shops_clock(manager, make_user, buy, client):
    """The CSV starts with a byte-order mark, names its columns in the reader's language and gives the paid time
    at the shop's clock (Shanghai, UTC+8)."""
    with clock.frozen_at(datetime(2026, 3, 31, 17, 30, tzinfo=ZoneInfo("UTC"))):
        buy(make_user(), (manager["tea"], 1))
    for lang, header in (("en", "Order,Paid at (shop time),Goods"), ("zh", "订单,付款时间（店铺时间）,商品金额")):
        client.post(f"/lang/{lang}")
        reply = client.get("/admin/tea/loyalty/settlement?month=2026-04&format=csv")
        assert reply.status_code == 200 and reply.data.startswith(b"\xef\xbb\xbf")
        text = reply.data.decode("utf-8-sig").splitlines()
        assert text[0].startswith(header), text[0]
        assert text[1].split(",")[1] == "2026-04-01 01:30"
    client.post("/lang/en")
    page = client.get("/admin/tea/loyalty/settlement?month=2026-04").text
    head = page[page.index("<thead>"):page.index("</thead>")]
    headers = re.findall(r"<th(?: [^>]*)?>([^<]*)</th>", head)
    assert len(headers) == len(set(headers)) == 8 and "table-scroll" in page
