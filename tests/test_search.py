"""Catalogue search across shops: words (product, category, shop; Chinese too), each filter, each sort, pages,
the units-sold counter behind "sales", the page and the API with its bounds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from mall import clock
from mall.catalog.models import Product
from mall.catalog.receivers import recount_sales
from mall.catalog.search import search_products
from mall.checkout.operations import CheckoutDeclined
from mall.errors import FieldErrors
from mall.extensions import db
from mall.orders import operations as orders
from mall.orders.models import Order
from mall.tenants import operations as tenants
from tests.conftest import IS_PG, requires_pg


@pytest.fixture
def catalogue(make_shop, make_product):
    """Two shops, products in English and Chinese at different prices, made a day apart (oldest first)."""
    vancl = make_shop(slug="vancl")
    vancl.name = "Vancl Outfitters"
    youpin = make_shop(slug="youpin")
    youpin.name = "有品生活馆"
    db.session.commit()
    made = {}
    rows = [
        (vancl, "Red hoodie", "39.00", "Hoodies"),
        (vancl, "Blue hoodie", "59.00", "Hoodies"),
        (vancl, "Linen shirt", "129.00", "Shirts"),
        (youpin, "连帽卫衣 红色", "89.00", "卫衣"),
        (youpin, "纯棉T恤", "19.90", "T恤"),
        (youpin, "保温杯 100%不锈钢", "45.00", "家居"),
    ]
    start = clock.now() - timedelta(days=30)
    for n, (shop, name, price, category) in enumerate(rows):
        product = make_product(shop, name=name, price=price, category=category)
        product.created_at = start + timedelta(days=n)
        made[name] = product
    db.session.commit()
    return made


def names(results) -> list[str]:
    return [p.name for p in results.items]


def test_words_match_product_category_or_shop_name(catalogue):
    assert sorted(names(search_products("hoodie"))) == ["Blue hoodie", "Red hoodie"]
    assert sorted(names(search_products("HOODIES"))) == ["Blue hoodie", "Red hoodie"]  # the category, any case
    assert sorted(names(search_products("outfitters"))) == ["Blue hoodie", "Linen shirt", "Red hoodie"]  # the shop
    assert names(search_products("nothing like this")) == []


def test_chinese_words_match_inside_a_name(catalogue):
    assert names(search_products("卫衣")) == ["连帽卫衣 红色"]
    assert names(search_products("红色")) == ["连帽卫衣 红色"]
    assert sorted(names(search_products("有品"))) == sorted(["连帽卫衣 红色", "纯棉T恤", "保温杯 100%不锈钢"])


def test_like_wildcards_in_the_words_are_taken_literally(catalogue):
    assert names(search_products("100%")) == ["保温杯 100%不锈钢"]
    assert names(search_products("%")) == ["保温杯 100%不锈钢"]
    assert names(search_products("_")) == []


def test_filters_by_shop_category_and_price(catalogue):
    assert sorted(names(search_products(shop="youpin"))) == sorted(["连帽卫衣 红色", "纯棉T恤", "保温杯 100%不锈钢"])
    assert sorted(names(search_products(category="Hoodies"))) == ["Blue hoodie", "Red hoodie"]
    assert names(search_products(category="卫衣")) == ["连帽卫衣 红色"]
    assert sorted(names(search_products(min_price=Decimal("45.00"), max_price=Decimal("89.00")))) == sorted(
        ["Blue hoodie", "连帽卫衣 红色", "保温杯 100%不锈钢"])
    assert names(search_products("hoodie", shop="vancl", max_price=Decimal("40"))) == ["Red hoodie"]
    assert names(search_products("hoodie", shop="youpin")) == []
    with pytest.raises(FieldErrors) as refused:
        search_products(shop="no-such-shop")
    assert list(refused.value.fields) == ["shop"]


def test_archived_products_and_suspended_shops_are_not_found(catalogue):
    catalogue["Red hoodie"].is_active = False
    db.session.commit()
    assert names(search_products("hoodie")) == ["Blue hoodie"]
    tenants.suspend(catalogue["纯棉T恤"].tenant)
    db.session.commit()
    assert names(search_products("有品")) == []
    with pytest.raises(FieldErrors):
        search_products(shop="youpin")


def test_each_sort(catalogue, make_user, buy):
    assert names(search_products(sort="price"))[:2] == ["纯棉T恤", "Red hoodie"]
    assert names(search_products(sort="-price"))[:2] == ["Linen shirt", "连帽卫衣 红色"]
    assert names(search_products(sort="new"))[:2] == ["保温杯 100%不锈钢", "纯棉T恤"]
    assert names(search_products()) == names(search_products(sort="new"))  # no words: newest first
    shopper = make_user()
    buy(shopper, (catalogue["Linen shirt"], 3), (catalogue["纯棉T恤"], 1))
    buy(shopper, (catalogue["纯棉T恤"], 1))
    assert names(search_products(sort="sales"))[:2] == ["Linen shirt", "纯棉T恤"]


def test_best_match_puts_the_name_first(catalogue, make_product):
    vancl = catalogue["Red hoodie"].tenant
    make_product(vancl, name="Hoodie")
    make_product(vancl, name="Sweater", category="Hoodie season")  # found by its category only
    found = names(search_products("hoodie"))
    assert found[0] == "Hoodie" and found[-1] == "Sweater" and len(found) == 4


def test_pages(make_shop, make_product):
    shop = make_shop()
    for n in range(45):
        make_product(shop, name=f"Sock {n:02d}", price=f"{n + 1}.00")
    first = search_products("sock", sort="price")
    assert (first.total, first.pages, len(first.items), first.has_next, first.has_prev) == (45, 3, 20, True, False)
    third = search_products("sock", sort="price", page=3)
    assert names(third) == [f"Sock {n:02d}" for n in range(40, 45)] and not third.has_next
    assert names(search_products("sock", sort="price", page=4)) == []


def test_units_sold_follow_payments_refunds_and_cancellations(catalogue, make_user, buy):
    shirt, tee = catalogue["Linen shirt"], catalogue["纯棉T恤"]
    shopper = make_user()
    first = buy(shopper, (shirt, 3), (tee, 2)).orders
    second = buy(shopper, (shirt, 1)).orders[0]

    def sold():
        db.session.expire_all()
        return db.session.get(Product, shirt.id).sales, db.session.get(Product, tee.id).sales

    assert sold() == (4, 2)
    order = next(o for o in first if o.tenant_id == shirt.tenant_id)
    shirt_line = next(line for line in order.lines if line.product_id == shirt.id)
    orders.refund(order, None, lines=[{"line_id": shirt_line.id, "qty": 2}])
    db.session.commit()
    assert sold() == (2, 2)
    orders.cancel(second, None)
    db.session.commit()
    assert sold() == (1, 2)
    with pytest.raises(CheckoutDeclined):  # never paid: never counted, and its cancellation takes nothing off
        buy(shopper, (tee, 1), token="decline-card")
    db.session.rollback()
    declined = db.session.execute(db.select(Order).where(Order.status == "pending_payment")).scalar_one()
    assert sold() == (1, 2)
    orders.cancel(declined, None)
    db.session.commit()
    assert sold() == (1, 2)
    db.session.execute(text("UPDATE products SET sales = 0"))
    recount_sales()
    db.session.commit()
    assert sold() == (1, 2)


def test_the_search_page(client, catalogue):
    client.post("/lang/en")
    page = client.get("/search?q=hoodie&sort=-price").get_data(as_text=True)
    assert page.index("Blue hoodie") < page.index("Red hoodie") and "Linen shirt" not in page
    assert "2 products found" in page and 'name="q"' in page and '<option value="-price" selected>' in page
    empty = client.get("/search?q=zzz").get_data(as_text=True)
    assert "No products match your search." in empty
    filtered = client.get("/search?shop=youpin&category=卫衣&min_price=10&max_price=100").get_data(as_text=True)
    assert "连帽卫衣 红色" in filtered and "纯棉T恤" not in filtered
    assert 'role="search"' in client.get("/").get_data(as_text=True)  # the box in the top bar


def test_the_search_page_refuses_bad_values_with_a_message(client, catalogue):
    client.post("/lang/en")
    reply = client.get("/search?min_price=abc&max_price=-5&sort=cheapest&page=0")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "Enter a number." in page and "Must be one of: price, -price, sales, new." in page
    assert "Must be between 1 and 1000." in page and "Red hoodie" not in page
    unknown = client.get("/search?shop=nowhere")
    assert unknown.status_code == 422 and "No open shop has this address." in unknown.get_data(as_text=True)
    assert "The highest price must not be below the lowest." in client.get(
        "/search?min_price=50&max_price=10").get_data(as_text=True)


def test_the_search_page_keeps_filters_across_pages(client, make_shop, make_product):
    shop = make_shop(slug="socks")
    for n in range(25):
        make_product(shop, name=f"Sock {n:02d}")
    page = client.get("/search?q=sock&shop=socks&sort=price").get_data(as_text=True)
    assert "/search?page=2&amp;q=sock&amp;shop=socks&amp;sort=price" in page
    last = client.get("/search?q=sock&page=9").get_data(as_text=True)  # past the end: the last page
    assert "Sock 00" in last


def test_the_api_needs_no_token_and_answers_a_page(client, catalogue, api, make_user):
    reply = client.get("/api/v1/products?q=hoodie&sort=price")
    assert reply.status_code == 200
    body = reply.get_json()
    assert [p["name"] for p in body["items"]] == ["Red hoodie", "Blue hoodie"]
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 2)
    assert body["items"][0]["images"] == [] and body["items"][0]["shop"] == "vancl"
    assert api(make_user()).get("/api/v1/products?category=T恤").get_json()["items"][0]["name"] == "纯棉T恤"
    assert client.get("/api/v1/products", headers={"Authorization": "Bearer wrong"}).status_code == 401
    beyond = client.get("/api/v1/products?page=5").get_json()
    assert beyond["items"] == [] and beyond["page"] == 5 and beyond["pages"] == 1


@pytest.mark.parametrize("query,field", [
    ("page=0", "page"), ("page=1001", "page"), ("page=abc", "page"), ("page=٣", "page"), ("page=1.5", "page"),
    ("page=99999999999999999999", "page"), ("min_price=-1", "min_price"), ("min_price=abc", "min_price"),
    ("min_price=1e3", "min_price"), ("min_price=1.234", "min_price"), ("max_price=1000000.01", "max_price"),
    ("min_price=NaN", "min_price"), ("min_price=50&max_price=10", "max_price"), ("sort=cheap", "sort"),
    ("q=" + "x" * 101, "q"), ("shop=nowhere", "shop"), ("category=" + "c" * 81, "category"),
])
def test_the_api_refuses_bad_values(client, catalogue, query, field):
    reply = client.get(f"/api/v1/products?{query}")
    assert reply.status_code == 422, reply.get_json()
    assert list(reply.get_json()["error"]["fields"]) == [field]


def test_empty_arguments_count_as_not_given(client, catalogue):
    reply = client.get("/api/v1/products?q=&shop=&category=&min_price=&max_price=&sort=&page=")
    assert reply.status_code == 200 and reply.get_json()["total"] == 6


def test_the_search_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/products"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) == {"q", "shop", "category", "min_price", "max_price", "sort", "page", "lang"}
    assert params["sort"]["schema"]["enum"] == ["price", "-price", "sales", "new"]
    assert params["page"]["schema"]["maximum"] == 1000 and "security" not in operation
    upload = document["paths"]["/api/v1/shops/{shop}/products/{product_id}/images"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["file"] == {**body["properties"]["file"], "type": "string", "format": "binary"}
    assert "201" in upload["responses"]


@requires_pg
def test_postgres_matches_chinese_and_misspellings_through_trigram_indexes(catalogue):
    assert IS_PG
    indexes = set(db.session.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'")).scalars())
    assert indexes == {f"ix_{table}_{column}_trgm" for table in ("products", "categories", "tenants")
                       for column in ("name", "name_en")}
    assert names(search_products("卫衣")) == ["连帽卫衣 红色"]
    assert names(search_products("连帽")) == ["连帽卫衣 红色"]
    assert sorted(names(search_products("有品生活"))) == sorted(["连帽卫衣 红色", "纯棉T恤", "保温杯 100%不锈钢"])
    assert "Red hoodie" in names(search_products("hodie"))  # one letter missing
    assert names(search_products("100%")) == ["保温杯 100%不锈钢"]
    assert names(search_products("hoodie"))[0] in ("Red hoodie", "Blue hoodie")


def test_english_names_of_products_categories_and_shops_match_too(catalogue):
    cup = catalogue["保温杯 100%不锈钢"]
    cup.name_en, cup.category.name_en, cup.tenant.name_en = "Thermos flask", "Home", "Youpin Living"
    db.session.commit()
    assert names(search_products("thermos")) == ["保温杯 100%不锈钢"]
    assert names(search_products("", category="Home")) == ["保温杯 100%不锈钢"]
    assert "保温杯 100%不锈钢" in names(search_products("youpin living"))
