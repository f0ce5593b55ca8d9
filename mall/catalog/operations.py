"""Catalogue operations shared by the merchant admin and the API. Callers commit."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from mall.catalog import variants
from mall.catalog.models import Category, Product
from mall.catalog.variants import MAX_PRICE, MAX_STOCK
from mall.errors import FieldErrors
from mall.extensions import db

NAME_MAX = 120
CATEGORY_MAX = 80
DESCRIPTION_MAX = 5000
#: The optional English texts beside the Chinese ones, and their lengths.
ENGLISH = {"name_en": NAME_MAX, "description_en": DESCRIPTION_MAX, "category_en": CATEGORY_MAX}


def category_named(tenant, name: str, name_en: str | None = None) -> Category:
    """The shop's category with this (Chinese) name, created if new; a non-empty `name_en` becomes its English name.

    An empty English name leaves the category's as it is: a product form left blank does not erase
    what another product's form gave the category (the categories page can).
    """
    name = name.strip()
    category = db.session.execute(
        db.select(Category).filter_by(tenant_id=tenant.id, name=name)
    ).scalar_one_or_none()
    if category is None:
        category = Category(tenant_id=tenant.id, name=name)
        db.session.add(category)
    if isinstance(name_en, str) and name_en.strip():
        category.name_en = name_en.strip()
    db.session.flush()
    return category


def rename_category(category: Category, name: str, name_en: str) -> Category:
    """Change a category's Chinese and English names; the Chinese name stays unique in the shop."""
    name, name_en = (name or "").strip(), (name_en or "").strip()
    errors: dict = {}
    if not name or len(name) > CATEGORY_MAX:
        errors["name"] = [_("Enter a name of up to %(n)d characters.", n=CATEGORY_MAX)]
    elif db.session.execute(db.select(Category.id).where(Category.tenant_id == category.tenant_id,
                                                          Category.name == name, Category.id != category.id)).first():
        errors["name"] = [_("The shop has a category with this name already.")]
    if len(name_en) > CATEGORY_MAX:
        errors["name_en"] = [_("Enter a name of up to %(n)d characters.", n=CATEGORY_MAX)]
    if errors:
        raise FieldErrors(_("Please correct the category."), errors)
    category.name, category.name_en = name, name_en
    db.session.flush()
    return category


def validate_product(values: dict, product: Product | None = None) -> dict:
    """Field messages for product values (already typed: Decimal price, int stock).

    The price and stock are the product's one variant's: a new product without `variants` needs them, and a
    product with several variants takes them per variant only.
    """
    errors: dict = {}
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        errors["name"] = [_("Enter a name of up to %(n)d characters.", n=NAME_MAX)]
    if "variants" not in values and (product is None or "price" in values or "stock" in values):
        if product is not None and len(product.variants) > 1:
            errors["price"] = [_("This product has variants: set the price and stock of each variant.")]
        else:
            errors.update(_price_and_stock(values, product))
    for key, most in ENGLISH.items():
        text = values.get(key)
        if text is not None and (not isinstance(text, str) or len(text.strip()) > most):
            errors[key] = [_("Enter at most %(n)d characters.", n=most)]
    category = values.get("category")
    if isinstance(category, str) and len(category.strip()) > CATEGORY_MAX:
        errors["category"] = [_("Enter at most %(n)d characters.", n=CATEGORY_MAX)]
    description = values.get("description")
    if description is not None and (not isinstance(description, str) or len(description.strip()) > DESCRIPTION_MAX):
        errors["description"] = [_("Enter at most %(n)d characters.", n=DESCRIPTION_MAX)]
    starts, ends = values.get("sale_starts_at"), values.get("sale_ends_at")
    if starts and ends and ends <= starts:
        errors["sale_ends_at"] = [_("The sale must end after it starts.")]
    return errors


def _price_and_stock(values: dict, product: Product | None) -> dict:
    """Messages for the price and stock of a product sold in one version (an edit may give only one of them)."""
    errors: dict = {}
    price = values.get("price")
    if product is None or "price" in values:
        if not isinstance(price, Decimal) or not price.is_finite() or price < 0 or price > MAX_PRICE:
            errors["price"] = [_("Enter a price from 0 to %(max)s.", max=MAX_PRICE)]
        elif price != price.quantize(Decimal("0.01")):
            errors["price"] = [_("Use at most two decimals.")]
    stock = values.get("stock")
    if (product is None or "stock" in values) and (
            not isinstance(stock, int) or isinstance(stock, bool) or not 0 <= stock <= MAX_STOCK):
        errors["stock"] = [_("Enter a stock from 0 to %(n)d.", n=MAX_STOCK)]
    return errors


def save_product(tenant, product: Product | None, values: dict) -> Product:
    """Create or update a product of the shop from validated values, with its variants.

    `values["variants"]`, when given, is the whole list of the product's variants (see
    mall.catalog.variants.save_variants); without it a new product gets one variant from `price` and
    `stock`, and a product sold in one version takes a new `price` or `stock` on that variant.
    """
    errors = validate_product(values, product)
    rows = values.get("variants")
    if rows is None and not errors and (product is None or "price" in values or "stock" in values):
        rows = [_single_row(product, values)]
    if rows is not None and not errors:
        errors = variants.validate_variants(tenant, product, rows, on_sale=values.get("is_active", True))
    if errors:
        raise FieldErrors(_("Please correct the product."), errors)
    if product is not None and rows is not None:
        variants.lock_variants(product)
    if product is None:
        product = Product(tenant_id=tenant.id, price=rows[0]["price"], stock=0)
        db.session.add(product)
    product.name = values["name"].strip()
    product.name_en = (values.get("name_en") or "").strip()
    product.sale = bool(values.get("sale"))
    product.description = (values.get("description") or "").strip()
    product.description_en = (values.get("description_en") or "").strip()
    product.sale_starts_at = values.get("sale_starts_at")
    product.sale_ends_at = values.get("sale_ends_at")
    product.is_active = values.get("is_active", True)
    category = values.get("category")
    if isinstance(category, Category):  # the product's own category, kept by a partial update
        category = category.name
    if isinstance(category, str) and category.strip():
        product.category_id = category_named(tenant, category, values.get("category_en")).id
    else:
        product.category_id = None
    db.session.flush()
    if rows is not None:
        variants.save_variants(tenant, product, rows)
    return product


def _single_row(product: Product | None, values: dict) -> dict:
    """The one variant of a product sold in one version, with the price and stock given (the rest kept)."""
    current = product.variants[0] if product is not None and product.variants else None
    if current is None:
        return {"options": {}, "price": values.get("price"), "stock": values.get("stock"), "is_active": True}
    return {"id": current.id, "sku": current.sku, "options": dict(current.options), "is_active": True,
            "price": values.get("price", current.price), "stock": values.get("stock", current.stock)}


def delete_product(product: Product) -> bool:
    """Delete a product never ordered (its variants and cart lines too), or archive one that was; True if archived.

    Orders keep their lines either way.
    """
    from mall.cart.models import CartItem
    from mall.orders.models import OrderLine

    ordered = db.session.execute(select(OrderLine.id).where(OrderLine.product_id == product.id).limit(1)).first()
    if ordered:
        product.is_active = False
        return True
    db.session.execute(db.delete(CartItem).where(CartItem.product_id == product.id))
    for variant in list(product.variants):
        db.session.delete(variant)
    db.session.flush()
    db.session.delete(product)
    return False
