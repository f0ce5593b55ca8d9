"""Member events: what a programme pays for each, reporting one (by the API or the mall itself), and its limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mall import clock
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.i18n import localized
from mall.insert_once import insert_once
from plugins.loyalty import keys
from plugins.loyalty.events.models import EventReport
from plugins.loyalty.members.operations import membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.programmes.operations import rules

#: The events the mall reports by itself: a review (its points are `bonuses.review`, once per review) and a
#: completed profile (its points and limit are the document's `points.events.profile_completed`).
REVIEW, PROFILE = "review", "profile_completed"
#: What a shopper reads for the events the mall knows, when the merchant gave the event no name of its own.
KNOWN_NAMES = {
    REVIEW: _l("Review a product you bought"),
    PROFILE: _l("Complete your profile (name, phone and birthday)"),
    "follow_shop": _l("Follow the shop"),
    "review_photo": _l("Review with a photo"),
}
LIMITS = ("once", "daily", "weekly")


@dataclass(frozen=True)
class Event:
    """One event a programme pays points for, and how often."""

    name: str
    points: int
    #: "once", "daily", "weekly", a number of times in all, or None: each report its own (a review).
    limit: str | int | None
    #: The ledger entry's kind: "event", or "review" as the review bonus always was.
    kind: str = "event"
    #: For an event without a limit: the ledger key its report key stands for.
    each: Callable[[str], str] | None = None
    #: The merchant's own wording of the event ({"name", "name_en"}), if any.
    words: dict = field(default_factory=dict)

    @property
    def times(self) -> int | None:
        """How many times in all it pays (None: per day, per week, or without limit)."""
        return 1 if self.limit == "once" else self.limit if isinstance(self.limit, int) else None


def _review_key(key: str) -> str:
    return keys.review(int(key))


def events_of(programme) -> dict[str, Event]:
    """The programme's events by name: the document's `points.events`, and the review bonus when it pays."""
    r = rules(programme)
    found = {name: Event(name, int(spec["points"]), spec.get("limit", "once"),
                         words={k: spec[k] for k in ("name", "name_en") if spec.get(k)})
             for name, spec in r.events.items()}
    if r.bonuses.get("review", 0) > 0:
        found[REVIEW] = Event(REVIEW, r.bonuses["review"], None, kind="review", each=_review_key)
    return found


def event_name(programme, name: str | None) -> str:
    """How a member reads an event: the merchant's words, else the mall's, else its code."""
    spec = rules(programme).events.get(name or "") if programme is not None else None
    if spec and (spec.get("name") or spec.get("name_en")):
        return localized(spec, "name")
    known = KNOWN_NAMES.get(name or "")
    return str(known) if known else (name or "")


def report(programme, user, name: str, key: str, *, source: str = "api", actor=None, at=None) -> tuple[
        EventReport, bool]:
    """Record that `user` did event `name` and credit its points within its limit; (report, new).

    A key seen before in this programme answers its first report (new False) when it names the same member and
    event, and is a 409 otherwise. An unknown event or a user who is not a member is a 422 on its field. Only the
    API reports under source "api"; the mall's own reports use the built-in event's name, so keys never collide.
    """
    at = at or clock.now()
    unique = keys.event_report(programme.id, source, key)
    earlier = _earlier(unique, user, name)
    if earlier is not None:
        return earlier, False
    event = events_of(programme).get(name)
    if event is not None and (event.kind == "review") != (source == REVIEW):
        event = None  # the review bonus is paid for the mall's own review reports only
    member = membership(programme, user) if user is not None else None
    problems = {}
    if event is None:
        problems["event"] = [_("This programme has no such event.")]
    if member is None:
        problems["user_id"] = [_("No member of this programme has this id.")]
    if problems:
        raise FieldErrors(_("The event cannot be recorded."), problems)
    row = insert_once(EventReport(programme_id=programme.id, membership_id=member.id, user_id=user.id, event=name,
                                  source=source, key=key, points=0, actor_id=getattr(actor, "id", None),
                                  idempotency_key=unique, created_at=at))
    if row is None:  # the same key, reported at the same moment: the first one's answer
        return _earlier(unique, user, name), False
    _credit(programme, member, event, row, at)
    return row, True


def _earlier(unique: str, user, name: str) -> EventReport | None:
    """The report made before under this key; a 409 when it was for another member or event."""
    row = db.session.execute(db.select(EventReport).filter_by(idempotency_key=unique)).scalar_one_or_none()
    if row is not None and (row.user_id != getattr(user, "id", None) or row.event != name):
        raise Conflict(_("This key was already used to report another event or member."), code="key_reused")
    return row


def _credit(programme, member, event: Event, row: EventReport, at) -> None:
    """Credit the event's points in the first free slot of its limit; none free: nothing, for the reason "limit".

    The slot is part of the ledger entry's unique key, so two reports racing for the last slot cannot both get
    it: the loser's insert finds the key taken (waiting for the winner to commit) and tries the next slot.
    """
    for slot, key in _slots(programme, member, event, row.key, at):
        entry_id = ledger.credit(member, event.points, event.kind, key, at=at, funded_by=programme.funder,
                                 reason=None if event.kind == "review" else event.name)
        if entry_id is not None:
            row.points, row.slot, row.entry_id = event.points, slot, entry_id
            db.session.flush()
            return
    row.reason = "limit"
    db.session.flush()


def _slots(programme, member, event: Event, report_key: str, at):
    """The (slot, ledger key) pairs a report may take, in order."""
    if event.limit is None:
        yield None, event.each(report_key)
        return
    if event.times is None:
        day = clock.local_date(clock.zone_of(programme.tenant), at)
        year, week, _day = day.isocalendar()
        slot = day.isoformat() if event.limit == "daily" else f"{year}-W{week:02d}"
        yield slot, keys.event(member.id, event.name, slot)
        return
    taken = set(_slots_taken(member, event.name))  # a hint only: the ledger's unique key decides
    for n in range(1, event.times + 1):
        if str(n) not in taken:
            yield str(n), keys.event(member.id, event.name, str(n))


def _slots_taken(member, name: str) -> list[str]:
    return list(db.session.execute(db.select(EventReport.slot).where(
        EventReport.membership_id == member.id, EventReport.event == name, EventReport.slot.is_not(None))).scalars())


def report_builtin(programme, user, name: str, key: str, at=None) -> EventReport | None:
    """The mall's own report of a built-in event, when the programme pays for it and the user is a member."""
    event = events_of(programme).get(name)
    if event is None or membership(programme, user) is None:
        return None
    return report(programme, user, name, key, source=name, at=at)[0]


def profile_complete(user) -> bool:
    """Whether the account page holds everything a complete profile needs: name, phone and birthday."""
    return bool((user.name or "").strip() and (user.phone or "").strip() and user.birthday)


def ways_to_earn(member, at=None) -> list[dict]:
    """The member's events: points, how often, and whether done for now (ever, today or this week)."""
    at = at or clock.now()
    programme = member.programme
    day = clock.local_date(clock.zone_of(programme.tenant), at)
    year, week, _day = day.isocalendar()
    now_slot = {"daily": day.isoformat(), "weekly": f"{year}-W{week:02d}"}
    rows = db.session.execute(db.select(EventReport.event, EventReport.slot).where(
        EventReport.membership_id == member.id, EventReport.slot.is_not(None))).all()
    out = []
    for event in sorted(events_of(programme).values(), key=lambda e: (e.kind != "event", e.name)):
        slots = [slot for name, slot in rows if name == event.name]
        if event.times is not None:
            done, left = len(slots) >= event.times, max(event.times - len(slots), 0)
        else:
            done, left = event.limit in now_slot and now_slot[event.limit] in slots, None
        out.append({"name": event.name, "label": event_name(programme, event.name), "own_words": bool(event.words),
                    "points": event.points,
                    "limit": event.limit, "times": event.times, "left": left, "done": done, "count": len(slots)})
    return out
