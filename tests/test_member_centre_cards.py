"""The member centre's cards: tier progress with its deadline, points expiring soon under each expiry policy, the
tier ladder's words, and the overview's reads staying flat as programmes are added."""

from datetime import timedelta
from decimal import Decimal

from flask import render_template_string
from flask_babel import refresh

from mall import clock
from mall.extensions import db
from plugins.loyalty.centre import operations as centre
from plugins.loyalty.members.operations import credit_metric, join_programme
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME, VANCL
from tests.fixtures.factories import PASSWORD
from tests.queries import recorded_statements


def _world(make_programme, make_shop, make_user):
    now = clock.now()
    platform = make_programme(None, PLATFORM_PROGRAMME)
    tea, style = make_programme(make_shop(slug="tea"), FOUR_TIERS), make_programme(make_shop(slug="style"), VANCL)
    user = make_user()
    members = {key: join_programme(p, user, now)[0] for key, p in (("platform", platform), ("tea", tea),
                                                                   ("style", style))}
    return user, members, now


def test_cards_show_progress_deadline_and_expiring_points(app, make_programme, make_shop, make_user):
    """Four tiers (lifetime): 620 of 1,000 to Silver, no deadline; VANCL (validity): VIP after 2,100, SVIP's
    2,500 due by the period's end; points of a fixed-expiry lot and of an inactive VANCL member lapse soon."""
    user, members, now = _world(make_programme, make_shop, make_user)
    credit_metric(members["tea"], Decimal("620.00"), "t:tea", now)
    credit_metric(members["style"], Decimal("2100.00"), "t:style", now)
    ledger.credit(members["tea"], 40, "earn", "t:soon", expires_at=now + timedelta(days=5), at=now)
    ledger.credit(members["style"], 70, "earn", "t:style-points", at=now)
    members["style"].last_order_at = now - timedelta(days=350)
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        cards = {c["member"].programme.slug: c for c in centre.member_cards(user, now)}
        assert [c["member"].programme.slug for c in centre.member_cards(user, now)][0] == "platform"
        tea, style = cards["tea"], cards["style"]
        assert (tea["progress"]["pct"], tea["progress"]["missing_words"], tea["progress"]["by"]) == (62, "¥380", None)
        assert style["tier"].code == "vip" and style["progress"]["by"] == members["style"].period_end
        assert style["progress"]["missing_words"] == "¥2,500"
        assert (tea["expiring"], tea["expiring_first"]) == (40, now + timedelta(days=5))
        assert style["expiring"] == 70 and style["expiring_first"] == now + timedelta(days=15)
        assert cards["platform"]["expiring"] == 0
        vip = next(step for step in style["ladder"] if step["tier"].code == "vip")
        assert vip["current"] and vip["benefits"] == ["Member price 2% off", "1.5× points"]
        assert vip["requirement"] == "Reach ¥2,000; ¥1,000 a period keeps it"
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        refresh()  # the language is remembered for the app context the test runs in
        style = next(c for c in centre.member_cards(user, now) if c["member"].programme.slug == "style")
        vip = next(step for step in style["ladder"] if step["tier"].code == "vip")
        assert vip["benefits"][0] == "会员价9.8折"
        html = render_template_string('{% from "loyalty/members/_card.html" import points %}{{ points(2063) }}')
        assert '<span class="n">2,063</span> <span class="unit">积分</span>' in html


def test_overview_reads_stay_flat_as_programmes_are_added(app, client, make_programme, make_shop, make_user):
    """Three programmes or one: the overview's queries do not grow with the cards."""
    user, _members, _now = _world(make_programme, make_shop, make_user)
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with recorded_statements() as statements:
        page = client.get("/member/overview").get_data(as_text=True)
    assert page.count('data-test="member-card"') == 3
    assert sum("FROM loyalty_programmes" in s for s in statements) <= 1, statements


def test_each_level_metric_is_worded_with_its_unit(app):
    with app.test_request_context("/?lang=en", headers={"Accept-Language": "en"}):
        refresh()
        assert centre.metric_words(1, "orders") == "1 order"
        assert centre.metric_words(1200, "orders") == "1,200 orders"
        assert centre.metric_words(500, "growth") == "500 growth points"
        assert centre.metric_words(Decimal("2000"), "spend").startswith("¥2,000")
