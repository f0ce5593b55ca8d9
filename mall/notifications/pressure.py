"""Marketing pressure limits: a weekly cap per member across all shops, and quiet hours in the shop's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func

from mall.extensions import db
from mall.notifications.models import MarketingContact, MarketingPolicy

WEEK = timedelta(days=7)
#: Channels that interrupt (a phone buzzes); quiet hours hold these back, never the silent inbox.
INTERRUPTING = ("email", "sms")


def policy() -> MarketingPolicy:
    """The operator's policy, with the defaults until one is saved."""
    current = db.session.get(MarketingPolicy, 1)
    if current is not None:
        return current
    # Not saved yet: the columns' own defaults, unsaved (the messages page saves it on first submit).
    return MarketingPolicy(id=1, **{c.key: c.default.arg for c in MarketingPolicy.__table__.columns
                                    if c.default is not None and not callable(c.default.arg)})


def quiet_until(rules: MarketingPolicy, tz_name: str, at: datetime) -> datetime | None:
    """When the quiet hours around `at` end (UTC), or None when `at` is not in them."""
    start, end = rules.quiet_start, rules.quiet_end
    if start == end:
        return None
    local = at.astimezone(ZoneInfo(tz_name))
    hour = local.hour
    quiet = start <= hour < end if start < end else (hour >= start or hour < end)
    if not quiet:
        return None
    ends = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(UTC)


def at_cap(rules: MarketingPolicy, user_ids, at: datetime) -> set[int]:
    """The users who already received the week's allowance of marketing messages (one grouped query)."""
    if rules.weekly_cap is None or not user_ids:
        return set()
    rows = db.session.execute(
        db.select(MarketingContact.user_id).where(MarketingContact.user_id.in_(list(user_ids)),
                                                  MarketingContact.at > at - WEEK)
        .group_by(MarketingContact.user_id).having(func.count(MarketingContact.id) >= rules.weekly_cap)).scalars()
    return set(rows)
