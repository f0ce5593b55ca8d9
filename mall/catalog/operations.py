"""Catalogue operations shared by the merchant admin and the API. Callers commit."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from mall.catalog.models import Category, Product
from mall.errors import FieldErrors
from mall.extensions import db

MAX_PRICE = Decimal("1000000.00")
MAX_STOCK = 1_000_000
NAME_MAX = 120


def category_named(tenant, name: str) -> Category:
    """The shop's category with this name, created if new."""
    name = name.strip()
    category = db.session.execute(
        db.select(Category).filter_by(tenant_id=tenant.id, name=name)
    ).scalar_one_or_none()
    if category is None:
        category = Category(tenant_id=tenant.id, name=name)
        db.session.add(category)
        db.session.flush()
    return category


def validate_product(values: dict) -> dict:
    """Field messages for product values (already typed: Decimal price, int stock)."""
    errors: dict = {}
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        errors["name"] = [_("Enter a name of up to %(n)d characters.", n=NAME_MAX)]
    price = values.get("price")
    if not isinstance(price, Decimal) or not price.is_finite() or price < 0 or price > MAX_PRICE:
        errors["price"] = [_("Enter a price from 0 to %(max)s.", max=MAX_PRICE)]
    elif price != price.quantize(Decimal("0.01")):
        errors["price"] = [_("Use at most two decimals.")]
    stock = values.get("stock")
    if not isinstance(stock, int) or isinstance(stock, bool) or not 0 <= stock <= MAX_STOCK:
        errors["stock"] = [_("Enter a stock from 0 to %(n)d.", n=MAX_STOCK)]
    starts, ends = values.get("sale_starts_at"), values.get("sale_ends_at")
    if starts and ends and ends <= starts:
        errors["sale_ends_at"] = [_("The sale must end after it starts.")]
    return errors


def save_product(tenant, product: Product | None, values: dict) -> Product:
    """Create or update a product of the shop from validated values."""
    errors = validate_product(values)
    if errors:
        raise FieldErrors(_("Please correct the product."), errors)
    if product is None:
        product = Product(tenant_id=tenant.id)
        db.session.add(product)
    product.name = values["name"].strip()
    product.price = values["price"]
    product.stock = values["stock"]
    product.sale = bool(values.get("sale"))
    product.description = (values.get("description") or "").strip()
    product.sale_starts_at = values.get("sale_starts_at")
    product.sale_ends_at = values.get("sale_ends_at")
    product.is_active = values.get("is_active", True)
    category = values.get("category")
    if isinstance(category, Category):
        product.category_id = category.id
    elif isinstance(category, str) and category.strip():
        product.category_id = category_named(tenant, category).id
    else:
        product.category_id = None
    db.session.flush()
    return product
