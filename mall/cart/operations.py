"""Cart operations. Callers commit."""

from __future__ import annotations

from flask_babel import gettext as _

from mall.cart.models import CartItem
from mall.catalog.models import Product, ProductVariant
from mall.catalog.variants import only_variant
from mall.checkout.quote import MAX_QTY
from mall.errors import FieldErrors
from mall.extensions import db


def items(user) -> list[CartItem]:
    """The user's cart rows, by shop, then product, then the variant's place in the product."""
    return db.session.execute(
        db.select(CartItem).join(Product, Product.id == CartItem.product_id)
        .join(ProductVariant, ProductVariant.id == CartItem.variant_id).where(CartItem.user_id == user.id)
        .order_by(Product.tenant_id, Product.id, ProductVariant.position, ProductVariant.id)
    ).scalars().all()


def as_lines(user) -> list[dict]:
    """The cart in the checkout request's shape."""
    return [{"variant_id": item.variant_id, "qty": item.qty} for item in items(user)]


def chosen_variant(product: Product, variant_id: int | None) -> ProductVariant:
    """The variant of `product` a shopper picked (`variant_id`), or its one variant when it has only one.

    A variant of another product, or none picked for a product with several, is refused with a message.
    """
    if variant_id is None:
        variant = only_variant(product)
        if variant is None:
            raise FieldErrors(_("Choose one of this product's variants first."),
                              {"variant_id": [_("Choose a variant.")]})
        return variant
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product.id or not variant.is_active:
        raise FieldErrors(_("This variant is not available."), {"variant_id": [_("Choose a variant.")]})
    return variant


def add(user, variant: ProductVariant | Product, qty: int) -> CartItem:
    """Add units of a variant (merged with what is already in the cart); a product with one variant may stand
    for it."""
    if isinstance(variant, Product):
        variant = chosen_variant(variant, None)
    _check_bounds(qty)  # the units added, before they are merged: −3 is refused, not taken off the line
    item = db.session.execute(
        db.select(CartItem).filter_by(user_id=user.id, variant_id=variant.id)
    ).scalar_one_or_none()
    total = qty + (item.qty if item else 0)
    _check(variant, total)
    if item is None:
        item = CartItem(user_id=user.id, product_id=variant.product_id, variant_id=variant.id, qty=total)
        db.session.add(item)
    else:
        item.qty = total
    return item


def set_qty(user, item: CartItem, qty: int) -> None:
    """Change a line's quantity; 0 removes it."""
    if qty == 0:
        db.session.delete(item)
        return
    _check(item.variant, qty)
    item.qty = qty


def remove_bought(user, variant_ids) -> None:
    """Take the variants just paid for out of the cart; what was added since stays."""
    db.session.execute(db.delete(CartItem).where(CartItem.user_id == user.id,
                                                 CartItem.variant_id.in_(list(variant_ids))))


def _check(variant: ProductVariant, qty: int) -> None:
    if not variant.is_buyable():
        raise FieldErrors(_("This product cannot be bought right now."), {"qty": [_("Not available.")]})
    _check_bounds(qty, variant.stock)
    if qty > variant.stock:
        raise FieldErrors(_("Only %(n)d left in stock.", n=variant.stock),
                          {"qty": [_("Choose 1 to %(n)d.", n=min(MAX_QTY, variant.stock))]})


def _check_bounds(qty: int, stock: int = MAX_QTY) -> None:
    """A quantity is a whole number from 1 to MAX_QTY, whatever the stock."""
    most = max(min(MAX_QTY, stock), 1)
    if qty < 1:
        raise FieldErrors(_("The quantity must be at least 1."), {"qty": [_("Choose 1 to %(n)d.", n=most)]})
    if qty > MAX_QTY:
        raise FieldErrors(_("At most %(n)d of one product per order.", n=MAX_QTY),
                          {"qty": [_("Choose 1 to %(n)d.", n=most)]})
