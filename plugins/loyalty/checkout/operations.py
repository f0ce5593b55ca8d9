"""The loyalty steps of a checkout quote: member price, coupons, shipping waivers, points, wallet; the best coupons."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from flask import g
from flask_babel import gettext as _

from mall import clock
from mall.checkout.quote import Adjustment, PaymentShare, build_quote
from mall.errors import FieldErrors
from mall.extensions import db
from mall.i18n import localized
from mall.money import ZERO, floor_to_cent, spread_pro_rata
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.operations import effective_tier, membership
from plugins.loyalty.programmes.models import PLATFORM
from plugins.loyalty.programmes.operations import platform_programme, preload, programme_for, rules
from plugins.loyalty.wallet.operations import bonus_first, parse_amount, wallet_for

MAX_COUPONS = 20  # coupons one checkout may name
#: The most coupon combinations the best-choice search prices; past it each stacking group keeps its best few.
MAX_COMBINATIONS = 64


@dataclass
class Redemption:
    """Points a checkout spends in one programme for one order."""

    order_index: int
    programme: object
    member: object
    points: int
    value: Decimal


@dataclass
class LoyaltyPlan:
    """What checkout must capture once the orders exist: coupons, points, wallet shares."""

    coupons: list = field(default_factory=list)  # (coupon, order_index)
    redemptions: list[Redemption] = field(default_factory=list)


def plan_of(quote) -> LoyaltyPlan:
    """The plan the quote carries for the capture, in `quote.extensions["loyalty"]` (created on first use)."""
    return quote.extensions.setdefault("loyalty", LoyaltyPlan())


def price_goods(quote) -> None:
    """Pricing hook, goods stage: steps 2–6 of the quote in PROGRAMME.md."""
    at = clock.now()
    coupon_ids = quote.options.get("coupons")
    preload(quote.user, [oq.tenant for oq in quote.orders], wallet=_wallet_requested(quote),
            coupon_ids=coupon_ids if isinstance(coupon_ids, list) and len(coupon_ids) <= MAX_COUPONS else ())
    platform = platform_programme()
    p_member = membership(platform, quote.user)
    p_tier = effective_tier(p_member, at)
    p_rules = rules(platform) if p_member else None
    shop_members = []
    for oq in quote.orders:
        programme = programme_for(oq.tenant)
        member = membership(programme, quote.user)
        shop_members.append((programme, member))
        s_tier = effective_tier(member, at)
        s_rules = rules(programme) if member else None
        _member_price(oq, ((s_tier, s_rules), (p_tier, p_rules)))
        waive_shipping(oq, s_tier, p_tier)
    _apply_coupons(quote, at)
    _apply_points(quote, shop_members, platform, p_member)


def waive_shipping(oq, shop_tier, platform_tier) -> None:
    """Free shipping from the shopper's tier in the shop's programme, else in the platform's."""
    for tier, platform in ((shop_tier, False), (platform_tier, True)):
        if tier is not None and tier.free_shipping and not oq.shipping_waived_by:
            label = _("Platform member free shipping") if platform else _("Member free shipping")
            oq.shipping_waived_by = f"{label} ({localized(tier, 'name')})"


def member_tier(sale: bool, offers):
    """The tier whose member price an item gets, or None: of the shopper's (tier, rules) in the shop's and the
    platform's programme, the lowest discount (the shop's on a tie); a sale item only where its programme
    discounts sale items."""
    best = None
    for tier, r in offers:
        if tier is None or tier.discount >= 1 or (sale and not r.discount_sale_items):
            continue
        if best is None or tier.discount < best.discount:
            best = tier
    return best


def shopper_offers(tenant, user, at) -> list:
    """The shopper's (tier, rules) in the shop's programme and the platform's: what member_tier chooses from."""
    offers = []
    for programme in (programme_for(tenant), platform_programme()):
        member = membership(programme, user) if programme and user else None
        offers.append((effective_tier(member, at), rules(programme) if member else None))
    return offers


def _member_price(oq, offers) -> None:
    labels = {}  # one translated label per tier, not one per line
    for lq in oq.lines:
        if lq.redeem:
            continue  # a line bought for points has its points-mall price, no member price
        best = member_tier(lq.sale, offers)
        if best is None:
            continue
        off = best.price_off(lq.base)
        if off:
            if id(best) not in labels:
                labels[id(best)] = _("%(tier)s price ×%(f)s", tier=localized(best, "name"), f=best.discount)
            lq.adjustments.append(Adjustment("member_price", labels[id(best)], off, f"tier:{best.code}"))


def _apply_coupons(quote, at) -> None:
    ids = quote.options.get("coupons")
    if ids in (None, []):
        return
    quote.consumed.add("coupons")
    if not isinstance(ids, list) or len(ids) > MAX_COUPONS:
        raise FieldErrors(_("Coupons must be a list of ids."), {"coupons": [_("Give a list of coupon ids.")]})
    if len(set(ids)) != len(ids):
        raise FieldErrors(_("Each coupon can be used once."), {"coupons": [_("A coupon is listed twice.")]})
    shop_coupons: dict[int, object] = {}
    platform_coupon = None
    by_tenant = {oq.tenant.id: i for i, oq in enumerate(quote.orders)}
    for coupon_id in ids:
        coupon = coupon_ops.usable_coupon(coupon_id, quote.user, at)
        programme = coupon.programme
        if programme.is_platform:
            if platform_coupon is not None:
                raise FieldErrors(_("One platform coupon per checkout."),
                                  {"coupons": [_("Only one platform coupon can be used per checkout.")]})
            platform_coupon = coupon
            continue
        index = by_tenant.get(programme.tenant_id)
        if index is None:
            raise FieldErrors(_("This coupon is for another shop."),
                              {"coupons": [_("Coupon %(id)d is for a shop not in this cart.", id=coupon.id)]})
        if index in shop_coupons:
            raise FieldErrors(_("One coupon per shop order."),
                              {"coupons": [_("Only one coupon per shop can be used.")]})
        shop_coupons[index] = coupon
    plan = plan_of(quote)
    for index in sorted(shop_coupons):
        coupon = shop_coupons[index]
        oq = quote.orders[index]
        _apply_one(coupon, [(oq, lq) for lq in oq.lines if not lq.redeem], [oq])
        plan.coupons.append((coupon, index))
    if platform_coupon is not None:
        _apply_one(platform_coupon, [(oq, lq) for oq in quote.orders for lq in oq.lines if not lq.redeem],
                   quote.orders)
        plan.coupons.append((platform_coupon, 0))


def _apply_one(coupon, pairs, orders) -> None:
    template = coupon.template
    in_scope = {id(lq) for lq in coupon_ops.lines_in_scope(template, [lq for _oq, lq in pairs])}
    eligible = [(oq, lq) for oq, lq in pairs if id(lq) in in_scope]
    subtotal = sum((lq.net for _oq, lq in eligible), ZERO)
    if not eligible or subtotal < template.min_spend:
        raise FieldErrors(_("This coupon's conditions are not met."), {"coupons": [
            _("Coupon %(id)d needs %(min)s of eligible goods; the cart has %(have)s.",
              id=coupon.id, min=template.min_spend, have=subtotal)]})
    label = localized(template, "name")
    if template.kind == "free_shipping":
        for oq in orders:
            if not oq.shipping_waived_by:
                oq.shipping_waived_by = label
        return
    off = coupon_ops.discount_for(template, subtotal)
    shares = spread_pro_rata(off, [lq.net for _oq, lq in eligible])
    for (_oq, lq), share in zip(eligible, shares, strict=True):
        if share:
            lq.adjustments.append(Adjustment("coupon", label, -share, f"coupon:{coupon.id}"))


def _points_request(quote) -> dict:
    raw = quote.options.get("points")
    if raw in (None, {}):
        return {}
    quote.consumed.add("points")
    if not isinstance(raw, dict):
        raise FieldErrors(_("Points must be an object."), {"points": [_('Give {"<shop>": points}.')]})
    for key, value in raw.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FieldErrors(_("Points must be whole numbers."), {f"points.{key}": [_("Enter a whole number.")]})
    return {k: v for k, v in raw.items() if v}


def _shop_points_value(oq) -> Decimal:
    """Money the shop's own points pay on a shop order (they are spent before platform points)."""
    return sum((-Decimal(note["amount"]) for note in oq.notes
                if note.get("kind") == "points" and note.get("programme") != PLATFORM), ZERO)


def points_cap(programme, orders) -> Decimal:
    """The most money a programme's points may pay on orders (a shop's: its order; the platform's: the checkout).

    `max_order_fraction` of the goods after coupons, floored to the cent; platform points also no more
    than the shops' points leave unpaid. Zero when the programme takes no points.
    """
    redeem = rules(programme).redeem if programme is not None else None
    if not redeem:
        return ZERO
    goods = sum((lq.net for oq in orders for lq in oq.lines if not lq.redeem), ZERO)  # not points-mall lines
    cap = floor_to_cent(Decimal(redeem["max_order_fraction"]) * goods)
    if programme.is_platform:
        cap = min(cap, goods - sum((_shop_points_value(oq) for oq in orders), ZERO))
    return max(cap, ZERO)


def most_points(member, orders) -> int:
    """The most points a member may use on orders: the balance, and no more than buys points_cap (0 if none)."""
    if member is None or not rules(member.programme).redeem:
        return 0
    per_unit = rules(member.programme).redeem["points_per_unit"]
    by_cap = int((points_cap(member.programme, orders) * per_unit).to_integral_value(rounding=ROUND_FLOOR))
    return max(min(member.points_available, by_cap), 0)


def _check_points(member, wanted: int, orders, field_name: str) -> Decimal:
    r = rules(member.programme).redeem if member else None
    if member is None or r is None:
        raise FieldErrors(_("Points cannot be used here."), {field_name: [_("This programme does not take points.")]})
    most = most_points(member, orders)
    if wanted < r["min_points"] or wanted > most:
        name = localized(rules(member.programme), "name")
        message = _("%(programme)s: you can use %(min)d to %(max)d points on this order.", programme=name,
                    min=r["min_points"], max=most) if most >= r["min_points"] else _(
            "%(programme)s: you cannot use points on this order (at most %(max)d, minimum %(min)d).",
            programme=name, max=most, min=r["min_points"])
        raise FieldErrors(message, {field_name: [message]}, code="points_over_limit")
    return floor_to_cent(Decimal(wanted) / r["points_per_unit"])


def _apply_points(quote, shop_members, platform, p_member) -> None:
    wanted = _points_request(quote)
    if not wanted:
        return
    plan = plan_of(quote)
    slugs = {oq.tenant.slug: i for i, oq in enumerate(quote.orders)}
    for key in wanted:
        if key != PLATFORM and key not in slugs:
            raise FieldErrors(_("No order from this shop."), {f"points.{key}": [_("This shop is not in the cart.")]})
    for key, n in wanted.items():
        if key == PLATFORM:
            continue
        index = slugs[key]
        oq = quote.orders[index]
        programme, member = shop_members[index]
        value = _check_points(member, n, [oq], f"points.{key}")
        _spread_points(oq.lines, value)
        oq.points_used += n
        oq.notes.append({"kind": "points", "label": localized(rules(programme), "name"), "programme": key, "points": n,
                         "amount": str(-value)})
        plan.redemptions.append(Redemption(index, programme, member, n, value))
    if PLATFORM in wanted:
        n = wanted[PLATFORM]
        value = _check_points(p_member, n, quote.orders, f"points.{PLATFORM}")
        weights = [sum((lq.net for lq in oq.lines if not lq.redeem), ZERO) - oq.points_value for oq in quote.orders]
        values = spread_pro_rata(value, weights)
        counts = _spread_int(n, values)
        for index, (oq, part, count) in enumerate(zip(quote.orders, values, counts, strict=True)):
            if not count and not part:
                continue
            _spread_points(oq.lines, part)
            oq.points_used += count
            oq.notes.append({"kind": "points", "label": localized(rules(platform), "name"), "programme": PLATFORM,
                             "points": count, "amount": str(-part)})
            plan.redemptions.append(Redemption(index, platform, p_member, count, part))


def _spread_points(lines, value: Decimal) -> None:
    shares = spread_pro_rata(value, [ZERO if lq.redeem else lq.net - lq.points_value for lq in lines])
    for lq, share in zip(lines, shares, strict=True):
        lq.points_value += share


def _spread_int(total: int, weights) -> list[int]:
    """Split whole points over weights: floors first, the remainder to the largest weights."""
    whole = sum(weights, ZERO)
    if not whole:
        return [total] + [0] * (len(weights) - 1)
    shares = [int(total * w / whole) for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-weights[i], i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _wallet_requested(quote) -> bool:
    return quote.options.get("wallet") not in (None, "", "0", "0.00", 0)


def price_payment(quote) -> None:
    """Pricing hook, payment stage: the wallet pays (bonus first, then cash), the gateway the rest."""
    if not _wallet_requested(quote):
        return
    raw = quote.options.get("wallet")
    quote.consumed.add("wallet")
    amount = parse_amount(raw, "wallet")
    total = quote.total
    wallet = wallet_for(quote.user, create=False)
    balance = (wallet.cash + wallet.bonus) if wallet else ZERO
    most = min(total, balance)
    if amount > most:
        message = _("At most %(max)s can be paid from the wallet.", max=most)
        raise FieldErrors(message, {"wallet": [message]}, code="wallet_over_limit")
    wallet_shares(quote, amount, wallet.bonus)


def wallet_shares(quote, amount: Decimal, bonus_balance: Decimal) -> None:
    """Spread a wallet payment over the checkout's orders, the bonus balance first, then cash."""
    parts = spread_pro_rata(amount, [oq.total for oq in quote.orders])
    bonus_left = bonus_balance
    for oq, part in zip(quote.orders, parts, strict=True):
        bonus, cash = bonus_first(bonus_left, part)
        bonus_left -= bonus
        if bonus:
            oq.payments.append(PaymentShare("wallet_bonus", bonus, "wallet"))
        if cash:
            oq.payments.append(PaymentShare("wallet_cash", cash, "wallet"))


def cart_coupons(user, tenant_ids, at) -> list:
    """The shopper's coupons usable now on a cart from these shops (the shops' own and the platform's),
    soonest expiry first."""
    rows = db.session.execute(coupon_ops.coupons_of(user, "usable", at).order_by(Coupon.valid_until, Coupon.id))
    return [c for c in rows.scalars() if c.programme.is_platform or c.programme.tenant_id in tenant_ids]


def best_coupons(user, lines) -> list[int]:
    """The coupon ids that make the cart cheapest (worked out once per request and cart)."""
    key = (user.id, tuple(sorted((ln.get("variant_id") or 0, ln.get("product_id") or 0, ln.get("qty") or 0)
                                 for ln in lines if isinstance(ln, dict))))
    cache = g.setdefault("_best_coupons", {})
    if key not in cache:
        cache[key] = _search(user, lines)
    return cache[key]


def _search(user, lines) -> list[int]:
    """The coupon ids that make the cart cheapest, each combination priced by build_quote itself.

    Stacking allows one coupon per shop order and one platform coupon, so the search takes one choice
    (or none) per group. A coupon its conditions refuse alone is refused in every combination (other
    coupons only lower what it is measured on), and coupons of one template are alike (the soonest
    expiring stands for them). Ties: fewer coupons, then the soonest expiring, then the lowest ids.
    """
    try:
        plain = build_quote(user, lines)
    except FieldErrors:
        return []
    priced: dict[tuple, Decimal | None] = {(): plain.total}

    def total_of(coupons) -> Decimal | None:
        ids = tuple(sorted(c.id for c in coupons))
        if ids not in priced:
            try:
                priced[ids] = build_quote(user, lines, {"coupons": list(ids)}).total
            except FieldErrors:
                priced[ids] = None
        return priced[ids]

    groups: dict = {}
    for coupon in cart_coupons(user, {oq.tenant.id for oq in plain.orders}, clock.now()):
        group = groups.setdefault(coupon.programme.tenant_id, {})
        group.setdefault(coupon.template_id, coupon)
    choices = [[c for c in group.values() if total_of([c]) is not None] for group in groups.values()]
    while _combinations(choices) > MAX_COMBINATIONS:
        widest = max(choices, key=len)
        widest.remove(max(widest, key=lambda c: (total_of([c]), c.valid_until, c.id)))
    best = (plain.total, 0, [], [])
    for combo in itertools.product(*([None, *group] for group in choices)):
        chosen = [c for c in combo if c is not None]
        total = total_of(chosen)
        if total is not None:
            best = min(best, (total, len(chosen), sorted(c.valid_until for c in chosen), sorted(c.id for c in chosen)))
    return best[3]


def _combinations(choices) -> int:
    count = 1
    for group in choices:
        count *= len(group) + 1
    return count


def suggested_options(user, lines) -> dict:
    """Checkout suggestion hook: the best coupons for the cart, when any helps."""
    ids = best_coupons(user, lines)
    return {"coupons": ids} if ids else {}
