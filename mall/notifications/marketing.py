"""Marketing messages to many members at once, in SQL: consent per channel, the weekly cap and quiet hours."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import JSON, String, cast, insert, literal

from mall.accounts.models import User
from mall.dbtypes import UTCDateTime
from mall.extensions import db
from mall.notifications import pressure
from mall.notifications.models import MarketingContact, Notification

#: Which users a channel can reach: consent, and somewhere to send it.
REACHABLE = {"inbox": lambda: db.true(), "email": lambda: User.consent_email.is_(True),
             "sms": lambda: User.consent_sms.is_(True) & User.phone.isnot(None)}
ADDRESS = {"inbox": lambda: db.null(), "email": lambda: User.email, "sms": lambda: User.phone}


def write_marketing(user_ids: list[int], *, key: str, kind: str, params: dict, link: str | None,
                    tenant_id: int | None, tz: str, channels, at) -> tuple[dict[int, str], list[int]]:
    """Write one marketing message per user on each channel it may use; the caller commits.

    `key` is the message's key prefix, completed with "<user>:<channel>". Returns the users held
    back (user → "weekly_cap" or "quiet_hours"; their messages deferred or dropped as the
    operator chose) and the ids of the rows to deliver now.
    """
    rules = pressure.policy()
    capped = pressure.at_cap(rules, user_ids, at)
    interrupting = [c for c in channels if c in pressure.INTERRUPTING]
    quiet_end = pressure.quiet_until(rules, tz, at) if interrupting else None
    held = {uid: "weekly_cap" for uid in capped}
    free = [uid for uid in user_ids if uid not in capped]
    if quiet_end is not None and free:
        reachable = db.or_(*(REACHABLE[c]() for c in interrupting))
        for uid in db.session.execute(db.select(User.id).where(User.id.in_(free), reachable)).scalars():
            held[uid] = "quiet_hours"
    later = "queued" if rules.held == "defer" else "dropped"
    deliver: list[int] = []
    for channel in channels:
        groups = [(sorted(capped), later, at + timedelta(days=1))]
        if channel in pressure.INTERRUPTING and quiet_end is not None:
            groups.append((free, later, quiet_end))
        else:
            groups.append((free, "sent" if channel == "inbox" else "queued", None))
        for users, status, send_after in groups:
            if not users:
                continue
            rows = _insert(users, channel, status, send_after, key=key, kind=kind, params=params, link=link,
                           tenant_id=tenant_id, at=at)
            if status == "queued" and send_after is None:
                deliver.extend(rows)
    reached_now = free if ("inbox" in channels or quiet_end is None) else []
    if reached_now:
        db.session.execute(insert(MarketingContact).from_select(
            ["user_id", "tenant_id", "idempotency_key", "at"],
            db.select(User.id, literal(tenant_id, db.Integer), literal(key) + cast(User.id, String),
                      literal(at, UTCDateTime()))
            .where(User.id.in_(reached_now), db.or_(*(REACHABLE[c]() for c in channels)))))
    return held, deliver


def _insert(users, channel, status, send_after, *, key, kind, params, link, tenant_id, at) -> list[int]:
    """INSERT … SELECT one row per reachable user; returns the new ids."""
    columns = ["user_id", "tenant_id", "channel", "kind", "params", "link", "status", "idempotency_key", "marketing",
               "address", "attempts", "send_after", "created_at"]
    # A typed bind, not CAST(… AS JSON): SQLite gives a column named JSON numeric affinity, so the cast
    # stored 0; PostgreSQL's driver types the bind itself.
    source = db.select(User.id, literal(tenant_id, db.Integer), literal(channel), literal(kind),
                       literal(params, JSON), literal(link, String), literal(status),
                       literal(key) + cast(User.id, String) + literal(f":{channel}"), literal(True),
                       ADDRESS[channel](), literal(0), literal(send_after, UTCDateTime()),
                       literal(at, UTCDateTime())) \
        .where(User.id.in_(users), REACHABLE[channel]())
    return db.session.execute(insert(Notification).from_select(columns, source).returning(Notification.id)) \
        .scalars().all()
