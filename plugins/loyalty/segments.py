"""Segments: a filter over a programme's members, validated with marshmallow and run in SQL, never in Python."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import case, extract, func, type_coerce

from mall import clock
from mall.accounts.models import User
from mall.catalog.models import Product
from mall.dbtypes import Money
from mall.extensions import db
from mall.orders.models import Order, OrderLine, OrderStatus
from mall.validation import Id, Int, Moment, Points
from mall.validation import Money as Amount
from plugins.loyalty.models import Membership
from plugins.loyalty.programmes import rules

LIFECYCLE = ("never_bought", "one_time", "repeat")
ACTIVITY = ("active", "intermittent", "sleeping")
#: Orders that count as purchases.
BOUGHT = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.SETTLED,
          OrderStatus.PARTIALLY_REFUNDED)
CHANNELS = ("email", "sms")


#: A century: any longer asleep is the same as never bought, and the date it implies stays in the calendar.
MAX_ASLEEP_DAYS = 36500


class RecentSchema(Schema):
    """Orders and spend in the last N days."""

    class Meta:
        unknown = RAISE

    days = Int(1, 3650, required=True)
    min_orders = Int(0, 100000, load_default=None)
    min_spend = Amount(load_default=None)


class SegmentSchema(Schema):
    """Every filter a segment may combine; all given filters must hold."""

    class Meta:
        unknown = RAISE

    tier = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=None)
    lifecycle = fields.String(load_default=None, validate=validate.OneOf(LIFECYCLE))
    activity = fields.String(load_default=None, validate=validate.OneOf(ACTIVITY))
    recent = fields.Nested(RecentSchema, load_default=None)
    min_spend = Amount(load_default=None)
    asleep_days = Int(0, MAX_ASLEEP_DAYS, load_default=None)
    preferred_category = Id(load_default=None)
    birthday_month = Int(1, 12, load_default=None)
    points_min = Points(load_default=None)
    points_max = Points(load_default=None)
    joined_after = Moment(load_default=None)
    joined_before = Moment(load_default=None)
    consent = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    #: Bought before, and became sleeping after this moment (the win-back campaign's audience).
    slept_since = Moment(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=100))

    @validates_schema
    def _ranges(self, data, **kwargs):
        errors = {}
        if data.get("points_min") is not None and data.get("points_max") is not None \
                and data["points_max"] < data["points_min"]:
            errors["points_max"] = [_l("Must not be below points_min.")]
        if data.get("joined_after") and data.get("joined_before") and data["joined_before"] <= data["joined_after"]:
            errors["joined_before"] = [_l("Must be after joined_after.")]
        if errors:
            raise ValidationError(errors)


class FilterBody(Schema):
    """A request that carries a segment filter."""

    class Meta:
        unknown = RAISE

    filter = fields.Dict(required=True)


def load_filter(body) -> dict:
    """The segment filter of a request body {"filter": {...}} (422 with field messages when invalid)."""
    raw = FilterBody().load(body if isinstance(body, dict) else {})["filter"]
    try:
        return SegmentSchema().load(raw)
    except ValidationError as exc:
        raise ValidationError({"filter": exc.messages}) from None


def _orders(programme, *extra):
    """Bought orders of the member (in the programme's shop; every shop for the platform)."""
    where = [Order.user_id == Membership.user_id, Order.status.in_(BOUGHT), *extra]
    if programme.tenant_id is not None:
        where.append(Order.tenant_id == programme.tenant_id)
    return where


def _count(programme, *extra):
    return db.select(func.count(Order.id)).where(*_orders(programme, *extra)).correlate(Membership).scalar_subquery()


def spend(programme, *extra):
    """Money the member has paid (in the shop; every shop for the platform), refunds deducted, as SQL."""
    return type_coerce(db.select(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0))
                       .where(*_orders(programme, *extra)).correlate(Membership).scalar_subquery(), Money())


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
        select = select.where(~db.select(Order.id).where(*_orders(programme)).correlate(Membership).exists())
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
               .where(*_orders(programme)).group_by(Product.category_id)
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
    if f.get("consent"):
        select = select.where((User.consent_email if f["consent"] == "email" else User.consent_sms).is_(True))
    if f.get("slept_since"):
        sleeping = timedelta(days=rules(programme).activity["sleeping_days"])
        select = select.where(Membership.last_order_at > f["slept_since"] - sleeping,
                              Membership.last_order_at < at - sleeping)
    if f.get("q"):
        like = f"%{f['q'].lower()}%"
        select = select.where(db.or_(func.lower(User.email).like(like), func.lower(User.name).like(like)))
    return select.order_by(Membership.id.desc())


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
