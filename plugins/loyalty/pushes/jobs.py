"""Push jobs on the queue: freeze the segment, then issue in chunks of members by id range."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import String, cast, func, insert, literal, update

from mall import clock, jobs
from mall.accounts.models import User
from mall.dbtypes import UTCDateTime
from mall.extensions import db
from mall.notifications.delivery import queue_delivery
from mall.notifications.marketing import write_marketing
from mall.notifications.operations import content
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.members.models import Membership
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.pushes.models import Push, PushResult, PushTarget
from plugins.loyalty.segments.operations import segment_select
from plugins.loyalty.segments.schemas import SegmentSchema
from plugins.loyalty.webhooks import operations as hooks

#: Members per chunk job: big enough that a job's fixed costs are small next to its rows.
CHUNK = 1000
#: The reason a push's result records for each refusal a claim would meet (coupon_ops.REFUSALS).
SKIP_REASONS = {"coupon_stopped": "stopped", "coupon_expired": "expired", "coupon_limit": "limit",
                "coupon_out_of_stock": "out_of_stock", "coupon_budget_spent": "budget_spent"}


def queue_start(push: Push) -> None:
    """Queue the job that starts a push (after the current transaction commits)."""
    jobs.enqueue(start_push, push.id, idempotency_key=keys.push_start(push.id))


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
    chosen = segment_select(push.template.programme, segment).order_by(None)
    if push.campaign_id is not None:
        # A campaign reaches each member at most once per period, however many runs the period has.
        earlier = (db.select(PushResult.id).join(Push, Push.id == PushResult.push_id)
                   .where(Push.campaign_id == push.campaign_id, Push.period == push.period, Push.id != push.id,
                          PushResult.user_id == Membership.user_id))
        chosen = chosen.where(~earlier.exists())
    members = chosen.subquery()
    db.session.execute(insert(PushTarget).from_select(
        ["push_id", "membership_id", "user_id"],
        db.select(db.literal(push.id), members.c.id, members.c.user_id)))
    low, high, count = db.session.execute(
        db.select(func.min(PushTarget.id), func.max(PushTarget.id), func.count(PushTarget.id))
        .where(PushTarget.push_id == push.id)).one()
    push.targeted = count
    if count and push.holdout:
        hold_back(push)
    if not count:
        push.status, push.finished_at = "done", clock.now()
        hooks.push_completed(push)
    for start in range(low or 0, (high or -1) + 1, CHUNK):
        _queue_chunk(push.id, start)
    db.session.commit()


def hold_back(push: Push) -> int:
    """Record the push's control group: round(targeted × holdout) of its members, picked by the push's seed.

    They get a `holdout` result now, so the chunks find them done: no coupon, no message.
    """
    users = db.session.execute(db.select(PushTarget.user_id).where(PushTarget.push_id == push.id)).scalars().all()
    chosen = pick_holdout(users, push.holdout, push.seed or 0)
    at = clock.now()
    if chosen:
        db.session.execute(insert(PushResult), [
            {"push_id": push.id, "user_id": uid, "outcome": "holdout", "created_at": at} for uid in sorted(chosen)])
    return len(chosen)


def pick_holdout(users, share, seed: int) -> set[int]:
    """round(len(users) × share) of the users, drawn by `seed` from them in id order (the same seed and users
    always give the same ones)."""
    ordered = sorted(users)
    size = int((Decimal(len(ordered)) * Decimal(share)).to_integral_value(ROUND_HALF_UP))
    return set(random.Random(seed).sample(ordered, size))


def _queue_chunk(push_id: int, start: int) -> None:
    """Queue the chunk of target ids [start, start + CHUNK) (start_push and recover() cut them the same way)."""
    jobs.enqueue(run_chunk, push_id, start, start + CHUNK - 1, idempotency_key=keys.push_chunk(push_id, start))


def run_chunk(push_id: int, low: int, high: int) -> None:
    """Job: issue to the chunk's members that have no result yet, in a few set-based statements.

    The chunk is one transaction, and copies of it (a retried job next to a slow one) take turns,
    so the second finds nothing left to do. With limited stock the template's row is locked
    first and stock is taken for the whole chunk at once, never past the stock; with unlimited
    stock only copies of the same chunk wait for each other, and the chunks of a push run side by
    side on several workers. The CHECK on issued ≤ stock stays the last guard either way.
    """
    push = db.session.get(Push, push_id)
    if push is None or push.status != "running":
        return
    template = push.template
    room = None
    if template.stock is None and not budgets.issue_charges(template, push=push):
        _chunk_lock(push_id, low)
    else:
        room = db.session.execute(
            update(CouponTemplate).where(CouponTemplate.id == template.id).values(issued=CouponTemplate.issued)
            .returning(coupon_ops.stock_left()).execution_options(synchronize_session=False)
        ).scalar_one()
    todo = _todo(push_id, low, high)
    if todo:
        _issue_chunk(push, template, todo, room)
    db.session.commit()
    _finish_if_complete(push_id)


def _chunk_lock(push_id: int, low: int) -> None:
    """Hold a lock on this chunk of this push until the transaction ends (PostgreSQL advisory lock;
    SQLite's transactions are already one at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.select(func.pg_advisory_xact_lock(push_id, low)))


def _todo(push_id: int, low: int, high: int) -> list[int]:
    """The chunk's members (users, in target order) without a result yet.

    Simple index lookups rather than one join: a push's rows are newer than the planner's
    statistics, and a join planned on stale numbers can turn into a scan per member.
    """
    # By the primary key's range alone, the push checked here: always one short index range scan.
    users = [user for push, user in db.session.execute(
        db.select(PushTarget.push_id, PushTarget.user_id).where(PushTarget.id.between(low, high))
        .order_by(PushTarget.id)).all() if push == push_id]
    if not users:
        return []
    done = set(db.session.execute(db.select(PushResult.user_id).where(PushResult.push_id == push_id,
                                                                      PushResult.user_id.in_(users))).scalars())
    return [user for user in users if user not in done]


def _issue_chunk(push: Push, template: CouponTemplate, todo, room: int | None) -> None:
    """Coupons for those a claim would also be given them (coupon_ops.refusal, for the whole chunk in one
    statement) within the stock, messages for them, and one result row per member."""
    at = clock.now()
    refused = dict(db.session.execute(db.select(User.id, coupon_ops.refusal(template, at, User.id))
                                      .where(User.id.in_(todo))).all())
    skipped = {uid: SKIP_REASONS[refused[uid]] for uid in todo if refused.get(uid) is not None}
    eligible = [uid for uid in todo if uid not in skipped]
    take = eligible if room is None else eligible[:max(room, 0)]
    skipped.update((uid, SKIP_REASONS["coupon_out_of_stock"]) for uid in eligible[len(take):])
    # The template's row is locked (run_chunk), so the budgets' rows are always locked after it.
    granted = budgets.take_for_issue(template, len(take), at, push=push)
    skipped.update((uid, SKIP_REASONS["coupon_budget_spent"]) for uid in take[granted:])
    take = take[:granted]
    held_back: dict[int, str] = {}
    if take:
        valid_from, valid_until = coupon_ops.validity(template, at)
        coupons = insert(Coupon).from_select(
            ["template_id", "programme_id", "user_id", "source", "issue_key", "valid_from", "valid_until",
             "created_at"],
            db.select(literal(template.id), literal(template.programme_id), User.id, literal("push"),
                      literal(keys.push(push.id)) + cast(User.id, String), literal(valid_from, UTCDateTime()),
                      literal(valid_until, UTCDateTime()), literal(at, UTCDateTime()))
            .where(User.id.in_(take))).returning(Coupon.id, Coupon.user_id)
        result_columns = ["push_id", "user_id", "outcome", "coupon_id", "created_at"]
        if db.session.get_bind().dialect.name == "postgresql":
            # One statement: the results are made from the new coupons' RETURNING rows on the server.
            new = coupons.cte("new_coupons")
            db.session.execute(insert(PushResult).from_select(result_columns, db.select(
                literal(push.id), new.c.user_id, literal("issued"), new.c.id, literal(at, UTCDateTime()))))
        else:
            rows = db.session.execute(coupons).all()
            db.session.execute(insert(PushResult), [
                dict(zip(result_columns, (push.id, user_id, "issued", coupon_id, at), strict=True))
                for coupon_id, user_id in rows])
        held_back, deliver = write_marketing(
            take, key=keys.push(push.id), kind="loyalty.push_coupon", link="/member/coupons",
            params={**content("coupon", template), **content("programme", rules(template.programme))},
            tenant_id=push.tenant_id, tz=clock.zone_of(template.programme.tenant), channels=push.channels, at=at)
        for reason in set(held_back.values()):
            db.session.execute(update(PushResult).where(
                PushResult.push_id == push.id,
                PushResult.user_id.in_([uid for uid, why in held_back.items() if why == reason]))
                .values(outcome="skipped", reason=reason).execution_options(synchronize_session=False))
        queue_delivery(deliver)
        hooks.coupons_pushed(push, take)
        # Last, so that with unlimited stock the template's row is locked only for the commit.
        if not coupon_ops.take_stock(template.id, len(take)):
            raise RuntimeError("a push chunk took more than the stock its lock left")  # rolls the chunk back
    if skipped:
        db.session.execute(insert(PushResult), [
            {"push_id": push.id, "user_id": uid, "outcome": "skipped", "reason": reason, "created_at": at}
            for uid, reason in skipped.items()])


def recover() -> int:
    """Queue again the work of unfinished pushes: the start of queued ones, the chunks of running ones that
    still have members without a result. Everything it queues is safe to run twice."""
    queued = 0
    for push in db.session.execute(db.select(Push).where(Push.status.in_(("queued", "running")))).scalars().all():
        if push.status == "queued":
            queue_start(push)
            queued += 1
            continue
        low = db.session.execute(db.select(func.min(PushTarget.id)).where(PushTarget.push_id == push.id)).scalar()
        left = db.session.execute(
            db.select(PushTarget.id).outerjoin(PushResult, db.and_(PushResult.push_id == PushTarget.push_id,
                                                                   PushResult.user_id == PushTarget.user_id))
            .where(PushTarget.push_id == push.id, PushResult.id.is_(None))).scalars().all()
        starts = sorted({low + (target - low) // CHUNK * CHUNK for target in left})
        for start in starts:
            _queue_chunk(push.id, start)
        if not starts:
            _finish_if_complete(push.id)
        queued += len(starts)
    return queued


def _finish_if_complete(push_id: int) -> None:
    done = db.session.execute(db.select(func.count(PushResult.id)).where(PushResult.push_id == push_id)).scalar()
    if db.session.execute(update(Push).where(Push.id == push_id, Push.status == "running", Push.targeted <= done)
                          .values(status="done", finished_at=clock.now())
                          .execution_options(synchronize_session=False)).rowcount:
        hooks.push_completed(db.session.get(Push, push_id, populate_existing=True))
    db.session.commit()
