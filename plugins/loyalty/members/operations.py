"""Memberships: joining, the effective tier, level windows, check-in and the paid tier."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, type_coerce, update
from sqlalchemy.exc import IntegrityError

from mall import clock
from mall.dbtypes import Money
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.i18n import localized
from mall.insert_once import insert_once
from mall.money import ZERO, format_money
from mall.notifications.operations import content, notify
from mall.payments import gateway
from mall.request_cache import remembered
from plugins.loyalty import keys
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.members.models import LevelCredit, Membership, TierChange, TierPurchase
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.programmes.models import Tier
from plugins.loyalty.programmes.operations import find_in_programme, rules
from plugins.loyalty.reminders.operations import reached as remind_reached
from plugins.loyalty.wallet.operations import bonus_first, move, wallet_for
from plugins.loyalty.webhooks import operations as hooks

PAY_WITH = ("wallet", "gateway")


def join_programme(programme, user, at=None):
    """Join a programme with its joining bonus and coupon; returns (membership, created)."""
    at = at or clock.now()
    member, created = join(programme, user, at)
    if created:
        r = rules(programme)
        funded = programme.funder
        ledger.credit(member, r.bonuses.get("join", 0), "join", keys.join(member.id), funded_by=funded, at=at)
        if r.join_coupon:
            template = find_in_programme(CouponTemplate, r.join_coupon, programme)
            if template is not None:
                coupon_ops.issue_once(template, user, "join", keys.join_coupon(template.id, user.id), at)
        if r.window["kind"] == "rolling":
            member.evaluated_for = ledger.month_key(at, clock.zone_of(programme.tenant), r.window["evaluate"])
        db.session.flush()
        from plugins.loyalty.events.receivers import on_joined  # events build on memberships

        on_joined(member, at)
        hooks.member_joined(member)
    return member, created


def check_in(programme, user, at=None) -> tuple[int, int]:
    """Daily check-in in a programme (tenant-local day); returns (points, streak); 409 if done today."""
    from flask_babel import gettext as _
    from sqlalchemy import update

    from mall.errors import Conflict

    at = at or clock.now()
    member, _created = join_programme(programme, user, at) if programme.is_platform else (membership(programme, user),
                                                                                      False)
    if member is None:
        raise Conflict(_("Join this shop's programme first."), code="not_a_member")
    today = clock.local_date(clock.zone_of(programme.tenant), at)
    streak = member.streak + 1 if member.last_check_in == today - timedelta(days=1) else 1
    result = db.session.execute(
        update(Membership).where(Membership.id == member.id,
                                 db.or_(Membership.last_check_in.is_(None), Membership.last_check_in < today))
        .values(last_check_in=today, streak=streak).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("You have already checked in today."), code="already_checked_in")
    db.session.refresh(member)
    r = rules(programme)
    bonus = r.bonuses.get("check_in", 0) + (r.bonuses.get("check_in_streak") or {}).get(str(streak), 0)
    ledger.credit(member, bonus, "check_in", keys.check_in(member.id, today), at=at,
                  funded_by=programme.funder)
    if r.metric == "growth" and r.growth.get("check_in"):
        credit_metric(member, Decimal(r.growth["check_in"]), keys.growth_check_in(member.id, today), at)
    return bonus, streak


def membership(programme, user) -> Membership | None:
    """The user's membership of a programme, if any."""
    if programme is None or user is None:
        return None
    # Memberships are never deleted, so a found one can serve the rest of the request.
    return remembered("membership", (programme.id, user.id), lambda: db.session.execute(
        db.select(Membership).filter_by(programme_id=programme.id, user_id=user.id)).scalar_one_or_none())


def memberships_of(user) -> list[Membership]:
    """Every programme membership of a user, in programme order."""
    return db.session.execute(
        db.select(Membership).where(Membership.user_id == user.id).order_by(Membership.programme_id)
    ).scalars().all()


def join(programme, user, at=None) -> tuple[Membership, bool]:
    """Make the user a member (lowest tier); returns (membership, created). Safe under races."""
    existing = membership(programme, user)
    if existing is not None:
        return existing, False
    at = at or clock.now()
    row = Membership(programme_id=programme.id, user_id=user.id, tier_code=rules(programme).lowest.code,
                     joined_at=at, period_start=at)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return membership(programme, user), False
    return row, True


def effective_tier(member: Membership | None, at=None) -> Tier | None:
    """The tier whose benefits apply now: a paid tier while it lasts, else the earned tier."""
    if member is None:
        return None
    r = rules(member.programme)
    at = at or clock.now()
    if member.paid_tier_code and member.paid_until and member.paid_until > at:
        return r.tier(member.paid_tier_code)
    return r.tier(member.tier_code)


def _change_tier(member: Membership, to_code: str, reason: str, at, key: str) -> None:
    if to_code == member.tier_code and reason not in ("kept",):
        return
    try:
        with db.session.begin_nested():
            db.session.add(TierChange(membership_id=member.id, from_code=member.tier_code, to_code=to_code,
                                      reason=reason, at=at, idempotency_key=key))
    except IntegrityError:
        return
    if to_code != member.tier_code and reason == "up":
        remind_reached(member, to_code, key, at)  # "you reached", a reminder the member may turn off
    elif to_code != member.tier_code:
        r = rules(member.programme)
        notify(member.user_id, "loyalty.tier_changed", keys.tier_notice(key), link="/member/memberships",
               tenant_id=member.programme.tenant_id, **content("programme", r), **content("tier", r.tier(to_code)))
    hooks.tier_changed(member, member.tier_code, to_code, reason, key, at)
    member.tier_code = to_code


def rolling_metric(member: Membership, at) -> Decimal:
    """The metric over the rolling window ending at `at`."""
    days = rules(member.programme).window["days"]
    total = db.session.execute(
        db.select(type_coerce(func.coalesce(func.sum(LevelCredit.amount), 0), Money()))
        .where(LevelCredit.membership_id == member.id, LevelCredit.at > at - timedelta(days=days),
               LevelCredit.at <= at)
    ).scalar()
    return Decimal(total or 0)


def credit_metric(member: Membership, amount: Decimal, key: str, at=None, order_id=None) -> bool:
    """Add (or with a negative amount take back) level metric; upgrades happen at once.

    Returns False when `key` was credited before (nothing changes then).
    """
    at = at or clock.now()
    try:
        with db.session.begin_nested():
            db.session.add(LevelCredit(membership_id=member.id, amount=amount, at=at, order_id=order_id,
                                       idempotency_key=key))
    except IntegrityError:
        return False
    # Cached sums move with conditional arithmetic in SQL, never read-modify-write in Python.
    db.session.execute(
        update(Membership).where(Membership.id == member.id).values(
            lifetime_metric=func.max(Membership.lifetime_metric + amount, 0) if _is_sqlite()
            else func.greatest(Membership.lifetime_metric + amount, 0),
            period_metric=func.max(Membership.period_metric + amount, 0) if _is_sqlite()
            else func.greatest(Membership.period_metric + amount, 0),
        ).execution_options(synchronize_session=False)
    )
    db.session.refresh(member)
    if amount > 0:
        _upgrade(member, at, key)
    return True


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _upgrade(member: Membership, at, key: str) -> None:
    r = rules(member.programme)
    kind = r.window["kind"]
    if kind == "lifetime":
        metric = member.lifetime_metric
    elif kind == "rolling":
        metric = rolling_metric(member, at)
    else:
        metric = member.period_metric
    target = upgrade_to(r, member.tier_code, metric)
    if target is None:
        return
    _change_tier(member, target, "up", at, keys.upgrade(key))
    if kind == "validity":
        member.period_start = at
        member.period_end = at + timedelta(days=r.window["days"])
        if r.reset_on_change:
            member.period_metric = ZERO
    db.session.flush()


def upgrade_to(r, tier_code: str, metric: Decimal) -> str | None:
    """The earned tier a member of `tier_code` moves up to with this window metric (one step or the highest
    reached, as the programme says), or None."""
    current = r.earned_index(tier_code)
    reached = r.earned_index(r.reached(metric).code)
    if reached <= current:
        return None
    return r.earned_tiers[current + 1 if r.upgrade == "step" else reached].code


def kept_at_period_end(r, tier_code: str, period_metric: Decimal):
    """The tier a validity period ends in: the highest at or below the current one whose `keep` the amount meets."""
    kept = r.earned_tiers[0]
    for tier in r.earned_tiers[: r.earned_index(tier_code) + 1]:
        if tier.keep <= period_metric:
            kept = tier
    return kept


def end_validity_periods(member: Membership, at, dry_run: bool = False) -> str | None:
    """Close every validity period that ended by `at`: keep or drop the tier, restart the amount.

    Returns the resulting tier code when something changed.
    """
    r = rules(member.programme)
    if r.window["kind"] != "validity":
        return None
    changed = None
    while member.period_end is not None and member.period_end <= at:
        end = member.period_end
        kept = kept_at_period_end(r, member.tier_code, member.period_metric)
        if dry_run:
            return kept.code
        # The move is guarded by the period end itself, so a second run for the same moment finds nothing.
        result = db.session.execute(
            update(Membership).where(Membership.id == member.id, Membership.period_end == end)
            .values(tier_code=kept.code, period_metric=ZERO, period_start=end,
                    period_end=None if kept.rank == r.lowest.rank else end + timedelta(days=r.window["days"]))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            db.session.refresh(member)
            break
        db.session.add(TierChange(membership_id=member.id, from_code=member.tier_code, to_code=kept.code,
                                  reason="kept" if kept.code == member.tier_code else "down", at=end,
                                  idempotency_key=keys.period_end(member.id, end)))
        db.session.flush()
        db.session.refresh(member)
        changed = kept.code
    return changed


def evaluate_rolling(member: Membership, boundary_key: str, at, dry_run: bool = False) -> str | None:
    """Re-evaluate a rolling window at a boundary (up or down), once per boundary."""
    r = rules(member.programme)
    if r.window["kind"] != "rolling" or member.evaluated_for == boundary_key:
        return None
    tier = r.reached(rolling_metric(member, at))
    if dry_run:
        return tier.code
    result = db.session.execute(
        update(Membership).where(Membership.id == member.id,
                                 db.or_(Membership.evaluated_for.is_(None), Membership.evaluated_for != boundary_key))
        .values(evaluated_for=boundary_key).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    db.session.refresh(member)
    if tier.code != member.tier_code:
        reason = "up" if tier.rank > r.tier(member.tier_code).rank else "down"
        _change_tier(member, tier.code, reason, at, keys.rolling(member.id, boundary_key))
        db.session.flush()
        return tier.code
    return None


def next_tier_progress(member: Membership, at=None) -> dict | None:
    """How far the member is from the next earned tier: the metric, the threshold and what is missing."""
    r = rules(member.programme)
    at = at or clock.now()
    following = r.next_tier(member.tier_code)
    if following is None:
        return None
    kind = r.window["kind"]
    metric = (member.lifetime_metric if kind == "lifetime" else
              rolling_metric(member, at) if kind == "rolling" else member.period_metric)
    return {"tier": following, "metric": metric, "threshold": following.threshold,
            "missing": max(following.threshold - metric, ZERO)}


def _paid_tier(programme, code):
    for tier in rules(programme).paid_tiers:
        if tier.code == code:
            return tier
    names = ", ".join(t.code for t in rules(programme).paid_tiers) or _("none")
    raise FieldErrors(_("No such paid tier."), {"tier": [_("Choose one of: %(codes)s.", codes=names)]})


def buy(programme, user, code, pay_with, key: str, token: str | None = None) -> TierPurchase:
    """Buy a paid tier, or renew it from the end of the current term; the caller commits.

    The membership moves with a conditional update on its previous end date, so two
    purchases at once cannot both extend from the same term.
    """
    tier = _paid_tier(programme, code)
    if pay_with not in PAY_WITH:
        raise FieldErrors(_("Choose how to pay."), {"pay_with": [_("Pay with wallet or gateway.")]})
    at = clock.now()
    member, _created = join_programme(programme, user, at)
    previous = member.paid_until if member.paid_until and member.paid_until > at else None
    if previous and member.paid_tier_code != tier.code:
        raise Conflict(_("You already hold %(tier)s until %(until)s.", tier=localized(rules(programme).tier(
            member.paid_tier_code), "name"), until=previous.date().isoformat()), code="other_paid_tier")
    starts = previous or at
    purchase_key = keys.tier_purchase(user.id, key)
    reference = None
    if pay_with == "gateway":
        # Charged between transactions (what is written so far commits first); the purchase's key makes
        # a replay reuse this charge.
        reference = gateway.charge_between_transactions(tier.fee, token, purchase_key)
    purchase = TierPurchase(membership_id=member.id, tier_code=tier.code, fee=tier.fee, paid_with=pay_with,
                            starts_at=starts, ends_at=starts + timedelta(days=tier.duration_days),
                            idempotency_key=purchase_key, created_at=at)
    purchase = insert_once(purchase)
    if purchase is None:
        raise Conflict(_("This purchase was already made."), code="duplicate_purchase")
    if pay_with == "wallet":
        _pay_from_wallet(user, purchase)
    else:
        purchase.gateway_reference = reference
        purchase.gateway_paid = tier.fee
    moved = db.session.execute(
        update(Membership).where(Membership.id == member.id,
                                 Membership.paid_until.is_(None) if member.paid_until is None
                                 else Membership.paid_until == member.paid_until)
        .values(paid_tier_code=tier.code, paid_until=purchase.ends_at).execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        if reference is not None:
            gateway.give_back(reference, tier.fee, purchase_key)
        raise Conflict(_("Your membership changed meanwhile; please try again."), code="membership_changed")
    db.session.refresh(member)
    db.session.flush()
    return purchase


def _pay_from_wallet(user, purchase: TierPurchase) -> None:
    """Bonus balance first, then cash, as at checkout; a short wallet is a field error."""
    wallet = wallet_for(user)
    if wallet.cash + wallet.bonus < purchase.fee:
        message = _("Your wallet holds %(have)s; the fee is %(fee)s.", have=format_money(wallet.cash + wallet.bonus),
                    fee=format_money(purchase.fee))
        raise FieldErrors(message, {"pay_with": [message]}, code="insufficient_wallet")
    purchase.wallet_bonus, purchase.wallet_cash = bonus_first(wallet.bonus, purchase.fee)
    for balance, amount in (("bonus", purchase.wallet_bonus), ("cash", purchase.wallet_cash)):
        move(wallet, balance, -amount, "membership_fee", keys.fee_payment(purchase.idempotency_key, balance))
