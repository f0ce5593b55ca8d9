"""Loyalty content in Chinese and English: tiers, perks, programme names and coupon templates show in the
viewer's language (the other where one is empty) on pages, in inbox messages and in the API; the programme
document and the forms bound and check the English values.
"""

import copy
from datetime import timedelta
from decimal import Decimal

import pytest

from mall.extensions import db
from mall.notifications.models import Notification
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.programmes.operations import programme_for
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME, VANCL
from tests.fixtures.factories import PASSWORD
from tests.fixtures.programmes import START
from tests.test_bilingual import EN, ZH, _page
from tests.test_programme_editor import _form


@pytest.fixture
def owner(client, make_user, make_shop):
    """A shop's owner, signed in, in English."""
    user = make_user()
    shop = make_shop(owner=user, slug="tea")
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"shop": shop, "owner": user}


def test_tiers_and_perks_show_in_the_viewers_language(client, make_shop, make_user, make_programme):
    """普通会员 on Chinese pages and Regular on English ones; the Plus page's perks likewise."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    make_programme(None, PLATFORM_PROGRAMME)
    user = make_user()
    join_programme(programme, user)
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.post("/lang/en")
    english = _page(client, "/member/memberships", {})
    assert "Regular" in english and "普通会员" not in english
    plus = _page(client, "/member/plus", {})
    assert "Priority service" in plus and "专属客服" not in plus
    client.post("/lang/zh")
    assert "普通会员" in _page(client, "/member/memberships", {})
    assert "专属客服" in _page(client, "/member/plus", {})


def test_tier_change_messages_read_in_the_readers_language(client, make_shop, make_user, make_product,
                                                           make_programme, checkout_at, settle):
    """The message keeps both names and is worded when read: Silver in English, 银牌 in Chinese."""
    shop = make_shop(slug="tea")
    programme = make_programme(shop, FOUR_TIERS)
    user = make_user()
    join_programme(programme, user, START)
    db.session.commit()
    (order,) = checkout_at(user, START, (make_product(shop, price="1000.00"), 1))
    settle(order, START + timedelta(days=1))
    params = db.session.execute(db.select(Notification.params)).scalar_one()
    assert (params["tier"], params["tier_en"]) == ("银牌", "Silver")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.post("/lang/en")
    assert "Shop: you reached Silver." in _page(client, "/member/inbox", {})
    client.post("/lang/zh")
    assert "银牌" in _page(client, "/member/inbox", {})


def test_coupon_templates_in_both_languages_on_pages_and_in_the_api(client, api, make_shop, make_user,
                                                                    make_programme):
    """The coupon centre and the API name a template in the viewer's language; name_en is bounded."""
    owner, shopper = make_user(), make_user()
    shop = make_shop(owner=owner, slug="tea")
    make_programme(shop, FOUR_TIERS)
    body = {"name": "满100减10", "name_en": "¥10 off ¥100", "kind": "amount_off", "value": "10.00",
            "min_spend": "100.00", "valid_days": 30, "claimable": True}
    created = api(owner).post("/api/v1/shops/tea/coupon-templates", json=body, headers=EN)
    assert created.status_code == 201
    assert (created.json["template"]["name"], created.json["template"]["name_zh"]) == ("¥10 off ¥100", "满100减10")
    too_long = api(owner).post("/api/v1/shops/tea/coupon-templates", json={**body, "name_en": "x" * 81})
    assert too_long.status_code == 422 and "name_en" in too_long.json["error"]["fields"]
    join_programme(programme_for(shop), shopper)
    db.session.commit()
    shopper_api = api(shopper)
    claim = shopper_api.post(f"/api/v1/shops/tea/coupon-templates/{created.json['template']['id']}/claim")
    assert claim.status_code in (200, 201)
    assert shopper_api.get("/api/v1/me/coupons", headers=EN).json["items"][0]["name"] == "¥10 off ¥100"
    assert shopper_api.get("/api/v1/me/coupons", headers=ZH).json["items"][0]["name"] == "满100减10"
    client.post("/login", data={"email": shopper.email, "password": PASSWORD})
    client.post("/lang/en")
    assert "¥10 off ¥100" in _page(client, "/member/coupons", {})
    client.post("/lang/zh")
    assert "满100减10" in _page(client, "/member/coupons", {})


def test_membership_api_names_the_tier_in_the_requests_language(api, make_shop, make_user, make_programme):
    """GET /me/memberships: level.name is Regular in English, 普通会员 in Chinese."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    user = make_user()
    join_programme(programme, user)
    db.session.commit()
    names = {lang: [m["level"]["name"] for m in api(user).get(f"/api/v1/me/memberships?lang={lang}").json["items"]]
             for lang in ("en", "zh")}
    assert names == {"en": ["Regular"], "zh": ["普通会员"]}


def _put_programme(api, owner, doc):
    return api(owner).client.put("/api/v1/shops/tea/programme", json=doc,
                                 headers={"Authorization": f"Bearer {api(owner).token}", **EN})


@pytest.mark.parametrize("path,value,field", [
    (("levels", "tiers", 0, "name_en"), "x" * 41, "levels.tiers.0.name_en"),
    (("levels", "tiers", 0, "name_en"), 7, "levels.tiers.0.name_en"),
    (("levels", "tiers", 2, "perks_en"), ["Priority shipping", "Extra"], "levels.tiers.2.perks_en"),
    (("levels", "tiers", 2, "perks_en"), ["x" * 81], "levels.tiers.2.perks_en.0"),
    (("levels", "tiers", 2, "perks_en"), ["x"] * 21, "levels.tiers.2.perks_en"),
    (("name_en",), "x" * 81, "name_en"),
])
def test_programme_document_validates_the_english_names(api, make_shop, make_user, path, value, field):
    """Too long, not text, or perks that do not pair up with the Chinese ones: 422 naming the field."""
    owner = make_user()
    make_shop(owner=owner, slug="tea")
    doc = copy.deepcopy(FOUR_TIERS)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    reply = _put_programme(api, owner, doc)
    assert reply.status_code == 422 and field in reply.json["error"]["fields"], reply.json
    saved = _put_programme(api, owner, {**copy.deepcopy(FOUR_TIERS), "name_en": "Four tiers"})
    assert saved.status_code == 200
    assert saved.json["programme"]["levels"]["tiers"][1]["name_en"] == "Silver"


def test_the_programme_editor_keeps_english_names_and_perks(client, owner, make_programme):
    """The editor shows and saves a tier's English name and perks and the programme's English name."""
    make_programme(owner["shop"], FOUR_TIERS)
    url = "/admin/tea/loyalty/programme"
    data = _form(client, url)
    assert data["tiers-1-name_en"] == "Silver" and data["tiers-3-perks_en"] == "Priority service, Priority shipping"
    data.update({"name_en": "Four tiers EN", "tiers-0-name_en": "Basic", "tiers-0-perks": "积分, 包邮",
                 "tiers-0-perks_en": "Points, Free shipping"})
    assert client.post(url, data={**data, "action": "save"}).status_code == 302
    doc = programme_for(owner["shop"]).document
    assert doc["name_en"] == "Four tiers EN"
    assert (doc["levels"]["tiers"][0]["name_en"], doc["levels"]["tiers"][0]["perks_en"]) == (
        "Basic", ["Points", "Free shipping"])
    refused = client.post(url, data={**data, "tiers-0-perks_en": "Only one", "action": "save"})
    assert refused.status_code == 422
    assert "Give one English perk for each perk, in the same order." in refused.get_data(as_text=True)
    assert programme_for(owner["shop"]).version == 2


def test_checkout_labels_use_the_tiers_english_name(api, make_shop, make_user, make_product, make_programme):
    """The member-price adjustment on a quote line names the tier in the request's language."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    user = make_user()
    join_programme(programme, user)
    doc = copy.deepcopy(VANCL)
    doc["levels"]["tiers"][0]["discount"] = "0.90"
    make_programme(shop, doc)
    product = make_product(shop, price="100.00")
    quote = api(user).post("/api/v1/checkout/quote", json={"lines": [{"product_id": product.id, "qty": 1}]},
                           headers=EN).json
    labels = [a["label"] for a in quote["orders"][0]["lines"][0]["adjustments"]]
    assert any("Regular" in label for label in labels), labels
    assert quote["orders"][0]["lines"][0]["net"] == str(Decimal("90.00"))


def test_coupon_template_pages_take_and_change_the_english_name(client, owner, make_programme):
    """The merchant's new-coupon form and edit form carry name_en; too long is a 422 and saves nothing."""
    make_programme(owner["shop"], FOUR_TIERS)
    good = {"name": "满100减10", "name_en": "¥10 off ¥100", "kind": "amount_off", "value": "10", "min_spend": "100",
            "per_member_limit": 1, "valid_days": 30}
    assert client.post("/admin/tea/loyalty/coupons", data={**good, "name_en": "x" * 81}).status_code == 422
    assert db.session.execute(db.select(CouponTemplate)).first() is None
    assert client.post("/admin/tea/loyalty/coupons", data=good).status_code == 302
    template = db.session.execute(db.select(CouponTemplate)).scalar_one()
    assert template.name_en == "¥10 off ¥100"
    assert "¥10 off ¥100" in _page(client, "/admin/tea/loyalty/coupons", {})
    edit = f"/admin/tea/loyalty/coupons/{template.id}"
    data = {"name": "满100减10", "name_en": "Ten off", "per_member_limit": 1, "valid_days": 30}
    assert client.post(edit, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).name_en == "Ten off"
    assert client.post(edit, data={**data, "name_en": "x" * 81}).status_code == 422
