"""Member prices on product and cart pages: the shopper's own price, or what the shop's tiers would give."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from mall import clock
from mall.money import round_half_up
from plugins.loyalty.memberships import effective_tier, membership
from plugins.loyalty.programmes import platform_programme, programme_for, rules


def best_member_price(product, user):
    """(price, tier) the user pays as a member (shop or platform tier, the lower), or None."""
    at = clock.now()
    best = None
    for programme in (programme_for(product.tenant), platform_programme()):
        member = membership(programme, user) if programme and user else None
        tier = effective_tier(member, at) if member else None
        if tier is None or tier.discount >= 1:
            continue
        if product.sale and not rules(programme).discount_sale_items:
            continue
        if best is None or tier.discount < best[1].discount:
            best = (round_half_up(product.price * tier.discount), tier)
    return best


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
    return render_template("loyalty/_member_price.html", mine=mine, teaser=teaser, compact=compact)


def cart_line_price(product) -> str:
    """Template hook for a cart line: the member price only, compactly."""
    user = current_user if current_user.is_authenticated else None
    mine = best_member_price(product, user)
    return render_template("loyalty/_member_price.html", mine=mine, teaser=None, compact=True) if mine else ""
