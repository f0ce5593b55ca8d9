"""The shop overview: sales KPIs over a picked period against the one before, its charts, bad periods and tenancy."""

import html
import json
import re

from sqlalchemy import event

from mall import clock
from mall.extensions import db
from mall.orders import operations as orders
from tests.test_merchant_dashboard import NOW, PERIOD, _login, at, kpi


def _page(client, shop="tea", query=PERIOD) -> str:
    with clock.frozen_at(NOW):
        response = client.get(f"/admin/{shop}/?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _shop_with_trade(make_shop, make_user, make_product, checkout_at, slug="tea"):
    owner = make_user()
    tenant = make_shop(owner=owner, slug=slug)
    product = make_product(tenant, price="100.00", stock=50)
    first, second = make_user(), make_user()
    placed = {
        "before": checkout_at(first, at("02-25 02:00"), (product, 1)),
        "now_1": checkout_at(first, at("02-28 17:00"), (product, 2)),  # 1 March, 01:00 in Shanghai
        "now_2": checkout_at(second, at("03-04 02:00"), (product, 1)),
        "cancelled": checkout_at(second, at("03-05 02:00"), (product, 1)),
        "after": checkout_at(second, at("03-10 17:00"), (product, 1)),  # 11 March in Shanghai
    }
    with clock.frozen_at(at("03-05 03:00")):
        for order in placed["cancelled"]:
            orders.refund(order, owner, full=True)
        db.session.commit()
    return owner, placed


def test_sales_kpis_compare_the_period_with_the_one_before(client, make_shop, make_user, make_product, checkout_at):
    owner, placed = _shop_with_trade(make_shop, make_user, make_product, checkout_at)
    _login(client, owner)
    page = _page(client)
    now = sum(o.total for key in ("now_1", "now_2") for o in placed[key])
    before = sum(o.total for o in placed["before"])
    assert kpi(page, "revenue") == f"Revenue ¥{now:.2f} ▲ {round((now - before) * 100 / before)}% before: ¥{before:.2f}"
    assert kpi(page, "orders") == "Paid orders 2 ▲ 100% before: 1"
    assert kpi(page, "buyers") == "Buyers 2 ▲ 100% before: 1"
    assert kpi(page, "average") == f"Average order ¥{now / 2:.2f} ▲ {round((now / 2 - before) * 100 / before)}% " \
                                   f"before: ¥{before:.2f}"
    raw = re.findall(r'data-chart="([^"]+)"', page)
    counts, revenue = (json.loads(html.unescape(r)) for r in raw)
    assert counts["series"][0]["data"] == [1, 0, 0, 1, 0, 0, 0, 0, 0, 0] and counts["integer"] is True
    assert counts["x"] and counts["y"] == "Orders" and revenue["money"] is True


def test_a_bad_period_on_the_overview_shows_a_message(client, make_shop, make_user, make_product, checkout_at):
    owner, _placed = _shop_with_trade(make_shop, make_user, make_product, checkout_at)
    _login(client, owner)
    page = _page(client, query="from=2024-01-01&to=2026-03-01")
    assert "A range may span at most 366 days." in page and 'value="2026-02-19"' in page


def test_another_shops_owner_sees_only_their_sales(client, make_shop, make_user, make_product, checkout_at):
    _shop_with_trade(make_shop, make_user, make_product, checkout_at)
    other, _placed = _shop_with_trade(make_shop, make_user, make_product, checkout_at, slug="ink")
    _login(client, other)
    page = _page(client, "ink")
    assert kpi(page, "orders") == "Paid orders 2 ▲ 100% before: 1"
    with clock.frozen_at(NOW):
        assert client.get(f"/admin/tea/?{PERIOD}").status_code in (403, 404)


def test_the_overview_reads_a_bounded_number_of_times(client, make_shop, make_user, make_product, checkout_at):
    owner, _placed = _shop_with_trade(make_shop, make_user, make_product, checkout_at)
    _login(client, owner)
    _page(client)
    assert _queries_admin(client) <= 15


def _queries_admin(client) -> int:
    seen = []

    def note(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        _page(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(seen)


def test_a_shop_without_orders_says_what_to_do(client, make_shop, make_user):
    owner = make_user()
    make_shop(owner=owner, slug="tea")
    _login(client, owner)
    page = _page(client)
    assert "No orders yet — add products and share your shop page." in page and "data-chart" not in page
