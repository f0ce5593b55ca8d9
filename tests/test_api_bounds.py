"""Request bounds: ids, numbers, money, dates and time zones out of range are a 422 naming the field, never a 500."""

import logging

import pytest
from sqlalchemy import text

from mall.extensions import db
from mall.tenants.models import Tenant
from mall.validation import MAX_INT
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD

TOO_BIG = MAX_INT + 1
TEMPLATE = {"name": "5 off", "kind": "amount_off", "value": "5", "valid_days": 7}


@pytest.fixture
def shop_world(make_user, make_shop, make_product, make_programme, buy):
    """An owner's shop with a programme and a product, and a shopper with one order there."""
    owner, shopper = make_user(), make_user()
    shop = make_shop(owner=owner)
    programme = make_programme(shop, FOUR_TIERS)
    product = make_product(shop)
    order = buy(shopper, (product, 1)).orders[0]
    return {"owner": owner, "shopper": shopper, "shop": shop, "programme": programme, "order": order}


def _invalid(reply, *path):
    """The 422's message at a field path (keys as the API sends them)."""
    assert reply.status_code == 422, reply.get_data(as_text=True)
    node = reply.json["error"]["fields"]
    for key in path:
        node = node[str(key)]
    return node


def test_body_ids_above_the_integer_range_are_refused_by_field(api, shop_world):
    shopper, owner = api(shop_world["shopper"]), api(shop_world["owner"])
    slug, order = shop_world["shop"].slug, shop_world["order"]
    _invalid(shopper.post("/api/v1/checkout/quote", json={"lines": [{"product_id": TOO_BIG, "qty": 1}]}),
             "lines", 0, "product_id")
    _invalid(shopper.post("/api/v1/checkout", json={"lines": [{"product_id": 1, "qty": 1}], "coupons": [TOO_BIG]}),
             "coupons", 0)
    _invalid(owner.post(f"/api/v1/shops/{slug}/orders/{order.id}/refund", json={"lines": [
        {"line_id": TOO_BIG, "qty": 1}]}), "lines", 0, "line_id")
    _invalid(owner.post(f"/api/v1/shops/{slug}/pushes", json={"template_id": TOO_BIG}), "template_id")
    _invalid(owner.post(f"/api/v1/shops/{slug}/pushes", json={"template_id": 1, "segment_id": TOO_BIG}),
             "segment_id")
    _invalid(owner.post(f"/api/v1/shops/{slug}/coupon-templates", json={**TEMPLATE, "product_ids": [TOO_BIG]}),
             "product_ids", 0)
    _invalid(owner.post(f"/api/v1/shops/{slug}/segments/preview", json={"filter": {"preferred_category": TOO_BIG}}),
             "filter", "preferred_category")
    assert not db.session.execute(text("SELECT id FROM loyalty_pushes")).first()


@pytest.mark.parametrize("field", ["min_spend", "max_discount"])
def test_coupon_money_with_three_decimals_is_refused(api, shop_world, field):
    owner = api(shop_world["owner"])
    body = {**TEMPLATE, "kind": "percent_off", "value": "0.80", field: "12.345"}
    message = _invalid(owner.post(f"/api/v1/shops/{shop_world['shop'].slug}/coupon-templates", json=body,
                                  headers={"Accept-Language": "en"}), field)
    assert message == ["Use at most two decimals."]
    assert not db.session.execute(text("SELECT id FROM loyalty_coupon_templates")).first()


@pytest.mark.parametrize("raw", [b'{"amount": "1E+999999999"}', b'{"amount": 1e308}', b'{"amount": 1E+999999999}'])
def test_huge_top_up_amounts_are_refused(api, shop_world, raw):
    reply = api(shop_world["shopper"]).post("/api/v1/me/wallet/top-up", data=raw)
    assert _invalid(reply, "amount")


@pytest.mark.parametrize("token", [5, ["tok"], True, {"a": 1}])
def test_a_payment_token_that_is_not_text_is_refused(api, shop_world, token):
    reply = api(shop_world["shopper"]).post("/api/v1/me/wallet/top-up", json={"amount": "10.00",
                                                                              "payment_token": token})
    assert _invalid(reply, "payment_token")
    assert api(shop_world["shopper"]).get("/api/v1/me/wallet").json["cash"] == "0.00"


def test_numbers_out_of_business_range_are_refused_in_both_languages(api, shop_world):
    shopper = api(shop_world["shopper"])
    body = {"lines": [{"product_id": 1, "qty": 1}], "points": {"platform": TOO_BIG}}
    english = shopper.post("/api/v1/checkout/quote", json=body, headers={"Accept-Language": "en"})
    chinese = shopper.post("/api/v1/checkout/quote", json=body, headers={"Accept-Language": "zh"})
    assert _invalid(english, "points", "platform", "value") == ["Must be between 0 and 100000000."]
    assert _invalid(chinese, "points", "platform", "value") != ["Must be between 0 and 100000000."]
    assert "100000000" in _invalid(chinese, "points", "platform", "value")[0]


def test_an_unknown_time_zone_is_refused_when_creating_a_shop(api, make_user):
    operator, owner = make_user(operator=True), make_user()
    reply = api(operator).post("/api/v1/platform/tenants", json={
        "slug": "zoned", "name": "Zoned", "owner_email": owner.email, "timezone": "Not/AZone"},
        headers={"Accept-Language": "en"})
    assert _invalid(reply, "timezone") == ["Give a time zone such as Asia/Shanghai."]
    assert db.session.execute(db.select(Tenant).filter_by(slug="zoned")).scalar_one_or_none() is None
    good = api(operator).post("/api/v1/platform/tenants", json={
        "slug": "zoned", "name": "Zoned", "owner_email": owner.email, "timezone": "Europe/Paris"})
    assert good.status_code == 201


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "posix/Asia/Shanghai", "right/UTC"])
def test_a_zone_name_that_depends_on_the_machine_is_refused(api, make_user, zone):
    operator, owner = make_user(operator=True), make_user()
    reply = api(operator).post("/api/v1/platform/tenants", json={
        "slug": "zoned", "name": "Zoned", "owner_email": owner.email, "timezone": zone},
        headers={"Accept-Language": "en"})
    assert _invalid(reply, "timezone") == ["Give a time zone such as Asia/Shanghai."]
    assert db.session.execute(db.select(Tenant).filter_by(slug="zoned")).scalar_one_or_none() is None


def test_a_stored_unknown_time_zone_reads_as_the_platform_zone(client, shop_world, make_user, caplog, monkeypatch):
    # Alembic's fileConfig (the suite migrates at start) disables loggers that existed before it ran.
    monkeypatch.setattr(logging.getLogger("mall.tenants.models"), "disabled", False)
    shop = shop_world["shop"]
    db.session.execute(text("UPDATE tenants SET timezone = 'Not/AZone' WHERE id = :id"), {"id": shop.id})
    db.session.commit()
    db.session.expire_all()
    operator = make_user(operator=True)
    with caplog.at_level(logging.WARNING, logger="mall.tenants.models"):
        client.post("/login", data={"email": operator.email, "password": PASSWORD})
        assert client.get("/platform/loyalty/settlement").status_code == 200
        client.post("/logout")
        client.post("/login", data={"email": shop_world["owner"].email, "password": PASSWORD})
        assert client.get(f"/admin/{shop.slug}/loyalty/settlement").status_code == 200
    assert db.session.get(Tenant, shop.id).timezone == "Asia/Shanghai"
    assert "Not/AZone" in caplog.text


@pytest.mark.parametrize("birthday", ["2099-01-01", "0001-01-01", "1899-12-31"])
def test_an_implausible_birthday_is_refused_at_registration(api, birthday):
    reply = api().post("/api/v1/auth/register", json={"email": "new@example.com", "password": PASSWORD,
                                                      "name": "New", "birthday": birthday})
    assert _invalid(reply, "birthday")
    ok = api().post("/api/v1/auth/register", json={"email": "new@example.com", "password": PASSWORD,
                                                   "name": "New", "birthday": "1990-05-17"})
    assert ok.status_code == 201


def test_an_implausible_birthday_is_refused_on_the_profile_page(client, make_user):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    reply = client.post("/account", data={"name": user.name, "birthday": "2099-01-01"},
                        headers={"Accept-Language": "en"})
    assert reply.status_code == 422
    assert "Give a birthday from 1900-01-01 to today." in reply.get_data(as_text=True)
    db.session.expire_all()
    assert user.birthday is None


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
def test_moments_at_the_ends_of_the_calendar_are_refused(api, shop_world, moment):
    owner = api(shop_world["owner"])
    slug = shop_world["shop"].slug
    template = {**{k: v for k, v in TEMPLATE.items() if k != "valid_days"}, "valid_from": moment,
                "valid_until": "2030-01-01T00:00:00+00:00"}
    _invalid(owner.post(f"/api/v1/shops/{slug}/coupon-templates", json=template), "valid_from")
    _invalid(owner.post(f"/api/v1/shops/{slug}/products", json={
        "name": "P", "price": "1.00", "category": "c", "stock": 1, "sale_starts_at": moment}), "sale_starts_at")
    real = coupon_ops.create_template(shop_world["programme"], TEMPLATE)
    db.session.commit()
    _invalid(owner.post(f"/api/v1/shops/{slug}/pushes", json={"template_id": real.id, "scheduled_at": moment}),
             "scheduled_at")
