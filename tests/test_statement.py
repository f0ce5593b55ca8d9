"""The value statement and an order's refund preview, with VANCL's numbers."""

from datetime import timedelta

from mall import clock
from mall.extensions import db
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import VANCL
from tests.fixtures.factories import PASSWORD
from tests.fixtures.programmes import START


def test_statement_and_refund_preview(client, make_shop, make_user, make_product, make_programme, checkout_at,
                                      settle):
    """A VIP (after 2000.00) who spent 3 × 98.00 = 294.00 in the VIP year needs 706.00 more by its end to keep VIP
    and 2206.00 to reach SVIP; a shirt at 98.00 less 100 points (2.00) costs 96.00, and its page shows what a
    refund gives and takes back."""
    shop = make_shop(slug="vancl", return_window_days=30)
    programme = make_programme(shop, VANCL)
    coat = make_product(shop, price="1000.00", stock=100)
    shirt = make_product(shop, price="100.00", stock=100)
    user = make_user()
    with clock.frozen_at(START):
        join_programme(programme, user)
        db.session.commit()
    (order,) = checkout_at(user, START, (coat, 2))
    settle(order, START + timedelta(days=1))  # VIP, a new year from day 32, 4000 points
    (order,) = checkout_at(user, START + timedelta(days=40), (shirt, 3))
    settle(order, START + timedelta(days=41))  # 294.00 (VIP ×0.98) counted in the VIP year
    at = START + timedelta(days=80)
    (order,) = checkout_at(user, at, (shirt, 1), points={"vancl": 100})
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with clock.frozen_at(at):
        page = client.get("/member/statement").get_data(as_text=True)
        assert "Spend ¥706.00 more by" in page and "to keep VIP" in page
        assert "2,206.00 more to reach SVIP." in page
        assert f"from order #{order.id} become available 30 days after shipment" in page
        preview = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "If you return everything" in preview and "¥96.00 comes back" in preview
    assert "100 VANCL style points you used come back" in preview and "pending VANCL style points" in preview
