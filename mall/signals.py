"""Lifecycle signals: the core's extension points for plugins.

Receivers run inside the request's transaction (after flush, before commit), so what they
write commits or rolls back together with the event. Return values are ignored unless a
signal says otherwise. Every signal is sent with `app` = the current Flask app as sender.
"""

from blinker import Namespace

_signals = Namespace()

#: kwargs: user. Sent after a platform account is created.
user_registered = _signals.signal("user-registered")

#: kwargs: tenant. Sent after a shop is created.
tenant_created = _signals.signal("tenant-created")

#: kwargs: tenant, old_status, new_status. Sent when a shop is suspended or reopened.
tenant_status_changed = _signals.signal("tenant-status-changed")

#: kwargs: checkout, orders (list), quote, user. Sent once per checkout after the orders exist
#: (pending_payment) and stock is reserved, in the transaction that commits before the gateway is
#: charged. Plugins capture their payment shares here (debit the wallet, spend points, use coupons),
#: reading what their pricing left in `quote.extensions[<plugin>]`; raising a DomainError aborts the
#: checkout. Each quote order's payment_rows() are the payments the order records. A plugin may
#: record here what paying will earn; then it must recognise the order_paid that follows (sent in a
#: later transaction, or by the tick's reconciliation) by a durable mark of its own. A declined card
#: leaves the orders pending_payment, and their cancellation (order_cancelled) undoes the captures.
checkout_placed = _signals.signal("checkout-placed")

#: kwargs: order. Sent when an order is created (status pending_payment).
order_placed = _signals.signal("order-placed")

#: kwargs: order, card. Sent when an order moves pending_payment → paid (after the gateway charged, in its
#: own transaction; see docs/payments.md). `card` is the paying card's fingerprint (gateway.fingerprint), or
#: None when no card paid or the payment was recorded without its token (reconciliation).
order_paid = _signals.signal("order-paid")

#: kwargs: order, actor. Sent when staff ship an order.
order_shipped = _signals.signal("order-shipped")

#: kwargs: order, actor. Sent when the buyer confirms receipt or staff complete an order.
order_completed = _signals.signal("order-completed")

#: kwargs: order, at (datetime). Sent exactly once per order, when the tick settles it.
order_settled = _signals.signal("order-settled")

#: kwargs: order, refund (mall.orders.models.Refund), actor. Sent for full and partial refunds.
order_refunded = _signals.signal("order-refunded")

#: kwargs: order, actor. Sent when an unshipped order is cancelled (its payment refunded).
order_cancelled = _signals.signal("order-cancelled")

#: kwargs: review. Sent after a buyer reviews an order line.
review_posted = _signals.signal("review-posted")

#: kwargs: user. Sent when a user saves their profile (name, phone, birthday, consent) on the account page.
profile_saved = _signals.signal("profile-saved")

#: kwargs: at (datetime), dry_run (bool), report (dict to add counts to). Sent by
#: `flask mall tick` after the core's own time-driven work, to each receiver in turn on a clean
#: session: a receiver runs each shop's batch through `mall.tenant_work.in_own_transaction`, which
#: commits it alone; an error a receiver lets out rolls back only what it left uncommitted.
tick = _signals.signal("tick")

#: kwargs: staff, actor, action ("added" | "changed" | "removed").
staff_changed = _signals.signal("staff-changed")
