"""Catalogue search across every open shop: words, filters, sort and pages, in one function.

Words match a product's name, its category's name or its shop's name, in Chinese or English, anywhere in
the text (`ILIKE '%…%'`).
On PostgreSQL that match is served by trigram GIN indexes (pg_trgm, created by migration core_0011), which
index any script: Chinese has no spaces between words, so full-text search with the built-in parsers sees
"连帽卫衣" as one word and would not find it by "卫衣", where a substring match does. PostgreSQL also finds
names with a small misspelling (`<%`, word similarity) and ranks by similarity; SQLite matches with LIKE and
ranks an exact or leading match of the name first.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, func, literal, or_
from sqlalchemy.orm import joinedload, selectinload

from mall.catalog.models import Category, Product
from mall.errors import FieldErrors
from mall.extensions import db
from mall.pagination import Page
from mall.tenants.models import Tenant, TenantStatus

PER_PAGE = 20


#: One page of products and where it sits among all the matches.
Results = Page


def search_products(q: str | None = None, *, shop: str | None = None, category: str | None = None,
                    min_price: Decimal | None = None, max_price: Decimal | None = None, sort: str | None = None,
                    page: int = 1, per_page: int = PER_PAGE) -> Results:
    """Active products of open shops matching the words and filters, sorted, one page of them.

    `shop` is a shop's slug (FieldErrors on `shop` when no open shop has it); `category` a category name in
    any shop; `sort` is "price", "-price", "sales", "new" or None (best match, or newest without words).
    """
    select = (db.select(Product).join(Tenant, Tenant.id == Product.tenant_id)
              .where(Product.is_active.is_(True), Tenant.status == TenantStatus.ACTIVE))
    words = (q or "").strip()
    if words:
        select = select.where(_matches(words))
    if shop:
        select = select.where(Product.tenant_id == _open_shop_id(shop))
    if category:
        named = category.strip()  # in either language
        select = select.where(Product.category_id.in_(
            db.select(Category.id).where(or_(Category.name == named, Category.name_en == named))))
    if min_price is not None:
        select = select.where(Product.price >= min_price)
    if max_price is not None:
        select = select.where(Product.price <= max_price)
    total = db.session.execute(db.select(func.count()).select_from(select.subquery())).scalar()
    rows = db.session.execute(
        select.order_by(*_order(sort, words)).limit(per_page).offset((page - 1) * per_page)
        .options(joinedload(Product.tenant), joinedload(Product.category), selectinload(Product.images))
    ).scalars().unique().all()
    return Results(list(rows), total, page, per_page)


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _like(words: str) -> str:
    """A LIKE pattern finding the words anywhere, with %, _ and \\ in them taken literally."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(words: str):
    pattern = _like(words)
    found = or_(
        *(column.ilike(pattern, escape="\\") for column in (Product.name, Product.name_en)),
        Product.category_id.in_(db.select(Category.id).where(or_(Category.name.ilike(pattern, escape="\\"),
                                                                 Category.name_en.ilike(pattern, escape="\\")))),
        Product.tenant_id.in_(db.select(Tenant.id).where(or_(Tenant.name.ilike(pattern, escape="\\"),
                                                             Tenant.name_en.ilike(pattern, escape="\\")))),
    )
    if _is_postgres():
        # "hodie" finds "Hoodie": the words are similar enough to a part of the name (pg_trgm's threshold, 0.6).
        found = or_(found, literal(words).op("<%")(Product.name), literal(words).op("<%")(Product.name_en))
    return found


def _open_shop_id(slug: str) -> int:
    shop_id = db.session.execute(
        db.select(Tenant.id).where(Tenant.slug == slug.strip(), Tenant.status == TenantStatus.ACTIVE)
    ).scalar_one_or_none()
    if shop_id is None:
        message = _("No open shop has this address.")
        raise FieldErrors(message, {"shop": [message]})
    return shop_id


def _order(sort: str | None, words: str) -> list:
    if sort == "price":
        return [Product.price.asc(), Product.id.asc()]
    if sort == "-price":
        return [Product.price.desc(), Product.id.desc()]
    if sort == "sales":
        return [Product.sales.desc(), Product.id.desc()]
    if sort == "new" or not words:
        return [Product.created_at.desc(), Product.id.desc()]
    if _is_postgres():
        return [func.word_similarity(words, Product.name).desc(), func.similarity(words, Product.name).desc(),
                Product.id.desc()]
    pattern = words.lower()
    rank = case((func.lower(Product.name) == pattern, 0),
                (func.lower(Product.name).like(_like(pattern)[1:], escape="\\"), 1),
                (func.lower(Product.name).like(_like(pattern), escape="\\"), 2), else_=3)
    return [rank, Product.id.desc()]
