"""Variant rules: a product's variants checked and saved, its from-price and stock total kept in step, stock
taken and given back. Callers commit.

Stock moves only by conditional updates on the variant's row. Rows are always locked in one order
(variants by id, then products by id), whether a checkout takes stock, a refund gives it back or a
merchant edits the variants, so two of them can wait for each other but never deadlock.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, exists, func, select, update

from mall.catalog.models import Product, ProductVariant
from mall.errors import Conflict, FieldErrors
from mall.extensions import db

MAX_PRICE = Decimal("1000000.00")
MAX_STOCK = 1_000_000
#: Variants one product may have, and options (size, colour, …) each variant names.
MAX_VARIANTS = 50
MAX_OPTIONS = 3
OPTION_NAME_MAX = 20
OPTION_VALUE_MAX = 40
SKU_MAX = 64
SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")


def only_variant(product: Product) -> ProductVariant | None:
    """The variant a product is bought as when the shopper names only the product: its one active variant."""
    active = product.active_variants
    return active[0] if len(active) == 1 else None


def was_ordered(variant: ProductVariant) -> bool:
    """Whether an order line names the variant (it then stays, deactivated, instead of being deleted)."""
    from mall.orders.models import OrderLine

    return db.session.execute(select(OrderLine.id).where(OrderLine.variant_id == variant.id).limit(1)).first() \
        is not None


def validate_variants(tenant, product: Product | None, rows, *, on_sale: bool = True) -> dict:
    """Field messages ("variants.<i>.<field>") for a product's wanted variants: [] of dicts with sku, options,
    price, stock, is_active and, for a variant kept, its id. A product on sale keeps at least one variant on sale."""
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_VARIANTS:
        return {"variants": [_("Give 1 to %(n)d variants.", n=MAX_VARIANTS)]}
    errors: dict = {}
    own = {v.id for v in product.variants} if product is not None else set()
    for i, row in enumerate(rows):
        _check_row(row, own, errors, f"variants.{i}")
    if errors:
        return errors
    if on_sale and not any(row.get("is_active", True) for row in rows):
        errors["variants"] = [_("Keep at least one variant on sale, or take the product off sale.")]
    _check_options_agree(rows, errors)
    _check_skus(tenant, product, rows, errors)
    return errors


def _check_row(row: dict, own: set, errors: dict, at: str) -> None:
    if row.get("id") is not None and row["id"] not in own:
        errors[f"{at}.id"] = [_("Not a variant of this product.")]
    price = row.get("price")
    if not isinstance(price, Decimal) or not price.is_finite() or not 0 <= price <= MAX_PRICE:
        errors[f"{at}.price"] = [_("Enter a price from 0 to %(max)s.", max=MAX_PRICE)]
    elif price != price.quantize(Decimal("0.01")):
        errors[f"{at}.price"] = [_("Use at most two decimals.")]
    stock = row.get("stock")
    if not isinstance(stock, int) or isinstance(stock, bool) or not 0 <= stock <= MAX_STOCK:
        errors[f"{at}.stock"] = [_("Enter a stock from 0 to %(n)d.", n=MAX_STOCK)]
    sku = row.get("sku")
    if sku not in (None, "") and (not isinstance(sku, str) or not SKU_PATTERN.fullmatch(sku)):
        errors[f"{at}.sku"] = [_("Use up to %(n)d letters, digits and . _ / - (starting with a letter or digit).",
                                 n=SKU_MAX)]
    options = row.get("options")
    if not isinstance(options, dict) or len(options) > MAX_OPTIONS:
        errors[f"{at}.options"] = [_("Give at most %(n)d options, such as size and colour.", n=MAX_OPTIONS)]
        return
    for name, value in options.items():
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= OPTION_NAME_MAX or name != name.strip():
            errors[f"{at}.options"] = [_("Name each option in 1 to %(n)d characters.", n=OPTION_NAME_MAX)]
        elif not isinstance(value, str) or not 1 <= len(value.strip()) <= OPTION_VALUE_MAX:
            errors[f"{at}.options"] = [_("Give each option a value of 1 to %(n)d characters.", n=OPTION_VALUE_MAX)]


def _check_options_agree(rows: list[dict], errors: dict) -> None:
    """The variants on sale, when several, each name a value of the same options, and no two the same values.

    A deactivated variant is history (it was ordered) and may name anything.
    """
    active = [(i, row) for i, row in enumerate(rows) if row.get("is_active", True)]
    if len(active) < 2:
        return
    names = list(active[0][1]["options"])
    seen: set = set()
    for i, row in active:
        options = row["options"]
        if not options:
            errors[f"variants.{i}.options"] = [_("With several variants, give each its options (such as size).")]
        elif sorted(options) != sorted(names):
            errors[f"variants.{i}.options"] = [_("Every variant names the same options: %(names)s.",
                                                 names=", ".join(names))]
        else:
            values = tuple(options[n].strip() for n in names)
            if values in seen:
                errors[f"variants.{i}.options"] = [_("Another variant has these options already.")]
            seen.add(values)


def _check_skus(tenant, product: Product | None, rows: list[dict], errors: dict) -> None:
    """SKU codes are unique in the shop: among the rows, and against the shop's other variants."""
    by_sku: dict[str, int] = {}
    for i, row in enumerate(rows):
        sku = row.get("sku") or None
        if sku is None:
            continue
        if sku in by_sku:
            errors[f"variants.{i}.sku"] = [_("Two variants have this SKU.")]
        by_sku[sku] = i
    if not by_sku:
        return
    wanted = {row["id"]: row.get("sku") for row in rows if row.get("id") is not None}
    # A code is free when its variant takes another one (two variants may swap codes), or is removed and was
    # never ordered (then deleted first).
    freed = {v.id for v in product.variants
             if (v.id in wanted and wanted[v.id] not in (None, v.sku))
             or (v.id not in wanted and not was_ordered(v))} if product else set()
    taken = db.session.execute(
        select(ProductVariant.id, ProductVariant.sku)
        .where(ProductVariant.tenant_id == tenant.id, ProductVariant.sku.in_(list(by_sku)))
    ).all()
    for variant_id, sku in taken:
        i = by_sku[sku]
        if variant_id != rows[i].get("id") and variant_id not in freed:
            errors[f"variants.{i}.sku"] = [_("Another variant of this shop has this SKU.")]


def lock_variants(product: Product) -> None:
    """Lock the product's variants in id order for the rest of the transaction, so no checkout moves their stock
    between an edit and the product's new stock total. Called before the product row is written: a checkout
    takes its variants first and the product after, and the edit must take them in the same order."""
    db.session.execute(select(ProductVariant.id).where(ProductVariant.product_id == product.id)
                       .order_by(ProductVariant.id).with_for_update()).all()


def save_variants(tenant, product: Product, rows: list[dict]) -> None:
    """Make the product's variants the rows (checked by validate_variants): a row with an id changes that
    variant, one without adds a variant, and a variant left out is deleted, or deactivated when it was ordered.
    Then the product's from-price and stock total follow."""
    lock_variants(product)
    existing = {v.id: v for v in product.variants}
    kept = {row["id"] for row in rows if row.get("id") is not None}
    for variant in [v for v in existing.values() if v.id not in kept]:
        remove_variant(variant)
    renamed = [existing[row["id"]] for row in rows
               if row.get("id") is not None and row.get("sku") and existing[row["id"]].sku != row["sku"]]
    for variant in renamed:  # out of the way first: two variants may swap codes
        variant.sku = f"~{variant.id}"
    db.session.flush()
    used = {row["sku"] for row in rows if row.get("sku")} | {existing[i].sku for i in kept}
    with db.session.no_autoflush:
        for position, row in enumerate(rows):
            variant = existing[row["id"]] if row.get("id") is not None else None
            if variant is None:
                variant = ProductVariant(tenant_id=tenant.id, product=product)
                db.session.add(variant)
            variant.options = {name.strip(): value.strip() for name, value in row["options"].items()}
            variant.price, variant.stock, variant.position = row["price"], row["stock"], position
            variant.is_active = bool(row.get("is_active", True))
            if row.get("sku"):
                variant.sku = row["sku"]
            elif not variant.sku:
                variant.sku = _free_sku(tenant, product, used)
                used.add(variant.sku)
    sync_product(product)


def remove_variant(variant: ProductVariant) -> None:
    """Take a variant off its product: deleted (with its cart lines) unless ordered, then only deactivated."""
    from mall.cart.models import CartItem

    if was_ordered(variant):
        variant.is_active = False
        return
    db.session.execute(db.delete(CartItem).where(CartItem.variant_id == variant.id))
    variant.product.variants.remove(variant)
    db.session.delete(variant)


def _free_sku(tenant, product: Product, used: set) -> str:
    """A SKU code for a variant the merchant gave none: P<product id>, then P<product id>-<n>, unused in the shop."""
    used = used | set(db.session.execute(select(ProductVariant.sku).where(
        ProductVariant.tenant_id == tenant.id, ProductVariant.sku.like(f"P{product.id}%"))).scalars())
    candidate, n = f"P{product.id}", 1
    while candidate in used:
        n += 1
        candidate = f"P{product.id}-{n}"
    return candidate


def row_of(variant: ProductVariant) -> dict:
    """A variant as a row of save_variants, unchanged."""
    return {"id": variant.id, "sku": variant.sku, "options": dict(variant.options), "price": variant.price,
            "stock": variant.stock, "is_active": variant.is_active}


def change_variant(tenant, variant: ProductVariant, changes: dict) -> ProductVariant:
    """Change some fields of one variant (sku, options, price, stock, is_active), under the rules of the whole
    product's variants; messages name the fields themselves."""
    product = variant.product
    rows = [row_of(v) for v in product.variants]
    index = next(i for i, v in enumerate(product.variants) if v.id == variant.id)
    rows[index] = {**rows[index], **{k: v for k, v in changes.items() if k != "id"}}
    errors = validate_variants(tenant, product, rows, on_sale=product.is_active)
    if errors:
        prefix = f"variants.{index}."
        fields = {key.removeprefix(prefix): messages for key, messages in errors.items()}
        raise FieldErrors(_("Please correct the variant."), fields)
    save_variants(tenant, product, rows)
    return variant


def drop_variant(tenant, variant: ProductVariant) -> bool:
    """Remove one variant (deleted, or deactivated when it was ordered); True when it was only deactivated.
    A product keeps at least one variant, and one on sale while the product is."""
    product = variant.product
    rows = [row_of(v) for v in product.variants if v.id != variant.id]
    if not rows:
        raise Conflict(_("A product needs at least one variant: take the product off sale instead."),
                       code="last_variant")
    errors = validate_variants(tenant, product, rows, on_sale=product.is_active)
    if errors:
        raise FieldErrors(_("This variant cannot be removed."), errors)
    ordered = was_ordered(variant)
    save_variants(tenant, product, rows)
    return ordered


def sync_product(product: Product) -> None:
    """The one place that sets a product's from-price (lowest active variant price) and stock total (of the
    active variants), from its variants as this transaction sees them; the caller holds their locks."""
    db.session.flush()
    low, total, count = db.session.execute(
        select(func.min(ProductVariant.price), func.coalesce(func.sum(ProductVariant.stock), 0),
               func.count(ProductVariant.id))
        .where(ProductVariant.product_id == product.id, ProductVariant.is_active.is_(True))
    ).one()
    if not count:  # nothing on sale: the product keeps showing what its variants cost
        low = db.session.execute(select(func.min(ProductVariant.price))
                                 .where(ProductVariant.product_id == product.id)).scalar()
    product.price = low if low is not None else product.price
    product.stock = int(total)
    db.session.flush()


def reserve_stock(wanted: dict[int, int]) -> None:
    """Take `{variant_id: qty}`: one conditional update per variant (refused when fewer are left, or the variant
    or its product is off sale), then the products' stock totals."""
    taken: dict[int, int] = {}
    for variant_id in sorted(wanted):
        qty = wanted[variant_id]
        product_id = db.session.execute(
            update(ProductVariant)
            .where(ProductVariant.id == variant_id, ProductVariant.stock >= qty, ProductVariant.is_active.is_(True),
                   exists().where(Product.id == ProductVariant.product_id, Product.is_active.is_(True)))
            .values(stock=ProductVariant.stock - qty).returning(ProductVariant.product_id)
            .execution_options(synchronize_session=False)
        ).scalar()
        if product_id is None:
            raise Conflict(_("Sorry, an item sold out while you were checking out."), code="out_of_stock")
        taken[product_id] = taken.get(product_id, 0) + qty
    _move_totals(taken, -1)


def release_stock(returned: dict[int, int]) -> None:
    """Put `{variant_id: qty}` back (refund, cancellation) on the variants, and on their products' totals for the
    variants still on sale (a deactivated variant's stock is not counted)."""
    given: dict[int, int] = {}
    for variant_id in sorted(returned):
        row = db.session.execute(
            update(ProductVariant).where(ProductVariant.id == variant_id)
            .values(stock=ProductVariant.stock + returned[variant_id])
            .returning(ProductVariant.product_id, ProductVariant.is_active)
            .execution_options(synchronize_session=False)
        ).first()
        if row is not None and row.is_active:
            given[row.product_id] = given.get(row.product_id, 0) + returned[variant_id]
    _move_totals(given, 1)


def _move_totals(by_product: dict[int, int], sign: int) -> None:
    for product_id in sorted(by_product):
        qty = by_product[product_id]
        # A total is a cache of its variants: never let it make a checkout fail by going below zero.
        new = Product.stock + qty if sign > 0 else case((Product.stock >= qty, Product.stock - qty), else_=0)
        db.session.execute(update(Product).where(Product.id == product_id).values(stock=new)
                           .execution_options(synchronize_session=False))
