"""The demo mall: an operator, three shops after the seeds' programmes, staff, shoppers with history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import click
from flask import current_app

from mall import clock
from mall.accounts import operations as accounts
from mall.accounts.models import User
from mall.catalog import operations as catalog
from mall.checkout.operations import place_checkout
from mall.extensions import db
from mall.orders import operations as orders
from mall.plugins import registry
from mall.tenants import operations as tenants

PASSWORD = "demo-pass-2026"
OPERATOR = "operator@mall-demo.cn"
SHOPPERS = [("alice@mall-demo.cn", "Alice 李", date(1992, 3, 8)), ("bob@mall-demo.cn", "Bob 王", date(1988, 11, 30)),
            ("carol@mall-demo.cn", "Carol 陈", date(1999, 6, 1))]
#: Each shop's description, in English and Chinese (a shop has one description for both languages).
ABOUT = {
    "vancl": "Everyday basics — tees, shirts and canvas shoes; VIP and SVIP members save all year. "
             "日常基础款：T恤、衬衫和帆布鞋，VIP 与 SVIP 会员全年享优惠。",
    "taobao": "Handmade soap, candles and towels for the home; spend in any three months to reach VIP or SVIP. "
              "手工皂、香薰蜡烛和毛巾；近三个月消费即可升级 VIP 或 SVIP。",
    "fourtier": "Fine tea and teaware, with four member tiers from Regular to Diamond. "
                "精选茗茶与茶具，会员分普通、银牌、金牌、钻石四级。",
}
#: (slug, name, description, shipping fee, free-shipping threshold, products)
SHOPS = [
    ("vancl", "VANCL style 凡客风", ABOUT["vancl"], "10.00", "99.00", [
        ("T恤 Cotton tee", "T-shirts", "59.00", 200, False),
        ("衬衫 Oxford shirt", "Shirts", "129.00", 80, False),
        ("帆布鞋 Canvas shoes", "Shoes", "99.00", 60, False),
        ("Flash sale: hoodie 限时卫衣", "Hoodies", "79.00", 30, True),
    ]),
    ("taobao", "Taobao shop 淘宝小店", ABOUT["taobao"], "8.00", "88.00", [
        ("手工皂 Handmade soap", "Bath", "25.00", 300, False),
        ("香薰蜡烛 Scented candle", "Home", "68.00", 120, False),
        ("Group buy: towel set 团购毛巾", "Bath", "39.90", 150, True),
    ]),
    ("fourtier", "Four tiers 四级会员店", ABOUT["fourtier"], "12.00",
     "199.00", [
        ("茶叶礼盒 Tea gift box", "Tea", "258.00", 50, False),
        ("紫砂壶 Clay teapot", "Teaware", "499.00", 20, False),
        ("茶杯 Tea cups (4)", "Teaware", "88.00", 100, False),
        ("Special: sampler 特价试饮装", "Tea", "29.90", 200, True),
    ]),
]


def load_demo() -> bool:
    """Create the demo once; returns False when it is already there."""
    if User.by_email(OPERATOR) is not None:
        return False
    accounts.create_operator(OPERATOR, PASSWORD, "Platform operator 平台运营")
    shoppers = [accounts.register(email, PASSWORD, name, birthday=born, consent_email=True)
                for email, name, born in SHOPPERS]
    products, shops = {}, {}
    for slug, name, description, fee, threshold, items in SHOPS:
        owner = accounts.register(f"owner@{slug}.mall-demo.cn", PASSWORD, f"{slug} owner 店主")
        tenant = tenants.create_tenant(slug, name, owner.email, shipping_fee=Decimal(fee),
                                       free_shipping_threshold=Decimal(threshold), description=description)
        shops[slug] = tenant
        for role in ("manager", "support"):
            staff = accounts.register(f"{role}@{slug}.mall-demo.cn", PASSWORD, f"{slug} {role}")
            tenants.add_staff(tenant, staff.email, role, owner)
        for product_name, category, price, stock, sale in items:
            values = {"name": product_name, "category": category, "price": Decimal(price), "stock": stock,
                      "sale": sale, "description": f"{product_name} — {name}"}
            if sale and slug == "vancl":
                values["sale_starts_at"] = clock.now() - timedelta(days=1)
                values["sale_ends_at"] = clock.now() + timedelta(days=30)
            products.setdefault(slug, []).append(catalog.save_product(tenant, None, values))
    db.session.flush()
    # A hook may return work to do once the demo is committed (e.g. queue a job that reads it).
    afterwards = [hook(shops, shoppers) for hook in registry().demo_hooks]
    _history(shoppers, products)
    db.session.commit()
    for step in afterwards:
        if step is not None:
            step()
            db.session.commit()
    return True


def _buy(user, *items, days_ago: int = 0):
    lines = [{"product_id": p.id, "qty": q} for p, q in items]
    with clock.frozen_at(clock.now() - timedelta(days=days_ago)):
        return place_checkout(user, lines, {})


def _history(shoppers, products) -> None:
    """Orders in every state: settled, completed, shipped, paid, refunded, cancelled."""
    alice, bob, carol = shoppers
    vancl, taobao, four = products["vancl"], products["taobao"], products["fourtier"]
    old = _buy(alice, (vancl[1], 2), (four[0], 1), days_ago=45)
    for order in old.orders:
        with clock.frozen_at(clock.now() - timedelta(days=44)):
            orders.ship(order, None)
            orders.complete(order, None)
    from mall.cli import run_tick

    run_tick(clock.now())
    recent = _buy(alice, (vancl[0], 3), (taobao[1], 1), days_ago=3)
    orders.ship(recent.orders[0], None)
    orders.ship(recent.orders[1], None)
    orders.complete(recent.orders[1], None)
    _buy(bob, (taobao[0], 4), (taobao[2], 2), days_ago=1)
    refunded = _buy(bob, (four[1], 1), (four[2], 2), days_ago=2)
    orders.refund(refunded.orders[0], None, lines=[{"line_id": refunded.orders[0].lines[1].id, "qty": 1}])
    cancelled = _buy(carol, (vancl[2], 1))
    orders.cancel(cancelled.orders[0], None)
    _buy(carol, (four[3], 2), (vancl[3], 1))


def print_logins() -> None:
    """Print where to go and whom to sign in as."""
    click.echo(f"\nOpen {current_app.config['BASE_URL']}/  — every password is " + PASSWORD)
    click.echo(f"  platform operator : {OPERATOR}   → /platform/")
    for email, name, _born in SHOPPERS:
        click.echo(f"  shopper           : {email}   ({name})")
    for slug, name, *_rest in SHOPS:
        staff = ", ".join(f"{role}@{slug}.mall-demo.cn" for role in ("owner", "manager", "support"))
        click.echo(f"  {name}: {staff} → /admin/{slug}/")
