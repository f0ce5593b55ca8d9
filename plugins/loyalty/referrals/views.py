"""Referral pages: the member's "Invite friends", and the referral counts and held referrals of shops and platform."""

from __future__ import annotations

import segno
from flask import g, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from mall.pagination import page_of, paginate
from mall.tenants.access import actor, login_required, operator_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.programmes.operations import platform_programme, rules
from plugins.loyalty.referrals import operations
from plugins.loyalty.web.blueprints import (
    member_bp,
    merchant_bp,
    platform_bp,
    platform_programme_or_404,
    shop_programme,
)

#: Why a referral is held, in words.
REASONS = {
    "self_referral_phone": _l("Same phone number as the friend who invited"),
    "self_referral_address": _l("Delivered to the inviting friend's address"),
    "self_referral_payment": _l("Paid with the inviting friend's card"),
    "monthly_cap": _l("The monthly limit of rewards was reached"),
    "refunded": _l("The first order was refunded; the next kept order counts"),
    "referrer_disabled": _l("The inviting account is closed"),
    "earlier_rules": _l("Decided under the earlier referral rules: nothing was paid"),
}
STATUSES = {"pending": _l("Pending"), "rewarded": _l("Rewarded"), "held": _l("Held")}


def share_link(user) -> str:
    """The link that opens the sign-up form with this member's code filled in."""
    return url_for("accounts.register", ref=user.referral_code, _external=True)


def qr_svg(link: str) -> Markup:
    """The link as a QR code, an inline SVG made here (no outside service sees the link)."""
    return Markup(segno.make(link, error="m").svg_inline(scale=5, border=2, title=link))


@member_bp.route("/member/invite")
@login_required
def invite():
    """The member's code, share link and QR code; friends invited and the rewards pending, paid or held."""
    user = actor()
    link = share_link(user)
    friends = operations.invited(user)
    platform = platform_programme()
    bonuses = rules(platform).bonuses if platform is not None else {}
    tally = {s: sum(1 for f in friends if f["status"] == s) for s in STATUSES}
    return render_template("loyalty/referrals/invite.html", code=user.referral_code, link=link, qr=qr_svg(link),
                           friends=page_of(friends), tally=tally, earned=sum(f["points"] for f in friends),
                           bonus=bonuses.get("referral", 0), gift=bonuses.get("referee", 0),
                           coupon=platform is not None and rules(platform).referee_coupon is not None,
                           reasons=REASONS, statuses=STATUSES)


def _status() -> str:
    status = request.args.get("status", "held")
    return status if status in STATUSES else "held"


def _board(programme, layout: str, endpoint: str, shop=None):
    """One programme's referral counts and a page of its referrals in the chosen status (held by default)."""
    status = _status()
    args = {"shop": shop.slug} if shop is not None else {}
    return render_template("loyalty/referrals/board.html", layout=layout, endpoint=endpoint, args=args, shop=shop,
                           programme=programme, counts=operations.counts(programme), status=status,
                           page=paginate(operations.listed(programme, status)), masked=operations.masked,
                           reasons=REASONS, statuses=STATUSES)


@merchant_bp.route("/referrals")
@staff_required(StaffRole.SUPPORT)
def referrals(shop: str):
    """The shop programme's referrals: how many invited, rewarded and held, and the held ones with their reason."""
    return _board(shop_programme(), "admin_layout.html", "loyalty_merchant.referrals", shop=g.tenant)


@platform_bp.route("/platform/loyalty/referrals", endpoint="referrals")
@operator_required
def platform_referrals():
    """The platform programme's referrals: counts, and the held ones with their reason."""
    return _board(platform_programme_or_404(), "platform_layout.html", "loyalty_platform.referrals")
