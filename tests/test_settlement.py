"""Settlement: a two-shop checkout with a co-funded platform coupon, platform points and wallet money, then a
partial refund; every figure below is worked out by hand."""

from datetime import timedelta
from decimal import Decimal

from mall import clock
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import PLATFORM_PROGRAMME
from plugins.loyalty.settlement.operations import as_csv, liability, statement, totals
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.fixtures.programmes import START

D = Decimal


def test_statements_match_hand_computed_figures(make_shop, make_user, make_product, make_programme, checkout_at):
    """Shop A sells 2 × 100.00, shop B 1 × 50.00; a 30.00 platform coupon (60 % platform, 40 % shops), 1000
    platform points (10.00, within 10 % of 220.00) and 100.00 from the wallet.

    Coupon by goods 200 : 50 → 24.00 / 6.00; nets 176.00 / 44.00. Points by what is left → 8.00 / 2.00.
    Totals 168.00 / 42.00; wallet by totals → 80.00 / 20.00, card 88.00 / 22.00.
    One of A's two units comes back: 84.00 (40.00 to the wallet, 44.00 to the card) and 400 points.
    The platform funds, on kept goods: A 24.00 × 0.6 × ½ + 8.00 × ½ = 11.20; B 6.00 × 0.6 + 2.00 = 5.60.
    So it owes A 168.00 − 84.00 + 11.20 = 95.20 and B 42.00 + 5.60 = 47.60: each shop gets its list price
    less its own 40 % of the coupon on what was kept (100 − 4.80; 50 − 2.40)."""
    platform = make_programme(None, PLATFORM_PROGRAMME)
    shop_a, shop_b = make_shop(slug="a"), make_shop(slug="b")
    coat, hat = make_product(shop_a, price="100.00"), make_product(shop_b, price="50.00")
    with clock.frozen_at(START):
        user = make_user()
        ledger.credit(membership(platform, user), 950, "adjust", "seed")
        move(wallet_for(user), "cash", D("100.00"), "top_up", "seed-wallet")
        template = coupon_ops.create_template(platform, {"name": "30 off", "kind": "amount_off", "value": "30",
                                                         "valid_days": 30, "funded_by": "split",
                                                         "platform_share": "0.6"})
        coupon = coupon_ops.issue(template, user, "staff")
        db.session.commit()
    order_a, order_b = checkout_at(user, START, (coat, 2), (hat, 1), coupons=[coupon.id],
                                   points={"platform": 1000}, wallet="100.00")
    assert (order_a.total, order_b.total) == (D("168.00"), D("42.00"))
    assert (order_a.wallet_paid, order_b.wallet_paid) == (D("80.00"), D("20.00"))
    with clock.frozen_at(START + timedelta(days=1)):
        refund = orders.refund(order_a, None, lines=[{"line_id": order_a.lines[0].id, "qty": 1}])
        db.session.commit()
    assert refund.amount == D("84.00") and refund.by_method == {"wallet_cash": "40.00", "gateway": "44.00"}
    assert wallet_for(user).cash == D("40.00")
    month = (START.replace(day=1), START.replace(day=1, month=2))
    (a,) = statement(shop_a, *month)
    (b,) = statement(shop_b, *month)
    assert (a.goods, a.collected, a.refunded, a.platform_funded, a.payable) == (
        D("200.00"), D("168.00"), D("84.00"), D("11.20"), D("95.20"))
    assert (b.goods, b.collected, b.refunded, b.platform_funded, b.payable) == (
        D("50.00"), D("42.00"), D("0.00"), D("5.60"), D("47.60"))
    assert totals([a])["payable"] == D("95.20")
    assert as_csv([a]).splitlines()[-1] == "合计,,200.00,168.00,84.00,11.20,0.00,95.20"  # Chinese by default
    assert statement(shop_a, START.replace(day=1, month=2), START.replace(day=1, month=3)) == []
    platform_row = next(row for row in liability() if row["programme"].is_platform)
    # The shopper: 50 joining + 950 − 1000 spent + 400 returned; the two shop owners' 50 joining points each.
    # Pending: A's kept goods paid 84.00 → 84 points, B 42.00 → 42.
    assert (platform_row["available"], platform_row["value"], platform_row["members"]) == (500, D("5.00"), 3)
    assert platform_row["pending"] == 126


def test_statement_pages_and_csv(client, make_shop, make_user, make_product, add_staff, buy):
    """The manager sees the month's statement and downloads it; support staff and other shops are refused;
    the operator sees every shop and the points liability."""
    from tests.fixtures.factories import PASSWORD

    owner = make_user()
    shop = make_shop(owner=owner, slug="tea")
    buy(make_user(), (make_product(shop, price="12.50"), 2))
    month = clock.now().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    page = client.get("/admin/tea/loyalty/settlement").get_data(as_text=True)
    assert "¥25.00" in page and "Payable to the shop" in page
    csv_file = client.get(f"/admin/tea/loyalty/settlement?month={month}&format=csv")
    assert csv_file.mimetype == "text/csv" and csv_file.data.decode().splitlines()[-1].endswith(",25.00")
    assert "No orders were paid" in client.get("/admin/tea/loyalty/settlement?month=2020-01").get_data(as_text=True)
    support = make_user()
    add_staff(shop, support, "support")
    client.post("/logout")
    client.post("/login", data={"email": support.email, "password": PASSWORD})
    assert client.get("/admin/tea/loyalty/settlement").status_code == 403
    operator = make_user(operator=True)
    client.post("/logout")
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    overview = client.get("/platform/loyalty/settlement").get_data(as_text=True)
    assert "25.00" in overview and "Outstanding points" in overview
    assert client.get("/platform/loyalty/settlement/tea?format=csv").status_code == 200
    assert client.get("/platform/loyalty/settlement/nope").status_code == 404
