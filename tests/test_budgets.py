"""Budgets: a take succeeds only while the period's spend stays within the limit, whole or (for points) in part."""

from datetime import UTC, datetime
from decimal import Decimal

from plugins.loyalty.budgets.operations import shown, spent, take
from plugins.loyalty.seeds import VANCL

AT = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)


def test_whole_takes_stop_exactly_at_the_limit(make_shop, make_programme):
    """A 100-yuan monthly budget gives 30 three times, then refuses the fourth 30 but grants the last 10."""
    shop_programme = make_programme(make_shop(), VANCL)
    budget = {"amount": "100.00", "period": "month"}
    got = [take(shop_programme, "template:1", budget, Decimal("30"), AT) for _ in range(4)]
    assert got == [Decimal("30"), Decimal("30"), Decimal("30"), Decimal("0")]
    assert take(shop_programme, "template:1", budget, Decimal("10"), AT) == Decimal("10")
    assert spent(shop_programme, "template:1", budget, AT) == Decimal("100")
    assert shown(shop_programme, "template:1", budget, AT) == {"amount": "100.00", "period": "month",
                                                                "spent": "100.00"}


def test_partial_takes_grant_what_is_left_and_months_start_afresh(make_shop, make_programme):
    """Points near the end of a budget are granted in part; the next month has its own budget."""
    shop_programme = make_programme(make_shop(), VANCL)
    budget = {"points": 50, "period": "month"}
    assert take(shop_programme, "rule:x", budget, 40, AT, partial=True) == 40
    assert take(shop_programme, "rule:x", budget, 40, AT, partial=True) == 10
    assert take(shop_programme, "rule:x", budget, 40, AT, partial=True) == 0
    january = datetime(2027, 1, 2, tzinfo=UTC)
    assert take(shop_programme, "rule:x", budget, 40, january, partial=True) == 40
    assert shown(shop_programme, "rule:x", budget, AT) == {"points": 50, "period": "month", "spent": 50}
