"""The best coupon combination: on generated carts and coupons it is the cheapest allowed subset, priced by the
quote itself (brute force over every subset), with fewer coupons and sooner expiry winning ties."""

from __future__ import annotations

import copy
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mall.accounts import operations as accounts
from mall.catalog import operations as catalog
from mall.checkout.quote import build_quote
from mall.errors import FieldErrors
from mall.extensions import db
from mall.tenants import operations as tenants
from plugins.loyalty.checkout.operations import best_coupons
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.programmes.operations import save_document
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from tests.conftest import fresh_g, wipe_tables

SHOPS = 2
CATEGORIES = ("Tea", "Cups")
money = st.integers(min_value=1, max_value=300).map(lambda n: Decimal(n))

item = st.fixed_dictionaries({
    "shop": st.integers(0, SHOPS - 1), "price": money, "qty": st.integers(1, 3), "sale": st.booleans(),
    "category": st.sampled_from(CATEGORIES)})
coupon = st.fixed_dictionaries({
    "owner": st.sampled_from([0, 1, "platform"]),
    "kind": st.sampled_from(["amount_off", "percent_off", "free_shipping"]),
    "amount": st.integers(1, 120), "factor": st.sampled_from(["0.70", "0.85", "0.95"]),
    "max_discount": st.none() | st.sampled_from(["15", "40"]),
    "min_spend": st.sampled_from(["0", "50", "150", "400"]),
    "scope": st.sampled_from(["all", "category", "product"]),
    "exclude_sale_items": st.booleans(), "valid_days": st.integers(1, 5)})
shop = st.fixed_dictionaries({"fee": st.sampled_from(["0.00", "8.00", "15.00"]),
                              "threshold": st.none() | st.sampled_from(["99.00", "199.00"]),
                              "member_discount": st.sampled_from([None, "0.90"]),
                              "discount_sale_items": st.booleans()})


def _shop(n: int, spec: dict, owner, user):
    tenant = tenants.create_tenant(f"best{n}", f"Shop {n}", owner.email, shipping_fee=Decimal(spec["fee"]),
                                   free_shipping_threshold=Decimal(spec["threshold"]) if spec["threshold"] else None)
    doc = copy.deepcopy(FOUR_TIERS)
    doc["levels"]["discount_sale_items"] = spec["discount_sale_items"]
    if spec["member_discount"]:
        doc["levels"]["tiers"][0]["discount"] = spec["member_discount"]
    programme = save_document(tenant, doc)
    join_programme(programme, user)
    return tenant, programme


def _template(spec: dict, programme, products):
    raw = {"name": f"{spec['kind']} {spec['owner']}", "kind": spec["kind"], "min_spend": spec["min_spend"],
           "exclude_sale_items": spec["exclude_sale_items"], "valid_days": spec["valid_days"]}
    if spec["kind"] == "amount_off":
        raw["value"] = str(spec["amount"])
    elif spec["kind"] == "percent_off":
        raw["value"], raw["max_discount"] = spec["factor"], spec["max_discount"]
    mine = [p for p in products if programme.is_platform or p.tenant_id == programme.tenant_id]
    if spec["scope"] == "category" and mine:
        raw["category_ids"] = [mine[0].category_id]
    elif spec["scope"] == "product" and mine and not programme.is_platform:
        raw["product_ids"] = [mine[-1].id]
    return coupon_ops.create_template(programme, raw)


def _build(shops, items, coupons):
    """The shops, a member shopper, the products of the cart and the shopper's coupons (committed)."""
    owner = accounts.register("owner@example.com", "secret-pass-1", "Owner")
    user = accounts.register("shopper@example.com", "secret-pass-1", "Shopper")
    made = [_shop(n, spec, owner, user) for n, spec in enumerate(shops)]
    platform = save_document(None, copy.deepcopy(PLATFORM_PROGRAMME))
    join_programme(platform, user)
    products = [catalog.save_product(made[it["shop"]][0], None, {
        "name": f"Item {i}", "price": it["price"], "stock": 10, "sale": it["sale"], "category": it["category"]})
        for i, it in enumerate(items)]
    issued = []
    for spec in coupons:
        programme = platform if spec["owner"] == "platform" else made[spec["owner"]][1]
        issued.append(coupon_ops.issue(_template(spec, programme, products), user, "staff"))
    db.session.commit()
    lines = [{"product_id": p.id, "qty": it["qty"]} for p, it in zip(products, items, strict=True)]
    return user, lines, issued


def _brute_force(user, lines, coupons):
    """(total, count, ids) of every subset of the coupons the quote accepts."""
    found = []
    for n in range(len(coupons) + 1):
        for subset in itertools.combinations(coupons, n):
            try:
                total = build_quote(user, lines, {"coupons": [c.id for c in subset]}).total
            except FieldErrors:
                continue
            found.append((total, n, sorted(c.id for c in subset)))
    return found


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(shops=st.lists(shop, min_size=SHOPS, max_size=SHOPS), items=st.lists(item, min_size=1, max_size=4),
       coupons=st.lists(coupon, max_size=4))
def test_the_best_choice_is_the_cheapest_allowed_subset(app, shops, items, coupons):
    """Whatever the cart and coupons, the chosen coupons price to the minimum over every allowed subset,
    with the fewest coupons among the cheapest."""
    fresh_g()  # the request caches of the previous example name rows that are gone
    try:
        user, lines, _issued = _build(shops, items, coupons)
        chosen = best_coupons(user, lines)
        found = _brute_force(user, lines, _issued)
        cheapest = min(total for total, _n, _ids in found)
        total = build_quote(user, lines, {"coupons": chosen}).total
        assert total == cheapest
        assert len(chosen) == min(n for t, n, _ids in found if t == cheapest)
    finally:
        wipe_tables()


def test_ties_go_to_fewer_coupons_then_the_soonest_expiring(app):
    """Two equal coupons of one shop: the one expiring first; a coupon that saves nothing is left out."""
    spec = {"fee": "0.00", "threshold": None, "member_discount": None, "discount_sale_items": False}
    item_spec = {"shop": 0, "price": Decimal("100"), "qty": 1, "sale": False, "category": "Tea"}
    later = {"owner": 0, "kind": "amount_off", "amount": 10, "factor": "0.9", "max_discount": None,
             "min_spend": "0", "scope": "all", "exclude_sale_items": False, "valid_days": 5}
    sooner = {**later, "amount": 10, "min_spend": "50", "valid_days": 2}
    useless = {**later, "owner": "platform", "kind": "free_shipping", "valid_days": 1}
    user, lines, (late, soon, _free) = _build([spec, spec], [item_spec], [later, sooner, useless])
    assert best_coupons(user, lines) == [soon.id]
    assert late.valid_until > soon.valid_until
