"""Time-driven loyalty work on the core tick: expiry, level periods, rolling windows, birthdays, tier coupons,
reminders."""

from __future__ import annotations

from mall import clock
from mall.extensions import db
from mall.notifications.operations import content, notify
from mall.tenant_work import in_own_transaction, owner_name
from plugins.loyalty import keys
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import effective_tier, end_validity_periods, evaluate_rolling
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import find_in_programme, rules
from plugins.loyalty.reminders.operations import remind

BATCH = 500


def on_tick(sender, at, dry_run, report, **kwargs) -> None:
    """Run every programme's time-driven rules as of `at`; each effect happens once per moment.

    Each chunk of BATCH members is one transaction of its programme's shop (`mall.tenant_work`):
    a failing chunk is rolled back and recorded, that programme stops for this tick (the next one
    finishes it; the chunks already committed are not repeated), and the other programmes go on.
    """
    counts = {"points_expired": 0, "periods_ended": 0, "rolling_evaluated": 0, "birthday": 0, "tier_coupons": 0,
              "reminders": 0}
    programmes = db.session.execute(db.select(Programme.id, Programme.tenant_id).order_by(Programme.id)).all()
    for programme_id, tenant_id in programmes:
        owner = owner_name(tenant_id)
        last_id = 0
        while True:
            chunk = dict.fromkeys(counts, 0)
            last_id = in_own_transaction(report, owner, _chunk_tick, programme_id, last_id, at, dry_run, chunk,
                                         dry_run=dry_run)
            if last_id is None:  # the chunk failed: its counts were rolled back with it
                break
            for key, value in chunk.items():
                counts[key] += value
            if last_id == 0:
                break
    for key, value in counts.items():
        report[f"loyalty_{key}"] = value


def _chunk_tick(programme_id: int, after_id: int, at, dry_run: bool, counts: dict) -> int:
    """The members of the programme after `after_id`, up to BATCH of them; returns the last id (0: none left)."""
    programme = db.session.get(Programme, programme_id)
    members = db.session.execute(
        db.select(Membership).where(Membership.programme_id == programme_id, Membership.id > after_id)
        .order_by(Membership.id).limit(BATCH)
    ).scalars().all()
    for member in members:
        _member_tick(programme, member, at, dry_run, counts)
    return members[-1].id if members else 0


def _member_tick(programme, member, at, dry_run, counts) -> None:
    r = rules(programme)
    counts["points_expired"] += ledger.expire_due(member, at, dry_run)
    if end_validity_periods(member, at, dry_run):
        counts["periods_ended"] += 1
    if r.window["kind"] == "rolling":
        boundary = ledger.month_key(at, clock.zone_of(programme.tenant), r.window["evaluate"])
        if member.evaluated_for and member.evaluated_for != boundary:
            evaluate_rolling(member, boundary, at, dry_run)
            counts["rolling_evaluated"] += 1
    if dry_run:
        return
    _birthday(programme, member, at, counts)
    _tier_coupons(programme, member, at, counts)
    counts["reminders"] += remind(programme, member, at)


def _birthday(programme, member, at, counts) -> None:
    """On or after the birthday, within its month: the bonus and the coupon, once a year."""
    birthday = member.user.birthday
    if birthday is None:
        return
    today = clock.local_date(clock.zone_of(programme.tenant), at)
    if today.month != birthday.month or today.day < birthday.day:
        return
    r = rules(programme)
    funded = programme.funder
    if ledger.credit(member, r.bonuses.get("birthday", 0), "birthday", keys.birthday(member.id, today.year),
                     funded_by=funded, at=at):
        counts["birthday"] += 1
        notify(member.user_id, "loyalty.birthday", keys.birthday(member.id, today.year), link="/member/points",
               tenant_id=programme.tenant_id, **content("programme", r), points=r.bonuses.get("birthday", 0))
    if r.birthday_coupon:
        template = find_in_programme(CouponTemplate, r.birthday_coupon, programme)
        if template is not None and coupon_ops.issue_once(
                template, member.user, "birthday", keys.birthday_coupon(template.id, member.user_id, today.year), at):
            counts["birthday"] += 1


def _tier_coupons(programme, member, at, counts) -> None:
    """A tier's monthly / quarterly coupons, once per calendar period."""
    tier = effective_tier(member, at)
    for template_id, every in tier.coupons:
        template = find_in_programme(CouponTemplate, template_id, programme)
        if template is None:
            continue
        period = ledger.month_key(at, clock.zone_of(programme.tenant), every)
        key = keys.level_coupon(template.id, member.user_id, period)
        if coupon_ops.issue_once(template, member.user, "level", key, at):
            counts["tier_coupons"] += 1
