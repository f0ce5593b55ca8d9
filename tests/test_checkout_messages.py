"""What the shopper reads at checkout: refused points beside their field, naming the programme; every order placed."""

from mall.cart import operations as cart
from mall.extensions import db
from mall.orders.models import Order
from tests.fixtures.factories import PASSWORD
from tests.test_checkout_page import shopper  # noqa: F401  (the fixture)


def _main(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index("<main"):]


def test_refused_points_are_one_message_beside_their_field_naming_the_programme(client, shopper):  # noqa: F811
    """Too many points: the message appears once, inside the programme's points field, and says which programme."""
    for action in ("apply", "pay"):
        response = client.post("/checkout", data={"points-tea": "5000", "action": action})
        assert response.status_code == 422
        page = _main(response)
        message = "Four tiers: you can use 100 to 1000 points on this order."
        assert page.count(message) == 1
        field = page[page.index('data-field="points.tea"'):]
        field = field[:field.index("</div>")]
        assert message in field and 'aria-invalid="true"' in field
        assert 'class="flash flash-error"' not in page
    client.post("/lang/zh")
    page = _main(client.post("/checkout", data={"points-tea": "5000", "action": "apply"}))
    assert page.count("Four tiers：本单可使用 100 至 1000 积分。") == 1


def test_an_error_without_a_field_on_the_page_stays_at_the_top(client, shopper):  # noqa: F811
    """Points for a shop not in the cart have no field to sit beside: the message is shown above the form."""
    page = _main(client.post("/checkout", data={"points-nowhere": "100", "action": "apply"}))
    assert page.count("This shop is not in the cart.") == 1
    assert 'class="flash flash-error" role="alert">This shop is not in the cart.' in page


def test_a_two_shop_checkout_confirms_every_order(client, make_shop, make_user, make_product):
    """Paying a cart from two shops lands on a confirmation that lists both orders, with their shops and totals."""
    tea, shoes = make_shop(slug="tea"), make_shop(slug="shoes")
    tea.name, shoes.name = "Tea house", "Shoe shop"
    user = make_user()
    cart.add(user, make_product(tea, price="30.00"), 1)
    cart.add(user, make_product(shoes, price="120.00"), 1)
    db.session.commit()
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    page = _main(client.post("/checkout", data={"action": "pay"}, follow_redirects=True))
    first, second = db.session.execute(db.select(Order).order_by(Order.id)).scalars().all()
    assert "This checkout placed 2 orders, one per shop." in page
    for order in (first, second):
        assert f'href="/orders/{order.id}"' in page and order.tenant.name in page
        assert f"¥{order.total:.2f}" in page
