"""Foreign ids, from the other side: shop B's owner and another shopper never reach shop A's or shopper A's objects.

Every loyalty URL rule that takes an id is read from the app's url_map, and each id argument maps to the object of
shop A (or shopper A) that fills it, so a new endpoint with a new kind of id fails the coverage test until it does.
Through shop B's URLs shop A's objects are not found (404); through shop A's URLs, or the platform's, someone who
is not their staff or an operator is refused (403), as the core's tenancy test expects. Nothing changes either way.
"""

from __future__ import annotations

import re

from mall.extensions import db
from mall.orders.models import Order
from mall.tenants.models import Tenant
from tests import test_loyalty_tenancy as tenancy
from tests.test_loyalty_tenancy import CASES, _loyalty_rows

#: The fixture shared with the tenancy test: shops A and B with their objects, members and callers.
world = tenancy.world

#: Each id argument a loyalty URL takes, and the world's object of shop A (or its shopper) that fills it.
OWN = {"template_id": "a.template", "push_id": "a.push", "segment_id": "a.segment", "user_id": "a.member",
       "programme_id": "a.programme", "version": "a.version", "slug": "a.slug", "variant_id": "a.variant",
       "simulation_id": "a.simulation", "import_id": "a.import", "export_id": "a.export"}
#: Shopper URLs whose id names an offer open to every shopper (a claimable template), not something one owns;
#: test_loyalty_tenancy checks that one not on offer is not found.
OFFERS = {"loyalty.claim", "loyalty_api.claim_shop_coupon", "loyalty_api.claim_platform_coupon", "loyalty.redeem"}
METHODS_SKIPPED = {"HEAD", "OPTIONS"}


def side(rule) -> str:
    """Whose URL a rule is: "shop" (its staff), "platform" (operators), "offer" (any shopper), else "unknown"."""
    if rule.endpoint in OFFERS:
        return "offer"
    if "shop" in rule.arguments:
        return "shop"
    if rule.rule.startswith(("/platform/", "/api/v1/platform/")):
        return "platform"
    return "unknown"


def id_rules(app):
    """Every loyalty URL rule with an argument other than the shop."""
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0].startswith("loyalty") and rule.arguments - {"shop"}]


def _url(rule, shop: str, ids: dict, prefix: str = "a.") -> str:
    path = rule.rule.replace("<shop>", shop)
    for arg in rule.arguments - {"shop"}:
        path = re.sub(rf"<(?:\w+:)?{arg}>", str(ids[OWN[arg].replace("a.", prefix, 1)]), path)
    return path


def _calls(app, world, caller: str, sides: set[str], shop: str, prefix: str = "a."):
    """(method, url, status) of every method of every id rule on these sides, sent by the caller."""
    for rule in id_rules(app):
        if side(rule) not in sides or (side(rule) == "offer" and "shop" not in rule.arguments):
            continue  # an offer outside a shop belongs to no tenant: test_loyalty_tenancy covers it
        url = _url(rule, shop, world["ids"], prefix)
        body = CASES[rule.rule].body if rule.rule in CASES else {}
        for method in sorted(rule.methods - METHODS_SKIPPED):
            yield method, url, world[caller].send(method, url, body).status_code


def test_every_id_argument_has_an_object_of_the_other_tenant(app):
    """A loyalty URL with a new kind of id, or on no known side, fails here until it is mapped above."""
    rules = id_rules(app)
    assert rules
    assert sorted(r.rule for r in rules if side(r) == "unknown") == []
    assert sorted({arg for r in rules for arg in r.arguments - {"shop"}} - OWN.keys()) == []


def test_shop_b_owner_through_shop_b_urls_does_not_find_shop_a_objects(app, world):
    """Shop A's template, push, segment and member asked for in shop B's admin and API are a 404, GET and POST."""
    before = _loyalty_rows()
    answers = list(_calls(app, world, "owner_b", {"shop", "offer"}, world["shop_b"]))
    assert len(answers) >= 13
    wrong = [a for a in answers if a[2] != 404]
    assert not wrong, "\n".join(map(str, wrong))
    assert _loyalty_rows() == before


def test_shop_b_owner_through_shop_a_and_platform_urls_is_refused(app, world):
    """Shop B's owner is no staff of shop A and no operator: shop A's URLs and the platform's are a 403."""
    before = _loyalty_rows()
    answers = list(_calls(app, world, "owner_b", {"shop", "platform"}, world["shop"]))
    assert len(answers) >= 20
    wrong = [a for a in answers if a[2] != 403]
    assert not wrong, "\n".join(map(str, wrong))
    assert _loyalty_rows() == before


def test_shop_b_urls_find_shop_b_own_objects(app, world):
    """The 404s above come from scoping, not broken URLs: shop B's owner reaches shop B's own objects."""
    answers = list(_calls(app, world, "owner_b", {"shop"}, world["shop_b"], prefix="b."))
    wrong = [a for a in answers if a[2] in (401, 403, 404)]
    assert not wrong, "\n".join(map(str, wrong))


def test_another_shopper_is_refused_every_staff_and_platform_url(app, world):
    """Shopper B asking for shopper A's membership, wallet or shop A's objects by id is a 403; nothing changes."""
    before = _loyalty_rows()
    answers = list(_calls(app, world, "shopper_b", {"shop", "platform"}, world["shop"]))
    wrong = [a for a in answers if a[2] != 403]
    assert not wrong, "\n".join(map(str, wrong))
    assert _loyalty_rows() == before


def test_another_shoppers_coupon_is_neither_listed_nor_usable(world, make_product):
    """Shopper A's coupon does not show among shopper B's coupons, and shopper B cannot check out with it."""
    coupon_id = world["ids"]["a.coupon"]
    mine = world["shopper"].send("GET", "/api/v1/me/coupons", {})
    theirs = world["shopper_b"].send("GET", "/api/v1/me/coupons", {})
    assert coupon_id in [c["id"] for c in mine.json["items"]]
    assert coupon_id not in [c["id"] for c in theirs.json["items"]]
    product = make_product(db.session.execute(db.select(Tenant).filter_by(slug=world["shop"])).scalar_one())
    body = {"lines": [{"product_id": product.id, "qty": 1}], "coupons": [coupon_id]}
    before, orders = _loyalty_rows(), db.session.execute(db.select(db.func.count(Order.id))).scalar()
    for path in ("/api/v1/checkout/quote", "/api/v1/checkout"):
        reply = world["shopper_b"].send("POST", path, body)
        assert reply.status_code == 422, (path, reply.status_code, reply.json)
        assert set(reply.json["error"]["fields"]) == {"coupons"}
    assert _loyalty_rows() == before
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar() == orders
