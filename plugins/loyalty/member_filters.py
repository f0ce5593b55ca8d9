"""Filtering a programme's members in SQL: tier, activity, spend and days asleep (pages and API share it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _

from mall import clock
from mall.errors import FieldErrors
from mall.extensions import db
from mall.form_numbers import amount, whole_number
from plugins.loyalty.models import Membership
from plugins.loyalty.programmes import rules
from plugins.loyalty.saved_segments import filter_of, segment_in
from plugins.loyalty.segments import ACTIVITY, MAX_ASLEEP_DAYS, segment_select, spend


@dataclass
class MemberFilter:
    """What a merchant filters members by; empty values filter nothing."""

    level: str | None = None
    activity: str | None = None
    min_spend: Decimal | None = None
    asleep_days: int | None = None
    q: str | None = None
    #: A saved segment's id; its filter applies under the ones above.
    segment: int | None = None

    @classmethod
    def from_args(cls, args) -> MemberFilter:
        """Read the filter from query arguments; FieldErrors (a 422) when a number is malformed or out of bounds."""
        f, errors = cls.parse(args)
        if errors:
            raise FieldErrors(_("Please correct the filter."), errors)
        return f

    @classmethod
    def parse(cls, args) -> tuple[MemberFilter, dict]:
        """The filter from query arguments without its malformed numbers, and a message for each of those."""
        errors: dict = {}

        def number(name, parse, *bounds):
            text = (args.get(name) or "").strip()
            try:
                return parse(text, name, *bounds) if text else None
            except FieldErrors as exc:
                errors.update(exc.fields)
                return None

        activity = args.get("activity")
        f = cls(level=args.get("level") or None, activity=activity if activity in ACTIVITY else None,
                min_spend=number("min_spend", amount), asleep_days=number("asleep_days", whole_number, 0,
                                                                          MAX_ASLEEP_DAYS),
                q=(args.get("q") or "").strip()[:100] or None, segment=number("segment", whole_number, 1))
        return f, errors


def member_select(programme, f: MemberFilter, at=None):
    """A select of the filter's memberships, newest members first (the segment filter drives the list)."""
    saved = segment_in(programme, f.segment) if f.segment is not None else None
    base = filter_of(saved) if saved is not None else {}
    page = {"tier": [f.level] if f.level else None, "activity": f.activity, "min_spend": f.min_spend,
            "asleep_days": f.asleep_days, "q": f.q}
    return segment_select(programme, {**base, **{k: v for k, v in page.items() if v is not None}}, at)


def spend_of(programme, members) -> dict[int, Decimal]:
    """Spend per membership id for a page of members, in one query."""
    ids = [m.id for m in members]
    if not ids:
        return {}
    return dict(db.session.execute(
        db.select(Membership.id, spend(programme)).where(Membership.id.in_(ids))).all())


def activity_of(member: Membership, at=None) -> str:
    """active / intermittent / sleeping by the time since the last paid order, with the programme's thresholds."""
    at = at or clock.now()
    if member.last_order_at is None:
        return "sleeping"
    elapsed = at - member.last_order_at
    activity = rules(member.programme).activity
    if elapsed <= timedelta(days=activity["active_days"]):
        return "active"
    return "intermittent" if elapsed <= timedelta(days=activity["sleeping_days"]) else "sleeping"


def days_asleep(member: Membership, at=None) -> int | None:
    """Whole days since the last paid order (None when the member never bought)."""
    if member.last_order_at is None:
        return None
    return ((at or clock.now()) - member.last_order_at).days
