"""The merchant loyalty dashboard: each KPI's number on known trade, the change against the period before, bad
periods, tenancy, a bounded number of queries, and the charts' figures."""

import html
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from mall import clock
from mall.extensions import db
from plugins.loyalty import keys
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD

#: The period looked at (Shanghai days) and, before it, the ten days it is compared with.
PERIOD = "from=2026-03-01&to=2026-03-10"
NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """A UTC moment written as 'MM-DD HH:MM' in 2026."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def _charts(page: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-chart="([^"]+)"', page)]


def kpi(page: str, key: str) -> str:
    """The text of one KPI card, tags stripped and spaces squeezed."""
    block = re.search(rf'data-kpi="{key}"[^>]*>(.*?)</(?:div|a)>', page, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", block)).split())


def _login(client, user, lang="en"):
    client.post(f"/lang/{lang}")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


@pytest.fixture
def trade(make_shop, make_user, make_product, make_programme, checkout_at):
    """Three members join in the previous period and one in this; two buy in this period (one twice, with a coupon,
    one just after midnight Shanghai time on its first day), one bought only before; a non-member buys too."""
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea", return_window_days=7)
    programme = make_programme(tenant, FOUR_TIERS)
    a, b, c, d, late, stranger = (make_user() for _ in range(6))
    for user, joined in ((a, "02-20 02:00"), (b, "02-20 03:00"), (c, "02-21 02:00"), (d, "03-05 02:00"),
                         (late, "03-15 02:00")):
        join_programme(programme, user, at(joined))
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 60})
    coupons = {}
    for user, issued in ((c, "02-22 02:00"), (a, "03-02 02:00"), (b, "03-02 03:00")):
        with clock.frozen_at(at(issued)):
            coupons[user.id] = coupon_ops.issue(template, user, "staff")
    with clock.frozen_at(at("03-03 02:00")):
        member = programme_member(programme, d)
        ledger.adjust(member, 40, "Welcome gift", keys.points_adjustment(member.id, "gift"), owner, tenant)
    db.session.commit()
    product = make_product(tenant, price="100.00", stock=50)
    orders = {
        "c_before": checkout_at(c, at("02-25 02:00"), (product, 1)),
        "b_first_day": checkout_at(b, at("02-28 17:00"), (product, 1)),  # 01:00 on 1 March in Shanghai
        "a_1": checkout_at(a, at("03-02 06:00"), (product, 2)),
        "a_2": checkout_at(a, at("03-06 06:00"), (product, 1), coupons=[coupons[a.id].id]),
        "a_after": checkout_at(a, at("03-10 20:00"), (product, 1)),  # 04:00 on 11 March in Shanghai: outside
        "stranger": checkout_at(stranger, at("03-04 02:00"), (product, 1)),
    }
    return {"owner": owner, "tenant": tenant, "programme": programme, "orders": orders}


def programme_member(programme, user):
    """The user's membership of the programme."""
    from plugins.loyalty.members.operations import membership

    return membership(programme, user)


def _page(client, query=PERIOD) -> str:
    with clock.frozen_at(NOW):
        response = client.get(f"/admin/tea/loyalty/dashboard?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_kpi_counts_the_period_in_the_shops_days_against_the_period_before(client, trade):
    _login(client, trade["owner"])
    page = _page(client)
    orders = trade["orders"]
    # Four had joined by 10 March (the fifth joined later), three by 28 February: ▲ 33%.
    assert kpi(page, "members") == "Members 4 ▲ 33% before: 3"
    # a and b bought in the period (b just after local midnight on its first day), c only before: 2/4 against 1/3.
    assert kpi(page, "active_rate") == "Active rate 50% 2 of 4 ▲ 50% before: 33.3%"
    # a bought twice: 1 of 2; nobody bought twice before, so there is no change to show.
    assert kpi(page, "repurchase_rate") == "Repurchase rate 50% 1 of 2 — before: 0%"
    # 100 joining points for each of 4 members and 40 given to d; 300 before: worth ¥4.40 at 100 points a yuan.
    assert kpi(page, "liability") == "Points liability 440 pts ≈ ¥4.40 ▲ 47% before: 300 pts"
    # Two coupons issued in the period, one used; the one issued before was never used.
    assert kpi(page, "coupon_rate") == "Coupon redemption rate 50% 1 of 2 — before: 0%"
    paid = sum(o.total for key in ("b_first_day", "a_1", "a_2") for o in orders[key])
    before = sum(o.total for o in orders["c_before"])
    assert paid == before * 4 - 5  # four items, one coupon of 5 off
    grew = round((paid - before) * 100 / before)
    assert kpi(page, "revenue") == f"Revenue from members ¥{paid:.2f} ▲ {grew}% before: ¥{before:.2f}"
    assert "How these figures are counted" in page
    assert "Members with two or more paid orders in the period, out of members with at least one." in page


def test_the_charts_carry_the_periods_figures(client, trade):
    _login(client, trade["owner"])
    tiers, activity, points, coupons, revenue = _charts(_page(client))
    assert points["labels"][0] == "Mar 1" and len(points["labels"]) == 10
    assert points["y"] == "Points" and points["integer"] is True
    issued = points["series"][0]["data"]
    assert issued[2] == 40 and issued[4] == 100  # the gift on 3 March, d's joining points on 5 March
    assert coupons["series"][0]["data"][1] == 2 and coupons["series"][1]["data"][5] == 1
    assert sum(tiers["series"][0]["data"]) == 5
    assert revenue["money"] is True and revenue["series"][0]["data"][0] != "0.00"
    assert sum(activity["series"][0]["data"]) == 5


def test_a_falling_figure_points_down(client, trade):
    """The ten days after the period: nobody joined the programme's active buyers, coupons unused."""
    _login(client, trade["owner"])
    page = _page(client, "from=2026-03-11&to=2026-03-20")
    assert kpi(page, "active_rate") == "Active rate 20% 1 of 5 ▼ 60% before: 50%"


@pytest.mark.parametrize("query, message", [
    ("from=2026-03-10&to=2026-03-01", "The start date is after the end date."),
    ("from=2025-01-01&to=2026-03-01", "A range may span at most 366 days."),
    ("from=yesterday&to=2026-03-01", "Dates must be given as YYYY-MM-DD."),
    ("from=2026-02-30&to=2026-03-01", "Dates must be given as YYYY-MM-DD."),
    ("from=2026-03-01", "Dates must be given as YYYY-MM-DD."),
    ("days=9999999999999999999", "Pick 7, 30 or 90 days, or a range of dates."),
    ("days=-7", "Pick 7, 30 or 90 days, or a range of dates."),
    ("from=0001-01-01&to=0001-01-02", "Pick dates between 2000 and next year."),
    ("from=9999-12-30&to=9999-12-31", "Pick dates between 2000 and next year."),
])
def test_a_bad_period_shows_a_message_and_the_last_30_days(client, trade, query, message):
    _login(client, trade["owner"])
    page = _page(client, query)
    assert message in page and "Showing the last 30 days." in page
    assert 'value="2026-02-19"' in page and 'value="2026-03-20"' in page  # the default: 30 days to today


def test_presets_pick_the_last_days(client, trade):
    _login(client, trade["owner"])
    page = _page(client, "days=7")
    assert 'value="2026-03-14"' in page and 'value="2026-03-20"' in page and 'aria-current="true">7 days' in page
    assert "role=\"alert\"" not in page


def test_another_shops_staff_see_only_their_own_numbers(client, trade, make_shop, make_user, make_programme):
    other_owner = make_user()
    ink = make_programme(make_shop(owner=other_owner, slug="ink"), FOUR_TIERS)
    join_programme(ink, make_user(), at("03-02 02:00"))
    db.session.commit()
    _login(client, other_owner)
    with clock.frozen_at(NOW):
        page = client.get(f"/admin/ink/loyalty/dashboard?{PERIOD}").get_data(as_text=True)
        assert client.get(f"/admin/tea/loyalty/dashboard?{PERIOD}").status_code in (403, 404)
    assert kpi(page, "members") == "Members 1 — before: 0"
    assert kpi(page, "revenue").startswith("Revenue from members ¥0.00")


def _queries(client, query) -> int:
    seen = []

    def note(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        _page(client, query)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(seen)


def test_the_page_reads_the_same_number_of_times_however_many_members(client, trade, make_user, checkout_at,
                                                                        make_product):
    _login(client, trade["owner"])
    _page(client)  # the first page of a session also loads what the session caches
    few = _queries(client, PERIOD)
    product = make_product(trade["tenant"], price="10.00", stock=50)
    for i in range(6):
        user = make_user()
        join_programme(trade["programme"], user, at("03-01 02:00"))
        db.session.commit()
        checkout_at(user, at(f"03-0{i + 2} 02:00"), (product, 1))
    _page(client)
    assert _queries(client, PERIOD) == few <= 20
    assert _queries(client, "from=2025-03-11&to=2026-03-10") == few  # a year in months reads no more


def test_empty_dashboard_says_what_to_do(client, make_shop, make_user, make_programme):
    """Without members there are no charts, just the join link and the way to the programme."""
    owner = make_user()
    make_programme(make_shop(owner=owner, slug="tea"), FOUR_TIERS)
    _login(client, owner)
    page = client.get("/admin/tea/loyalty/dashboard").get_data(as_text=True)
    assert "No members yet — share your join link." in page and "data-chart" not in page
    assert 'value="http://localhost/s/tea/"' in page and "/admin/tea/loyalty/programme" in page


def test_zh_page_has_the_cards_in_chinese(client, trade):
    _login(client, trade["owner"], "zh")
    page = _page(client)
    assert 'data-kpi="members"' in page and "≈ ¥4.40" in page


def test_a_quiet_period_says_what_to_do_instead_of_empty_charts(client, trade):
    """Early January: members by tier and activity are still drawn; points, coupons and revenue say what to do."""
    _login(client, trade["owner"])
    page = _page(client, "from=2026-01-01&to=2026-01-10")
    assert len(_charts(page)) == 2
    assert "No coupons issued in this period — create a coupon or a push." in page
    assert "No member orders in this period — invite members back with a coupon push." in page
    assert "No points moved in this period" in page and kpi(page, "members") == "Members 0 — before: 0"
