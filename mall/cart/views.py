"""Cart pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mall.boundary import commits
from mall.cart import operations
from mall.cart.models import CartItem
from mall.catalog.models import Product
from mall.checkout.quote import build_quote
from mall.errors import FieldErrors
from mall.extensions import db
from mall.form_numbers import object_id
from mall.tenants.access import actor, login_required

bp = Blueprint("cart", __name__)


@bp.route("/cart")
@login_required
def show():
    """The cart grouped by shop, priced as a quote."""
    user = actor()
    lines = operations.as_lines(user)
    quote, problem = None, None
    if lines:
        try:
            quote = build_quote(user, lines)
        except FieldErrors as exc:
            problem = exc
    return render_template("cart/cart.html", items=operations.items(user), quote=quote, problem=problem)


def _product_page() -> str:
    """The page of the product the form names, where a refused addition is explained."""
    product = _product_on_sale()
    return url_for("catalog.product_page", shop=product.tenant.slug, product_id=product.id)


def _product_on_sale() -> Product:
    product = db.session.get(Product, object_id(request.form.get("product_id")) or 0)
    if product is None or not product.is_active or not product.tenant.is_active:
        abort(404)
    return product


@bp.route("/cart/add", methods=["POST"])
@login_required
@commits(back=_product_page)
def add():
    """Add a product's chosen variant (or the product sold in one version) to the cart."""
    product = _product_on_sale()
    variant = operations.chosen_variant(product, object_id(request.form.get("variant_id")))
    qty = request.form.get("qty", 1, type=int)
    operations.add(actor(), variant, qty if qty is not None else 0)
    flash(_("Added to your cart."), "success")
    return redirect(url_for("cart.show"))


@bp.route("/cart/<int:item_id>", methods=["POST"])
@login_required
@commits(back="cart.show")
def update(item_id: int):
    """Change a cart line's quantity (0 removes it)."""
    item = db.session.get(CartItem, item_id)
    if item is None or item.user_id != actor().id:
        abort(404)
    qty = request.form.get("qty", type=int)
    operations.set_qty(actor(), item, qty if qty is not None else -1)
    return redirect(url_for("cart.show"))
