"""Referral rewards: paid when the referred member's first order settles, at most so many a month."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func

from mall import clock
from mall.extensions import db
from mall.insert_once import insert_once
from plugins.loyalty import keys
from plugins.loyalty.checkout.models import HandledEvent
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.programmes.operations import platform_programme, rules


def reward_referrer(order, at) -> int | None:
    """Pay the platform's referral bonus for this settled order's shopper; the entry id, or None when nothing is due.

    Only the referred member's first settled order decides: it pays once, and a later order never
    does, even when the first paid nothing (a self-referral, a referrer at the month's cap).
    """
    user = order.user
    programme = platform_programme()
    if not user.referred_by_id or programme is None:
        return None
    key = keys.referral(programme.id, user.id)
    if insert_once(HandledEvent(idempotency_key=key, created_at=at)) is None:
        return None
    from mall.accounts.models import User

    referrer = db.session.get(User, user.referred_by_id)
    r = rules(programme)
    bonus = r.bonuses.get("referral", 0)
    if referrer is None or referrer.is_disabled or not bonus or same_person(referrer, user):
        return None
    member, _created = join(programme, referrer, at)
    # Rewards of one referrer are counted and paid one at a time, so concurrent settlements keep the cap.
    db.session.execute(db.select(Membership.id).where(Membership.id == member.id).with_for_update())
    if rewards_in_month(member, at) >= r.referral_monthly_cap:
        return None
    return ledger.credit(member, bonus, "referral", key, at=at, funded_by="platform")


def same_person(referrer, user) -> bool:
    """A referral between two accounts of one person: the same phone number.

    Accounts hold no delivery address, so the phone is the only contact both sides share.
    """
    mine, theirs = _phone_digits(referrer.phone), _phone_digits(user.phone)
    return bool(mine) and mine == theirs


def _phone_digits(phone: str | None) -> str:
    """A phone number's digits, without the country code of mainland China (+86 / 0086)."""
    digits = re.sub(r"[^0-9]", "", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix):]
    return digits


def rewards_in_month(member: Membership, at: datetime) -> int:
    """Referral rewards a member received in the calendar month of `at`, in the programme's time zone."""
    zone = ZoneInfo(clock.zone_of(member.programme.tenant))
    local = at.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return db.session.execute(
        db.select(func.count()).select_from(PointsEntry).where(
            PointsEntry.membership_id == member.id, PointsEntry.kind == "referral",
            PointsEntry.created_at >= clock.as_utc(start), PointsEntry.created_at < clock.as_utc(end))
    ).scalar_one()
