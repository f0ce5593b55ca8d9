"""Points-mall pages: the shopper's malls and redeeming, the merchant's and the operator's item lists."""

from __future__ import annotations

import uuid

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mall.addresses.operations import addresses_of
from mall.audit.operations import record
from mall.boundary import commits
from mall.catalog.models import Product, ProductVariant
from mall.checkout.quote import build_quote
from mall.checkout.views import pay_once
from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors
from mall.i18n import localized
from mall.pagination import paginate
from mall.tenants.access import (
    actor,
    get_in_tenant_or_404,
    login_required,
    open_shop_or_404,
    operator_required,
    public,
    staff_required,
)
from mall.tenants.models import StaffRole
from plugins.loyalty.members.operations import membership, memberships_of
from plugins.loyalty.pointsmall import operations as mall
from plugins.loyalty.pointsmall.forms import RedeemableForm, RedeemForm, VariantPickForm
from plugins.loyalty.pointsmall.models import Redeemable
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules
from plugins.loyalty.web.blueprints import (
    member_bp,
    merchant_bp,
    platform_bp,
    platform_programme_or_404,
    shop_programme,
)


def shop_header_link(shop) -> str:
    """Template hook for the shop header: a link to the shop's points mall when it lists anything."""
    programme = programme_for(shop)
    if programme is None or db.session.execute(mall.mall_items(programme).limit(1)).first() is None:
        return ""
    return render_template("loyalty/pointsmall/_shop_link.html", shop=shop)


def _mall_context(programme) -> dict:
    """What a mall page shows: the caller's balance and a page of items as they see them."""
    user = current_user if current_user.is_authenticated else None
    page = paginate(mall.mall_items(programme))
    return {"programme": programme, "member": membership(programme, user), "page": page,
            "offers": mall.offers(programme, user, page.items)}


@member_bp.route("/s/<shop>/points-mall")
@public
def shop_mall(shop: str):
    """A shop's points mall for anyone: cards with points and cash prices; locked items say why."""
    tenant = open_shop_or_404(shop)
    programme = programme_for(tenant)
    if programme is None:
        abort(404)
    return render_template("loyalty/pointsmall/mall.html", layout="base.html", shop=tenant, **_mall_context(programme))


@member_bp.route("/member/points-mall")
@login_required
def points_malls():
    """The platform's points mall, and the malls of the shops the member belongs to."""
    programme = platform_programme()
    shops = [m.programme.tenant for m in memberships_of(actor()) if not m.programme.is_platform
             and m.programme.tenant.is_active
             and db.session.execute(mall.mall_items(m.programme).limit(1)).first() is not None]
    context = _mall_context(programme) if programme is not None else {"programme": None}
    return render_template("loyalty/pointsmall/mall.html", layout="member_layout.html", shop=None, shops=shops,
                           **context)


def _redeem_page(item, form, errors=None, status=200):
    """The redeem page: the item, the quote for the chosen quantity, the delivery address and the button."""
    lines = [{"variant_id": item.variant_id, "qty": form.qty.data or 1, "redeem": True}]
    quote = None
    try:
        quote = build_quote(actor(), lines)
    except FieldErrors as exc:
        errors = errors or exc
    if errors is not None and request.method == "POST":
        status = 422  # a GET shows why the item cannot be redeemed as it is
    addresses = addresses_of(actor())
    return render_template("loyalty/pointsmall/redeem.html", item=item, form=form, quote=quote, errors=errors,
                           addresses=addresses, member=membership(item.programme, actor()),
                           idempotency_key=str(uuid.uuid4())), status


@member_bp.route("/points-mall/<int:variant_id>/redeem", methods=["GET", "POST"])
@login_required
@commits
def redeem(variant_id: int):
    """Redeem an item: choose how many, see the points and the cash part, then pay (once per page key)."""
    item = db.session.execute(db.select(Redeemable).filter_by(variant_id=variant_id, active=True)).scalar()
    if item is None or not item.product.tenant.is_active:
        abort(404)
    form = RedeemForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET" or request.form.get("action") == "apply" or not form.validate():
        return _redeem_page(item, form, status=422 if form.errors else 200)
    lines = [{"variant_id": item.variant_id, "qty": form.qty.data, "redeem": True}]
    return pay_once(actor(), lines, {}, thanks=_("Redeemed: %(name)s.", name=localized(item.product, "name")),
                    on_invalid=lambda exc: _redeem_page(item, form, exc))


def _tiers(programme) -> list[tuple[str, str]]:
    return [(t.code, localized(t, "name")) for t in rules(programme).tiers]


def _form(programme, item, variant_id: int, cls=RedeemableForm, formdata=None):
    """One item's form, prefixed by its variant id so every item's boxes have their own names."""
    data = {} if item is None or not item.active else {
        "points_price": item.points_price, "cash_price": item.cash_price, "min_tier": item.min_tier or "",
        "per_member_limit": item.per_member_limit, "hide_locked": item.hide_locked}
    return cls(formdata=formdata, prefix=f"v{variant_id}", tiers=_tiers(programme), data=data)


def _save(programme, variant, form, tenant) -> bool:
    """List the variant with the form's terms, audited; False with the messages beside the boxes when refused."""
    if not form.validate():
        return False
    try:
        item = mall.mark(programme, variant, form.terms())
    except FieldErrors as exc:
        show_field_errors(form, exc)
        return False
    record("points_mall.listed", localized(variant.product, "name"), actor=actor(), tenant=tenant,
           variant_id=variant.id, points_price=item.points_price, cash_price=str(item.cash_price),
           tier=item.min_tier, per_member_limit=item.per_member_limit)
    flash(_("%(name)s is in the points mall.", name=localized(variant.product, "name")), "success")
    return True


def _merchant_page(programme, posted: dict | None = None, status: int = 200):
    """The shop's variants, a page at a time, each with its points-mall form (a refused one as it was sent)."""
    # Items in the mall first, then the rest of the catalogue, newest product first.
    listed = db.select(Redeemable.id).where(Redeemable.variant_id == ProductVariant.id, Redeemable.active.is_(True))
    select = (db.select(ProductVariant).join(Product, Product.id == ProductVariant.product_id)
              .where(Product.tenant_id == g.tenant.id, ProductVariant.is_active.is_(True))
              .order_by(listed.exists().desc(), Product.id.desc(), ProductVariant.position, ProductVariant.id))
    page = paginate(select)
    items = {r.variant_id: r for r in db.session.execute(db.select(Redeemable).where(
        Redeemable.variant_id.in_([v.id for v in page.items]))).scalars()} if page.items else {}
    posted = posted or {}
    forms = {v.id: posted.get(v.id) or _form(programme, items.get(v.id), v.id) for v in page.items}
    return render_template("loyalty/pointsmall/merchant.html", shop=g.tenant, page=page, items=items,
                           forms=forms, programme=programme), status


@merchant_bp.route("/points-mall")
@staff_required(StaffRole.SUPPORT)
def points_mall(shop: str):
    """The shop's items with a form each to list them in its points mall, change their terms or remove them."""
    return _merchant_page(shop_programme())


@merchant_bp.route("/points-mall/<int:variant_id>", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def save_item(shop: str, variant_id: int):
    """List one of the shop's variants in its mall, or change its terms (managers); errors beside the boxes."""
    programme = shop_programme()
    variant = get_in_tenant_or_404(ProductVariant, variant_id)
    form = _form(programme, None, variant.id, formdata=request.form)
    if _save(programme, variant, form, g.tenant):
        return redirect(url_for("loyalty_merchant.points_mall", shop=shop, page=request.args.get("page", 1)))
    return _merchant_page(programme, {variant.id: form}, 422)


@merchant_bp.route("/points-mall/<int:variant_id>/remove", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def remove_item(shop: str, variant_id: int):
    """Take a variant out of the shop's mall (the page asks to confirm first)."""
    _remove(shop_programme(), variant_id, g.tenant)
    return redirect(url_for("loyalty_merchant.points_mall", shop=shop, page=request.args.get("page", 1)))


def _remove(programme, variant_id: int, tenant) -> None:
    item = mall.item_in_mall(programme, variant_id, active_only=False)
    if item is None:
        abort(404)
    mall.unmark(item)
    record("points_mall.removed", localized(item.product, "name"), actor=actor(), tenant=tenant, variant_id=variant_id)
    flash(_("%(name)s is no longer in the points mall.", name=localized(item.product, "name")), "success")


def _platform_page(programme, posted: dict | None = None, add=None, status: int = 200):
    """The platform mall's items, each with its form, and the form adding an item of any shop by variant id."""
    page = paginate(mall.mall_items(programme))
    posted = posted or {}
    forms = {r.variant_id: posted.get(r.variant_id) or _form(programme, r, r.variant_id) for r in page.items}
    add = add or _form(programme, None, 0, VariantPickForm)
    return render_template("loyalty/pointsmall/platform.html", page=page, forms=forms, add=add,
                           programme=programme), status


@platform_bp.route("/platform/loyalty/points-mall", endpoint="points_mall")
@operator_required
def platform_points_mall():
    """The platform's points mall: items of any shop, paid with platform points and funded by the platform."""
    return _platform_page(platform_programme_or_404())


@platform_bp.route("/platform/loyalty/points-mall/add", methods=["POST"], endpoint="add_item")
@operator_required
@commits
def platform_add_item():
    """List a variant of any shop, named by its id, in the platform's mall; an unknown id is shown beside its box."""
    programme = platform_programme_or_404()
    form = _form(programme, None, 0, VariantPickForm, request.form)
    variant = db.session.get(ProductVariant, form.variant_id.data) if form.validate() else None
    if variant is None and not form.errors:
        form.variant_id.errors = [_("No such variant.")]
    if variant is not None and _save(programme, variant, form, None):
        return redirect(url_for("loyalty_platform.points_mall"))
    return _platform_page(programme, add=form, status=422)


@platform_bp.route("/platform/loyalty/points-mall/<int:variant_id>", methods=["POST"], endpoint="save_item")
@operator_required
@commits
def platform_save_item(variant_id: int):
    """Change the terms of an item of the platform's mall."""
    programme = platform_programme_or_404()
    item = mall.item_in_mall(programme, variant_id)
    if item is None:
        abort(404)
    form = _form(programme, None, variant_id, formdata=request.form)
    if _save(programme, item.variant, form, None):
        return redirect(url_for("loyalty_platform.points_mall"))
    return _platform_page(programme, {variant_id: form}, status=422)


@platform_bp.route("/platform/loyalty/points-mall/<int:variant_id>/remove", methods=["POST"], endpoint="remove_item")
@operator_required
@commits
def platform_remove_item(variant_id: int):
    """Take a variant out of the platform's mall (the page asks to confirm first)."""
    _remove(platform_programme_or_404(), variant_id, None)
    return redirect(url_for("loyalty_platform.points_mall"))
