"""Cart operations. Callers commit."""

from __future__ import annotations

from flask_babel import gettext as _

from mall.cart.models import CartItem
from mall.catalog.models import Product
from mall.checkout.quote import MAX_QTY
from mall.errors import FieldErrors
from mall.extensions import db


def items(user) -> list[CartItem]:
    """The user's cart rows, by shop then product."""
    return db.session.execute(
        db.select(CartItem).join(Product).where(CartItem.user_id == user.id)
        .order_by(Product.tenant_id, Product.id)
    ).scalars().all()


def as_lines(user) -> list[dict]:
    """The cart in the checkout request's shape."""
    return [{"product_id": item.product_id, "qty": item.qty} for item in items(user)]


def add(user, product: Product, qty: int) -> CartItem:
    """Add units of a product (merged with what is already in the cart)."""
    _check_bounds(qty)  # the units added, before they are merged: −3 is refused, not taken off the line
    item = db.session.execute(
        db.select(CartItem).filter_by(user_id=user.id, product_id=product.id)
    ).scalar_one_or_none()
    total = qty + (item.qty if item else 0)
    _check(product, total)
    if item is None:
        item = CartItem(user_id=user.id, product_id=product.id, qty=total)
        db.session.add(item)
    else:
        item.qty = total
    return item


def set_qty(user, item: CartItem, qty: int) -> None:
    """Change a line's quantity; 0 removes it."""
    if qty == 0:
        db.session.delete(item)
        return
    _check(item.product, qty)
    item.qty = qty


def remove_bought(user, product_ids) -> None:
    """Take the products just paid for out of the cart; what was added since stays."""
    db.session.execute(db.delete(CartItem).where(CartItem.user_id == user.id,
                                                 CartItem.product_id.in_(list(product_ids))))


def _check(product: Product, qty: int) -> None:
    if not product.is_buyable():
        raise FieldErrors(_("This product cannot be bought right now."), {"qty": [_("Not available.")]})
    _check_bounds(qty, product.stock)
    if qty > product.stock:
        raise FieldErrors(_("Only %(n)d left in stock.", n=product.stock),
                          {"qty": [_("Choose 1 to %(n)d.", n=min(MAX_QTY, product.stock))]})


def _check_bounds(qty: int, stock: int = MAX_QTY) -> None:
    """A quantity is a whole number from 1 to MAX_QTY, whatever the stock."""
    most = max(min(MAX_QTY, stock), 1)
    if qty < 1:
        raise FieldErrors(_("The quantity must be at least 1."), {"qty": [_("Choose 1 to %(n)d.", n=most)]})
    if qty > MAX_QTY:
        raise FieldErrors(_("At most %(n)d of one product per order.", n=MAX_QTY),
                          {"qty": [_("Choose 1 to %(n)d.", n=most)]})
