"""The demo: the named shoppers spread over the seeds' tiers, and the months of trade at volume.

`make demo` runs the generator at full volume (mall.demo.volume.FULL: 2,000 members, six months); the tests
here run 250 members over about three months, which go through the same code, and check that the ledgers,
orders, stock, gateway books and settlement agree and that every dashboard shows the trade.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func

from mall import clock
from mall.accounts.models import User
from mall.catalog.models import Product, ProductVariant
from mall.demo import FULL, PASSWORD, SHOPS, Volume, load_demo, variant_rows
from mall.extensions import db
from mall.orders.models import Order, OrderLine, OrderStatus, Payment, Refund
from mall.payments.gateway import GatewayCharge
from mall.reviews.models import Review
from mall.tenants.models import Tenant
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import effective_tier, membership
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import programme_for
from plugins.loyalty.pushes.models import Push, PushResult
from plugins.loyalty.pushes.operations import progress
from plugins.loyalty.settlement.operations import statement, totals
from plugins.loyalty.settlement.views import month_bounds
from plugins.loyalty.wallet.models import WalletEntry
from tests.conftest import fresh_g, wipe_tables


def _tier(slug, email):
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one() if slug else None
    return effective_tier(membership(programme_for(tenant), User.by_email(email))).code


def test_demo_spreads_shoppers_over_tiers_and_leaves_points_about_to_lapse():
    """Carol is a VANCL VIP, Bob a Taobao VIP, Alice 银牌 in the four-tier shop and a Plus member; Bob's four-tier
    joining points lapse within a month; every ledger invariant holds; a second load does nothing."""
    assert load_demo() is True
    assert _tier("vancl", "carol@mall-demo.cn") == "vip"
    assert _tier("vancl", "alice@mall-demo.cn") == "normal"
    assert _tier("taobao", "bob@mall-demo.cn") == "vip"
    assert _tier("fourtier", "alice@mall-demo.cn") == "silver"
    assert _tier(None, "alice@mall-demo.cn") == "plus"
    assert _tier(None, "bob@mall-demo.cn") == "member"
    bob = membership(programme_for(db.session.execute(db.select(Tenant).filter_by(slug="fourtier")).scalar_one()),
                     User.by_email("bob@mall-demo.cn"))
    soon = db.session.execute(db.select(PointsLot).where(
        PointsLot.membership_id == bob.id, PointsLot.remaining > 0,
        PointsLot.expires_at <= clock.now() + timedelta(days=30))).scalars().all()
    assert sum(lot.remaining for lot in soon) == 100
    budgeted, push = db.session.execute(db.select(Push).order_by(Push.id)).scalars().all()
    # The budgeted push of 20-yuan coupons to Alice and Bob: its 30 yuan cover one; the other is budget spent.
    shown = progress(budgeted)
    assert (shown["issued"], shown["skipped_by_reason"], shown["budget"]["spent"]) == (1, {"budget_spent": 1}, "20.00")
    state = progress(push)
    # Alice already holds the monthly 银牌 coupon (the per-member limit is 1); Bob gets one.
    assert (state["status"], state["targeted"], state["issued"], state["skipped_by_reason"]) == (
        "done", 2, 1, {"limit": 1})
    assert violations() == []
    assert load_demo() is False


SMALL = Volume(members=250, days=100, seed=7)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _months(orders) -> set[str]:
    return {clock.as_utc(o.paid_at).astimezone(SHANGHAI).strftime("%Y-%m") for o in orders if o.paid_at}


def _bulk_orders():
    return db.session.execute(db.select(Order).join(User, User.id == Order.user_id)
                              .where(User.email.like("member%"))).scalars().all()


def test_a_smaller_run_of_the_generator_keeps_every_ledger_and_order_coherent():
    """Audit clean; every shop sells in several months with orders in every state; stock, coupons, points,
    wallet, gateway books and settlement statements all agree with the orders."""
    assert load_demo(SMALL) is True
    assert violations() == []
    orders = _bulk_orders()
    assert db.session.execute(db.select(func.count(User.id)).where(User.email.like("member%"))).scalar() == 250
    for tenant in db.session.execute(db.select(Tenant)).scalars():
        assert len(_months([o for o in orders if o.tenant_id == tenant.id])) >= 3, tenant.slug
    statuses = Counter(o.status for o in orders)
    assert {OrderStatus.SETTLED, OrderStatus.COMPLETED, OrderStatus.SHIPPED, OrderStatus.CANCELLED} <= set(statuses)
    assert statuses[OrderStatus.REFUNDED] + statuses[OrderStatus.PARTIALLY_REFUNDED] > 0
    assert db.session.execute(db.select(func.count(Review.id))).scalar() > 0
    assert db.session.execute(db.select(func.count(Push.id))).scalar() > 5
    # The monthly pushes to every member hold back a tenth as their control group.
    assert db.session.execute(db.select(func.count(PushResult.id)).where(PushResult.outcome == "holdout")).scalar()
    # Stock: what each variant started with, less what was sold and kept; each product totals its variants on
    # sale, priced from the cheapest.
    started = {row["sku"]: row["stock"] for spec in SHOPS for item in spec.items for row in variant_rows(spec, item)}
    kept = dict(db.session.execute(db.select(OrderLine.variant_id, func.sum(OrderLine.qty - OrderLine.refunded_qty))
                                   .group_by(OrderLine.variant_id)).all())
    variants = db.session.execute(db.select(ProductVariant)).scalars().all()
    assert len(variants) > len(started) // 2 > 0 and {v.sku for v in variants} == set(started)
    for variant in variants:
        assert variant.stock == started[variant.sku] - (kept.get(variant.id) or 0), variant.sku
    for product in db.session.execute(db.select(Product)).scalars():
        on_sale = [v for v in product.variants if v.is_active]
        assert product.stock == sum(v.stock for v in on_sale), product.name
        assert product.price == min(v.price for v in on_sale), product.name
    # Sales: each product counts its paid units not refunded.
    sold = dict(db.session.execute(db.select(OrderLine.product_id, func.sum(OrderLine.qty - OrderLine.refunded_qty))
                                   .join(Order, Order.id == OrderLine.order_id).where(Order.paid_at.is_not(None))
                                   .group_by(OrderLine.product_id)).all())
    for product in db.session.execute(db.select(Product)).scalars():
        assert product.sales == (sold.get(product.id) or 0), product.name
    assert sum(1 for line in db.session.execute(db.select(OrderLine)).scalars() if line.variant_label) > 0
    # Pictures: every product has its cover.
    assert all(product.images for product in db.session.execute(db.select(Product)).scalars())
    # Coupons: each coupon a kept order's prices name is marked used by that order; each used coupon is named
    # by its order's prices, or waived its shipping. (A wholly refunded order gave its coupons back.)
    named = {(int(row["source"].split(":")[1]), o.id) for o in orders for row in o.adjustments
             if str(row.get("source", "")).startswith("coupon:")}
    kept_orders = {o.id for o in orders if o.status not in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)}
    used = db.session.execute(db.select(Coupon).where(Coupon.used_order_id.in_([o.id for o in orders]))).scalars()
    used = {(c.id, c.used_order_id): c.template.kind for c in used}
    assert {pair for pair in named if pair[1] in kept_orders} <= set(used)
    assert used and all(pair in named or kind == "free_shipping" for pair, kind in used.items())
    # Points and wallet: what orders say they took is what the ledgers took for them.
    ids = [o.id for o in orders]
    redeemed = -(db.session.execute(db.select(func.sum(PointsEntry.delta)).where(
        PointsEntry.kind == "redeem", PointsEntry.order_id.in_(ids))).scalar() or 0)
    assert redeemed == sum(o.points_used for o in orders) > 0
    wallet_paid = db.session.execute(db.select(func.sum(WalletEntry.delta)).where(
        WalletEntry.kind == "payment", WalletEntry.order_id.in_(ids))).scalar()
    assert -wallet_paid == sum(o.wallet_paid for o in orders) > 0
    # Money: each paid order's payments add up to its total; refunds to what the order says was refunded.
    for order in orders:
        if order.paid_at is not None:
            assert sum(p.amount for p in order.payments) == order.total, order.id
        assert sum((r.amount for r in order.refunds), Decimal("0.00")) == order.refunded_amount, order.id
    # The gateway's own books hold every card charge (one per checkout) and every card refund.
    books = {row.reference: row.amount for row in db.session.execute(db.select(GatewayCharge)).scalars()}
    charged = dict(db.session.execute(db.select(Payment.reference, func.sum(Payment.amount))
                                      .where(Payment.method == "gateway").group_by(Payment.reference)).all())
    assert charged and all(books[reference] == amount for reference, amount in charged.items())
    card_refunds = db.session.execute(db.select(Refund).where(Refund.gateway_state.is_not(None))).scalars().all()
    assert card_refunds and all(r.gateway_state == "sent" for r in card_refunds)
    # Settlement: each month's statement collects exactly what the shop's orders paid in it.
    for tenant in db.session.execute(db.select(Tenant)).scalars():
        for month in _months([o for o in orders if o.tenant_id == tenant.id]):
            start, end = month_bounds(month, tenant.timezone)
            lines = statement(tenant, start, end)
            paid = [o for o in orders if o.tenant_id == tenant.id and o.paid_at
                    and start <= clock.as_utc(o.paid_at) < end]
            assert {line.order_id for line in lines} >= {o.id for o in paid}
            sums = totals(lines)
            assert sums["payable"] == sums["collected"] - sums["refunded"] + sums["platform_funded"] \
                - sums["shop_rebates"]


def _charts(page: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-chart="([^"]+)"', page)]


def _sign_in(client, email: str, lang: str):
    client.post("/login", data={"email": email, "password": PASSWORD})
    client.post(f"/lang/{lang}")


def test_dashboards_segments_settlement_and_member_pages_show_the_months_of_trade(app):
    """Every shop's dashboard has members in several tiers and activity groups and points issued most weeks;
    the members, segment, settlement, platform and member pages answer in both languages."""
    assert load_demo(SMALL) is True
    busiest = db.session.execute(db.select(User).join(Order, Order.user_id == User.id)
                                 .where(User.email.like("member%")).group_by(User.id)
                                 .order_by(func.count(Order.id).desc())).scalars().first()
    for lang in ("en", "zh"):
        for spec in SHOPS:
            client = app.test_client()
            _sign_in(client, f"owner@{spec.slug}.mall-demo.cn", lang)
            charts = _charts(client.get(f"/admin/{spec.slug}/loyalty/dashboard").get_data(as_text=True))
            tiers, activity, points = (chart["series"][0]["data"] for chart in charts[:3])
            assert sum(1 for n in activity if n) >= 2, spec.slug
            assert sum(1 for n in points if n) >= 6, spec.slug
            assert sum(tiers) > 10, spec.slug
            member = db.session.execute(
                db.select(Membership.user_id).join(Programme, Programme.id == Membership.programme_id)
                .join(Tenant, Tenant.id == Programme.tenant_id).where(Tenant.slug == spec.slug)).scalars().first()
            for path in ("/", "/orders", "/loyalty/members", "/loyalty/members?activity=sleeping",
                         "/loyalty/members?activity=active", f"/loyalty/members/{member}", "/loyalty/pushes",
                         "/loyalty/settlement"):
                assert client.get(f"/admin/{spec.slug}{path}").status_code == 200, path
        operator = app.test_client()
        _sign_in(operator, "operator@mall-demo.cn", lang)
        month = clock.now().astimezone(SHANGHAI).strftime("%Y-%m")
        for path in ("/platform/", "/platform/users", f"/platform/users/{busiest.id}",
                     f"/platform/loyalty/settlement?month={month}", "/platform/loyalty/settlement/vancl"):
            assert operator.get(path).status_code == 200, path
        shopper = app.test_client()
        _sign_in(shopper, busiest.email, lang)
        for path in ("/member/overview", "/member/memberships", "/member/points", "/member/coupons",
                     "/member/wallet", "/member/statement", "/member/inbox", "/orders"):
            assert shopper.get(path).status_code == 200, path


def test_the_tick_and_a_refund_after_the_demo_keep_the_ledgers_balanced():
    """The generated rows have the shape the real operations read: the next tick and a full refund of a
    generated order (points, wallet and a coupon used) go through, and the audit still passes."""
    from mall.cli import run_tick
    from mall.orders import operations as orders

    assert load_demo(SMALL) is True
    report = run_tick(clock.now())
    assert not report.failed
    refundable = [o for o in _bulk_orders() if o.status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED)]
    order = max(refundable, key=lambda o: (o.points_used > 0, o.wallet_paid > 0, o.coupon_discount > 0))
    orders.refund(order, None, full=True)
    db.session.commit()
    assert order.status == OrderStatus.REFUNDED
    assert violations() == []


def test_the_same_seed_and_moment_make_the_same_demo():
    """Deterministic: a seeded generator at the same moment gives the same orders and ledgers."""
    tiny = Volume(members=25, days=40, seed=3)
    moment = datetime(2026, 11, 20, 8, 0, tzinfo=ZoneInfo("UTC"))

    def digest():
        with clock.frozen_at(moment):
            assert load_demo(tiny) is True
        orders = [(o.id, o.status, o.total, o.points_used, o.wallet_paid, o.refunded_amount) for o in _bulk_orders()]
        points = db.session.execute(db.select(func.sum(Membership.points_available))).scalar()
        wipe_tables()
        fresh_g()
        return orders, points

    first = digest()
    assert first[0] and first == digest()


def test_make_demo_loads_the_full_volume():
    """`make demo` runs `flask mall demo` without options, whose defaults are the full volume."""
    from mall.cli import demo

    defaults = {param.name: param.default for param in demo.params}
    assert (defaults["members"], defaults["days"]) == (FULL.members, FULL.days) == (2000, 183)


def test_product_pictures_are_png_cards_in_the_shop_colour(monkeypatch):
    """A square PNG in the shop's colour with the name drawn on it; without a CJK font, the English name."""
    import io

    from PIL import Image

    from mall.demo import images, product_image

    spec = SHOPS[0]
    picture = Image.open(io.BytesIO(product_image(spec, spec.items[0])))
    assert (picture.format, picture.size) == ("PNG", (images.SIZE, images.SIZE))
    assert picture.getpixel((2, 2)) == spec.colour
    assert len(picture.getcolors(1 << 16)) > 10  # text drawn, anti-aliased
    monkeypatch.setattr(images, "cjk_font_path", lambda: None)
    fallback = images.draw_product_image("纯棉圆领T恤", (10, 20, 30), "凡客", name_en="Cotton tee")
    assert Image.open(io.BytesIO(fallback)).format == "PNG"


def test_every_name_in_the_demo_data_has_its_english():
    """Shops, products, categories, option values, tiers and coupons: an English value for each (for the
    bilingual content's `_en` columns)."""
    from mall.demo.data import OPTION_VALUES_EN
    from plugins.loyalty.demo.data import COUPON_NAMES_EN, FRESH, GADGET, TEMPLATES, TIER_NAMES_EN
    from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME, TAOBAO, VANCL

    for spec in SHOPS:
        assert spec.name_en and spec.description_en
        for item in spec.items:
            assert item.name_en and item.category_en, item.key
            for value in (v for values in (item.options or {}).values() for v in values):
                assert value.isascii() or value in OPTION_VALUES_EN, value
    documents = {"platform": PLATFORM_PROGRAMME, "vancl": VANCL, "taobao": TAOBAO, "fourtier": FOUR_TIERS,
                 "gadget": GADGET, "fresh": FRESH}
    for slug, document in documents.items():
        assert {t["code"] for t in document["levels"]["tiers"]} == set(TIER_NAMES_EN[slug]), slug
    names = {"满300减30", "500积分换20元券", "平台包邮券", "平台9折券", "新人10元券", "生日8折券", "银牌月度9折券",
             "金牌季度8折券"} | {raw["name"] for raws in TEMPLATES.values() for raw in raws}
    assert names == set(COUPON_NAMES_EN)
