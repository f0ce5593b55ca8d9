"""Time-driven loyalty work on the core tick: expiry, level periods, rolling windows, birthdays, tier coupons."""

from __future__ import annotations

from mall import clock
from mall.extensions import db
from mall.notifications.operations import notify
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import effective_tier, end_validity_periods, evaluate_rolling
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import rules

BATCH = 500


def on_tick(sender, at, dry_run, report, **kwargs) -> None:
    """Run every programme's time-driven rules as of `at`; each effect happens once per moment."""
    counts = {"points_expired": 0, "periods_ended": 0, "rolling_evaluated": 0, "birthday": 0, "tier_coupons": 0}
    for programme in db.session.execute(db.select(Programme).order_by(Programme.id)).scalars().all():
        last_id = 0
        while True:
            members = db.session.execute(
                db.select(Membership).where(Membership.programme_id == programme.id, Membership.id > last_id)
                .order_by(Membership.id).limit(BATCH)
            ).scalars().all()
            if not members:
                break
            for member in members:
                _member_tick(programme, member, at, dry_run, counts)
            last_id = members[-1].id
    for key, value in counts.items():
        report[f"loyalty_{key}"] = value


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
    if ledger.credit(member, r.bonuses.get("birthday", 0), "birthday", f"birthday:{member.id}:{today.year}",
                     funded_by=funded, at=at):
        counts["birthday"] += 1
        notify(member.user_id, "loyalty.birthday", f"birthday:{member.id}:{today.year}", link="/member/points",
               tenant_id=programme.tenant_id, programme=r.name, points=r.bonuses.get("birthday", 0))
    if r.birthday_coupon:
        template = coupon_ops.template_in(programme, r.birthday_coupon)
        if template is not None and coupon_ops.issue_once(
                template, member.user, "birthday", f"birthday:{template.id}:{member.user_id}:{today.year}", at):
            counts["birthday"] += 1


def _tier_coupons(programme, member, at, counts) -> None:
    """A tier's monthly / quarterly coupons, once per calendar period."""
    tier = effective_tier(member, at)
    for template_id, every in tier.coupons:
        template = coupon_ops.template_in(programme, template_id)
        if template is None:
            continue
        period = ledger.month_key(at, clock.zone_of(programme.tenant), every)
        if coupon_ops.issue_once(template, member.user, "level", f"level:{template.id}:{member.user_id}:{period}", at):
            counts["tier_coupons"] += 1
