"""Every idempotency key the loyalty plugin writes, built in one place.

A key is what makes a ledger row, an issued coupon, a handled event, a notice or a queued job happen
once: a replay builds the same key and the unique index refuses the copy. Stored rows hold these
strings, so each format is fixed for good; a new rule gets a new function, never a changed one.
"""

from __future__ import annotations

from datetime import date, datetime

# Orders: checkout, payment, settlement.


def paid(order_id: int) -> str:
    """The handled event of an order's payment (pending points, credit rows)."""
    return f"paid:{order_id}"


def settled(order_id: int) -> str:
    """The handled event of an order's settlement."""
    return f"settled:{order_id}"


def refunded(refund_id: int) -> str:
    """The handled event of one refund."""
    return f"refund:{refund_id}"


def redeem(order_id: int, member_id: int) -> str:
    """The points a membership spends on an order (a full refund finds its lots by this key)."""
    return f"redeem:{order_id}:{member_id}"


def earn(order_id: int, member_id: int) -> str:
    """The pending points an order earns in a programme at payment."""
    return f"earn:{order_id}:{member_id}"


def rule_grant(order_id: int, member_id: int, rule: str) -> str:
    """What one earning rule gave an order in a programme (taken from its caps and budget once)."""
    return f"rule-grant:{order_id}:{member_id}:{rule}"


def unlock(order_id: int, member_id: int) -> str:
    """The pending points of an order leaving the pending bucket at settlement."""
    return f"unlock:{order_id}:{member_id}"


def earned(order_id: int, member_id: int) -> str:
    """The points an order earned becoming available at settlement."""
    return f"earned:{order_id}:{member_id}"


def metric(order_id: int, member_id: int) -> str:
    """The level metric an order counts for a membership."""
    return f"metric:{order_id}:{member_id}"


def rebate(order_id: int, member_id: int) -> str:
    """The tier's wallet rebate on a settled order."""
    return f"rebate:{order_id}:{member_id}"


def wallet_payment(order_id: int, balance: str) -> str:
    """One wallet balance ("cash", "bonus") paying part of an order."""
    return f"pay:{order_id}:{balance}"


# Refunds: each part of one refund, under the refund's own key.


def refund_wallet(refund_key: str, method: str) -> str:
    """Wallet money a refund gives back to a payment method's balance ("wallet_cash", "wallet_bonus")."""
    return f"{refund_key}:{method}"


def refund_points(refund_key: str, member_id: int) -> str:
    """Redeemed points a refund gives back."""
    return f"{refund_key}:points:{member_id}"


def refund_pending(refund_key: str, member_id: int) -> str:
    """Pending points a refund cancels."""
    return f"{refund_key}:pending:{member_id}"


def refund_clawback(refund_key: str, member_id: int) -> str:
    """Earned points a refund after settlement takes back."""
    return f"{refund_key}:clawback:{member_id}"


def refund_metric(refund_key: str, member_id: int) -> str:
    """Level metric a refund takes back."""
    return f"{refund_key}:metric:{member_id}"


# Memberships.


def join(member_id: int) -> str:
    """The joining bonus."""
    return f"join:{member_id}"


def join_coupon(template_id: int, user_id: int) -> str:
    """The joining coupon."""
    return f"join:{template_id}:{user_id}"


def check_in(member_id: int, day: date) -> str:
    """A day's check-in bonus (the tenant-local day)."""
    return f"check-in:{member_id}:{day.isoformat()}"


def growth_check_in(member_id: int, day: date) -> str:
    """A day's check-in growth value."""
    return f"growth-check-in:{member_id}:{day.isoformat()}"


def review(review_id: int) -> str:
    """A review's points."""
    return f"review:{review_id}"


def growth_review(review_id: int) -> str:
    """A review's growth value."""
    return f"growth-review:{review_id}"


def upgrade(cause: str) -> str:
    """The tier change an upgrade makes, under the key of the metric credit that caused it."""
    return f"up:{cause}"


def tier_notice(change_key: str) -> str:
    """The notice of a tier change, under the change's key."""
    return f"tier:{change_key}"


def period_end(member_id: int, end: datetime) -> str:
    """The tier change at the end of a validity period."""
    return f"period:{member_id}:{end.isoformat()}"


def rolling(member_id: int, boundary: str) -> str:
    """The tier change of a rolling window's evaluation at a calendar boundary ("2026-11")."""
    return f"rolling:{member_id}:{boundary}"


def tier_purchase(user_id: int, request_key: str) -> str:
    """A paid tier's purchase (also the gateway charge's key)."""
    return f"tier:{user_id}:{request_key}"


def fee_payment(purchase_key: str, balance: str) -> str:
    """One wallet balance paying a paid tier's fee."""
    return f"{purchase_key}:{balance}"


def birthday(member_id: int, year: int) -> str:
    """A year's birthday points, and their notice."""
    return f"birthday:{member_id}:{year}"


def birthday_coupon(template_id: int, user_id: int, year: int) -> str:
    """A year's birthday coupon."""
    return f"birthday:{template_id}:{user_id}:{year}"


def level_coupon(template_id: int, user_id: int, period: str) -> str:
    """A tier's monthly or quarterly coupon for a period ("2026-11", "2026-Q4")."""
    return f"level:{template_id}:{user_id}:{period}"


def referral(programme_id: int, user_id: int) -> str:
    """The referrer's reward for the referred user's first settled order (re-keyed so by loyalty_0008)."""
    return f"referral:{programme_id}:{user_id}"


def referee(programme_id: int, user_id: int) -> str:
    """The referred member's own points when their first order settles in a programme."""
    return f"referee:{programme_id}:{user_id}"


def referee_coupon(template_id: int, user_id: int) -> str:
    """The coupon a referred member receives when their first order settles."""
    return f"referee-coupon:{template_id}:{user_id}"


def referral_record(programme_id: int, user_id: int) -> str:
    """The one referral record of a referred user in a programme."""
    return f"referral-record:{programme_id}:{user_id}"


def payment_card(user_id: int, fingerprint: str) -> str:
    """A card a user has paid with, remembered once (for the same-card check of referrals)."""
    return f"card:{user_id}:{fingerprint}"


# Coupons and pushes.


def claim(template_id: int, user_id: int, ordinal: int) -> str:
    """The member's n-th coupon of a template by claim (n up to the per-member limit)."""
    return f"{template_id}:{user_id}:{ordinal}"


def sent_coupon_notice(coupon_id: int) -> str:
    """The inbox message telling a member that the shop's staff sent them a coupon."""
    return f"sent-coupon:{coupon_id}"


def exchange(coupon_id: int) -> str:
    """The points paid for a coupon bought with points."""
    return f"exchange:{coupon_id}"


def push(push_id: int) -> str:
    """The prefix of a push's coupons and messages, completed with the user id (in SQL for a whole chunk)."""
    return f"push:{push_id}:"


def push_coupon(push_id: int, user_id: int) -> str:
    """The coupon a push issues to one user."""
    return f"{push(push_id)}{user_id}"


def push_start(push_id: int) -> str:
    """The queued job starting a push."""
    return f"push:{push_id}:start"


def push_chunk(push_id: int, start: int) -> str:
    """The queued job of a push's chunk of targets from id `start`."""
    return f"push:{push_id}:{start}"


# Points and wallet.


def expire(lot_id: int, amount: int, points: int, at: datetime) -> str:
    """A lot's remaining points lapsing at a moment."""
    return f"expire:{lot_id}:{amount}:{points}:{at.isoformat()}"


def points_adjustment(member_id: int, request_key: str) -> str:
    """A staff adjustment of a member's points."""
    return f"adjust:{member_id}:{request_key}"


def wallet_adjustment(wallet_id: int, request_key: str) -> str:
    """An operator's adjustment of a wallet."""
    return f"adjust:{wallet_id}:{request_key}"


def top_up_charge(request_key: str) -> str:
    """The gateway charge of a wallet top-up."""
    return f"top-up:{request_key}"


def top_up(user_id: int, request_key: str) -> str:
    """The cash a top-up adds to the wallet."""
    return f"top-up:{user_id}:{request_key}"


# Reminders: once per lot and threshold, per inactivity moment, per level period and per tier change.


def expiry_reminder(lot_id: int, days: int) -> str:
    """A lot's reminder `days` before it lapses (fixed and year-end expiry)."""
    return f"remind:lot:{lot_id}:{days}"


def inactivity_reminder(member_id: int, lapses_at: datetime, days: int) -> str:
    """The reminder `days` before everything a member holds lapses for inactivity at that moment."""
    return f"remind:idle:{member_id}:{lapses_at.isoformat()}:{days}"


def keep_reminder(member_id: int, period_end: datetime) -> str:
    """The reminder of what keeps the tier before a level period (or a rolling window's boundary) ends."""
    return f"remind:keep:{member_id}:{period_end.isoformat()}"


def reached_reminder(change_key: str) -> str:
    """The "you reached" message of one upward tier change (its TierChange key)."""
    return f"remind:reached:{change_key}"


def reminder_message(reminder_key: str) -> str:
    """The key prefix of a reminder's messages (write_marketing adds "<user>:<channel>")."""
    return f"{reminder_key}:"
def template_budget(template_id: int) -> str:
    """The owner name of a coupon template's budget (its spend rows hold it)."""
    return f"template:{template_id}"


def rule_budget(rule_name: str) -> str:
    """The owner name of an earning rule's budget (the earning rules take from it; the Budgets page reads it)."""
    return f"rule:{rule_name}"


def rule_member_cap(rule_name: str, membership_id: int) -> str:
    """The owner name of one member's cap under an earning rule."""
    return f"rule:{rule_name}:member:{membership_id}"


def push_budget(push_id: int) -> str:
    """The owner name of a push's budget (its spend rows hold it)."""
    return f"push:{push_id}"
# Points mall.


def mall_spend(line_id: int) -> str:
    """The points an order line bought in a points mall spends (its refund finds the lots by this key)."""
    return f"mall:{line_id}"


def mall_return(line_id: int, returned: int) -> str:
    """Points of a points-mall line given back once `returned` of its units in all are refunded or cancelled."""
    return f"mall-return:{line_id}:{returned}"
# Member events.


def event_report(programme_id: int, source: str, key: str) -> str:
    """A member event reported to a programme under its reporter's key (source "api", or a built-in event's name)."""
    return f"event-report:{programme_id}:{source}:{key}"


def event(member_id: int, name: str, slot: str) -> str:
    """A member event's points in one slot of its limit: the n-th time ("1"), a local day or an ISO week."""
    return f"event:{member_id}:{name}:{slot}"
