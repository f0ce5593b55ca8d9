"""Merchant content in Chinese and English: each shows in the viewer's language, falling back to the other.

Products, categories, shops and order lines on pages and in the API (which takes ?lang=, the token
holder's saved language or Accept-Language); the English fields are bounded like the Chinese ones.
Tiers, perks and coupon templates: tests/test_bilingual_loyalty.py.
"""


import pytest
from flask_babel import force_locale

from mall.catalog.models import Category, Product
from mall.extensions import db
from mall.i18n import localized
from mall.tenants.models import Tenant
from tests.fixtures.factories import PASSWORD

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def _page(client, path, headers) -> str:
    reply = client.get(path, headers=headers)
    assert reply.status_code == 200, path
    return reply.get_data(as_text=True)


@pytest.fixture
def hoodie(make_shop, make_product):
    """A shop 卫衣小店 / Hoodie corner selling 连帽卫衣 / Hooded sweatshirt in 卫衣 / Hoodies."""
    shop = make_shop(slug="hoodies", name_en="Hoodie corner", description="冬天穿的卫衣。",
                     description_en="Hoodies for the winter.")
    shop.name = "卫衣小店"
    product = make_product(shop, price="99.00", name="连帽卫衣", name_en="Hooded sweatshirt", category="卫衣",
                           category_en="Hoodies", description="加绒加厚。", description_en="Fleece-lined.")
    return shop, product


def test_localized_picks_the_viewers_language_and_falls_back_to_the_other(app):
    """Models, dicts and lists (item by item); an empty or blank value shows the other language; None is ""."""
    tier = {"name": "银牌", "name_en": "Silver", "perks": ["包邮", "生日礼"], "perks_en": ["Free shipping", " "]}
    only_english = {"name": "", "name_en": "Gold"}
    with app.test_request_context(), force_locale("en"):
        assert localized(tier, "name") == "Silver" and localized({"name": "普通"}, "name") == "普通"
        assert localized(tier, "perks") == ["Free shipping", "生日礼"]
        assert localized(Category(name="卫衣", name_en=""), "name") == "卫衣"
        assert localized(None, "name") == ""
    with app.test_request_context(), force_locale("zh"):
        assert localized(tier, "name") == "银牌" and localized(only_english, "name") == "Gold"
        assert localized(tier, "perks") == ["包邮", "生日礼"]
        assert localized({"perks": [], "perks_en": ["Lounge"]}, "perks") == ["Lounge"]


def test_storefront_pages_show_products_categories_and_shops_in_the_viewers_language(client, hoodie):
    """Home, shop and product pages: English on English pages, Chinese on Chinese pages."""
    shop, product = hoodie
    for path in ("/", f"/s/{shop.slug}/", f"/s/{shop.slug}/products/{product.id}"):
        english, chinese = _page(client, path, EN), _page(client, path, ZH)
        assert "Hooded sweatshirt" in english and "连帽卫衣" not in english, path
        assert "连帽卫衣" in chinese and "Hooded sweatshirt" not in chinese, path
        assert "Hoodie corner" in english and "卫衣小店" in chinese, path
    product_page = f"/s/{shop.slug}/products/{product.id}"
    assert "Fleece-lined." in _page(client, product_page, EN) and "Hoodies" in _page(client, product_page, EN)
    assert "加绒加厚。" in _page(client, product_page, ZH) and "Hoodies" not in _page(client, product_page, ZH)
    assert "Hoodies for the winter." in _page(client, f"/s/{shop.slug}/", EN)
    assert "冬天穿的卫衣。" in _page(client, f"/s/{shop.slug}/", ZH)


def test_content_in_one_language_only_shows_to_both(client, make_shop, make_product):
    """No English: English pages show the Chinese; a description given only in English shows on Chinese pages."""
    shop = make_shop(slug="tea")
    product = make_product(shop, name="龙井", description="", description_en="Dragon Well green tea.")
    page = f"/s/tea/products/{product.id}"
    assert "龙井" in _page(client, page, EN)
    assert "Dragon Well green tea." in _page(client, page, ZH)


def test_order_lines_keep_the_names_the_product_had_when_bought(client, hoodie, make_user, buy):
    """The line is a snapshot in both languages: renaming the product later leaves the order as it was."""
    shop, product = hoodie
    shopper = make_user()
    order = buy(shopper, (product, 1)).orders[0]
    product.name, product.name_en = "新名字", "New name"
    db.session.commit()
    client.post("/login", data={"email": shopper.email, "password": PASSWORD})
    client.post("/lang/en")
    english = _page(client, f"/orders/{order.id}", {})
    assert "Hooded sweatshirt" in english and "New name" not in english and "Hoodie corner" in english
    client.post("/lang/zh")
    chinese = _page(client, f"/orders/{order.id}", {})
    assert "连帽卫衣" in chinese and "新名字" not in chinese and "卫衣小店" in chinese


def test_the_api_answers_in_the_requests_language(api, make_user, make_shop):
    """Product create takes the _en fields; replies carry the request's language and both stored values."""
    owner = make_user()
    shop = make_shop(owner=owner, slug="hoodies")
    client = api(owner)
    body = {"name": "连帽卫衣", "name_en": "Hooded sweatshirt", "price": "99.00", "stock": 5, "category": "卫衣",
            "category_en": "Hoodies", "description": "加绒加厚。", "description_en": "Fleece-lined."}
    created = client.post(f"/api/v1/shops/{shop.slug}/products", json=body, headers=EN)
    assert created.status_code == 201
    product = created.json["product"]
    assert (product["name"], product["category"], product["description"]) == (
        "Hooded sweatshirt", "Hoodies", "Fleece-lined.")
    assert (product["name_zh"], product["name_en"], product["category_zh"], product["category_en"]) == (
        "连帽卫衣", "Hooded sweatshirt", "卫衣", "Hoodies")
    url = f"/api/v1/shops/{shop.slug}/products/{product['id']}"
    assert client.get(url, headers=ZH).json["product"]["name"] == "连帽卫衣"
    assert client.get(url, headers=ZH).json["product"]["category"] == "卫衣"
    # ?lang= comes before the header and before the holder's saved language.
    assert client.get(url + "?lang=en", headers=ZH).json["product"]["name"] == "Hooded sweatshirt"
    owner.locale = "en"
    db.session.commit()
    assert client.get(url, headers=ZH).json["product"]["name"] == "Hooded sweatshirt"
    assert client.get(url + "?lang=zh", headers=EN).json["product"]["name"] == "连帽卫衣"
    assert client.get(url + "?lang=fr", headers=EN).json["product"]["name"] == "Hooded sweatshirt"


def test_a_partial_update_changes_only_the_english_it_names(api, make_user, make_shop, make_product):
    """PATCH name_en / category_en keeps the Chinese; the category's English name is shared by its products."""
    owner = make_user()
    shop = make_shop(owner=owner, slug="tea")
    product = make_product(shop, name="龙井", category="绿茶")
    other = make_product(shop, name="碧螺春", category="绿茶")
    client = api(owner)
    reply = client.patch(f"/api/v1/shops/tea/products/{product.id}",
                         json={"name_en": "Dragon Well", "category_en": "Green tea"}, headers=EN)
    assert reply.status_code == 200
    assert (reply.json["product"]["name"], reply.json["product"]["name_zh"]) == ("Dragon Well", "龙井")
    assert client.get(f"/api/v1/shops/tea/products/{other.id}", headers=EN).json["product"]["category"] == "Green tea"
    # A product form or body without an English category name leaves the category's as it is.
    client.patch(f"/api/v1/shops/tea/products/{other.id}", json={"category": "绿茶"})
    assert db.session.get(Category, product.category_id).name_en == "Green tea"


def test_order_and_quote_lines_in_the_api_follow_the_language(api, hoodie, make_user, buy):
    """Shopper endpoints: order lines and quote lines name the product in the request's language."""
    shop, product = hoodie
    shopper = make_user()
    order = buy(shopper, (product, 1)).orders[0]
    client = api(shopper)
    assert client.get(f"/api/v1/orders/{order.id}", headers=EN).json["order"]["lines"][0]["name"] == \
        "Hooded sweatshirt"
    assert client.get(f"/api/v1/orders/{order.id}", headers=ZH).json["order"]["lines"][0]["name"] == "连帽卫衣"
    quote = client.post("/api/v1/checkout/quote", json={"lines": [{"product_id": product.id, "qty": 1}]},
                        headers=EN).json
    assert quote["orders"][0]["lines"][0]["name"] == "Hooded sweatshirt"


@pytest.mark.parametrize("field,most", [("name_en", 120), ("description_en", 5000), ("category_en", 80)])
def test_api_english_fields_are_bounded(api, make_user, make_shop, field, most):
    """One character too many is a 422 naming the field; nothing is saved."""
    owner = make_user()
    shop = make_shop(owner=owner)
    body = {"name": "茶", "price": "1.00", "stock": 1, "category": "茶", field: "x" * (most + 1)}
    reply = api(owner).post(f"/api/v1/shops/{shop.slug}/products", json=body, headers=EN)
    assert reply.status_code == 422 and field in reply.json["error"]["fields"]
    assert db.session.execute(db.select(Product)).first() is None
    body[field] = 12
    assert api(owner).post(f"/api/v1/shops/{shop.slug}/products", json=body).status_code == 422


def test_platform_tenant_api_takes_english_name_and_descriptions(api, make_user):
    """POST /platform/tenants takes name_en, description and description_en; the reply is in the language asked."""
    operator, owner = make_user(operator=True), make_user()
    body = {"slug": "tea", "name": "茶馆", "name_en": "Tea house", "owner_email": owner.email,
            "description": "好茶。", "description_en": "Good tea."}
    reply = api(operator).post("/api/v1/platform/tenants", json=body, headers=EN)
    assert reply.status_code == 201
    assert (reply.json["tenant"]["name"], reply.json["tenant"]["name_zh"]) == ("Tea house", "茶馆")
    assert reply.json["tenant"]["description"] == "Good tea."
    too_long = {**body, "slug": "tea2", "name_en": "x" * 121}
    assert "name_en" in api(operator).post("/api/v1/platform/tenants", json=too_long).json["error"]["fields"]


@pytest.fixture
def manager(client, make_user, make_shop, add_staff):
    """A shop with its owner and a manager; the owner is signed in, in English."""
    owner, manager = make_user(), make_user()
    shop = make_shop(owner=owner, slug="tea")
    add_staff(shop, manager, "manager")
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    return {"shop": shop, "owner": owner, "manager": manager}


def test_the_product_form_takes_english_beside_the_chinese(client, manager):
    """Labelled fields; saved values show on the storefront; too long an English name re-shows the form (422)."""
    page = _page(client, "/admin/tea/products/new", {})
    assert "Name in English (optional)" in page and "Category in English (optional)" in page
    assert "Description in English (optional)" in page
    data = {"name": "龙井", "name_en": "Dragon Well", "category": "绿茶", "category_en": "Green tea",
            "variants-0-price": "30.00", "variants-0-stock": "5", "variants-0-on_sale": "y", "description": "",
            "description_en": "Spring harvest.",
            "is_active": "y"}
    assert client.post("/admin/tea/products/new", data=data).status_code == 302
    product = db.session.execute(db.select(Product)).scalar_one()
    assert (product.name_en, product.category.name_en, product.description_en) == (
        "Dragon Well", "Green tea", "Spring harvest.")
    edit = _page(client, f"/admin/tea/products/{product.id}/edit", {})
    assert 'value="Dragon Well"' in edit and 'value="Green tea"' in edit
    refused = client.post(f"/admin/tea/products/{product.id}/edit", data={**data, "name_en": "x" * 121})
    assert refused.status_code == 422 and "Field cannot be longer than 120 characters." in refused.get_data(True)
    db.session.expire_all()
    assert db.session.get(Product, product.id).name_en == "Dragon Well"


def test_categories_page_renames_in_both_languages(client, manager, make_product, make_shop):
    """The list shows each category's names; a duplicate Chinese name is refused on its row; another shop's is 404."""
    shop = manager["shop"]
    make_product(shop, name="龙井", category="绿茶")
    make_product(shop, name="普洱", category="黑茶")
    green = db.session.execute(db.select(Category).filter_by(name="绿茶")).scalar_one()
    assert "绿茶" in _page(client, "/admin/tea/categories", {})
    saved = client.post(f"/admin/tea/categories/{green.id}", data={f"c{green.id}-name": "绿茶",
                                                                   f"c{green.id}-name_en": "Green tea"})
    assert saved.status_code == 302
    assert "Green tea" in _page(client, "/s/tea/", {})
    clash = client.post(f"/admin/tea/categories/{green.id}", data={f"c{green.id}-name": "黑茶",
                                                                   f"c{green.id}-name_en": "x"})
    assert clash.status_code == 422 and "The shop has a category with this name already." in clash.get_data(True)
    too_long = client.post(f"/admin/tea/categories/{green.id}", data={f"c{green.id}-name": "绿茶",
                                                                      f"c{green.id}-name_en": "x" * 81})
    assert too_long.status_code == 422
    db.session.expire_all()
    assert (green.name, green.name_en) == ("绿茶", "Green tea")
    foreign = make_product(make_shop(slug="other"), category="外店").category_id
    assert client.post(f"/admin/tea/categories/{foreign}", data={f"c{foreign}-name": "x"}).status_code == 404


def test_shop_settings_set_the_shops_name_and_description_in_both_languages(client, manager, make_user):
    """Owners only; the storefront shows the English on English pages; bounds re-show the form (422)."""
    data = {"name": "茶馆", "name_en": "Tea house", "description": "好茶。", "description_en": "Good tea."}
    assert "Shop name in English (optional)" in _page(client, "/admin/tea/settings", {})
    assert client.post("/admin/tea/settings", data=data).status_code == 302
    english = _page(client, "/s/tea/", {})
    assert "Tea house" in english and "Good tea." in english and "茶馆" not in english
    client.post("/lang/zh")
    chinese = _page(client, "/s/tea/", {})
    assert "茶馆" in chinese and "好茶。" in chinese and "Tea house" not in chinese
    client.post("/lang/en")
    assert client.post("/admin/tea/settings", data={**data, "description_en": "x" * 5001}).status_code == 422
    assert client.post("/admin/tea/settings", data={**data, "name": ""}).status_code == 422
    db.session.expire_all()
    assert db.session.execute(db.select(Tenant.description_en)).scalar() == "Good tea."
    client.post("/logout")
    client.post("/login", data={"email": manager["manager"].email, "password": PASSWORD})
    assert client.get("/admin/tea/settings").status_code == 403
    assert client.post("/admin/tea/settings", data=data).status_code == 403


def test_the_platform_names_a_new_shop_in_both_languages(client, make_user):
    """The operator's new-shop form takes an optional English name."""
    operator, owner = make_user(operator=True), make_user()
    client.post("/lang/en")
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    assert "Shop name in English (optional)" in _page(client, "/platform/", {})
    data = {"slug": "tea", "name": "茶馆", "name_en": "Tea house", "owner_email": owner.email,
            "return_window_days": 30, "shipping_fee": "0"}
    assert client.post("/platform/", data=data).status_code == 302
    assert db.session.execute(db.select(Tenant.name_en)).scalar_one() == "Tea house"
    assert "Tea house" in _page(client, "/platform/", {})

