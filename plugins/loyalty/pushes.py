"""Coupon pushes through the queue: freeze the segment, then issue in chunks of members by id range.

Every step can run again (a worker killed mid-chunk, a job retried) without a member getting
two coupons or two messages: a push's coupons carry the key push:<id>:<user>, its result rows
are UNIQUE per member, and its messages are keyed the same way.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import func, insert, type_coerce, update
from sqlalchemy.exc import IntegrityError

from mall import clock, jobs
from mall.audit.operations import record
from mall.dbtypes import Money
from mall.errors import Conflict
from mall.extensions import db
from mall.money import format_money
from mall.notifications.operations import notify
from mall.orders.models import Order
from plugins.loyalty import coupons as coupon_ops
from plugins.loyalty.models import Coupon, Membership
from plugins.loyalty.programmes import rules
from plugins.loyalty.push_models import Push, PushResult, PushTarget
from plugins.loyalty.segments import SegmentSchema, segment_select

CHUNK = 500
CHANNELS = ("inbox", "email", "sms")
SKIP_REASONS = {"coupon_out_of_stock": "out_of_stock", "coupon_stopped": "stopped", "coupon_expired": "expired"}


class PushSchema(Schema):
    """A push request: which template, to whom, on which channels."""

    class Meta:
        unknown = RAISE

    template_id = fields.Integer(required=True)
    filter = fields.Dict(load_default=dict)
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=lambda: ["inbox"],
                           validate=validate.Length(min=1, max=3))


def create_push(programme, raw, actor=None) -> Push:
    """Validate and queue a push (its members are chosen when it starts); the caller commits."""
    data = PushSchema().load(raw if isinstance(raw, dict) else {})
    try:
        segment = SegmentSchema().load(data["filter"])
    except ValidationError as exc:
        raise ValidationError({"filter": exc.messages}) from None
    template = coupon_ops.template_in(programme, data["template_id"])
    if template is None:
        raise ValidationError({"template_id": [_l("Not a coupon template of this programme.")]})
    push = Push(programme_id=programme.id, tenant_id=programme.tenant_id, template_id=template.id,
                filter=SegmentSchema().dump(segment), channels=sorted(set(data["channels"])), status="queued",
                created_by=getattr(actor, "id", None), created_at=clock.now())
    db.session.add(push)
    db.session.flush()
    record("push.created", template.name, actor=actor, tenant=programme.tenant_id, push_id=push.id)
    jobs.enqueue(start_push, push.id, idempotency_key=f"push:{push.id}:start")
    return push


def start_push(push_id: int) -> None:
    """Job: freeze the member set in one INSERT … SELECT, then queue one job per chunk of ids."""
    moved = db.session.execute(update(Push).where(Push.id == push_id, Push.status == "queued")
                               .values(status="running", started_at=clock.now())
                               .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        return  # started before, or cancelled
    push = db.session.get(Push, push_id)
    segment = SegmentSchema().load(push.filter)
    members = segment_select(push.template.programme, segment).order_by(None).subquery()
    db.session.execute(insert(PushTarget).from_select(
        ["push_id", "membership_id", "user_id"],
        db.select(db.literal(push.id), members.c.id, members.c.user_id)))
    low, high, count = db.session.execute(
        db.select(func.min(PushTarget.id), func.max(PushTarget.id), func.count(PushTarget.id))
        .where(PushTarget.push_id == push.id)).one()
    push.targeted = count
    if not count:
        push.status, push.finished_at = "done", clock.now()
    for start in range(low or 0, (high or -1) + 1, CHUNK):
        jobs.enqueue(run_chunk, push.id, start, start + CHUNK - 1, idempotency_key=f"push:{push.id}:{start}")
    db.session.commit()


def run_chunk(push_id: int, low: int, high: int) -> None:
    """Job: issue to the chunk's members that have no result yet; finish the push after the last one."""
    push = db.session.get(Push, push_id)
    if push is None or push.status != "running":
        return
    todo = db.session.execute(
        db.select(PushTarget).outerjoin(PushResult, db.and_(PushResult.push_id == PushTarget.push_id,
                                                            PushResult.user_id == PushTarget.user_id))
        .where(PushTarget.push_id == push_id, PushTarget.id.between(low, high), PushResult.id.is_(None))
        .order_by(PushTarget.id)).scalars().all()
    for target in todo:
        _one(push, target)
    db.session.commit()
    _finish_if_complete(push_id)


def _one(push: Push, target: PushTarget) -> None:
    """Issue one member's coupon (or record why not) and the inbox message, all-or-nothing for the member."""
    template = push.template
    member = db.session.get(Membership, target.membership_id)
    coupon, reason = None, None
    try:
        with db.session.begin_nested():
            held = db.session.execute(db.select(func.count(Coupon.id)).filter_by(
                template_id=template.id, user_id=target.user_id)).scalar()
            if held >= template.per_member_limit:
                reason = "limit"
            else:
                try:
                    coupon = coupon_ops.issue(template, member.user, "push", f"push:{push.id}:{target.user_id}")
                except Conflict as exc:
                    reason = SKIP_REASONS.get(exc.code, exc.code)
            db.session.add(PushResult(push_id=push.id, user_id=target.user_id,
                                      outcome="issued" if coupon else "skipped", reason=reason,
                                      coupon_id=coupon.id if coupon else None, created_at=clock.now()))
            if coupon and "inbox" in push.channels:
                notify(target.user_id, "loyalty.push_coupon", f"push:{push.id}:{target.user_id}:inbox",
                       link="/member/coupons", tenant_id=push.tenant_id, coupon=template.name,
                       programme=rules(template.programme).name)
    except IntegrityError:
        pass  # another worker recorded this member first


def _finish_if_complete(push_id: int) -> None:
    done = db.session.execute(db.select(func.count(PushResult.id)).where(PushResult.push_id == push_id)).scalar()
    db.session.execute(update(Push).where(Push.id == push_id, Push.status == "running", Push.targeted <= done)
                       .values(status="done", finished_at=clock.now()).execution_options(synchronize_session=False))
    db.session.commit()


def cancel(push: Push, actor=None) -> bool:
    """Stop a queued or running push; chunks not yet run do nothing. False when it had already ended."""
    moved = db.session.execute(update(Push).where(Push.id == push.id, Push.status.in_(("queued", "running")))
                               .values(status="cancelled", finished_at=clock.now())
                               .execution_options(synchronize_session=False))
    if moved.rowcount == 1:
        record("push.cancelled", push.template.name, actor=actor, tenant=push.tenant_id, push_id=push.id)
    db.session.refresh(push)
    return moved.rowcount == 1


def progress(push: Push) -> dict:
    """The push as API.md shows it: status and targeted / issued / skipped, with skip reasons."""
    rows = db.session.execute(db.select(PushResult.outcome, PushResult.reason, func.count(PushResult.id))
                              .where(PushResult.push_id == push.id)
                              .group_by(PushResult.outcome, PushResult.reason)).all()
    issued = sum(n for outcome, _r, n in rows if outcome == "issued")
    skipped = {reason: n for outcome, reason, n in rows if outcome == "skipped"}
    used, revenue = db.session.execute(
        db.select(func.count(Coupon.id), type_coerce(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0),
                                                     Money()))
        .join(PushResult, PushResult.coupon_id == Coupon.id).join(Order, Order.id == Coupon.used_order_id)
        .where(PushResult.push_id == push.id)).one()
    return {"id": push.id, "status": push.status, "targeted": push.targeted, "issued": issued,
            "skipped": sum(skipped.values()), "skipped_by_reason": skipped, "template_id": push.template_id,
            "channels": push.channels, "used": used, "revenue": format_money(revenue)}
