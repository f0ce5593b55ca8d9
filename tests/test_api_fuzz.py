"""Fuzz the API from its own OpenAPI document (schemathesis, in-process WSGI), each operation as a shopper, a shop
owner and an operator, on PostgreSQL: no reply is a 5xx, every reply has a documented status, content type and body
shape, and nobody gets into an operation for staff they are not.

Seeded and bounded so it stays quick; set MALL_FUZZ_EXAMPLES to try more cases per operation (README, Testing).
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mall.accounts.models import ApiToken
from mall.aftersales.operations import request_after_sale
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from plugins.loyalty.wallet.operations import top_up
from tests.conftest import make_test_app, requires_pg

#: Cases per operation as the caller it is for; the default keeps the whole run near one minute on two cores.
EXAMPLES = int(os.environ.get("MALL_FUZZ_EXAMPLES", "10"))
#: Of those, how many each of the two other callers also sends: mostly refusals (401/403/404), documented too.
OTHER_EXAMPLES = min(EXAMPLES, max(3, EXAMPLES // 4))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _world(make_user, make_shop, make_product, make_programme, buy) -> dict:
    """Real objects for the path parameters and ids to hit: a shop with a programme, an order, a coupon, a member."""
    operator, owner, shopper = make_user(operator=True), make_user(), make_user()
    shop = make_shop(owner=owner, slug="fuzz-shop")
    programme = make_programme(shop, FOUR_TIERS)
    make_programme(None, PLATFORM_PROGRAMME)
    product = make_product(shop, price="25.00", stock=100_000)
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 30, "claimable": True, "per_member_limit": 100})
    join_programme(programme, shopper)
    top_up(shopper, Decimal("500.00"), None, "fuzz-world")
    order = buy(shopper, (product, 2)).orders[0]
    after_sale = request_after_sale(order, shopper, "refund", [{"line_id": order.lines[0].id, "qty": 1}], "damaged")
    db.session.commit()
    users = {"shopper": shopper, "owner": owner, "operator": operator}
    return {"users": users, "ids": {
        "shop": shop.slug, "slug": shop.slug, "order_id": order.id, "line_id": order.lines[0].id,
        "product_id": product.id, "variant_id": product.variants[0].id, "template_id": template.id,
        "user_id": shopper.id, "after_sale_id": after_sale.id}}


def _document() -> dict:
    """The OpenAPI document the app serves (the core's routes and the loyalty plugin's)."""
    return make_test_app().test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document())


def caller_for(path: str) -> str:
    """Who calls an operation: staff for a shop's endpoints, an operator for the platform's, else a shopper."""
    if path.endswith(("/join", "/claim")):
        return "shopper"
    if path.startswith("/api/v1/shops/"):
        return "owner"
    return "operator" if path.startswith("/api/v1/platform/") else "shopper"


@pytest.fixture
def fuzz_world(request, make_user, make_shop, make_product, make_programme, buy) -> dict:
    """The real objects, a bearer header for each caller, and which caller the operation is for."""
    world = _world(make_user, make_shop, make_product, make_programme, buy)
    path = request.node.name.split(" ", 1)[1].rstrip("]")
    headers = {who: {"Authorization": f"Bearer {ApiToken.issue(user)}"} for who, user in world["users"].items()}
    db.session.commit()
    REAL.clear()
    REAL.update(world["ids"])
    return {**world, "path": path, "caller": caller_for(path), "headers": headers, "runs": 0}


def may_call(caller: str, path: str) -> bool:
    """Whether a caller other than the fitting one may succeed: anyone shops, only staff run a shop or the platform."""
    fits = caller_for(path)
    return fits == "shopper" or caller == fits


#: The current test's real ids and slugs, for the hooks below (set by fuzz_world).
REAL: dict = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, path parameters name real objects (the shop, its order, product, template, member)."""
    known = {name: REAL[name] for name in path_parameters or {} if name in REAL}
    return st.sampled_from([{**path_parameters, **known}, path_parameters]) if known else st.just(path_parameters)


@schema.hook
def flatmap_body(context, body):
    """Half the time, ids in a body (cart lines' products and variants, after-sales lines, a push's template) name
    real objects."""
    if not isinstance(body, dict):
        return st.just(body)
    swapped = {**body, **{key: REAL[key] for key in ("template_id",) if key in body and key in REAL}}
    if isinstance(body.get("lines"), list) and "product_id" in REAL:
        real = ("product_id", "variant_id", "line_id")
        swapped["lines"] = [{**line, **{key: REAL[key] for key in real if key in line}}
                            if isinstance(line, dict) else line for line in body["lines"]]
    return st.sampled_from([swapped, body])


@requires_pg
@pytest.mark.postgres
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_never_fails_and_replies_as_documented(case, app, fuzz_world):
    fits = fuzz_world["caller"]
    if fuzz_world["runs"] < OTHER_EXAMPLES:
        for caller in [who for who in fuzz_world["headers"] if who != fits]:
            note(f"as the {caller}")
            response = case.call_and_validate(app=app, headers=fuzz_world["headers"][caller], checks=CHECKS)
            assert response.status_code >= 300 or may_call(caller, fuzz_world["path"]), \
                f"the {caller} was let in: {response.status_code} {response.text[:300]}"
    fuzz_world["runs"] += 1
    note(f"as the {fits}")
    case.call_and_validate(app=app, headers=fuzz_world["headers"][fits], checks=CHECKS)
