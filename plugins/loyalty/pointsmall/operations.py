"""The points mall's rules: which items a mall lists, who may redeem them, and their price in a checkout."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from mall import clock
from mall.catalog.models import Product, ProductVariant
from mall.checkout.quote import REDEEM, Adjustment
from mall.errors import FieldErrors
from mall.extensions import db
from mall.i18n import localized
from mall.tenants.models import Tenant, TenantStatus
from plugins.loyalty.members.operations import effective_tier, membership
from plugins.loyalty.pointsmall.models import MallCount, Redeemable
from plugins.loyalty.programmes.operations import rules


@dataclass(frozen=True)
class Refusal:
    """Why a member may not redeem an item: the request field it concerns, the message and a stable code."""

    field: str
    message: str
    code: str


@dataclass
class Offer:
    """An item of a mall as one caller sees it: locked (with the reason) or open, and what is left to them."""

    item: Redeemable
    locked: bool
    reason: str | None
    #: Units the caller may still redeem under the per-member limit (None: no limit).
    left: int | None
    affordable: bool


def item_in_mall(programme, variant_id, active_only: bool = True) -> Redeemable | None:
    """The mall's (active) item for a variant id, or None (another mall's, an inactive one or a malformed id)."""
    if programme is None or not isinstance(variant_id, int) or isinstance(variant_id, bool):
        return None
    found = db.session.execute(db.select(Redeemable).filter_by(programme_id=programme.id, variant_id=variant_id)
                               ).scalar_one_or_none()
    return found if found is not None and (found.active or not active_only) else None


def _check_terms(programme, variant: ProductVariant, data: dict) -> None:
    """Field errors for terms the schema cannot judge alone: the tier must be the programme's, the cash part
    below the price, and the variant in no other mall."""
    errors = {}
    if data.get("min_tier") and data["min_tier"] not in {t.code for t in rules(programme).tiers}:
        errors["min_tier"] = [_("Choose one of the programme's tiers: %(codes)s.",
                                codes=", ".join(t.code for t in rules(programme).tiers))]
    if data["cash_price"] >= variant.price:
        errors["cash_price"] = [_("The cash part must be below the price (¥%(price)s).", price=variant.price)]
    elsewhere = db.session.execute(db.select(Redeemable).where(Redeemable.variant_id == variant.id,
                                                               Redeemable.programme_id != programme.id)).scalar()
    if elsewhere is not None:
        where = _("the platform's points mall") if elsewhere.programme.is_platform else _("the shop's points mall")
        errors["variant_id"] = [_("This item is already listed in %(mall)s.", mall=where)]
    if errors:
        raise FieldErrors(_("Please correct the points-mall terms."), errors)


def mark(programme, variant: ProductVariant, data: dict) -> Redeemable:
    """List a variant in a programme's mall with its terms (or change them): `data` as RedeemableSchema loads it."""
    _check_terms(programme, variant, data)
    item = db.session.execute(db.select(Redeemable).filter_by(variant_id=variant.id)).scalar_one_or_none()
    terms = {"points_price": data["points_price"], "cash_price": data["cash_price"],
             "min_tier": data.get("min_tier") or None, "hide_locked": bool(data.get("hide_locked")),
             "per_member_limit": data.get("per_member_limit"), "active": True, "updated_at": clock.now()}
    if item is not None:
        for name, value in terms.items():
            setattr(item, name, value)
        return item
    item = Redeemable(programme_id=programme.id, tenant_id=variant.tenant_id, product_id=variant.product_id,
                      variant_id=variant.id, **terms)
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        # Another request listed the variant meanwhile (the UNIQUE variant_id): judge again against it.
        raise FieldErrors(_("This item was listed meanwhile; please try again."),
                          {"variant_id": [_("Listed meanwhile.")]}) from None
    return item


def unmark(item: Redeemable) -> None:
    """Take an item out of its mall (again: nothing more); what members bought stays as it was."""
    item.active = False
    item.updated_at = clock.now()


def mall_items(programme):
    """The select of a mall's active items on sale (active product and variant of an open shop), newest first."""
    return (db.select(Redeemable).join(ProductVariant, ProductVariant.id == Redeemable.variant_id)
            .join(Product, Product.id == Redeemable.product_id).join(Tenant, Tenant.id == Redeemable.tenant_id)
            .where(Redeemable.programme_id == programme.id, Redeemable.active.is_(True),
                   ProductVariant.is_active.is_(True), Product.is_active.is_(True),
                   Tenant.status == TenantStatus.ACTIVE)
            .order_by(Redeemable.updated_at.desc(), Redeemable.id.desc()))


def held(member, item_ids) -> dict[int, int]:
    """Units of each item the member holds (bought less refunded), in one query."""
    if member is None or not item_ids:
        return {}
    return dict(db.session.execute(db.select(MallCount.redeemable_id, MallCount.bought).where(
        MallCount.membership_id == member.id, MallCount.redeemable_id.in_(list(item_ids)))).all())


def tier_refusal(item: Redeemable, member, at) -> Refusal | None:
    """Refused for a caller below the item's min_tier (a non-member too), or not a member of its programme."""
    r = rules(item.programme)
    if item.min_tier:
        needed = r.tier(item.min_tier)
        if member is None or effective_tier(member, at).rank < needed.rank:
            return Refusal(REDEEM, _("%(tier)s and above only", tier=localized(needed, "name")), "tier_too_low")
    if member is None:
        return Refusal(REDEEM, _("Join %(programme)s to redeem this item.", programme=localized(r, "name")),
                       "not_a_member")
    return None


def offers(programme, user, items, at=None) -> list[Offer]:
    """The items as the caller sees them: locked with the reason, or open; hidden ones (hide_locked) left out."""
    at = at or clock.now()
    member = membership(programme, user)
    counts = held(member, [item.id for item in items])
    out = []
    for item in items:
        refused = tier_refusal(item, member, at)
        if refused is not None and refused.code == "tier_too_low" and item.hide_locked:
            continue
        left = None if item.per_member_limit is None or member is None else max(
            item.per_member_limit - counts.get(item.id, 0), 0)
        reason = refused.message if refused else None
        if reason is None and left == 0:
            reason = _("You have redeemed the most allowed (%(n)d per member).", n=item.per_member_limit)
        if reason is None and item.variant.stock <= 0:
            reason = _("Sold out")
        affordable = member is not None and member.points_available >= item.points_price
        out.append(Offer(item, reason is not None, reason, left, affordable))
    return out


def price_redeemed(quote) -> None:
    """Pricing hook, goods stage: lines asked `"redeem": true` cost their cash price, and their points are
    checked against each member's balance, tier and per-member limit (422 naming the problem on the line)."""
    wanted = [(oq, lq) for oq in quote.orders for lq in oq.lines if lq.redeem]
    if not wanted:
        return
    quote.consumed.add(REDEEM)
    at = clock.now()
    items = {item.variant_id: item for item in db.session.execute(db.select(Redeemable).where(
        Redeemable.variant_id.in_([lq.variant.id for _oq, lq in wanted]), Redeemable.active.is_(True))).scalars()}
    for_money = {lq.variant.id for oq in quote.orders for lq in oq.lines if not lq.redeem}
    errors, codes, plan, spending = {}, [], [], {}
    for _oq, lq in wanted:
        item = items.get(lq.variant.id)
        member = membership(item.programme, quote.user) if item is not None else None
        refused = _line_refusal(item, member, lq, at, spending, for_money)
        if refused is not None:
            errors[f"lines.{lq.index}.{refused.field}"] = [refused.message]
            codes.append(refused.code)
            continue
        spending[member.id] = spending.get(member.id, 0) + item.points_price * lq.qty
        cash = min(item.cash_price * lq.qty, lq.base)  # a price lowered since never goes negative
        source = "points_mall:platform" if item.programme.is_platform else "points_mall:shop"
        label = _("Points mall (%(n)s points)", n=f"{item.points_price * lq.qty:,}")
        lq.adjustments.append(Adjustment("points_mall", label, cash - lq.base, source))
        plan.append((lq, item, member))
    if errors:
        raise FieldErrors(_("Some items cannot be redeemed as requested."), errors, code=codes[0])
    quote.extensions["points_mall"] = plan


def _line_refusal(item, member, lq, at, spending: dict, for_money: set) -> Refusal | None:
    """Why one requested line cannot be redeemed, checking the points of earlier lines of the same member too."""
    if item is None or item.tenant_id != lq.product.tenant_id:
        return Refusal(REDEEM, _("This item cannot be redeemed for points."), "not_redeemable")
    if lq.variant.id in for_money:
        return Refusal(REDEEM, _("Buy this item for points and for money in separate checkouts."), "not_redeemable")
    refused = tier_refusal(item, member, at)
    if refused is not None:
        return refused
    if item.per_member_limit is not None:
        left = item.per_member_limit - held(member, [item.id]).get(item.id, 0)
        if lq.qty > left:
            return Refusal("qty", _("At most %(n)d per member; you can redeem %(left)d more.",
                                    n=item.per_member_limit, left=max(left, 0)), "limit_reached")
    need = spending.get(member.id, 0) + item.points_price * lq.qty
    if need > member.points_available:
        return Refusal(REDEEM, _("Not enough points: this needs %(need)s, you have %(have)s.",
                                 need=f"{need:,}", have=f"{member.points_available:,}"), "insufficient_points")
    return None

