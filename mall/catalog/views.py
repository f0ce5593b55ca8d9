"""Storefront pages: the platform home, shop pages and product pages."""

from flask import Blueprint, render_template, request
from marshmallow import ValidationError
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from mall.catalog.models import Category, Product
from mall.catalog.schemas import SORTS, SearchArgs
from mall.catalog.search import search_products
from mall.errors import FieldErrors
from mall.extensions import db
from mall.form_numbers import object_id
from mall.pagination import paginate
from mall.reviews.models import Review
from mall.tenants.access import get_in_tenant_or_404, open_shop_or_404, public, scoped
from mall.tenants.models import Tenant, TenantStatus
from mall.validation import translate_messages

bp = Blueprint("catalog", __name__)


@bp.route("/")
@public
def home():
    """The platform home: every open shop with a few of its products."""
    shops = db.session.execute(
        db.select(Tenant).where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.is_self_operated.desc(),
                                                                                Tenant.name)
    ).scalars().all()
    featured = {}
    for shop in shops:
        featured[shop.id] = db.session.execute(
            db.select(Product).where(Product.tenant_id == shop.id, Product.is_active.is_(True))
            .order_by(Product.id).limit(4).options(selectinload(Product.images))
        ).scalars().all()
    return render_template("catalog/home.html", shops=shops, featured=featured)


@bp.route("/s/<shop>/")
@public
def shop_page(shop: str):
    """A shop's storefront, optionally filtered by category."""
    tenant = open_shop_or_404(shop)
    categories = db.session.execute(scoped(Category).order_by(Category.position, Category.name)).scalars().all()
    select = scoped(Product).where(Product.is_active.is_(True)).order_by(Product.id).options(
        selectinload(Product.images))
    category_id = object_id(request.args.get("category"))
    if category_id:
        select = select.where(Product.category_id == category_id)
    page = paginate(select)
    return render_template("catalog/shop.html", shop=tenant, categories=categories, page=page,
                           category_id=category_id)


@bp.route("/s/<shop>/products/<int:product_id>")
@public
def product_page(shop: str, product_id: int):
    """A product with its reviews."""
    tenant = open_shop_or_404(shop)
    product = get_in_tenant_or_404(Product, product_id)
    if not product.is_active:
        from flask import abort

        abort(404)
    reviews = db.session.execute(
        db.select(Review).where(Review.product_id == product.id).options(selectinload(Review.line))
        .order_by(Review.id.desc()).limit(20)
    ).scalars().all()
    rating = db.session.execute(
        db.select(func.avg(Review.rating), func.count(Review.id)).where(Review.product_id == product.id)
    ).one()
    return render_template("catalog/product.html", shop=tenant, product=product, reviews=reviews,
                           rating=rating)


@bp.route("/search")
@public
def search():
    """Products of every open shop by words, shop, category and price, sorted and a page at a time."""
    errors: dict = {}
    try:
        args = SearchArgs().load(request.args)
    except ValidationError as exc:
        errors = translate_messages(exc.messages)
        args = {}
    results = None
    if not errors:
        try:
            results = _search_page(args)
        except FieldErrors as exc:
            errors = exc.fields
    shops = db.session.execute(db.select(Tenant).where(Tenant.status == TenantStatus.ACTIVE)
                               .order_by(Tenant.name)).scalars().all()
    return render_template("catalog/search.html", results=results, errors=errors, shops=shops, sorts=SORTS,
                           categories=_category_names(args.get("shop") if not errors else None),
                           args=request.args), 422 if errors else 200


def _search_page(args: dict):
    """The page asked for; past the last page, the last one (as the other lists do)."""
    query = {name: args.get(name) for name in ("shop", "category", "min_price", "max_price", "sort")}
    results = search_products(args.get("q"), **query, page=args["page"])
    if results.pages and results.page > results.pages:
        results = search_products(args.get("q"), **query, page=results.pages)
    return results


def _category_names(shop: str | None) -> list[str]:
    """Category names to filter by: the chosen shop's, else those of every open shop (each name once)."""
    select = (db.select(Category.name).join(Tenant, Tenant.id == Category.tenant_id)
              .where(Tenant.status == TenantStatus.ACTIVE,
                     Category.id.in_(db.select(Product.category_id).where(Product.is_active.is_(True))))
              .distinct().order_by(Category.name).limit(100))
    if shop:
        select = select.where(Tenant.slug == shop)
    return list(db.session.execute(select).scalars())
