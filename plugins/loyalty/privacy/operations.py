"""Loyalty data of one shopper: collected for their export, scrubbed on erasure with every amount kept."""

from __future__ import annotations

from flask_babel import gettext as _

from mall.extensions import db
from mall.money import format_money
from mall.privacy.operations import row_json, rows_json, scrub
from plugins.loyalty import keys
from plugins.loyalty.checkout.models import OrderCredit
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.events.models import EventReport
from plugins.loyalty.members.models import (
    LevelCredit,
    MemberNote,
    Membership,
    MemberTag,
    MemberTagging,
    TierChange,
    TierPurchase,
)
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.pointsmall.models import MallCount, MallPurchase
from plugins.loyalty.pushes.models import PushResult, PushTarget
from plugins.loyalty.referrals.models import PaymentCard, Referral
from plugins.loyalty.reminders.models import Reminder, ReminderPreference
from plugins.loyalty.rules.models import RuleGrant
from plugins.loyalty.wallet.models import Wallet, WalletEntry

#: Per-membership tables, by the name the export gives them.
MEMBERSHIP_TABLES = {"points_ledger": PointsEntry, "points_lots": PointsLot, "tier_changes": TierChange,
                     "paid_membership": TierPurchase, "level_credits": LevelCredit, "order_credits": OrderCredit,
                     "rule_grants": RuleGrant, "points_mall_purchases": MallPurchase}


def _membership(m: Membership) -> dict:
    """One membership with its ledgers, the shops' tags and note about the member."""
    tags = db.session.execute(db.select(MemberTag.name).join(MemberTagging, MemberTagging.tag_id == MemberTag.id)
                              .where(MemberTagging.membership_id == m.id).order_by(MemberTag.name)).scalars().all()
    note = db.session.execute(db.select(MemberNote.body).filter_by(membership_id=m.id)).scalar_one_or_none()
    counts = db.session.execute(db.select(MallCount).filter_by(membership_id=m.id)).scalars()
    return {**row_json(m), "programme": m.programme.key, "tags": list(tags), "note": note,
            "points_mall_counts": [row_json(c) for c in counts],
            **{name: rows_json(model, model.membership_id == m.id) for name, model in MEMBERSHIP_TABLES.items()}}


def collect(user) -> dict:
    """The shopper's loyalty data: memberships and their ledgers, wallet, coupons, referrals, reminders, events."""
    memberships = db.session.execute(db.select(Membership).filter_by(user_id=user.id).order_by(Membership.id)
                                     ).scalars()
    wallet = db.session.execute(db.select(Wallet).filter_by(user_id=user.id)).scalar_one_or_none()
    return {
        "memberships": [_membership(m) for m in memberships],
        "wallet": None if wallet is None else {
            **row_json(wallet), "ledger": rows_json(WalletEntry, WalletEntry.wallet_id == wallet.id)},
        "coupons": rows_json(Coupon, Coupon.user_id == user.id),
        # Only the ids of the other side: a referral names nobody else's personal data.
        "referrals": rows_json(Referral, (Referral.referrer_id == user.id) | (Referral.referee_id == user.id)),
        "payment_cards": rows_json(PaymentCard, PaymentCard.user_id == user.id),
        "reminders": rows_json(Reminder, Reminder.user_id == user.id),
        "reminder_preferences": rows_json(ReminderPreference, ReminderPreference.user_id == user.id),
        "events": rows_json(EventReport, EventReport.user_id == user.id),
        "pushes": {"targeted": rows_json(PushTarget, PushTarget.user_id == user.id),
                   "results": rows_json(PushResult, PushResult.user_id == user.id)},
    }


def blockers(user) -> list[str]:
    """Cash in the wallet is the shopper's own money: it must be spent (or refunded) before the account goes."""
    cash = db.session.execute(db.select(Wallet.cash).filter_by(user_id=user.id)).scalar_one_or_none()
    if cash:
        return [_("Your wallet holds ¥%(amount)s of your own money: spend it first, because a deleted account "
                  "can no longer use it.", amount=format_money(cash))]
    return []


def anonymise(user, words: list[str]) -> None:
    """Remove the shops' notes and tags about the member and card fingerprints; ledger reasons lose the member's
    name (their amounts, kinds and keys stay, so balances, settlement and the audit are unchanged)."""
    ids = db.select(Membership.id).filter_by(user_id=user.id).scalar_subquery()
    db.session.execute(db.delete(MemberNote).where(MemberNote.membership_id.in_(ids)))
    db.session.execute(db.delete(MemberTagging).where(MemberTagging.membership_id.in_(ids)))
    # A fingerprint links a card to a person across accounts (its key names it too); an erased card row stays
    # only as a count. The erased account never pays again, so its keys need not match a fingerprint any more.
    for card in db.session.execute(db.select(PaymentCard).filter_by(user_id=user.id)).scalars():
        card.fingerprint = f"erased:{card.id}"
        card.idempotency_key = keys.payment_card(user.id, card.fingerprint)
    wallet_ids = db.select(Wallet.id).filter_by(user_id=user.id).scalar_subquery()
    for model, owned in ((PointsEntry, PointsEntry.membership_id.in_(ids)),
                         (WalletEntry, WalletEntry.wallet_id.in_(wallet_ids))):
        for entry in db.session.execute(db.select(model).where(owned, model.reason.is_not(None))).scalars():
            entry.reason = scrub(entry.reason, words)
