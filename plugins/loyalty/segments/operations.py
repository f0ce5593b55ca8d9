"""Member filters run in SQL (segments, the member list) and saved segments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import case, extract, func, type_coerce
from sqlalchemy.exc import IntegrityError

from mall import clock
from mall.accounts.models import User
from mall.audit.operations import record
from mall.catalog.models import Product
from mall.dbtypes import Money
from mall.errors import FieldErrors
from mall.extensions import db
from mall.form_numbers import amount, whole_number
from mall.orders.models import Order, OrderLine, OrderStatus
from plugins.loyalty.analytics.schemas import RFM_CODES
from plugins.loyalty.members.models import Membership, MemberTagging
from plugins.loyalty.programmes.operations import find_in_programme, rules
from plugins.loyalty.segments.models import SavedSegment
from plugins.loyalty.segments.schemas import ACTIVITY, MAX_ASLEEP_DAYS, SegmentSchema

#: Orders that count as purchases.
BOUGHT = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.SETTLED,
          OrderStatus.PARTIALLY_REFUNDED)


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
    #: An RFM segment code (analytics.schemas.RFM_CODES).
    rfm: str | None = None

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
                q=(args.get("q") or "").strip()[:100] or None, segment=number("segment", whole_number, 1),
                rfm=args.get("rfm") if args.get("rfm") in RFM_CODES else None)
        return f, errors


def member_select(programme, f: MemberFilter, at=None, extra: dict | None = None):
    """A select of the filter's memberships, newest members first (the segment filter drives the list).

    `extra` adds segment_select() filters the page parsed itself (tag, points, joined and last order ranges)."""
    saved = find_in_programme(SavedSegment, f.segment, programme) if f.segment is not None else None
    base = filter_of(saved) if saved is not None else {}
    page = {"tier": [f.level] if f.level else None, "activity": f.activity, "min_spend": f.min_spend,
            "asleep_days": f.asleep_days, "q": f.q, "rfm": f.rfm, **(extra or {})}
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


def segments_of(programme) -> list[SavedSegment]:
    """The programme's saved segments by name."""
    return db.session.execute(db.select(SavedSegment).where(SavedSegment.programme_id == programme.id)
                              .order_by(SavedSegment.name)).scalars().all()


def filter_of(saved: SavedSegment) -> dict:
    """The saved filter, loaded as segment_select() takes it (dates and amounts parsed)."""
    return SegmentSchema().load(saved.filter)


def save_segment(programme, name: str, raw_filter: dict, actor=None) -> SavedSegment:
    """Save a filter under a name (422 when the name is empty or taken, or the filter is invalid)."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError({"name": [_l("Give the segment a name of at most 80 characters.")]})
    try:
        loaded = SegmentSchema().load(raw_filter or {})
    except ValidationError as exc:
        raise ValidationError({"filter": exc.messages}) from None
    saved = SavedSegment(programme_id=programme.id, tenant_id=programme.tenant_id, name=name,
                         filter=SegmentSchema().dump(loaded), created_by=getattr(actor, "id", None),
                         created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(saved)
    except IntegrityError:
        raise ValidationError({"name": [_l("There is already a segment with this name.")]}) from None
    record("segment.saved", name, actor=actor, tenant=programme.tenant_id, filter=saved.filter)
    return saved


def delete_segment(saved: SavedSegment, actor=None) -> None:
    """Delete a saved segment (pushes made from it keep their own copy of the filter)."""
    record("segment.deleted", saved.name, actor=actor, tenant=saved.tenant_id, filter=saved.filter)
    db.session.delete(saved)


def bought_orders(programme, *extra):
    """Bought orders of the member (in the programme's shop; every shop for the platform)."""
    where = [Order.user_id == Membership.user_id, Order.status.in_(BOUGHT), *extra]
    if programme.tenant_id is not None:
        where.append(Order.tenant_id == programme.tenant_id)
    return where


def _count(programme, *extra):
    return (db.select(func.count(Order.id)).where(*bought_orders(programme, *extra)).correlate(Membership)
            .scalar_subquery())


def spend(programme, *extra):
    """Money the member has paid (in the shop; every shop for the platform), refunds deducted, as SQL."""
    return type_coerce(db.select(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0))
                       .where(*bought_orders(programme, *extra)).correlate(Membership).scalar_subquery(), Money())


def activity(programme, at):
    """active / intermittent / sleeping as SQL, by the time since the last paid order and the programme's thresholds."""
    thresholds = rules(programme).activity
    return case((Membership.last_order_at >= at - timedelta(days=thresholds["active_days"]), "active"),
                (Membership.last_order_at >= at - timedelta(days=thresholds["sleeping_days"]), "intermittent"),
                else_="sleeping")


def segment_select(programme, f: dict, at=None):
    """A select of the programme's memberships matching every filter in `f`, newest members first."""
    at = at or clock.now()
    select = (db.select(Membership).join(User, User.id == Membership.user_id)
              .where(Membership.programme_id == programme.id))
    if f.get("tier"):
        select = select.where(db.or_(Membership.tier_code.in_(f["tier"]),
                                     db.and_(Membership.paid_tier_code.in_(f["tier"]), Membership.paid_until > at)))
    if f.get("lifecycle") == "never_bought":
        # NOT EXISTS rather than a count of zero: the database can answer it with one anti-join.
        select = select.where(~db.select(Order.id).where(*bought_orders(programme)).correlate(Membership).exists())
    elif f.get("lifecycle"):
        bought = _count(programme)
        select = select.where(bought == 1 if f["lifecycle"] == "one_time" else bought >= 2)
    if f.get("activity"):
        select = select.where(activity(programme, at) == f["activity"])
    recent = f.get("recent")
    if recent:
        since = Order.paid_at >= at - timedelta(days=recent["days"])
        if recent.get("min_orders") is not None:
            select = select.where(_count(programme, since) >= recent["min_orders"])
        if recent.get("min_spend") is not None:
            select = select.where(spend(programme, since) >= recent["min_spend"])
    if f.get("min_spend") is not None:
        select = select.where(spend(programme) >= f["min_spend"])
    if f.get("asleep_days") is not None:
        select = select.where(db.or_(Membership.last_order_at.is_(None),
                                     Membership.last_order_at <= at - timedelta(days=f["asleep_days"])))
    if f.get("preferred_category") is not None:
        top = (db.select(Product.category_id)
               .join(OrderLine, OrderLine.product_id == Product.id).join(Order, Order.id == OrderLine.order_id)
               .where(*bought_orders(programme)).group_by(Product.category_id)
               .order_by(func.sum(OrderLine.paid).desc(), Product.category_id).limit(1)
               .correlate(Membership).scalar_subquery())
        select = select.where(top == f["preferred_category"])
    if f.get("birthday_month"):
        select = select.where(extract("month", User.birthday) == f["birthday_month"])
    if f.get("points_min") is not None:
        select = select.where(Membership.points_available >= f["points_min"])
    if f.get("points_max") is not None:
        select = select.where(Membership.points_available <= f["points_max"])
    if f.get("joined_after"):
        select = select.where(Membership.joined_at >= f["joined_after"])
    if f.get("joined_before"):
        select = select.where(Membership.joined_at < f["joined_before"])
    if f.get("last_order_after"):
        select = select.where(Membership.last_order_at >= f["last_order_after"])
    if f.get("last_order_before"):
        select = select.where(Membership.last_order_at < f["last_order_before"])
    if f.get("tag_id") is not None:
        select = select.where(db.select(MemberTagging.id).where(MemberTagging.membership_id == Membership.id,
                                                                MemberTagging.tag_id == f["tag_id"]).exists())
    if f.get("consent"):
        select = select.where((User.consent_email if f["consent"] == "email" else User.consent_sms).is_(True))
    if f.get("slept_since"):
        sleeping = timedelta(days=rules(programme).activity["sleeping_days"])
        select = select.where(Membership.last_order_at > f["slept_since"] - sleeping,
                              Membership.last_order_at < at - sleeping)
    if f.get("rfm"):
        select = select.where(Membership.id.in_(_rfm_members(programme, f["rfm"], at)))
    if f.get("q"):
        like = f"%{f['q'].lower()}%"
        select = select.where(db.or_(func.lower(User.email).like(like), func.lower(User.name).like(like)))
    return select.order_by(Membership.id.desc())


def _rfm_members(programme, segment: str, at):
    """The members of an RFM segment scored over the analytics' default range (the last six months) at `at`."""
    from plugins.loyalty.analytics import operations as analytics  # analytics builds on these filters
    from plugins.loyalty.analytics.rfm import members_in

    period = analytics.default_range(clock.zone_of(programme.tenant), clock.local_date(clock.zone_of(
        programme.tenant), at))
    return members_in(programme, segment, period.start, period.end)


def segment_count(programme, f: dict) -> int:
    """How many members the filter finds (one COUNT in SQL)."""
    select = segment_select(programme, f).order_by(None)
    return db.session.execute(db.select(func.count()).select_from(select.subquery())).scalar()


def preview(programme, f: dict, sample: int = 10) -> dict:
    """How many members the filter finds, and a few of them."""
    select = segment_select(programme, f)
    count = segment_count(programme, f)
    # No sample query when nobody matches: it would walk every member looking for one.
    rows = db.session.execute(select.add_columns(User.name).limit(sample)).all() if count else []
    return {"count": count, "sample": [{"user_id": m.user_id, "name": name, "tier": m.tier_code,
                                        "points": m.points_available} for m, name in rows]}
