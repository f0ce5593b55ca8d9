"""The merchant's member list: its filters, the shop's tags and notes, coupons sent by staff, bulk actions, CSV rows."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from mall import clock
from mall.audit.operations import record
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.form_numbers import object_id, whole_number
from mall.i18n import localized
from mall.notifications.operations import content, notify
from mall.validation import MAX_POINTS
from plugins.loyalty import keys
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.members.models import MemberNote, Membership, MemberTag, MemberTagging
from plugins.loyalty.members.operations import effective_tier
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.segments.operations import MemberFilter, member_select, spend_of

MAX_TAG_LENGTH = 20
MAX_TAGS_PER_SHOP = 100
MAX_TAGS_PER_MEMBER = 10
MAX_NOTE_LENGTH = 1000
#: How many members one bulk action may touch (a page and a bit; bigger audiences are pushes).
MAX_SELECTION = 100
#: Rows one CSV export may hold; a bigger list is narrowed with filters first.
MAX_EXPORT_ROWS = 10_000
EXPORT_CHUNK = 500
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: (query argument, segment filter key, end of a range?) for the date ranges the list filters by.
DATE_RANGES = (("joined_from", "joined_after", False), ("joined_to", "joined_before", True),
               ("ordered_from", "last_order_after", False), ("ordered_to", "last_order_before", True))


@dataclass
class ListFilter:
    """The list's filters: the segment filter, the page's own (tag, points, dates) and the text to re-show."""

    base: MemberFilter
    extra: dict = field(default_factory=dict)
    tag: MemberTag | None = None

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list."""
        b = self.base
        return any(v is not None for v in (b.level, b.activity, b.min_spend, b.asleep_days, b.q, b.segment)) \
            or bool(self.extra)


def _day(text: str, name: str) -> date:
    """A calendar day written YYYY-MM-DD between the years 2000 and 2100; FieldErrors naming the field."""
    message = _("Enter a date as YYYY-MM-DD.")
    if not _DATE.fullmatch(text):
        raise FieldErrors(message, {name: [message]})
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FieldErrors(message, {name: [message]}) from None
    if not 2000 <= day.year <= 2100:
        message = _("Enter a date between the years 2000 and 2100.")
        raise FieldErrors(message, {name: [message]})
    return day


def start_of(day: date, tenant) -> datetime:
    """The UTC moment a shop's local calendar day starts."""
    return datetime.combine(day, time.min, ZoneInfo(clock.zone_of(tenant))).astimezone(UTC)


def parse_filter(args, tenant) -> tuple[ListFilter, dict]:
    """The list's filter from query arguments, and a message per malformed value (left out of the filter).

    A tag id of another shop, or none, is a 404 for the caller to raise: it returns the id as `extra["tag_id"]`
    only when the tag is the shop's.
    """
    base, errors = MemberFilter.parse(args)
    extra: dict = {}

    def value(name, parse):
        text = (args.get(name) or "").strip()
        try:
            return parse(text, name) if text else None
        except FieldErrors as exc:
            errors.update(exc.fields)
            return None

    for name in ("points_min", "points_max"):
        if (points := value(name, lambda t, n: whole_number(t, n, 0, MAX_POINTS))) is not None:
            extra[name] = points
    if extra.get("points_max") is not None and extra.get("points_min") is not None \
            and extra["points_max"] < extra["points_min"]:
        errors["points_max"] = [_("Must not be below the lowest points.")]
        del extra["points_max"]
    for name, key, is_end in DATE_RANGES:
        if (day := value(name, _day)) is not None:
            extra[key] = start_of(day + timedelta(days=1) if is_end else day, tenant)
    for start, end in (("joined_after", "joined_before"), ("last_order_after", "last_order_before")):
        if extra.get(start) and extra.get(end) and extra[end] <= extra[start]:
            errors[{"joined_before": "joined_to", "last_order_before": "ordered_to"}[end]] = [
                _("Must not be before the start date.")]
            del extra[end]
    tag = None
    if (args.get("tag") or "").strip():
        tag = find_tag(tenant, object_id(args.get("tag")))
        if tag is None:
            raise NotFound()
        extra["tag_id"] = tag.id
    return ListFilter(base, extra, tag), errors


def list_select(programme, lf: ListFilter):
    """The filtered members, newest first, with their users loaded."""
    return member_select(programme, lf.base, extra=lf.extra).options(selectinload(Membership.user))


# Tags and notes.


def shop_tags(tenant) -> list[MemberTag]:
    """The shop's tags by name."""
    return db.session.execute(db.select(MemberTag).where(MemberTag.tenant_id == tenant.id)
                              .order_by(MemberTag.name)).scalars().all()


def find_tag(tenant, tag_id) -> MemberTag | None:
    """The shop's tag with this id, or None (another shop's tag and a malformed id alike)."""
    if not isinstance(tag_id, int):
        return None
    tag = db.session.get(MemberTag, tag_id)
    return tag if tag is not None and tag.tenant_id == tenant.id else None


def tags_by_member(member_ids) -> dict[int, list[MemberTag]]:
    """Each membership's tags by name, for a page of members in one query."""
    found: dict[int, list[MemberTag]] = {i: [] for i in member_ids}
    if not found:
        return found
    rows = db.session.execute(db.select(MemberTagging.membership_id, MemberTag)
                              .join(MemberTag, MemberTag.id == MemberTagging.tag_id)
                              .where(MemberTagging.membership_id.in_(list(found))).order_by(MemberTag.name)).all()
    for member_id, tag in rows:
        found[member_id].append(tag)
    return found


def tag_name(text) -> str:
    """A tag as typed, spaces tidied; FieldErrors when empty or longer than MAX_TAG_LENGTH."""
    name = " ".join(str(text or "").split())
    if not name or len(name) > MAX_TAG_LENGTH:
        message = _("Use 1 to %(n)d characters.", n=MAX_TAG_LENGTH)
        raise FieldErrors(message, {"name": [message]})
    return name


def tag_named(tenant, text) -> MemberTag:
    """The shop's tag of this name, made when new (at most MAX_TAGS_PER_SHOP per shop)."""
    name = tag_name(text)
    found = db.session.execute(db.select(MemberTag).filter_by(tenant_id=tenant.id, name=name)).scalar_one_or_none()
    if found is not None:
        return found
    count = db.session.execute(db.select(func.count(MemberTag.id)).filter_by(tenant_id=tenant.id)).scalar()
    if count >= MAX_TAGS_PER_SHOP:
        message = _("A shop may have at most %(n)d tags.", n=MAX_TAGS_PER_SHOP)
        raise FieldErrors(message, {"name": [message]})
    tag = MemberTag(tenant_id=tenant.id, name=name, created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(tag)
    except IntegrityError:  # made by a concurrent request: use theirs
        return db.session.execute(db.select(MemberTag).filter_by(tenant_id=tenant.id, name=name)).scalar_one()
    return tag


def add_tag(member: Membership, tag: MemberTag, actor, tenant) -> bool:
    """Put the shop's tag on its member (audited); False when it is already there; at most MAX_TAGS_PER_MEMBER."""
    have = db.session.execute(db.select(MemberTagging.tag_id).filter_by(membership_id=member.id)).scalars().all()
    if tag.id in have:
        return False
    if len(have) >= MAX_TAGS_PER_MEMBER:
        message = _("A member may have at most %(n)d tags.", n=MAX_TAGS_PER_MEMBER)
        raise FieldErrors(message, {"name": [message]}, code="too_many_tags")
    try:
        with db.session.begin_nested():
            db.session.add(MemberTagging(tenant_id=tenant.id, membership_id=member.id, tag_id=tag.id,
                                         created_at=clock.now()))
    except IntegrityError:
        return False
    record("member.tagged", member.user.name, actor=actor, tenant=tenant, member=member.user_id, tag=tag.name)
    return True


def remove_tag(member: Membership, tag: MemberTag, actor, tenant) -> bool:
    """Take the tag off the member (audited); False when it was not there."""
    removed = db.session.execute(db.delete(MemberTagging).where(MemberTagging.membership_id == member.id,
                                                                MemberTagging.tag_id == tag.id)).rowcount
    if removed:
        record("member.untagged", member.user.name, actor=actor, tenant=tenant, member=member.user_id, tag=tag.name)
    return bool(removed)


def note_of(member: Membership) -> MemberNote | None:
    """The shop's note on the member, if any."""
    return db.session.execute(db.select(MemberNote).filter_by(membership_id=member.id)).scalar_one_or_none()


def save_note(member: Membership, text, actor, tenant) -> MemberNote:
    """Write the member's note (empty clears it), at most MAX_NOTE_LENGTH characters; audited."""
    body = str(text or "").strip().replace("\r\n", "\n")
    if len(body) > MAX_NOTE_LENGTH:
        message = _("Use at most %(n)d characters.", n=MAX_NOTE_LENGTH)
        raise FieldErrors(message, {"note": [message]})
    note = note_of(member) or MemberNote(tenant_id=tenant.id, membership_id=member.id)
    note.body, note.updated_by, note.updated_at = body, getattr(actor, "id", None), clock.now()
    db.session.add(note)
    db.session.flush()
    record("member.noted", member.user.name, actor=actor, tenant=tenant, member=member.user_id, note=body[:200])
    return note


# Coupons sent by staff.


def sendable_templates(programme, at=None) -> list[CouponTemplate]:
    """The shop's coupon templates that can be issued now, by name."""
    at = at or clock.now()
    templates = db.session.execute(db.select(CouponTemplate).where(
        CouponTemplate.programme_id == programme.id, CouponTemplate.is_active.is_(True))
        .order_by(CouponTemplate.name)).scalars().all()
    return [t for t in templates if coupon_ops.unusable(t, at) is None]


def send_coupon(template: CouponTemplate, member: Membership, actor, tenant):
    """Issue one coupon of the shop's template to its member, within stock and the per-member limit; the member
    finds it announced in their inbox; audited.

    A refusal is a Conflict whose code names it (coupon_out_of_stock, coupon_limit, …).
    """
    coupon = coupon_ops.issue(template, member.user, "staff")
    notify(member.user_id, "loyalty.push_coupon", keys.sent_coupon_notice(coupon.id), link="/member/coupons",
           tenant_id=tenant.id, **content("coupon", template), **content("programme", rules(member.programme)))
    record("coupon.sent", localized(template, "name"), actor=actor, tenant=tenant, member=member.user_id,
           template=template.id)
    return coupon


def send_coupons(template: CouponTemplate, members, actor, tenant) -> Counter:
    """Send the template to each member on its own (one refusal stops no one else); outcomes counted by code."""
    outcomes: Counter = Counter()
    for member in members:
        try:
            with db.session.begin_nested():
                send_coupon(template, member, actor, tenant)
            outcomes["sent"] += 1
        except Conflict as exc:
            outcomes[exc.code] += 1
    return outcomes


def tag_members(tag: MemberTag, members, add: bool, actor, tenant) -> Counter:
    """Add the tag to (or take it off) each member; outcomes counted: done, unchanged, too_many_tags."""
    outcomes: Counter = Counter()
    for member in members:
        try:
            changed = add_tag(member, tag, actor, tenant) if add else remove_tag(member, tag, actor, tenant)
        except FieldErrors as exc:
            outcomes[exc.code] += 1
            continue
        outcomes["done" if changed else "unchanged"] += 1
    return outcomes


def selected(programme, ids) -> list[Membership]:
    """The programme's members among the posted user ids (others are simply not found), at most MAX_SELECTION."""
    wanted = sorted({i for i in (object_id(str(raw)) for raw in ids) if i is not None})
    if not wanted:
        message = _("Select at least one member.")
        raise FieldErrors(message, {"ids": [message]})
    if len(wanted) > MAX_SELECTION:
        message = _("Select at most %(n)d members at a time.", n=MAX_SELECTION)
        raise FieldErrors(message, {"ids": [message]})
    found = db.session.execute(db.select(Membership).options(selectinload(Membership.user)).where(
        Membership.programme_id == programme.id, Membership.user_id.in_(wanted))
        .order_by(Membership.id.desc())).scalars().all()
    if len(found) != len(wanted):  # another shop's member, or nobody's: as for any foreign id
        raise NotFound()
    return found


def selected_select(programme, members):
    """A select of these members (for exporting a selection), newest first."""
    return db.select(Membership).options(selectinload(Membership.user)).where(
        Membership.programme_id == programme.id, Membership.id.in_([m.id for m in members])).order_by(
        Membership.id.desc())


# The CSV export.


def export_header() -> list[str]:
    """The export's column names in the viewer's language."""
    return [_("Member name"), _("E-mail"), _("Tier"), _("Points"), _("Pending points"), _("Spent (¥)"), _("Joined"),
            _("Last order"), _("Tags"), _("Note")]


def _cell(value) -> str:
    """Text a spreadsheet shows as text: a leading =, +, - or @ would be run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _tier_name(m: Membership) -> str:
    tier = effective_tier(m)
    return localized(tier, "name") if tier is not None else m.tier_code


def export_rows(programme, select, tenant):
    """The CSV's rows after its header, at most MAX_EXPORT_ROWS, read EXPORT_CHUNK members at a time."""
    zone = ZoneInfo(clock.zone_of(tenant))

    def local(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    for offset in range(0, MAX_EXPORT_ROWS, EXPORT_CHUNK):
        members = db.session.execute(select.limit(EXPORT_CHUNK).offset(offset)).scalars().all()
        if not members:
            return
        ids = [m.id for m in members]
        spend, tags = spend_of(programme, members), tags_by_member(ids)
        notes = dict(db.session.execute(db.select(MemberNote.membership_id, MemberNote.body)
                                        .where(MemberNote.membership_id.in_(ids))).all())
        for m in members:
            yield [_cell(m.user.name), _cell(m.user.email), _cell(_tier_name(m)),
                   m.points_available, m.points_pending, f"{spend.get(m.id, 0):.2f}", local(m.joined_at),
                   local(m.last_order_at), _cell(" ".join(t.name for t in tags[m.id])), _cell(notes.get(m.id, ""))]
        if len(members) < EXPORT_CHUNK:
            return
