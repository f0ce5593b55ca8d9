"""Idempotency keys: built only in `plugins/loyalty/keys.py`, in formats that stored rows already hold."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

from plugins.loyalty import keys

PLUGIN = Path(__file__).resolve().parent.parent / "plugins" / "loyalty"
# f"tier:{code}" in checkout/operations.py names the tier a member price came from (an order
# adjustment's source, read by settlement), not an idempotency key.
NOT_KEYS = {("checkout/operations.py", "tier:")}


def _prefix(node: ast.JoinedStr) -> str | None:
    """The literal text an f-string starts with, when a formatted value follows it."""
    if len(node.values) > 1 and isinstance(node.values[0], ast.Constant) and isinstance(node.values[1],
                                                                                         ast.FormattedValue):
        return node.values[0].value
    return None


def _prefixes(path: Path) -> set[str]:
    return {p for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.JoinedStr)
            for p in [_prefix(node)] if p and p.endswith(":")}


def test_no_module_but_keys_builds_a_key():
    """Every key format keys.py knows is built there alone: a copy elsewhere could drift from it."""
    known = _prefixes(PLUGIN / "keys.py")
    assert {"paid:", "redeem:", "earn:", "birthday:", "push:", "adjust:"} <= known
    copies = []
    for path in sorted(PLUGIN.rglob("*.py")):
        name = str(path.relative_to(PLUGIN))
        if name == "keys.py" or "migrations" in path.parts:
            continue
        copies += [(name, p) for p in _prefixes(path) & known if (name, p) not in NOT_KEYS]
    assert copies == []


def test_the_formats_stored_rows_hold_do_not_change():
    """Rows written before a release hold these strings; a new format would let a replay write twice."""
    at = datetime(2026, 3, 1, 4, 30, tzinfo=UTC)
    assert [keys.paid(7), keys.settled(7), keys.refunded(3), keys.redeem(7, 2), keys.earn(7, 2),
            keys.unlock(7, 2), keys.earned(7, 2), keys.metric(7, 2), keys.rebate(7, 2),
            keys.wallet_payment(7, "bonus")] == [
        "paid:7", "settled:7", "refund:3", "redeem:7:2", "earn:7:2", "unlock:7:2", "earned:7:2", "metric:7:2",
        "rebate:7:2", "pay:7:bonus"]
    assert [keys.refund_wallet("refund:7:1", "wallet_cash"), keys.refund_points("refund:7:1", 2),
            keys.refund_pending("refund:7:1", 2), keys.refund_clawback("refund:7:1", 2),
            keys.refund_metric("refund:7:1", 2)] == [
        "refund:7:1:wallet_cash", "refund:7:1:points:2", "refund:7:1:pending:2", "refund:7:1:clawback:2",
        "refund:7:1:metric:2"]
    assert [keys.check_in(2, date(2026, 3, 1)), keys.birthday(2, 2026), keys.birthday_coupon(5, 9, 2026),
            keys.level_coupon(5, 9, "2026-03"), keys.claim(5, 9, 1), keys.push_coupon(4, 9),
            keys.push_chunk(4, 500), keys.expire(11, 100, 40, at)] == [
        "check-in:2:2026-03-01", "birthday:2:2026", "birthday:5:9:2026", "level:5:9:2026-03", "5:9:1", "push:4:9",
        "push:4:500", "expire:11:100:40:2026-03-01T04:30:00+00:00"]


def test_a_push_coupon_key_starts_with_the_push_prefix():
    """The push's progress counts its coupons by this prefix, so the two must agree."""
    assert keys.push_coupon(4, 9).startswith(keys.push(4))
    assert not keys.push_coupon(41, 9).startswith(keys.push(4))
