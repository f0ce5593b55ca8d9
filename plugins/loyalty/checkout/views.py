"""Loyalty slots on core pages: checkout options, member prices, an order's refund preview."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from mall import clock
from mall.i18n import localized
from mall.money import ZERO, floor_to_cent, round_half_up
from plugins.loyalty.checkout.operations import best_coupons, cart_coupons, member_tier, most_points, shopper_offers
from plugins.loyalty.checkout.receivers import coupons_on_full_refund, full_refund_preview
from plugins.loyalty.members.operations import membership
from plugins.loyalty.programmes.models import PLATFORM
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules
from plugins.loyalty.wallet.operations import wallet_for


def checkout_options(quote, options=None, errors=None) -> str:
    """Template hook 'checkout-options': usable coupons as stubs, one choice per stacking group (each shop, the
    platform), the best ones marked; points per programme and the wallet as sliders with their most and money
    value; each refused choice's message beside its field."""
    if not current_user.is_authenticated:
        return ""
    options = options or {}
    user = quote.user
    now = clock.now()
    coupons = cart_coupons(user, {oq.tenant.id for oq in quote.orders}, now)
    groups = _coupon_groups(quote, coupons, now)
    points = []
    for key, programme, orders in [*((oq.tenant.slug, programme_for(oq.tenant), [oq]) for oq in quote.orders),
                                   (PLATFORM, platform_programme(), quote.orders)]:
        member = membership(programme, user)
        if member and rules(programme).redeem:
            redeem = rules(programme).redeem
            most = most_points(member, orders)
            points.append({"key": key, "name": localized(rules(programme), "name"), "member": member, "most": most,
                           "min": redeem["min_points"], "per_unit": redeem["points_per_unit"],
                           "most_value": floor_to_cent(Decimal(most) / redeem["points_per_unit"]),
                           "value": sum((-Decimal(n["amount"]) for oq in orders for n in oq.notes
                                         if n.get("kind") == "points" and n.get("programme") == key), ZERO)})
    wallet = wallet_for(user, create=False)
    balance = (wallet.cash + wallet.bonus) if wallet else ZERO
    if not coupons and not points and not balance:
        return ""
    lines = [{"variant_id": lq.variant.id, "qty": lq.qty} for oq in quote.orders for lq in oq.lines]
    return render_template("loyalty/checkout/_checkout_options.html", groups=groups, points=points, wallet=wallet,
                           balance=balance, wallet_most=min(balance, quote.total), options=options,
                           chosen=set(options.get("coupons") or []), best=set(best_coupons(user, lines)),
                           fields=errors.fields if errors else {})


#: A coupon this close to its end is marked as expiring soon.
EXPIRING = timedelta(days=3)


def _coupon_groups(quote, coupons, now) -> list[dict]:
    """The coupons by stacking group: one per shop order of the quote, then the platform's."""
    groups = [{"key": oq.tenant.slug, "title": _("%(shop)s coupons", shop=localized(oq.tenant, "name")),
               "tenant_id": oq.tenant.id, "coupons": []} for oq in quote.orders]
    groups.append({"key": PLATFORM, "title": _("Platform coupons, any shop"), "tenant_id": None, "coupons": []})
    by_tenant = {group["tenant_id"]: group for group in groups}
    for coupon in coupons:
        state = "expiring" if coupon.valid_until - now <= EXPIRING else "available"
        by_tenant[coupon.programme.tenant_id]["coupons"].append((coupon, state))
    return [group for group in groups if group["coupons"]]


def best_member_price(product, user, price=None):
    """(price, tier) the user pays as a member (shop or platform tier, the lower), or None: for one of the
    product's variants when its `price` is given, else for the product's from-price."""
    tier = member_tier(product.sale, shopper_offers(product.tenant, user, clock.now()))
    base = product.price if price is None else price
    return (round_half_up(base * tier.discount), tier) if tier is not None else None


def product_price(product, compact: bool = False) -> str:
    """Template hook: the member price under the regular one, or the shop's best tier price as an invitation."""
    user = current_user if current_user.is_authenticated else None
    mine = best_member_price(product, user)
    teaser = None
    if mine is None:
        programme = programme_for(product.tenant)
        if programme and not product.sale:
            tiers = [t for t in rules(programme).earned_tiers if t.discount < 1]
            if tiers:
                top = min(tiers, key=lambda t: t.discount)
                teaser = (round_half_up(product.price * top.discount), top)
    if mine is None and teaser is None:
        return ""
    return render_template("loyalty/checkout/_member_price.html", mine=mine, teaser=teaser, compact=compact)


def cart_line_price(product, price=None) -> str:
    """Template hook for a cart line: the member price only, compactly, of the line's variant at `price`."""
    user = current_user if current_user.is_authenticated else None
    mine = best_member_price(product, user, price)
    return render_template("loyalty/checkout/_member_price.html", mine=mine, teaser=None, compact=True) if mine else ""


def variant_price(product, variant) -> str:
    """Template hook 'variant-price' (a row of the product page's variant picker): the variant's member price."""
    return cart_line_price(product, variant.price)


def refund_preview(order) -> str:
    """Template hook on an order: what a full refund would give back and take back, per programme."""
    if not current_user.is_authenticated or order.user_id != current_user.id or not order.can_refund:
        return ""
    rows = [{"name": localized(rules(rev.programme), "name"), "give_back": rev.give_back, "take_back": rev.take_back,
             "short": rev.short, "cancel": rev.cancel}
            for rev in full_refund_preview(order) if rev.give_back or rev.take_back or rev.cancel]
    money = sum((line.paid - line.refunded_amount for line in order.lines), ZERO)
    coupons = coupons_on_full_refund(order, clock.now(), preview=True)
    if not rows and not money and not coupons:
        return ""
    return render_template("loyalty/checkout/_refund_preview.html", rows=rows, money=money, coupons=coupons,
                           wallet=order.wallet_paid > 0)
