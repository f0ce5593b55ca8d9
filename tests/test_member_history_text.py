"""Member histories read right: newest by time, an unlock as a move (not a loss), the wallet's account column,
and a refund preview that says what happens to the coupon."""

import re
from datetime import timedelta
from decimal import Decimal

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.operations import membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.wallet.models import WalletEntry
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.test_member_pages import shopper  # noqa: F401  (the fixture)


def _rows(html: str) -> list[str]:
    body = html[html.index("<h2>History</h2>"):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    return [re.sub(r"\s+", " ", row) for row in body.split("<tr>")[1:]]


def test_points_history_is_ordered_by_time_not_by_id(client, shopper):  # noqa: F811
    """An entry written later but dated earlier (a back-dated adjustment) sits below the newer ones."""
    ledger.credit(membership(shopper["programme"], shopper["user"]), 7, "adjust", "backdated",
                  reason="Older goodwill")
    db.session.commit()
    entry = db.session.execute(db.select(PointsEntry).filter_by(idempotency_key="backdated")).scalar_one()
    entry.created_at = clock.now() - timedelta(days=30)
    db.session.commit()
    rows = _rows(client.get("/member/points?programme=tea").get_data(as_text=True))
    assert "Older goodwill" in rows[-1] and "Older goodwill" not in rows[0]


def test_unlocked_points_show_as_a_move_not_a_loss(client, shopper, settle):  # noqa: F811
    """After settlement the pending 258 become available: the unlock row says so, neutral, with no −258."""
    settle(shopper["order"], clock.now())
    html = client.get("/member/points?programme=tea").get_data(as_text=True)
    (unlock,) = [row for row in _rows(html) if "Unlocked" in row]
    assert "unlocked 258" in unlock and "Pending → Available" in unlock
    assert "−258" not in unlock and "-258" not in unlock and "neg" not in unlock
    client.post("/lang/zh")
    assert "解冻 258" in client.get("/member/points?programme=tea").get_data(as_text=True)


def test_wallet_history_names_the_account_column_and_orders_by_time(client, shopper):  # noqa: F811
    """The column holding cash/bonus is "Account"; an older entry written last is listed last."""
    wallet = wallet_for(shopper["user"])
    move(wallet, "cash", Decimal("20.00"), "top_up", "new")
    move(wallet, "bonus", Decimal("5.00"), "adjust", "old", reason="Welcome gift")
    db.session.commit()
    old = db.session.execute(db.select(WalletEntry).filter_by(idempotency_key="old")).scalar_one()
    old.created_at = clock.now() - timedelta(days=10)
    db.session.commit()
    html = client.get("/member/wallet").get_data(as_text=True)
    head = html[html.index("<h2>History</h2>"):]
    assert "<th>Account</th>" in head[:head.index("</thead>")] and "<th>Balance</th>" not in head
    rows = _rows(html)
    assert "Welcome gift" in rows[-1] and "Bonus" in rows[-1] and "Cash" in rows[0]


def test_refund_preview_says_whether_the_coupon_comes_back(client, shopper, make_product, checkout_at):  # noqa: F811
    """A paid order that used a shop coupon: the preview says it comes back; once expired, that it does not."""
    coupon = db.session.execute(db.select(Coupon).filter_by(user_id=shopper["user"].id)).scalar_one()
    (order,) = checkout_at(shopper["user"], clock.now(), (make_product(shopper["shop"], price="80.00"), 1),
                           coupons=[coupon.id])
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "The coupon 10 off 50 comes back to you, valid until" in page
    coupon = db.session.get(Coupon, coupon.id)
    with clock.frozen_at(coupon.valid_until + timedelta(hours=1)):
        page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "The coupon 10 off 50 does not come back: it expired on" in page
