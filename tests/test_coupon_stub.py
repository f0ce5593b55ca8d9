"""The coupon stub's words, rendered through the app in Chinese and English: value, condition, scope, validity,
state; and the member menu's counts, one query each whatever the number of coupons."""

from datetime import timedelta

import pytest
from flask import render_template_string

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from tests.fixtures.factories import PASSWORD
from tests.queries import recorded_statements

STUB = '{% from "loyalty/coupons/_stub.html" import stub %}{{ stub(template, coupon=coupon, state=state) }}'
CALLED = ('{% from "loyalty/coupons/_stub.html" import stub %}'
          '{% call stub(template, state=None) %}<button data-test="act">Go</button>{% endcall %}')


def _render(app, lang, template, coupon=None, state=None, source=STUB) -> str:
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        return render_template_string(source, template=template, coupon=coupon, state=state)


@pytest.fixture
def templates(make_programme, make_shop, make_product):
    shop = make_shop(slug="tea", name_en="Tea House")
    shop.name = "茶香小铺"
    programme, platform = make_programme(shop, FOUR_TIERS), make_programme(None, PLATFORM_PROGRAMME)
    product = make_product(shop, name="龙井", name_en="Longjing")
    made = {
        "thirty": coupon_ops.create_template(programme, {"name": "满300减30", "kind": "amount_off", "value": "30",
                                                         "min_spend": "300", "valid_days": 7}),
        "ninety": coupon_ops.create_template(programme, {"name": "9折", "kind": "percent_off", "value": "0.90",
                                                         "valid_days": 7, "product_ids": [product.id],
                                                         "exclude_sale_items": True, "max_discount": "50"}),
        "platform": coupon_ops.create_template(platform, {"name": "平台券", "kind": "amount_off", "value": "10",
                                                          "valid_days": 10}),
    }
    db.session.commit()
    return made


@pytest.mark.parametrize("lang,words", [
    ("zh", {"thirty": ["¥30", "满300可用", "茶香小铺", "全店通用", "领取后7天内有效"],
            "ninety": ["9折", "无门槛", "最高减¥50", "仅限商品：龙井", "特价商品除外"],
            "platform": ["¥10", "无门槛", "平台券", "全平台通用"]}),
    ("en", {"thirty": ["¥30", "Spend ¥300", "Tea House", "Whole shop", "Valid for 7 days after claiming"],
            "ninety": ["10% off", "No minimum", "Up to ¥50 off", "Only Longjing", "excludes sale items"],
            "platform": ["¥10", "No minimum", "Platform coupon", "Any shop"]}),
])
def test_stub_words_in_both_languages(app, templates, lang, words):
    """Value large, the condition under it, whose coupon and where it applies, validity: in the viewer's language."""
    for key, expected in words.items():
        html = _render(app, lang, templates[key])
        for text in expected:
            assert text in html, f"{lang}/{key}: {text!r} not in the stub"
    assert 'class="stub-amount">¥30<' in _render(app, lang, templates["thirty"])


@pytest.mark.parametrize("lang,labels", [
    ("zh", {"available": "可用", "claimed": "已领取", "sold_out": "已抢光", "expiring": "即将过期", "used": "已使用",
            "expired": "已过期"}),
    ("en", {"available": "Usable", "claimed": "Claimed", "sold_out": "All gone", "expiring": "Expiring soon",
            "used": "Used", "expired": "Expired"}),
])
def test_stub_states_and_the_action_area(app, templates, lang, labels):
    """Every state has its label (the spent ones greyed); a call block's content lands in the action area."""
    for state, label in labels.items():
        html = _render(app, lang, templates["thirty"], state=state)
        assert f'data-state="{state}"' in html and f'class="stub-state">{label}<' in html
        assert ("stub-dim" in html) == (state in ("sold_out", "used", "expired"))
    called = _render(app, lang, templates["thirty"], source=CALLED)
    assert '<div class="stub-action"><button data-test="act">Go</button></div>' in called
    assert "stub-state" not in called and "stub-action" not in _render(app, lang, templates["thirty"])


def test_an_issued_coupon_shows_its_dates(app, templates, make_user):
    """An issued coupon gives its own dates instead of "days after claiming"."""
    user = make_user()
    coupon = coupon_ops.issue(templates["thirty"], user, "staff")
    db.session.commit()
    html = _render(app, "en", templates["thirty"], coupon=coupon)
    assert "after claiming" not in html and " – " in html


def test_coupon_and_page_states_and_nav_counts_in_one_query_each(app, client, templates, make_user):
    """The coupons page marks a coupon ending within 3 days as expiring; the menu's coupon count is one query
    however many coupons there are."""
    user = make_user()
    join_programme(templates["thirty"].programme, user)
    soon = coupon_ops.issue(templates["ninety"], user, "staff")
    soon.valid_until = clock.now() + timedelta(days=2)
    coupon_ops.issue(templates["thirty"], user, "staff")
    db.session.commit()
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with recorded_statements() as statements:
        page = client.get("/member/coupons").get_data(as_text=True)
    assert 'data-state="expiring"' in page and 'data-state="available"' in page
    assert '<span class="count" data-test="nav-count">2</span>' in page
    coupon_counts = [s for s in statements if "count(loyalty_coupons.id)" in s]
    assert len(coupon_counts) == 1, coupon_counts
    assert sum("FROM loyalty_coupon_templates" in s for s in statements) <= 1


def test_tab_bar_on_shopper_pages_only(client, make_user, make_shop):
    """Shopper pages carry the tab bar (the current tab marked, the cart's count); admin pages do not."""
    operator = make_user(operator=True)
    shop = make_shop(owner=operator)
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    home = client.get("/").get_data(as_text=True)
    assert 'data-test="tabbar"' in home and 'class="tab on" aria-current="page" data-tab="home"' in home
    assert 'href="/#shops"' in home and 'id="shops"' in home
    me = client.get("/member/overview").get_data(as_text=True)
    assert 'class="tab on" aria-current="page" data-tab="me"' in me and 'class="member-grid"' in me
    for path in ("/platform/", f"/admin/{shop.slug}/"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200 and 'data-test="tabbar"' not in response.get_data(as_text=True), path
