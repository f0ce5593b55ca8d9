"""Product and cart pages show the member price next to the regular one."""

from mall.cart import operations as cart
from mall.extensions import db
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.seeds import VANCL
from tests.fixtures.factories import PASSWORD


def test_member_price_on_product_and_cart(client, make_shop, make_user, make_product, make_programme):
    """A VIP sees ¥980.00 for the 1000.00 coat on the product page and in the cart, nothing on the sale tee;
    a visitor sees the best tier's price as an invitation (SVIP ×0.95: ¥950.00)."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    coat = make_product(shop, price="1000.00", name="Coat")
    tee = make_product(shop, price="100.00", sale=True, name="Tee")
    user = make_user()
    member, _ = join_programme(programme, user)
    member.tier_code = "vip"
    db.session.commit()
    client.post("/lang/en")
    visitor = client.get(f"/s/vancl/products/{coat.id}").get_data(as_text=True)
    assert "SVIP member price <strong>¥950.00</strong>" in visitor
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    page = client.get(f"/s/vancl/products/{coat.id}").get_data(as_text=True)
    assert "Your member price <strong>¥980.00</strong>" in page
    assert "Your member price" not in client.get(f"/s/vancl/products/{tee.id}").get_data(as_text=True)
    cart.add(user, coat, 1)
    db.session.commit()
    assert "¥980.00" in client.get("/cart").get_data(as_text=True)
    assert membership(programme, user).tier_code == "vip"
