"""Loyalty slots on core pages: checkout options, member prices, an order's refund preview."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from mall import clock
from mall.extensions import db
from mall.i18n import localized
from mall.money import ZERO, round_half_up
from plugins.loyalty.checkout.operations import member_tier, most_points, shopper_offers
from plugins.loyalty.checkout.receivers import coupons_on_full_refund, full_refund_preview
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.coupons.views import coupon_conditions
from plugins.loyalty.members.operations import membership
from plugins.loyalty.programmes.models import PLATFORM
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules
from plugins.loyalty.wallet.operations import wallet_for


def checkout_options(quote, options=None, errors=None) -> str:
    """Template hook 'checkout-options': usable coupons, points per programme (with the most usable), wallet;
    each refused choice's message beside its field."""
    if not current_user.is_authenticated:
        return ""
    options = options or {}
    user = quote.user
    now = clock.now()
    tenant_ids = {oq.tenant.id for oq in quote.orders}
    platform = platform_programme()
    coupons = [c for c in db.session.execute(
        coupon_ops.coupons_of(user, "usable", now).order_by(Coupon.valid_until)).scalars()
               if c.programme.is_platform or c.programme.tenant_id in tenant_ids]
    points = []
    for key, programme, orders in [*((oq.tenant.slug, programme_for(oq.tenant), [oq]) for oq in quote.orders),
                                   (PLATFORM, platform, quote.orders)]:
        member = membership(programme, user)
        if member and rules(programme).redeem:
            points.append({"key": key, "name": localized(rules(programme), "name"), "member": member,
                           "most": most_points(member, orders), "min": rules(programme).redeem["min_points"]})
    wallet = wallet_for(user, create=False)
    if not coupons and not points and not (wallet and wallet.cash + wallet.bonus > 0):
        return ""
    return render_template("loyalty/checkout/_checkout_options.html", coupons=coupons, points=points, wallet=wallet,
                           options=options, conditions=coupon_conditions, fields=errors.fields if errors else {})


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
