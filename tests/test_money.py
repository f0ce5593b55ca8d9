"""Property tests of the money helpers."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from mall.money import floor_to_cent, round_half_up, spread_pro_rata

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
weights = st.lists(st.integers(min_value=0, max_value=1_000_000).map(lambda c: Decimal(c) / 100), min_size=1,
                   max_size=12)


def test_round_half_up_examples():
    assert round_half_up("0.005") == Decimal("0.01")
    assert round_half_up("0.004") == Decimal("0.00")
    assert round_half_up("-0.005") == Decimal("-0.01")
    assert floor_to_cent("1.999") == Decimal("1.99")


@given(total=cents, ws=weights)
def test_spread_sums_exactly_and_remainder_on_largest(total, ws):
    shares = spread_pro_rata(total, ws)
    assert sum(shares) == total
    assert all(s == s.quantize(Decimal("0.01")) for s in shares)
    if sum(ws) > 0:
        largest = max(range(len(ws)), key=lambda i: (ws[i], -i))
        for i, (w, s) in enumerate(zip(ws, shares, strict=True)):
            if i != largest:
                assert s == round_half_up(total * w / sum(ws))


@given(total=cents, ws=weights)
def test_spread_is_proportional_within_rounding(total, ws):
    whole = sum(ws)
    shares = spread_pro_rata(total, ws)
    if whole:
        for w, s in zip(ws, shares, strict=True):
            assert abs(s - total * w / whole) <= Decimal("0.005") * len(ws) + Decimal("0.005")


def test_spread_ties_go_to_first():
    assert spread_pro_rata("0.01", ["1", "1", "1"]) == [Decimal("0.01"), Decimal("0.00"), Decimal("0.00")]
    assert spread_pro_rata("10.00", ["1", "2", "1"]) == [Decimal("2.50"), Decimal("5.00"), Decimal("2.50")]
