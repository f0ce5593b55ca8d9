"""The cart page loads its lines' products, shops, variants and pictures with the lines: the number of SQL
statements does not grow with the number of lines."""

import io

from werkzeug.datastructures import FileStorage

from mall.extensions import db
from mall.media.operations import add_product_image
from tests.queries import recorded_statements
from tests.test_media import picture
from tests.test_pages import _login


def _statements(client, path) -> int:
    with recorded_statements() as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def _pictured(make_product, shop, name):
    product = make_product(shop, name=name, price="10.00", stock=9)
    add_product_image(product, FileStorage(io.BytesIO(picture()), filename="p.jpg", content_type="image/jpeg"))
    db.session.commit()
    return product


def test_the_cart_page_reads_the_same_number_of_times_for_one_line_or_four(client, make_user, make_shop,
                                                                           make_product):
    shops = [make_shop(), make_shop()]
    products = [_pictured(make_product, shops[i % 2], f"Item {i}") for i in range(4)]
    _login(client, make_user())
    client.post("/cart/add", data={"product_id": products[0].id, "qty": 1})
    client.get("/cart")  # first render: template compilation and caches out of the way
    one = _statements(client, "/cart")
    for product in products[1:]:
        client.post("/cart/add", data={"product_id": product.id, "qty": 1})
    page = client.get("/cart").get_data(as_text=True)
    assert all(f"Item {i}" in page for i in range(4)) and page.count('class="pic pic-line"') == 4
    assert _statements(client, "/cart") == one
