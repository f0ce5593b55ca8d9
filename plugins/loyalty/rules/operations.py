"""What an order earns in a programme: the base rate, the tier's multiplier and the earning rules (`points.rules`),
with each rule's cap per order, cap per member and budget.

How rules combine (docs/loyalty-v2.md, "Earning rules"):
- a rule is in force for an order when the member's tier at payment, the payment's local date-time (`from`
  included, `until` excluded) and its ISO weekday (in the programme's zone) all match what the rule names;
- it covers the part of a line that is in its categories or products (either list; none named: every line) and,
  when it names payment methods, only the share of the money paid by those methods;
- each part of a line earns at the best multiplier any covering rule gives it: "best" gives max(rule, tier),
  "add" gives tier + (rule − 1); rules never multiply each other. `extra_points` rules add their points once per
  order when they cover any kept line, and they add up;
- the exact fractions are summed and floored once; the whole points above the floored base-with-tier earning
  are split among the rules in the document's order (each gets floor(total so far) − floor(total before it)),
  then each rule's share is cut to its cap per order, the member's cap for the period and the rule's budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import ValidationError

from mall import clock
from mall.catalog.models import Category, Product
from mall.extensions import db
from mall.insert_once import insert_once_values
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.points.operations import kept_paid
from plugins.loyalty.rules.models import RuleGrant


def method_shares(payments) -> dict[str, Fraction]:
    """Each payment method's share of the money an order was paid with, from its (method, amount) pairs."""
    total = sum((Fraction(amount) for _method, amount in payments), Fraction(0))
    if not total:
        return {}
    shares: dict[str, Fraction] = {}
    for method, amount in payments:
        shares[method] = shares.get(method, Fraction(0)) + Fraction(amount) / total
    return shares


@dataclass(frozen=True)
class Portion:
    """The part of a line's earning paid by one payment method (None: nothing was paid in money), in points
    before any multiplier."""

    product_id: int
    method: str | None
    base: Fraction


def portions(order, r, kept: dict[int, int] | None = None, payments=None) -> list[Portion]:
    """Every kept line's earning, split by payment method: paid × share × rate / per_amount, exactly.

    A method listed in `earn.payment_methods` earns at its own rate, the rest at the line's (sale) rate.
    """
    shares = method_shares(payments if payments is not None else [(p.method, p.amount) for p in order.payments])
    per_amount = Fraction(r.per_amount)
    out = []
    bought_for_points = points_mall_variants(order)
    for line in order.lines:
        qty = line.qty if kept is None else kept.get(line.id, 0)
        if qty <= 0 or getattr(line, "variant_id", None) in bought_for_points:
            continue
        paid = kept_paid(line, qty)
        line_rate = r.sale_rate if line.sale else r.rate
        for method, share in (shares.items() if shares else [(None, Fraction(1))]):
            rate = r.method_rates.get(method, line_rate)
            out.append(Portion(line.product_id, method, paid * share * rate / per_amount))
    return out


def points_mall_variants(order) -> set:
    """The variants an order bought in a points mall (its "points_mall" adjustments name them): they earn nothing
    and get no member price."""
    return {a.get("variant_id") for a in getattr(order, "adjustments", None) or []
            if a.get("kind") == "points_mall"} - {None}


def points_for(order, rules, multiplier: Decimal, kept: dict[int, int] | None = None, payments=None) -> int:
    """Points an order earns in a programme at a tier multiplier, without earning rules (kept: line id → units
    still kept; default all). `payments` are (method, amount) pairs, by default the order's stored payments."""
    base = sum((p.base for p in portions(order, rules, kept, payments)), Fraction(0))
    return math.floor(base * Fraction(multiplier))


@dataclass
class Extra:
    """What one rule adds to an order: exactly, then in whole points as asked (after the cap per order) and as
    granted (after the member's cap and the rule's budget)."""

    position: int
    rule: dict
    exact: Fraction
    asked: int
    granted: int = 0

    @property
    def name(self) -> str:
        return self.rule["name"]


@dataclass
class Earning:
    """An order's earning in one programme: the exact base at the tier's multiplier and each rule's extra."""

    exact: Fraction
    extras: list[Extra] = field(default_factory=list)

    @property
    def base(self) -> int:
        """The points without rules: the base at the tier's multiplier, floored."""
        return math.floor(self.exact)

    @property
    def points(self) -> int:
        """The points the order earns: the base and what each rule granted."""
        return self.base + sum(e.granted for e in self.extras)


def local_moment(programme, at):
    """The naive local date-time of `at` in the programme's zone, as rules' windows are written."""
    return clock.as_utc(at).astimezone(ZoneInfo(clock.zone_of(programme.tenant))).replace(tzinfo=None)


def in_force(rule: dict, tier_code: str | None, local) -> bool:
    """Whether a rule applies to an order paid at this local moment by a member of this tier."""
    if rule.get("tiers") and tier_code not in rule["tiers"]:
        return False
    if rule.get("from") and local < datetime.fromisoformat(rule["from"]):
        return False
    if rule.get("until") and local >= datetime.fromisoformat(rule["until"]):
        return False
    return not rule.get("weekdays") or local.isoweekday() in rule["weekdays"]


def covers(rule: dict, portion: Portion, categories: dict[int, int | None]) -> bool:
    """Whether a rule covers a part of a line: its product or category is named (or none are) and, when the rule
    names payment methods, this part was paid by one of them."""
    named = rule.get("categories") or rule.get("products")
    if named and not (portion.product_id in (rule.get("products") or ())
                      or categories.get(portion.product_id) in (rule.get("categories") or ())):
        return False
    return not rule.get("payment_methods") or portion.method in rule["payment_methods"]


def effective(rule: dict, tier_multiplier: Fraction) -> Fraction:
    """The multiplier a rule gives a covered part, stacked with the tier's: the higher of the two ("best"), or the
    tier's plus the rule's minus one ("add")."""
    multiplier = Fraction(Decimal(rule["multiplier"]))
    if rule.get("stacking") == "add":
        return tier_multiplier + multiplier - 1
    return max(multiplier, tier_multiplier)


def categories_of(order, rules_in_force) -> dict[int, int | None]:
    """Product id → category id for the order's lines, looked up only when a rule names categories."""
    if not any(rule.get("categories") for _pos, rule in rules_in_force):
        return {}
    ids = {line.product_id for line in order.lines}
    return dict(db.session.execute(db.select(Product.id, Product.category_id).where(Product.id.in_(ids))).all())


def evaluate(order, r, multiplier: Decimal, rules_in_force, kept=None, payments=None, categories=None) -> Earning:
    """The exact earning of an order under these (position, rule) pairs, with each rule's whole points asked.

    Nothing is granted here: `grant` takes the asked points from the caps and budgets.
    """
    tier = Fraction(multiplier)
    parts = portions(order, r, kept, payments)
    exact = sum((p.base for p in parts), Fraction(0)) * tier
    if categories is None:
        categories = categories_of(order, rules_in_force)
    gained: dict[int, Fraction] = {}
    for part in parts:
        best, winner = tier, None
        for position, rule in rules_in_force:
            if not covers(rule, part, categories):
                continue
            if "extra_points" in rule:
                gained[position] = Fraction(rule["extra_points"])
            elif (stacked := effective(rule, tier)) > best:
                best, winner = stacked, position
        if winner is not None:
            gained[winner] = gained.get(winner, Fraction(0)) + part.base * (best - tier)
    earning, running = Earning(exact), exact
    for position, rule in sorted(rules_in_force, key=lambda pair: pair[0]):
        extra = gained.get(position, Fraction(0))
        if extra <= 0:
            continue
        whole = math.floor(running + extra) - math.floor(running)
        running += extra
        earning.extras.append(Extra(position, rule, extra, min(whole, rule.get("cap_per_order", whole))))
    return earning


def earning_at(order, programme, r, tier, at, payments=None) -> Earning:
    """What paying an order at `at` earns in a programme for a member of `tier`, before caps and budgets."""
    local = local_moment(programme, at)
    found = [(i, rule) for i, rule in enumerate(r.earning_rules) if in_force(rule, tier.code, local)]
    return evaluate(order, r, tier.points_multiplier, found, payments=payments)


def member_owner(rule: dict, membership_id: int) -> str:
    """The owner name of a member's cap under a rule."""
    return keys.rule_member_cap(rule["name"], membership_id)


def rule_owner(rule: dict) -> str:
    """The owner name of a rule's budget."""
    return keys.rule_budget(rule["name"])


def grant(items, at) -> None:
    """Take every extra of these (order, programme, membership, earning) from its caps and budgets.

    Each rule's extra is recorded once per order and membership (a replay reads what was granted); the takes
    run in one fixed order (programme, rule, membership), the member's cap before the rule's budget, so
    concurrent checkouts lock the budget rows alike and never deadlock.
    """
    work = sorted(((programme.id, extra.position, member.id, order.id), order, programme, member, extra)
                  for order, programme, member, earning in items for extra in earning.extras)
    for _key, order, programme, member, extra in work:
        extra.granted = _grant_one(order, programme, member, extra, at)


def _grant_one(order, programme, member, extra: Extra, at) -> int:
    table = RuleGrant.__table__
    key = keys.rule_grant(order.id, member.id, extra.name)
    created = insert_once_values(table, {
        "order_id": order.id, "membership_id": member.id, "position": extra.position, "name": extra.name,
        "rule": extra.rule, "asked": extra.asked, "points": 0, "idempotency_key": key, "created_at": at})
    if created is None:
        return db.session.execute(db.select(table.c.points).where(table.c.idempotency_key == key)).scalar_one()
    granted, cap = extra.asked, extra.rule.get("cap_per_member")
    if cap and granted:
        granted = int(budgets.take(programme, member_owner(extra.rule, member.id), cap, granted, at, partial=True))
    if extra.rule.get("budget") and granted:
        got = int(budgets.take(programme, rule_owner(extra.rule), extra.rule["budget"], granted, at, partial=True))
        if cap and got < granted:
            # The member's cap counted what the budget could not give: it goes back.
            budgets.give_back(programme, member_owner(extra.rule, member.id), cap, granted - got, at)
        granted = got
    if granted:
        db.session.execute(table.update().where(table.c.id == created).values(points=granted))
    return granted


def grants_of(order_id: int, membership_id: int) -> list[RuleGrant]:
    """What each rule gave an order in a membership, in the rules' order."""
    return db.session.execute(db.select(RuleGrant).filter_by(order_id=order_id, membership_id=membership_id)
                              .order_by(RuleGrant.position)).scalars().all()


def kept_points(order, r, member, multiplier: Decimal, kept: dict[int, int], given=None) -> int:
    """What the kept units of an order earn after a partial refund: the base at the tier's multiplier paid
    with, and each rule recomputed on the kept lines as it stood at payment, never more than it granted then
    (`given`: the order's grant rows, by default read from the database)."""
    given = grants_of(order.id, member.id) if given is None else given
    if not given:
        return points_for(order, r, multiplier, kept)
    earning = evaluate(order, r, multiplier, [(g.position, g.rule) for g in given], kept=kept)
    granted = {g.position: g.points for g in given}
    return earning.base + sum(min(e.asked, granted.get(e.position, 0)) for e in earning.extras)


def earnings(work, at) -> dict:
    """What paying earns per (order id, membership id), for (order, payments, [(programme, membership)]) items:
    each at the member's tier at `at`, with the rules' extras granted in one fixed order."""
    from plugins.loyalty.members.operations import effective_tier
    from plugins.loyalty.programmes.operations import rules

    out, items = {}, []
    for order, payments, pairs in work:
        for programme, member in pairs:
            earning = earning_at(order, programme, rules(programme), effective_tier(member, at), at, payments)
            out[(order.id, member.id)] = earning
            items.append((order, programme, member, earning))
    grant(items, at)
    return out


def check_references(document: dict, tenant) -> None:
    """The categories and products rules name must be the shop's own (any shop's for the platform's programme);
    otherwise a ValidationError on the rule's field."""
    errors = {}
    for i, rule in enumerate(document["points"].get("rules") or []):
        for name, model in (("categories", Category), ("products", Product)):
            ids = set(rule.get(name) or ())
            if not ids:
                continue
            query = db.select(model.id).where(model.id.in_(ids))
            if tenant is not None:
                query = query.where(model.tenant_id == tenant.id)
            missing = ids - set(db.session.execute(query).scalars())
            if missing:
                errors[f"points.rules.{i}.{name}"] = [_("Not in this shop: %(ids)s.",
                                                        ids=", ".join(str(n) for n in sorted(missing)))]
    if errors:
        raise ValidationError(errors)


def shown_rules(programme, document: dict, at=None) -> list[dict]:
    """The document's rules as the API shows them: each budget with what it has `spent` in the current period."""
    at = at or clock.now()
    return [{**rule, "budget": budgets.shown(programme, rule_owner(rule), rule["budget"], at)} if rule.get("budget")
            else rule for rule in document["points"].get("rules") or []]


def given_by_order(membership_id: int, entries) -> dict[int, list[tuple[dict, int]]]:
    """For a page of points entries: order id → [(rule, points it gave)] of the orders they name, in one query
    (the points history says "Double-points weekend +120" under an order's earning)."""
    ids = {e.order_id for e in entries if e.order_id and e.kind == "earn"}
    if not ids:
        return {}
    rows = db.session.execute(db.select(RuleGrant).where(RuleGrant.membership_id == membership_id,
                                                         RuleGrant.order_id.in_(ids), RuleGrant.points > 0)
                              .order_by(RuleGrant.order_id, RuleGrant.position)).scalars()
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(row.order_id, []).append((row.rule, row.points))
    return out


def release(order) -> None:
    """Give what an unpaid order's rules took back to their caps and budgets, in the periods they were taken
    from; each grant once (its points drop to zero in the same conditional update)."""
    from plugins.loyalty.members.models import Membership

    table = RuleGrant.__table__
    for grant in db.session.execute(db.select(RuleGrant).where(RuleGrant.order_id == order.id, RuleGrant.points > 0)
                                    .order_by(RuleGrant.id)).scalars().all():
        points = grant.points
        moved = db.session.execute(table.update().where(table.c.id == grant.id, table.c.points == points)
                                   .values(points=0))
        if moved.rowcount != 1:
            continue
        member = db.session.get(Membership, grant.membership_id)
        rule = grant.rule
        budgets.give_back(member.programme, rule_owner(rule), rule.get("budget"), points, grant.created_at)
        budgets.give_back(member.programme, member_owner(rule, member.id), rule.get("cap_per_member"), points,
                          grant.created_at)
        db.session.expire(grant)
