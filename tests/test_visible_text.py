"""What shoppers, staff and operators read: member-price labels, cart quantities, translated counts and states,
links a role can open, a read-only programme for support staff, the top bar with long names, the demo's words."""

import subprocess
from pathlib import Path

import pytest

from mall.cart.models import CartItem
from mall.demo import SHOPS, load_demo, print_logins
from mall.extensions import db
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import VANCL
from tests.fixtures.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _login(client, user, lang="en"):
    client.post(f"/lang/{lang}")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_member_price_says_whose_price_it_is(client, make_shop, make_user, make_product, make_programme):
    """A visitor and a normal member read the SVIP tier's price as such; an SVIP member reads "Your member price"."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    coat = make_product(shop, price="129.00", name="Coat")
    normal, svip = make_user(), make_user()
    join_programme(programme, normal)
    member, _ = join_programme(programme, svip)
    member.tier_code = "svip"
    db.session.commit()
    client.post("/lang/en")
    assert "SVIP member price <strong>¥122.55</strong>" in client.get(f"/s/vancl/products/{coat.id}").get_data(
        as_text=True)
    _login(client, normal)
    page = client.get(f"/s/vancl/products/{coat.id}").get_data(as_text=True)
    assert "SVIP member price <strong>¥122.55</strong>" in page and "Your member price" not in page
    client.post("/lang/zh")
    assert "SVIP会员价 <strong>¥122.55</strong>" in client.get(f"/s/vancl/products/{coat.id}").get_data(as_text=True)
    client.post("/logout")
    _login(client, svip)
    assert "Your member price <strong>¥122.55</strong>" in client.get(f"/s/vancl/products/{coat.id}").get_data(
        as_text=True)


@pytest.mark.parametrize("qty,message", [("-3", "The quantity must be at least 1."),
                                         ("0", "The quantity must be at least 1."),
                                         ("1000", "At most 999 of one product per order.")])
def test_cart_quantity_out_of_bounds_names_the_bound_not_the_stock(client, make_shop, make_user, make_product,
                                                                   qty, message):
    """Adding −3, 0 or 1000 of a product with 5000 in stock says what a quantity may be; nothing is added."""
    product = make_product(make_shop(), stock=5000)
    _login(client, make_user())
    page = client.post("/cart/add", data={"product_id": product.id, "qty": qty},
                       follow_redirects=True).get_data(as_text=True)
    assert message in page and "in stock" not in page
    assert db.session.execute(db.select(CartItem)).first() is None


def test_cart_quantity_below_one_keeps_the_line(client, make_shop, make_user, make_product):
    """Setting a line to −3 is refused (0 removes the line; a negative number is a mistake, not a removal)."""
    product = make_product(make_shop(), stock=60)
    _login(client, make_user())
    client.post("/cart/add", data={"product_id": product.id, "qty": "2"})
    item = db.session.execute(db.select(CartItem)).scalar_one()
    page = client.post(f"/cart/{item.id}", data={"qty": "-3"}, follow_redirects=True).get_data(as_text=True)
    assert "The quantity must be at least 1." in page
    assert db.session.execute(db.select(CartItem.qty)).scalar_one() == 2


def test_platform_member_counts_and_worker_state_are_translated(client, make_user, make_shop, make_programme):
    """The shop list counts members in the reader's language; the queue page's worker state too."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    for _ in range(3):
        join_programme(programme, make_user())
    db.session.commit()
    _login(client, make_user(operator=True), "zh")
    assert "3 名会员" in client.get("/platform/").get_data(as_text=True)
    queues = client.get("/platform/queues").get_data(as_text=True)
    assert '<span class="badge">就绪</span>' in queues and ">ready<" not in queues
    client.post("/lang/en")
    assert "3 members" in client.get("/platform/").get_data(as_text=True)
    assert '<span class="badge">Ready</span>' in client.get("/platform/queues").get_data(as_text=True)


def test_support_staff_see_only_what_they_can_open_and_a_read_only_programme(client, make_shop, make_user,
                                                                              make_programme, add_staff):
    """No Staff or Settlement link (both refuse support); the programme form is disabled, with a note, no save."""
    shop = make_shop(slug="vancl")
    make_programme(shop, VANCL)
    support = make_user()
    add_staff(shop, support, "support")
    _login(client, support)
    overview = client.get("/admin/vancl/").get_data(as_text=True)
    side = overview[overview.index('<aside class="side">'):overview.index("</aside>")]
    assert 'href="/admin/vancl/staff"' not in side and "/loyalty/settlement" not in side
    assert 'href="/admin/vancl/loyalty/programme"' in side
    assert client.get("/admin/vancl/staff").status_code == 403
    page = client.get("/admin/vancl/loyalty/programme").get_data(as_text=True)
    assert '<fieldset class="bare" disabled>' in page and "Save as a new version" not in page
    assert "You can read this programme; only a manager or the owner of an open shop can change it." in page


def test_long_names_are_cut_with_an_ellipsis_in_the_top_bar(client, make_user):
    """The name carries its full text as a title; the style sheet cuts it at any width."""
    name = "N" * 80
    _login(client, make_user(name=name))
    page = client.get("/").get_data(as_text=True)
    assert f'class="user-name" title="{name}">{name}</a>' in page
    css = (ROOT / "mall" / "static" / "mall.css").read_text()
    assert ".topright .user-name" in css and "text-overflow: ellipsis" in css


def test_demo_shops_have_real_descriptions_and_the_banner_names_the_real_address(client, app, capsys, monkeypatch):
    """No "(seed: …)" in any description, each in both languages; the logins banner uses BASE_URL, which
    `make demo` sets from HOST and PORT."""
    assert load_demo() is True
    for spec in SHOPS:
        text = client.get(f"/s/{spec.slug}/").get_data(as_text=True)
        assert "seed:" not in text
    for chinese, english in ((spec.description_zh, spec.description_en) for spec in SHOPS):
        assert "seed" not in chinese + english and any("\u4e00" <= c <= "\u9fff" for c in chinese)
        assert any(c.isascii() and c.isalpha() for c in english) and not any("\u4e00" <= c <= "\u9fff" for c in english)
    monkeypatch.setitem(app.config, "BASE_URL", "http://0.0.0.0:8123")
    print_logins()
    assert "Open http://0.0.0.0:8123/" in capsys.readouterr().out
    dry = subprocess.run(["make", "-n", "demo", "PORT=8123", "HOST=0.0.0.0"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    demo_line = next(line for line in dry.splitlines() if "mall demo" in line)
    assert "http://0.0.0.0:8123" in demo_line
