"""Pushes: create, cancel and follow them; the win-back campaign's settings."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import String, case, cast, func, literal, type_coerce, update

from mall import clock
from mall.accounts.models import User
from mall.audit.operations import record
from mall.dbtypes import Money
from mall.extensions import db
from mall.money import ZERO, format_money
from mall.notifications.models import Notification
from mall.orders.models import Order
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.budgets.schemas import push_budget_problem
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.programmes.operations import find_in_programme
from plugins.loyalty.pushes.jobs import queue_start
from plugins.loyalty.pushes.models import Campaign, Push, PushResult, PushTarget
from plugins.loyalty.pushes.schemas import CHANNELS, CampaignSchema, PushSchema
from plugins.loyalty.segments.models import SavedSegment
from plugins.loyalty.segments.operations import BOUGHT
from plugins.loyalty.segments.schemas import SegmentSchema


def win_back(programme) -> Campaign | None:
    """The programme's win-back campaign, if it has one."""
    return db.session.execute(db.select(Campaign).filter_by(programme_id=programme.id, kind="win_back")) \
        .scalar_one_or_none()


def save_win_back(programme, raw: dict, actor=None) -> Campaign:
    """Create or change the win-back campaign (422 on bad fields); the caller commits."""
    data = CampaignSchema().load(raw)
    if find_in_programme(CouponTemplate, data["template_id"], programme) is None:
        raise ValidationError({"template_id": [_l("Not a coupon template of this programme.")]})
    campaign = win_back(programme)
    if campaign is None:
        # It looks for members who become sleeping from now on, not those asleep for years.
        campaign = Campaign(programme_id=programme.id, tenant_id=programme.tenant_id, kind="win_back",
                            last_run_at=clock.now(), created_by=getattr(actor, "id", None), created_at=clock.now())
        db.session.add(campaign)
    campaign.template_id, campaign.period, campaign.is_active = data["template_id"], data["period"], data["is_active"]
    campaign.channels = sorted(set(data["channels"]))
    db.session.flush()
    record("campaign.saved", "win_back", actor=actor, tenant=programme.tenant_id, template_id=campaign.template_id,
           period=campaign.period, active=campaign.is_active)
    return campaign


def create_push(programme, raw, actor=None) -> Push:
    """Validate and queue a push (its members are chosen when it starts); the caller commits."""
    data = PushSchema().load(raw if isinstance(raw, dict) else {})
    raw_filter = data["filter"] or {}
    if data["segment_id"] is not None:
        saved = find_in_programme(SavedSegment, data["segment_id"], programme)
        if saved is None:
            raise ValidationError({"segment_id": [_l("Not a saved segment of this programme.")]})
        raw_filter = saved.filter
    try:
        segment = SegmentSchema().load(raw_filter)
    except ValidationError as exc:
        raise ValidationError({"filter": exc.messages}) from None
    template = find_in_programme(CouponTemplate, data["template_id"], programme)
    if template is None:
        raise ValidationError({"template_id": [_l("Not a coupon template of this programme.")]})
    if problem := push_budget_problem(data["budget"], template):
        raise ValidationError({"budget": [problem]})
    push = Push(programme_id=programme.id, tenant_id=programme.tenant_id, template_id=template.id,
                filter=SegmentSchema().dump(segment), channels=sorted(set(data["channels"])),
                status="scheduled" if data["scheduled_at"] else "queued", scheduled_at=data["scheduled_at"],
                budget=budgets.stored(data["budget"]), holdout=data["holdout"],
                seed=data["seed"] if data["seed"] is not None else secrets.randbelow(2**31),
                created_by=getattr(actor, "id", None), created_at=clock.now())
    db.session.add(push)
    db.session.flush()
    record("push.created", template.name, actor=actor, tenant=programme.tenant_id, push_id=push.id)
    if push.status == "queued":
        queue_start(push)
    return push


def cancel(push: Push, actor=None) -> bool:
    """Stop a queued or running push; chunks not yet run do nothing. False when it had already ended."""
    moved = db.session.execute(update(Push).where(Push.id == push.id,
                                                  Push.status.in_(("scheduled", "queued", "running")))
                               .values(status="cancelled", finished_at=clock.now())
                               .execution_options(synchronize_session=False))
    if moved.rowcount == 1:
        record("push.cancelled", push.template.name, actor=actor, tenant=push.tenant_id, push_id=push.id)
    db.session.refresh(push)
    return moved.rowcount == 1


def progress(push: Push) -> dict:
    """The push as API.md shows it: status and targeted / issued / skipped, with skip reasons.

    `coupons` also counts members held back by the pressure limits: skipped for the message,
    they still got the coupon.
    """
    return progress_of([push])[push.id]


def progress_of(listed: list[Push]) -> dict[int, dict]:
    """progress() of several pushes (a page of the list) in two queries, by push id."""
    ids = [push.id for push in listed]
    if not ids:
        return {}
    rows = db.session.execute(db.select(PushResult.push_id, PushResult.outcome, PushResult.reason,
                                        func.count(PushResult.id), func.count(PushResult.coupon_id))
                              .where(PushResult.push_id.in_(ids))
                              .group_by(PushResult.push_id, PushResult.outcome, PushResult.reason)).all()
    effect = dict.fromkeys(ids, (0, ZERO))
    effect.update({push_id: (used, revenue) for push_id, used, revenue in db.session.execute(
        db.select(PushResult.push_id, func.count(Coupon.id),
                  type_coerce(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0), Money()))
        .join(PushResult, PushResult.coupon_id == Coupon.id).join(Order, Order.id == Coupon.used_order_id)
        .where(PushResult.push_id.in_(ids)).group_by(PushResult.push_id))})
    by_push: dict[int, list] = {push_id: [] for push_id in ids}
    for push_id, *counts in rows:
        by_push[push_id].append(counts)
    out = {}
    for push in listed:
        mine = by_push[push.id]
        skipped = {reason: n for outcome, reason, n, _c in mine if outcome == "skipped"}
        used, revenue = effect[push.id]
        out[push.id] = {
            "id": push.id, "status": push.status, "targeted": push.targeted,
            "issued": sum(n for outcome, _r, n, _c in mine if outcome == "issued"),
            "skipped": sum(skipped.values()),
            "held_out": sum(n for outcome, _r, n, _c in mine if outcome == "holdout"),
            "holdout": str(push.holdout or 0), "skipped_by_reason": skipped, "template_id": push.template_id,
            "channels": push.channels, "used": used, "revenue": format_money(revenue),
            "coupons": sum(c for *_rest, c in mine),
            "scheduled_at": push.scheduled_at.isoformat() if push.scheduled_at else None,
            "budget": budgets.shown(push.template.programme, keys.push_budget(push.id), push.budget, clock.now())}
    return out


#: Delivery statuses as the push history groups them.
DELIVERY_STATE = {"sent": "sent", "failed": "failed", "dropped": "failed", "queued": "pending", "sending": "pending"}


def deliveries_of(ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """Messages per push, channel and state (sent / failed / pending), counted in one grouped query.

    A push's messages are keyed "push:<push>:<user>:<channel>" (keys.push), so each result row finds its
    member's messages through the unique key index rather than a scan of every notification.
    """
    if not ids:
        return {}
    prefix = literal("push:") + cast(PushResult.push_id, String) + literal(":") + cast(PushResult.user_id, String)
    rows = db.session.execute(
        db.select(PushResult.push_id, Notification.channel, Notification.status, func.count(Notification.id))
        .join(Notification, db.and_(Notification.user_id == PushResult.user_id, Notification.idempotency_key.in_(
            [prefix + literal(f":{channel}") for channel in CHANNELS])))
        .where(PushResult.push_id.in_(ids))
        .group_by(PushResult.push_id, Notification.channel, Notification.status)).all()
    out: dict[int, dict[str, dict[str, int]]] = {push_id: {} for push_id in ids}
    for push_id, channel, status, n in rows:
        counts = out[push_id].setdefault(channel, {"sent": 0, "failed": 0, "pending": 0})
        counts[DELIVERY_STATE.get(status, "pending")] += n
    return out


def senders_of(listed: list[Push]) -> dict[int, str]:
    """The names of the staff who made these pushes, by user id, in one query."""
    ids = {push.created_by for push in listed if push.created_by is not None}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids))).all())


def campaign_results(campaign: Campaign | None) -> dict:
    """What the campaign has done: coupons issued, used, the orders that used them and their revenue."""
    if campaign is None:
        return {"issued": 0, "used": 0, "orders": 0, "revenue": ZERO}
    issued = (db.select(PushResult.coupon_id).join(Push, Push.id == PushResult.push_id)
              .where(Push.campaign_id == campaign.id, PushResult.coupon_id.is_not(None)))
    coupons = db.session.execute(db.select(func.count(Coupon.id), func.count(Coupon.used_order_id))
                                 .where(Coupon.id.in_(issued))).one()
    # Each order once, however many of the campaign's coupons it used.
    orders = db.select(Coupon.used_order_id).where(Coupon.id.in_(issued), Coupon.used_order_id.is_not(None))
    count, revenue = db.session.execute(
        db.select(func.count(Order.id),
                  type_coerce(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0), Money()))
        .where(Order.id.in_(orders))).one()
    return {"issued": coupons[0], "used": coupons[1], "orders": count, "revenue": revenue}


#: The normal quantile of a two-sided 95 % confidence interval.
Z95 = 1.96


def holdout_report(push: Push, days: int) -> dict | None:
    """Conversion (members with a paid order) and revenue of treated members against the holdout, in the `days`
    after the push started, with a 95 % confidence interval for the difference in conversion. None before it ran.

    Treated are the push's targets that were not held back, whether or not a coupon reached them (intent to treat).
    """
    if push.started_at is None:
        return None
    until = push.started_at + timedelta(days=days)
    held = db.select(PushResult.user_id).where(PushResult.push_id == push.id, PushResult.outcome == "holdout")
    group = case((PushTarget.user_id.in_(held), "holdout"), else_="treated")
    where = [Order.user_id == PushTarget.user_id, Order.status.in_(BOUGHT), Order.paid_at >= push.started_at,
             Order.paid_at < until]
    if push.tenant_id is not None:
        where.append(Order.tenant_id == push.tenant_id)
    bought = db.select(func.count(Order.id)).where(*where).correlate(PushTarget).scalar_subquery()
    paid = db.select(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0)).where(*where) \
        .correlate(PushTarget).scalar_subquery()
    per = db.select(group.label("grp"), bought.label("n"), paid.label("v")) \
        .where(PushTarget.push_id == push.id).subquery()
    rows = db.session.execute(db.select(per.c.grp, func.count(), func.count(case((per.c.n > 0, 1))),
                                        type_coerce(func.coalesce(func.sum(per.c.v), 0), Money()))
                              .group_by(per.c.grp)).all()
    out = {name: {"members": 0, "buyers": 0, "revenue": ZERO} for name in ("treated", "holdout")}
    for name, members, buyers, revenue in rows:
        out[name] = {"members": int(members), "buyers": int(buyers), "revenue": Decimal(revenue or 0)}
    for side in out.values():
        side["conversion"] = Fraction(side["buyers"], side["members"]) if side["members"] else None
        side["per_member"] = (side["revenue"] / side["members"]).quantize(Decimal("0.01")) if side["members"] \
            else None
    return {"days": days, "until": until, **out, **_difference(out["treated"], out["holdout"])}


def _difference(treated: dict, holdout: dict) -> dict:
    """The lift in conversion (treated − holdout, in percentage points) and its 95 % interval (normal approximation)."""
    p1, p0 = treated["conversion"], holdout["conversion"]
    if p1 is None or p0 is None:
        return {"lift": None, "low": None, "high": None}
    # Exact fractions up to the square root; the statistic itself may be a float, the counts never are.
    variance = p1 * (1 - p1) / treated["members"] + p0 * (1 - p0) / holdout["members"]
    margin = Z95 * math.sqrt(variance)
    lift = float(p1 - p0)
    return {"lift": round(lift * 100, 2), "low": round((lift - margin) * 100, 2),
            "high": round((lift + margin) * 100, 2)}
