"""The loyalty part of the checkout page: choose coupons, points and wallet money, then apply or pay."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template
from flask_login import current_user

from mall import clock
from mall.extensions import db
from mall.money import ZERO, floor_to_cent
from plugins.loyalty.member_pages import coupon_conditions
from plugins.loyalty.memberships import membership
from plugins.loyalty.models import PLATFORM, Coupon
from plugins.loyalty.pricing import max_usable
from plugins.loyalty.programmes import platform_programme, programme_for, rules
from plugins.loyalty.wallet import wallet_for


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
        db.select(Coupon).where(Coupon.user_id == user.id, Coupon.used_order_id.is_(None), Coupon.valid_until > now,
                                Coupon.valid_from <= now).order_by(Coupon.valid_until)).scalars()
               if c.programme.is_platform or c.programme.tenant_id in tenant_ids]
    points = []
    goods = sum((oq.goods_net for oq in quote.orders), ZERO)
    for oq in quote.orders:
        programme = programme_for(oq.tenant)
        member = membership(programme, user)
        if member and rules(programme).redeem:
            cap = floor_to_cent(Decimal(rules(programme).redeem["max_order_fraction"]) * oq.goods_net)
            points.append({"key": oq.tenant.slug, "name": rules(programme).name, "member": member,
                           "most": max_usable(member, cap), "min": rules(programme).redeem["min_points"]})
    member = membership(platform, user)
    if member and rules(platform).redeem:
        cap = floor_to_cent(min(Decimal(rules(platform).redeem["max_order_fraction"]) * goods, goods))
        points.append({"key": PLATFORM, "name": rules(platform).name, "member": member,
                       "most": max_usable(member, cap), "min": rules(platform).redeem["min_points"]})
    wallet = wallet_for(user, create=False)
    if not coupons and not points and not (wallet and wallet.cash + wallet.bonus > 0):
        return ""
    return render_template("loyalty/_checkout_options.html", coupons=coupons, points=points, wallet=wallet,
                           options=options, conditions=coupon_conditions, fields=errors.fields if errors else {})
