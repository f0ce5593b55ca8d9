"""Reminders: points about to lapse, what keeps a tier, a tier reached; each once, through the marketing pipeline.

They are marketing as far as pressure goes (mall.notifications.marketing): e-mail and SMS only with consent,
counted against the weekly cap, e-mail and SMS held through quiet hours and sent when they end. The member
turns each kind off in the member centre or with PUT /api/v1/me/reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from mall import clock
from mall.extensions import db
from mall.i18n import day, money, number
from mall.insert_once import insert_once
from mall.money import ZERO
from mall.notifications.delivery import queue_delivery
from mall.notifications.marketing import write_marketing
from mall.notifications.models import Notification
from mall.notifications.operations import content
from plugins.loyalty import keys
from plugins.loyalty.members.models import LevelCredit, Membership
from plugins.loyalty.points.models import PointsLot
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.reminders.models import Reminder, ReminderPreference
from plugins.loyalty.webhooks import operations as hooks

#: Where reminders go; consent and a phone number decide which of them reach each member.
CHANNELS = ("inbox", "email", "sms")
#: The message kinds reminders write (registered with their words in register()).
KINDS = ("loyalty.reminder_expiry", "loyalty.reminder_expiry_one", "loyalty.reminder_keep",
         "loyalty.reminder_keep_more", "loyalty.reminder_reached")
LANGUAGES = ("zh", "en")
#: A moment just before another: the last day something is still good is the day before the moment it ends.
INSTANT = timedelta(microseconds=1)


def preferences(user_id: int) -> dict:
    """{"expiry": bool, "tier": bool} for a user; both on until the user chooses."""
    row = db.session.execute(db.select(ReminderPreference.expiry, ReminderPreference.tier)
                             .filter_by(user_id=user_id)).first()
    return {"expiry": True, "tier": True} if row is None else {"expiry": row.expiry, "tier": row.tier}


def set_preferences(user_id: int, expiry: bool, tier: bool) -> dict:
    """Save a user's choice in one upsert (two saves at once cannot both insert); the caller commits."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    values = {"user_id": user_id, "expiry": bool(expiry), "tier": bool(tier), "updated_at": clock.now()}
    db.session.execute(insert(ReminderPreference).values(values).on_conflict_do_update(
        index_elements=["user_id"], set_={k: v for k, v in values.items() if k != "user_id"}))
    return preferences(user_id)


def remind(programme, member: Membership, at: datetime) -> int:
    """The tick's step for one member: the expiry and keep-tier reminders now due; returns how many were sent."""
    wanted = rules(programme).reminders or {}
    if not wanted.get("expiry_days") and wanted.get("tier_days") is None:
        return 0  # the programme sends none: no query for this member
    chosen = preferences(member.user_id)
    sent = 0
    if chosen["expiry"]:
        sent += _expiry(programme, member, at)
    if chosen["tier"]:
        sent += _keep(programme, member, at)
    return sent


def reached(member: Membership, to_code: str, change_key: str, at: datetime) -> bool:
    """"You reached <tier>": once per upward tier change (members.operations calls it); False when not sent."""
    if not preferences(member.user_id)["tier"]:
        return False
    r = rules(member.programme)
    key = keys.reached_reminder(change_key)
    if _mark(member, "reached", key, at) is None:
        return False
    _send(member, "loyalty.reminder_reached", key, at, link="/member/memberships", **content("tier", r.tier(to_code)))
    return True


def _expiry(programme, member: Membership, at: datetime) -> int:
    """Lots crossing a threshold of `expiry_days`: one message per lapsing day, each lot and threshold once."""
    r = rules(programme)
    days = sorted(set((r.reminders or {}).get("expiry_days") or []))
    policy = r.expiry.get("policy")
    if not days or policy not in ("fixed", "year_end", "inactivity"):
        return 0
    horizon = at + timedelta(days=days[-1])
    if policy == "inactivity":
        lapses = (member.last_order_at or member.joined_at) + timedelta(days=r.expiry["days"])
        if member.points_available <= 0 or not at < lapses <= horizon:
            return 0
        threshold = _threshold(days, lapses, at)
        key = keys.inactivity_reminder(member.id, lapses, threshold)
        if _mark(member, "expiry", key, at, days=threshold, due_at=lapses) is None:
            return 0
        _send_expiry(member, key, member.points_available, lapses, at)
        return 1
    lots = db.session.execute(
        db.select(PointsLot.id, PointsLot.remaining, PointsLot.expires_at)
        .where(PointsLot.membership_id == member.id, PointsLot.remaining > 0, PointsLot.expires_at > at,
               PointsLot.expires_at <= horizon).order_by(PointsLot.expires_at, PointsLot.id)).all()
    groups: dict[tuple, list] = {}
    zone = clock.zone_of(programme.tenant)
    for lot in lots:
        threshold = _threshold(days, lot.expires_at, at)
        mark = _mark(member, "expiry", keys.expiry_reminder(lot.id, threshold), at, days=threshold,
                     due_at=lot.expires_at, lot_id=lot.id)
        if mark is not None:
            last_day = (lot.expires_at - INSTANT).astimezone(ZoneInfo(zone)).date()
            groups.setdefault((last_day, threshold), []).append((mark, lot))
    for marked in groups.values():
        first = marked[0][0]
        if len(marked) > 1:
            # The day's lots share the first one's message.
            db.session.execute(update(Reminder).where(Reminder.id.in_([m.id for m, _lot in marked[1:]]))
                               .values(message_key=first.message_key).execution_options(synchronize_session=False))
        _send_expiry(member, first.idempotency_key, sum(lot.remaining for _m, lot in marked),
                     marked[0][1].expires_at, at)
    return len(groups)


def _threshold(days: list[int], due: datetime, at: datetime) -> int:
    """The smallest threshold already crossed: a lot found late (or days changed) gets one reminder, not several."""
    return min(d for d in days if due - timedelta(days=d) <= at)


def _keep(programme, member: Membership, at: datetime) -> int:
    """What keeps the tier, `tier_days` before a validity period ends (or a rolling window is re-evaluated)."""
    r = rules(programme)
    tier_days = (r.reminders or {}).get("tier_days")
    tier = r.tier(member.tier_code)
    kind = r.window["kind"]
    if tier_days is None or tier.rank == r.earned_tiers[0].rank or kind == "lifetime":
        return 0
    if kind == "validity":
        ends, missing = member.period_end, tier.keep - member.period_metric
    else:
        ends = next_boundary(at, clock.zone_of(programme.tenant), r.window.get("evaluate", "month"))
        counted = db.session.execute(
            db.select(db.func.coalesce(db.func.sum(LevelCredit.amount), 0))
            .where(LevelCredit.membership_id == member.id, LevelCredit.at > ends - timedelta(days=r.window["days"]),
                   LevelCredit.at <= at)).scalar()
        missing = tier.threshold - Decimal(counted or 0)
    if ends is None or missing <= ZERO or not ends - timedelta(days=tier_days) <= at < ends:
        return 0
    key = keys.keep_reminder(member.id, ends)
    if _mark(member, "keep", key, at, days=tier_days, due_at=ends) is None:
        return 0
    if r.metric == "spend":
        amount = _worded("amount", lambda: "¥" + money(missing))
        kind_name = "loyalty.reminder_keep"
    else:
        from plugins.loyalty.centre.operations import metric_words

        amount = _worded("amount", lambda: metric_words(missing, r.metric))
        kind_name = "loyalty.reminder_keep_more"
    _send(member, kind_name, key, at, link="/member/memberships", **content("tier", tier), **amount,
          **_worded("date", lambda: day(ends - INSTANT, clock.zone_of(programme.tenant))))
    return 1


def next_boundary(at: datetime, zone: str, every: str) -> datetime:
    """The start of the next calendar month or quarter in the shop's zone: when a rolling window is re-evaluated."""
    local = at.astimezone(ZoneInfo(zone))
    months = 3 if every == "quarter" else 1
    start = (local.month - 1) // months * months  # months since January to this period's start
    year, month = divmod(start + months, 12)
    return clock.as_utc(datetime(local.year + year, month + 1, 1, tzinfo=ZoneInfo(zone)))


def _mark(member: Membership, kind: str, key: str, at: datetime, **values) -> Reminder | None:
    """Record the reminder under its UNIQUE key; None when it was decided before (nothing to send then)."""
    return insert_once(Reminder(membership_id=member.id, user_id=member.user_id,
                                tenant_id=member.programme.tenant_id, kind=kind, idempotency_key=key,
                                message_key=keys.reminder_message(key), created_at=at, **values))


def _send_expiry(member: Membership, key: str, points: int, due: datetime, at: datetime) -> None:
    hooks.points_expiring(member, key, points, due)
    zone = clock.zone_of(member.programme.tenant)
    _send(member, "loyalty.reminder_expiry_one" if points == 1 else "loyalty.reminder_expiry", key, at,
          link="/member/points", **_worded("points", lambda: number(points)),
          **_worded("date", lambda: day(due - INSTANT, zone)))


def _send(member: Membership, kind: str, key: str, at: datetime, *, link: str, **params) -> None:
    """One marketing message on every channel the member can be reached on; delivered after the commit."""
    programme = member.programme
    shop = content("shop", programme.tenant) if programme.tenant is not None else content("shop", rules(programme))
    _held, deliver = write_marketing([member.user_id], key=keys.reminder_message(key), kind=kind,
                                     params={**shop, **params}, link=link, tenant_id=programme.tenant_id,
                                     tz=clock.zone_of(programme.tenant), channels=CHANNELS, at=at)
    queue_delivery(deliver)


def _worded(name: str, say) -> dict:
    """A parameter worded in Chinese and in English ({name, name_en}); the reader's language picks one."""
    words = {}
    for language in LANGUAGES:
        with force_locale(language):
            words[name if language == "zh" else f"{name}_en"] = say()
    return words


def inbox_reminders(user_id: int, limit: int = 20):
    """The user's latest reminders that reached the inbox, newest first."""
    return db.session.execute(
        db.select(Notification).where(Notification.user_id == user_id, Notification.channel == "inbox",
                                      Notification.status == "sent", Notification.kind.in_(KINDS))
        .order_by(Notification.id.desc()).limit(limit)).scalars().all()
