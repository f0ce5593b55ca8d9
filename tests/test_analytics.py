"""Loyalty analytics on a small history worked out by hand: points, liability, repurchase, tiers, cohorts, RFM,
coupon revenue; the API's range checks, the pages, the CSV files and the RFM member filter."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mall import clock
from mall.extensions import db
from mall.orders.models import OrderStatus
from plugins.loyalty.analytics import operations
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.segments.operations import segment_count
from tests.analytics_support import bulk_members, paid_order
from tests.fixtures.factories import PASSWORD


def at(y, m, d):
    """Noon in Shanghai on the day, so no moment sits near a local midnight."""
    return datetime(y, m, d, 4, 0, tzinfo=UTC)


NOW = at(2026, 4, 10)
RANGE = "from=2026-01-01&to=2026-03-31"


def _entry(member, delta, kind, when, bucket="available"):
    db.session.add(PointsEntry(membership_id=member, bucket=bucket, delta=delta, kind=kind, programme_version=1,
                               idempotency_key=f"t:{member}:{kind}:{when.isoformat()}:{delta}", created_at=when))


def _lot(member, remaining, expires):
    db.session.add(PointsLot(membership_id=member, amount=remaining, remaining=remaining, expires_at=expires,
                             created_at=at(2026, 1, 1)))


@pytest.fixture
def shop(make_shop, make_user, make_programme, api):
    """Six members (A–F) with orders, coupons, points and lots, as the docstrings of the tests count them."""
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    other = make_shop(slug="coffee")
    joined = {"A": (at(2026, 1, 10), "regular"), "B": (at(2026, 1, 20), "regular"), "C": (at(2026, 2, 5), "silver"),
              "D": (at(2026, 2, 15), "silver"), "E": (at(2025, 12, 1), "gold"), "F": (at(2026, 3, 3), "gold")}
    users = {k: bulk_members(programme, 1, when, tier, prefix=f"{k.lower()}x")[0] for k, (when, tier) in joined.items()}
    mid = {k: db.session.execute(db.select(Membership.id).where(Membership.user_id == u)).scalar() for k, u in
           users.items()}
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 365})
    t = tenant.id

    def order(who, total, when, refunded="0", status=OrderStatus.COMPLETED, coupon=False, shop_id=t):
        placed = paid_order(users[who], shop_id, total, when, refunded=refunded, status=status)
        if coupon:
            db.session.add(Coupon(template_id=template.id, programme_id=programme.id, user_id=users[who],
                                  source="staff", issue_key=f"t:{placed.id}", valid_from=at(2025, 1, 1),
                                  valid_until=at(2027, 1, 1), used_order_id=placed.id, used_at=when))

    order("A", "100", at(2026, 1, 15))
    order("A", "50", at(2026, 2, 10))
    order("A", "30", at(2026, 3, 5), coupon=True)
    order("B", "200", at(2026, 1, 25))
    order("C", "80", at(2026, 2, 6), refunded="20", status=OrderStatus.PARTIALLY_REFUNDED)
    order("C", "40", at(2026, 3, 20), coupon=True)
    order("D", "120", at(2026, 3, 1))
    order("E", "300", at(2026, 1, 5))
    order("E", "100", at(2026, 2, 20), coupon=True)
    # Outside the range, in another shop, or never paid: counted nowhere.
    order("A", "999", at(2025, 9, 20))
    order("B", "999", at(2026, 4, 2))
    order("E", "999", at(2026, 2, 1), shop_id=other.id)
    order("F", "999", at(2026, 3, 10), status=OrderStatus.CANCELLED)
    for who, delta, kind, when in (("A", 1000, "earn", at(2026, 1, 15)), ("A", -300, "redeem", at(2026, 2, 10)),
                                   ("A", -100, "expire", at(2026, 3, 30)), ("B", 500, "earn", at(2026, 1, 25)),
                                   ("B", -100, "redeem", at(2026, 4, 5)), ("E", 2000, "earn", at(2025, 12, 5)),
                                   ("E", -500, "expire", at(2026, 2, 1)), ("E", -200, "redeem", at(2026, 3, 10)),
                                   ("C", 100, "join", at(2026, 2, 5))):
        _entry(mid[who], delta, kind, when)
    _entry(mid["C"], 999, "earn", at(2026, 2, 6), bucket="pending")
    _lot(mid["A"], 600, at(2026, 5, 15))
    _lot(mid["A"], 50, at(2027, 6, 1))
    _lot(mid["B"], 400, at(2026, 4, 20))
    _lot(mid["E"], 1300, at(2026, 12, 1))
    _lot(mid["C"], 100, None)
    db.session.commit()
    return {"programme": programme, "owner": owner, "api": api(owner), "tenant": tenant, "mid": mid}


def _figures(shop):
    period = operations.Months(datetime(2026, 1, 1).date(), datetime(2026, 3, 31).date(), "Asia/Shanghai")
    with clock.frozen_at(NOW):
        return operations.figures(shop["programme"], period, ["regular", "silver", "gold", "diamond"])


def test_points_redemption_and_breakage(shop):
    """Issued 1,000 + 500 + 100 = 1,600 (E's 2,000 came in December, C's 999 are pending); redeemed 300 + 200;
    expired 500 + 100: redemption 500 / 1,600 = 31.25 % (31.3), breakage 600 / 1,600 = 37.5 %."""
    pts = _figures(shop)["points"]
    assert (pts["issued"], pts["redeemed"], pts["expired"]) == (1600, 500, 600)
    assert pts["series"] == {"issued": [1500, 100, 0], "redeemed": [0, 300, 200], "expired": [0, 500, 100]}
    assert (pts["redemption_rate"], pts["breakage"]) == (Decimal("31.3"), Decimal("37.5"))


def test_liability_and_forecast(shop):
    """At the range's end: A 600 + B 500 + E 1,300 + C 100 = 2,500 pts, ¥25.00 at 100 pts a yuan (B's April spend is
    after it). Forecast from April: 2,450 in lots; 400 lapse in April, 600 in May, 1,300 in December; 100 never,
    50 after a year."""
    owed = _figures(shop)["liability"]
    assert (owed["points"], owed["value"], owed["no_expiry"], owed["later"]) == (2500, Decimal("25.00"), 100, 50)
    assert [r["expiring"] for r in owed["forecast"]] == [400, 600, 0, 0, 0, 0, 0, 0, 1300, 0, 0, 0]
    assert [r["left"] for r in owed["forecast"]] == [2050, 1450, 1450, 1450, 1450, 1450, 1450, 1450, 150, 150, 150,
                                                     150]
    assert owed["forecast"][8]["month"].isoformat() == "2026-12-01"


def test_repurchase_tiers_and_coupon_revenue(shop):
    """Buyers A (3 orders, ¥180), B (1, ¥200), C (2, ¥60 + ¥40), D (1, ¥120), E (2, ¥400): 3 of 5 bought again.
    Regular: 4 orders, ¥380, AOV ¥95, 2 per buyer; silver: 3, ¥220, ¥73.33, 1.5; gold: 2, ¥400, one buyer of two.
    Coupons: A's ¥30, C's ¥40, E's ¥100 = ¥170 of ¥1,000."""
    f = _figures(shop)
    s = f["summary"]
    assert (s["buyers"], s["repeat_buyers"], s["repurchase_rate"]) == (5, 3, Decimal("60.0"))
    rows = {t["tier"]: t for t in f["tiers"]}
    assert [(rows[c]["members"], rows[c]["buyers"], rows[c]["orders"], rows[c]["revenue"],
             rows[c]["average_order_value"], rows[c]["frequency"], rows[c]["repurchase_rate"])
            for c in ("regular", "silver", "gold", "diamond")] == [
        (2, 2, 4, Decimal("380"), Decimal("95.00"), Decimal("2.00"), Decimal("50.0")),
        (2, 2, 3, Decimal("220"), Decimal("73.33"), Decimal("1.50"), Decimal("50.0")),
        (2, 1, 2, Decimal("400"), Decimal("200.00"), Decimal("2.00"), Decimal("100.0")),
        (0, 0, 0, Decimal("0"), None, None, None)]
    c = f["coupons"]
    assert (c["coupon_revenue"], c["revenue"], c["coupon_share"], c["coupon_orders"], c["orders"]) == \
        (Decimal("170.00"), Decimal("1000.00"), Decimal("17.0"), 3, 9)
    assert c["with_coupon"] == [0, 100, 70] and c["without"] == [600, 110, 120]


def test_cohorts_by_join_month(shop):
    """January's A and B both bought in January, A again in February and March; February's C bought in February,
    C and D in March; March's F never bought. E joined before the range."""
    rows = _figures(shop)["cohorts"]
    assert [(r["members"], r["bought"]) for r in rows] == [(2, [2, 1, 1]), (2, [1, 2]), (1, [0])]
    assert [r["retention"] for r in rows] == [[Decimal("100.0"), Decimal("50.0"), Decimal("50.0")],
                                              [Decimal("50.0"), Decimal("100.0")], [Decimal("0.0")]]


def test_rfm_scores_and_segments(shop):
    """Five buyers, one per quintile. R by last order: B 1, E 2, D 3, A 4, C 5; F by orders: B 1, D 2, C 3, E 4,
    A 5; M by spend: C 1, D 2, A 3, B 4, E 5. A (4; 5+3) champion, C (5; 3+1) promising, D (3; 2+2) needs
    attention, E (2; 4+5) at risk, B (1; 1+4) hibernating."""
    assert _figures(shop)["rfm"] == {"champions": 1, "loyal": 0, "promising": 1, "needs_attention": 1,
                                     "at_risk": 1, "hibernating": 1}
    with clock.frozen_at(datetime(2026, 3, 31, 10, 0, tzinfo=UTC)):  # the filter's six months: October to March
        assert segment_count(shop["programme"], {"rfm": "champions"}) == 1
        assert segment_count(shop["programme"], {"rfm": "at_risk", "tier": ["gold"]}) == 1
        assert segment_count(shop["programme"], {"rfm": "loyal"}) == 0
        reply = shop["api"].post("/api/v1/shops/tea/segments/preview", {"filter": {"rfm": "hibernating"}})
        assert reply.status_code == 200 and reply.json["count"] == 1
    assert shop["api"].post("/api/v1/shops/tea/segments/preview", {"filter": {"rfm": "vip"}}).status_code == 422


def test_api_and_its_range_checks(shop, make_user, api):
    """The API's summary matches; reversed, too long, malformed and far dates are 422; a shopper is refused (403)."""
    with clock.frozen_at(NOW):
        reply = shop["api"].get(f"/api/v1/shops/tea/analytics?{RANGE}")
        assert reply.status_code == 200
        body = reply.json
        assert (body["from"], body["to"]) == ("2026-01-01", "2026-03-31")
        assert body["summary"]["redemption_rate"] == "31.3" and body["summary"]["coupon_revenue"] == "170.00"
        assert body["summary"]["liability"] == 2500 and body["rfm"]["champions"] == 1
        default = shop["api"].get("/api/v1/shops/tea/analytics").json
        assert (default["from"], default["to"]) == ("2025-11-01", "2026-04-10")
        for bad in ("from=2026-03-01&to=2026-01-01", "from=2024-01-01&to=2026-03-31", "from=2026-13-01",
                    "to=abc", "from=1999-12-31&to=2000-01-02", "from=2101-01-01"):
            refused = shop["api"].get(f"/api/v1/shops/tea/analytics?{bad}")
            assert refused.status_code == 422, bad
        assert api(make_user()).get("/api/v1/shops/tea/analytics").status_code == 403


def _sign_in(client, user, lang="en"):
    client.post(f"/lang/{lang}")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_pages_and_csv(shop, client, make_user, make_shop, make_programme):
    """The merchant page shows the figures and links each chart's CSV; a refused range is a 422 that says why;
    a shop without members shows the empty state; the platform page is for operators only."""
    _sign_in(client, shop["owner"])
    with clock.frozen_at(NOW):
        page = client.get(f"/admin/tea/loyalty/analytics?{RANGE}")
        assert page.status_code == 200
        assert "31.3%" in page.text and "37.5%" in page.text and "¥170.00" in page.text and "60.0%" in page.text
        assert page.text.count("Download CSV") == 9
        csv = client.get(f"/admin/tea/loyalty/analytics.csv?chart=points&{RANGE}")
        assert csv.status_code == 200 and csv.mimetype == "text/csv"
        assert csv.text.splitlines()[1:] == ["Jan 2026,1500,0,0", "Feb 2026,100,300,500", "Mar 2026,0,200,100"]
        aov = client.get(f"/admin/tea/loyalty/analytics.csv?chart=aov&{RANGE}").text.splitlines()
        assert aov[1:3] == ["Regular,4,380.00,95.00", "Silver,3,220.00,73.33"]
        assert client.get(f"/admin/tea/loyalty/analytics.csv?chart=nope&{RANGE}").status_code == 404
        reversed_range = "from=2026-03-01&to=2026-01-01"
        assert client.get(f"/admin/tea/loyalty/analytics.csv?chart=points&{reversed_range}").status_code == 422
        refused = client.get("/admin/tea/loyalty/analytics?from=2026-03-01&to=2026-01-01")
        assert refused.status_code == 422 and "The end date is before the start date." in refused.text
        assert client.get("/admin/tea/loyalty/members?rfm=champions").status_code == 200
        silver = client.get(f"/admin/tea/loyalty/analytics?{RANGE}&tier=silver")
        assert silver.status_code == 200 and 'value="silver" selected' in silver.text
        cohorts = client.get(f"/admin/tea/loyalty/analytics.csv?chart=cohorts&tier=silver&{RANGE}")
        assert cohorts.text.splitlines()[1:] == ["Jan 2026,0,,,", "Feb 2026,2,50.0,100.0", "Mar 2026,0,"]
        unknown = client.get(f"/admin/tea/loyalty/analytics?{RANGE}&tier=platinum")
        assert unknown.status_code == 422 and "Unknown tier: platinum." in unknown.text
    empty_owner = make_user()
    make_programme(make_shop(owner=empty_owner, slug="empty"), FOUR_TIERS)
    client.post("/logout")
    _sign_in(client, empty_owner, "zh")
    page = client.get("/admin/empty/loyalty/analytics")
    assert page.status_code == 200 and 'class="empty"' in page.text
    assert client.get("/platform/loyalty/analytics").status_code == 403
    client.post("/logout")
    _sign_in(client, make_user(operator=True))
    assert client.get("/platform/loyalty/analytics").status_code == 404  # no platform programme yet
    make_programme(None, FOUR_TIERS)
    page = client.get("/platform/loyalty/analytics")
    assert page.status_code == 200 and "平台" not in page.text and "No members yet" in page.text


def test_cohorts_of_the_members_now_in_one_tier(shop):
    """Silver: C and D joined in February; C bought in February and March, D in March. Gold: F joined in March and
    never bought (E joined before the range). The API and the page take `tier`; an unknown one is a 422."""
    period = operations.Months(datetime(2026, 1, 1).date(), datetime(2026, 3, 31).date(), "Asia/Shanghai")
    with clock.frozen_at(NOW):
        silver = operations.cohorts(shop["programme"], period, "silver")
        gold = operations.cohorts(shop["programme"], period, "gold")
        reply = shop["api"].get(f"/api/v1/shops/tea/analytics?{RANGE}&tier=silver")
        unknown = shop["api"].get(f"/api/v1/shops/tea/analytics?{RANGE}&tier=platinum")
    assert [(r["members"], r["bought"]) for r in silver] == [(0, [0, 0, 0]), (2, [1, 2]), (0, [0])]
    assert [(r["members"], r["bought"]) for r in gold] == [(0, [0, 0, 0]), (0, [0, 0]), (1, [0])]
    assert reply.status_code == 200 and reply.json["cohort_tier"] == "silver"
    assert [c["members"] for c in reply.json["cohorts"]] == [0, 2, 0]
    assert unknown.status_code == 422 and "tier" in unknown.json["error"]["fields"]
