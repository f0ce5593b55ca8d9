"""The catalogue API: search every open shop's products (no sign-in needed, as the pages)."""

from flask import jsonify, request

from mall.api import bp
from mall.api.openapi import documented
from mall.api.serializers import product_json
from mall.catalog.schemas import ProductPage, SearchArgs
from mall.catalog.search import search_products
from mall.tenants.access import public


@bp.route("/products", methods=["GET"])
@documented(response=ProductPage, query=SearchArgs)
@public
def product_search():
    """Search products across shops by words, shop, category and price; sort by price, sales or newest."""
    args = SearchArgs().load(request.args)
    results = search_products(args.get("q"), shop=args.get("shop"), category=args.get("category"),
                              min_price=args.get("min_price"), max_price=args.get("max_price"), sort=args.get("sort"),
                              page=args["page"])
    return jsonify({"items": [product_json(p) for p in results.items], "page": results.page,
                    "pages": results.pages, "total": results.total})
