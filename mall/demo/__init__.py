"""The demo mall: an operator, five shops with their catalogues and staff, three named shoppers with history,
and, at volume, about 2,000 members with six months of trade (mall.demo.volume)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from itertools import product as combinations

import click
from flask import current_app
from sqlalchemy import update
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from mall import clock
from mall.accounts import operations as accounts
from mall.accounts.models import User
from mall.addresses import operations as addresses
from mall.catalog import operations as catalog
from mall.checkout.operations import place_checkout
from mall.demo.data import HOMES, SHOPS
from mall.demo.images import draw_product_image
from mall.demo.volume import FULL, StoryShop, Volume, generate
from mall.demo.webhooks import add_webhooks
from mall.extensions import db
from mall.media.operations import add_product_image
from mall.orders import operations as orders
from mall.plugins import registry
from mall.tenants import operations as tenants
from mall.tenants.models import Tenant

__all__ = ["FULL", "OPERATOR", "PASSWORD", "SHOPPERS", "SHOPS", "Volume", "load_demo", "print_logins",
           "variant_rows"]

PASSWORD = "demo-pass-2026"
OPERATOR = "operator@mall-demo.cn"
#: How long ago the demo mall opened (at least): its shops, programmes and named shoppers are that old.
OPENED_DAYS_AGO = 420
#: The most variants a demo product gets (the first combinations of its options, in the data's order).
MAX_DEMO_VARIANTS = 12
SHOPPERS = [("alice@mall-demo.cn", "Alice 李", date(1992, 3, 8)), ("bob@mall-demo.cn", "Bob 王", date(1988, 11, 30)),
            ("carol@mall-demo.cn", "Carol 陈", date(1999, 6, 1))]


def load_demo(volume: Volume | None = None) -> bool:
    """Create the demo once (with `volume`'s members and months of trade, if given); False when it is there."""
    if User.by_email(OPERATOR) is not None:
        return False
    now = clock.now()
    # The mall opened before its oldest member registered: accounts, shops and products are that old.
    opened = now - timedelta(days=max(OPENED_DAYS_AGO, volume.history_days + 14 if volume else 0))
    with clock.frozen_at(opened), one_password_hash():
        accounts.create_operator(OPERATOR, PASSWORD, "Platform operator 平台运营")
        shoppers = [accounts.register(email, PASSWORD, name, birthday=born, consent_email=True)
                    for email, name, born in SHOPPERS]
        for shopper, home in zip(shoppers, HOMES, strict=True):
            addresses.add_address(shopper, home)
        shops, products, cast = {}, {}, []
        for spec in SHOPS:
            tenant, owner = _shop(spec)
            shops[spec.slug] = tenant
            products[spec.slug] = {item.key: _product(tenant, spec, item, now) for item in spec.items}
            cast.append(StoryShop(spec, tenant, products[spec.slug], owner.id))
        db.session.flush()
    # A hook may return work to do once the demo is committed (e.g. queue a job that reads it).
    afterwards = [hook(shops, shoppers) for hook in registry().demo_hooks]
    _history(shoppers, products)
    db.session.commit()
    if volume is not None and volume.members > 0:
        _finish_jobs()  # the generator holds the database for a while: the history's jobs (card refunds) go first
        generate(volume, cast)
        db.session.commit()
    for step in afterwards:
        if step is not None:
            step()
            db.session.commit()
    add_webhooks()
    db.session.commit()
    return True


@contextmanager
def one_password_hash():
    """Every demo account has the demo password: hash it once (a scrypt hash takes a third of a second) and give
    each account made inside the block that hash."""
    config = current_app.config
    method = config.get("PASSWORD_HASH_METHOD", "scrypt")
    strong = generate_password_hash(PASSWORD, method=method)
    config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1"  # thrown away just below
    try:
        yield strong
    finally:
        config["PASSWORD_HASH_METHOD"] = method
    db.session.execute(update(User).where(User.email.like("%mall-demo.cn")).values(password_hash=strong))


def _finish_jobs() -> None:
    """Let the embedded queue run what the committed work queued (RQ workers need no waiting for)."""
    from mall.jobs import backend

    if hasattr(backend(), "join"):
        backend().join()


def _shop(spec) -> tuple[Tenant, User]:
    """The shop, its owner, manager and support staff."""
    owner = accounts.register(f"owner@{spec.slug}.mall-demo.cn", PASSWORD, f"{spec.name} 店主")
    threshold = Decimal(spec.free_shipping_threshold) if spec.free_shipping_threshold else None
    tenant = tenants.create_tenant(spec.slug, spec.name, owner.email, shipping_fee=Decimal(spec.shipping_fee),
                                   free_shipping_threshold=threshold, description=spec.description_zh,
                                   name_en=spec.name_en, description_en=spec.description_en)
    for role in ("manager", "support"):
        staff = accounts.register(f"{role}@{spec.slug}.mall-demo.cn", PASSWORD, f"{spec.name} {role}")
        tenants.add_staff(tenant, staff.email, role, owner)
    return tenant, owner


def _product(tenant, spec, item, now):
    """One catalogue product, with its English names, variants and picture."""
    values = {"name": item.name, "category": item.category, "sale": item.sale,
              "description": f"{item.name}，{item.category}，{spec.name}出品。"}
    if item.key == "hoodie":  # a limited-time sale (限时购) that has just started
        values["sale_starts_at"] = now - timedelta(days=1)
        values["sale_ends_at"] = now + timedelta(days=30)
    product = catalog.save_product(tenant, None, {**values, "variants": variant_rows(spec, item)})
    english(product, name_en=item.name_en,
            description_en=f"{item.name_en}: {item.category_en.lower()} from {spec.name_en}.")
    english(product.category, name_en=item.category_en)
    product_images(product, spec, item)
    return product


def english(row, **values) -> None:
    """Set the English value of merchant content where the model has a column for it (bilingual content)."""
    for name, value in values.items():
        if hasattr(type(row), name):
            setattr(row, name, value)


def variant_rows(spec, item) -> list[dict]:
    """The product's variants as save_product takes them: one per combination of `item.options` (at most
    MAX_DEMO_VARIANTS), each at the item's price with an even share of its stock; one plain variant without
    options. The SKU is f"{slug}-{key}-{n}"."""
    price = Decimal(item.price)
    options = item.options or {}
    if not options:
        return [{"sku": f"{spec.slug}-{item.key}-1", "options": {}, "price": price, "stock": item.stock,
                 "is_active": True}]
    names = list(options)
    combos = list(combinations(*(options[name] for name in names)))[:MAX_DEMO_VARIANTS]
    share, extra = divmod(item.stock, len(combos))
    return [{"sku": f"{spec.slug}-{item.key}-{n}", "options": dict(zip(names, combo, strict=True)),
             "price": price, "stock": share + (1 if n <= extra else 0), "is_active": True}
            for n, combo in enumerate(combos, 1)]


def product_images(product, spec, item) -> None:
    """The product's picture: `product_image(spec, item)` uploaded to the media feature (its first image is
    the cover)."""
    upload = FileStorage(stream=BytesIO(product_image(spec, item)), filename=f"{item.key}.png",
                         content_type="image/png")
    add_product_image(product, upload)


def product_image(spec, item) -> bytes:
    """The demo picture of a product: a card in the shop's colour with the product's name (PNG bytes)."""
    return draw_product_image(item.name, spec.colour, f"{spec.name} · {item.category}", item.name_en)


def first_variant(product):
    """The variant a named shopper buys: the product's first on sale."""
    return product.active_variants[0]


def _buy(user, *items, days_ago: int = 0):
    lines = [{"variant_id": first_variant(p).id, "qty": q} for p, q in items]
    with clock.frozen_at(clock.now() - timedelta(days=days_ago)):
        return place_checkout(user, lines, {})


def _history(shoppers, products) -> None:
    """Orders in every state for the named shoppers: settled, completed, shipped, paid, refunded, cancelled."""
    alice, bob, carol = shoppers
    vancl, taobao, four = products["vancl"], products["taobao"], products["fourtier"]
    old = _buy(alice, (vancl["oxford"], 2), (four["giftbox"], 1), days_ago=45)
    for order in old.orders:
        with clock.frozen_at(clock.now() - timedelta(days=44)):
            orders.ship(order, None, carrier="顺丰速运", tracking_no=f"SF10{order.id:011d}")
            orders.complete(order, None)
    from mall.cli import run_tick

    run_tick(clock.now())
    recent = _buy(alice, (vancl["tee"], 3), (taobao["candle"], 1), days_ago=3)
    orders.ship(recent.orders[0], None, carrier="中通快递", tracking_no=f"7731{recent.orders[0].id:010d}")
    orders.ship(recent.orders[1], None, carrier="京东物流", tracking_no=f"JD00{recent.orders[1].id:011d}")
    orders.complete(recent.orders[1], None)
    _buy(bob, (taobao["soap"], 4), (taobao["towels"], 2), days_ago=1)
    refunded = _buy(bob, (four["teapot"], 1), (four["cups"], 2), days_ago=2)
    orders.refund(refunded.orders[0], None, lines=[{"line_id": refunded.orders[0].lines[1].id, "qty": 1}])
    cancelled = _buy(carol, (vancl["canvas"], 1))
    orders.cancel(cancelled.orders[0], None)
    _buy(carol, (four["sampler"], 2), (vancl["hoodie"], 1))


def print_logins() -> None:
    """Print where to go and whom to sign in as."""
    click.echo(f"\nOpen {current_app.config['BASE_URL']}/  — every password is " + PASSWORD)
    click.echo(f"  platform operator : {OPERATOR}   → /platform/")
    for email, name, _born in SHOPPERS:
        click.echo(f"  shopper           : {email}   ({name})")
    members = db.session.execute(db.select(db.func.count(User.id)).where(
        User.email.like("member%@mall-demo.cn"))).scalar()
    if members:
        click.echo(f"  members           : member0001@mall-demo.cn … member{members:04d}@mall-demo.cn")
    for spec in SHOPS:
        staff = ", ".join(f"{role}@{spec.slug}.mall-demo.cn" for role in ("owner", "manager", "support"))
        click.echo(f"  {spec.name} {spec.name_en}: {staff} → /admin/{spec.slug}/")
