"""Loyalty tenancy: every loyalty URL that takes an id answers 404 for another shop's object, and for a missing one.

The URLs are read from the app's url_map, so a new id-taking loyalty endpoint fails the coverage test until it
has a case below.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import text
from werkzeug.datastructures import FileStorage

from mall.accounts.models import ApiToken, User
from mall.catalog import operations as catalog
from mall.extensions import db
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME, VANCL
from plugins.loyalty.transfers import operations as transfers
from tests.fixtures.factories import PASSWORD

MISSING_INT = 999_999_999
MISSING_NAME = "no-such-shop"
METHODS_SKIPPED = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Case:
    """Who calls the URL, which world object fills each id (shop A's own, then foreign ones), and what it posts."""

    caller: str  # "staff" (shop A's owner), "shopper" (a member of shop A) or "operator"
    ids: dict[str, tuple[str, tuple[str, ...]]]
    body: dict = field(default_factory=dict)


TEMPLATE_FORM = {"name": "Renamed", "per_member_limit": "10", "valid_days": "30", "claimable": "y"}
ADJUST_FORM = {"delta": "5", "reason": "goodwill"}
WALLET_FORM = {"balance": "bonus", "amount": "1.00", "reason": "goodwill"}

# Each case: own object in shop A (or on the platform), then the foreign objects that must be a 404.
CASES = {
    "/admin/<shop>/loyalty/coupons/<int:template_id>":
        Case("staff", {"template_id": ("a.template", ("b.template", "platform.template"))}, TEMPLATE_FORM),
    "/admin/<shop>/loyalty/coupons/<int:template_id>/stop":
        Case("staff", {"template_id": ("a.hidden", ("b.template", "platform.template"))}),
    "/admin/<shop>/loyalty/members/<int:user_id>":
        Case("staff", {"user_id": ("a.member", ("b.member", "a.stranger"))}, ADJUST_FORM),
    "/admin/<shop>/loyalty/members/<int:user_id>/tags":
        Case("staff", {"user_id": ("a.member", ("b.member", "a.stranger"))}, {"name": "VIP"}),
    "/admin/<shop>/loyalty/members/<int:user_id>/note":
        Case("staff", {"user_id": ("a.member", ("b.member", "a.stranger"))}, {"note": "Prefers green tea"}),
    "/admin/<shop>/loyalty/members/<int:user_id>/coupon":
        Case("staff", {"user_id": ("a.member", ("b.member", "a.stranger"))}, {"template": ""}),
    "/admin/<shop>/loyalty/pushes/<int:push_id>": Case("staff", {"push_id": ("a.push", ("b.push",))}),
    "/admin/<shop>/loyalty/pushes/<int:push_id>.json": Case("staff", {"push_id": ("a.push", ("b.push",))}),
    "/admin/<shop>/loyalty/pushes/<int:push_id>/cancel": Case("staff", {"push_id": ("a.push", ("b.push",))}),
    "/admin/<shop>/loyalty/segments/<int:segment_id>/delete":
        Case("staff", {"segment_id": ("a.segment", ("b.segment",))}),
    "/api/v1/shops/<shop>/members/<int:user_id>":
        Case("staff", {"user_id": ("a.member", ("b.member", "a.stranger"))}),
    "/api/v1/shops/<shop>/members/<int:user_id>/points/adjust":
        Case("staff", {"user_id": ("a.member", ("b.member", "a.stranger"))}, {"delta": 5, "reason": "goodwill"}),
    "/api/v1/shops/<shop>/pushes/<int:push_id>": Case("staff", {"push_id": ("a.push", ("b.push",))}),
    "/api/v1/shops/<shop>/coupon-templates/<int:template_id>":
        Case("staff", {"template_id": ("a.template", ("b.template", "platform.template"))}, {"name": "Renamed"}),
    "/api/v1/platform/coupon-templates/<int:template_id>":
        Case("operator", {"template_id": ("platform.template", ("b.template",))}, {"name": "Renamed"}),
    "/api/v1/shops/<shop>/coupon-templates/<int:template_id>/claim":
        Case("shopper", {"template_id": ("a.template", ("b.template", "platform.template", "a.hidden"))}),
    "/api/v1/platform/coupon-templates/<int:template_id>/claim":
        Case("shopper", {"template_id": ("platform.template", ("b.template", "platform.hidden"))}),
    # The coupon centre offers every open shop's claimable coupons: what it hides is a coupon not on offer.
    "/member/coupon-centre/<int:template_id>/claim":
        Case("shopper", {"template_id": ("a.template", ("b.hidden", "platform.hidden"))}),
    "/api/v1/platform/users/<int:user_id>/wallet/adjust":
        Case("operator", {"user_id": ("a.member", ())}, {"amount": "1.00", "balance": "bonus", "reason": "goodwill"}),
    "/platform/loyalty/users/<int:user_id>/wallet": Case("operator", {"user_id": ("a.member", ())}, WALLET_FORM),
    "/platform/loyalty/coupons/<int:template_id>":
        Case("operator", {"template_id": ("platform.template", ("b.template",))}, TEMPLATE_FORM),
    "/platform/loyalty/coupons/<int:template_id>/stop":
        Case("operator", {"template_id": ("platform.hidden", ("b.template",))}),
    "/platform/programmes/<int:programme_id>/versions/<int:version>/diff":
        Case("operator", {"programme_id": ("a.programme", ()), "version": ("a.version", ("a.first_version",))}),
    "/platform/loyalty/settlement/<slug>": Case("operator", {"slug": ("a.slug", ())}),
    # Points mall: "a.variant" is listed in shop A's mall, "a.plain" in none, "platform.variant" (shop B's) in the
    # platform's. Taking out an item already taken out answers as the first time (DELETE is idempotent).
    "/api/v1/shops/<shop>/points-mall/<int:variant_id>":
        Case("staff", {"variant_id": ("a.variant", ("b.variant", "platform.variant"))}, {"points_price": 10}),
    "/admin/<shop>/loyalty/points-mall/<int:variant_id>":
        Case("staff", {"variant_id": ("a.variant", ("b.variant", "platform.variant"))}),
    "/points-mall/<int:variant_id>/redeem": Case("shopper", {"variant_id": ("a.variant", ("a.plain",))}),
    "/admin/<shop>/loyalty/points-mall/<int:variant_id>/remove":
        Case("staff", {"variant_id": ("a.variant", ("b.variant", "platform.variant", "a.plain"))}),
    "/api/v1/platform/points-mall/<int:variant_id>":
        Case("operator", {"variant_id": ("platform.variant", ())}, {"points_price": 10}),
    "/platform/loyalty/points-mall/<int:variant_id>":
        Case("operator", {"variant_id": ("platform.variant", ("a.variant",))}),
    "/platform/loyalty/points-mall/<int:variant_id>/remove":
        Case("operator", {"variant_id": ("platform.variant", ("a.variant",))}),
    **{path: Case("staff", {"simulation_id": ("a.simulation", ("b.simulation", "platform.simulation"))})
       for path in ("/admin/<shop>/loyalty/simulations/<int:simulation_id>",
                    "/admin/<shop>/loyalty/simulations/<int:simulation_id>.json",
                    "/api/v1/shops/<shop>/programme/simulations/<int:simulation_id>")},
    **{path: Case("operator", {"simulation_id": ("platform.simulation", ("a.simulation",))})
       for path in ("/platform/loyalty/simulations/<int:simulation_id>",
                    "/platform/loyalty/simulations/<int:simulation_id>.json",
                    "/api/v1/platform/programme/simulations/<int:simulation_id>")},
    **{path: Case("staff", {"import_id": ("a.import", ("b.import", "platform.import"))})
       for path in ("/admin/<shop>/loyalty/members/imports/<int:import_id>",
                    "/admin/<shop>/loyalty/members/imports/<int:import_id>.json",
                    "/admin/<shop>/loyalty/members/imports/<int:import_id>/run",
                    "/api/v1/shops/<shop>/members/imports/<int:import_id>",
                    "/api/v1/shops/<shop>/members/imports/<int:import_id>/run")},
    **{path: Case("operator", {"import_id": ("platform.import", ("a.import",))})
       for path in ("/platform/loyalty/members/imports/<int:import_id>",
                    "/platform/loyalty/members/imports/<int:import_id>.json",
                    "/platform/loyalty/members/imports/<int:import_id>/run")},
    "/admin/<shop>/loyalty/members/exports/<int:export_id>":
        Case("staff", {"export_id": ("a.export", ("b.export", "platform.export"))}),
    "/platform/loyalty/members/exports/<int:export_id>":
        Case("operator", {"export_id": ("platform.export", ("a.export",))}),
}


def id_taking_loyalty_rules(app):
    """Every loyalty URL rule with an argument other than the shop (an id, a version, a slug)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0].startswith("loyalty") and rule.arguments - {"shop"}:
            yield rule


def test_every_id_taking_loyalty_endpoint_has_a_case(app):
    """A new loyalty endpoint that takes an id fails here until its foreign-id case is written (and vice versa)."""
    rules = {rule.rule for rule in id_taking_loyalty_rules(app)}
    assert sorted(rules - CASES.keys()) == [], "add a case to CASES for these loyalty URLs"
    assert sorted(CASES.keys() - rules) == [], "these cases name URLs the app no longer has"
    for path, case in CASES.items():
        arguments = set(re.findall(r"<(?:\w+:)?(\w+)>", path)) - {"shop"}
        assert set(case.ids) == arguments, path


class Caller:
    """One user with a signed-in page client and an API token."""

    def __init__(self, app, user):
        self.user, self.client = user, app.test_client()
        self.client.post("/login", data={"email": user.email, "password": PASSWORD})
        self.token = ApiToken.issue(user)
        db.session.commit()

    def send(self, method: str, path: str, body: dict):
        """The request as the URL's side expects it: JSON with the token for the API, a form for pages."""
        if path.startswith("/api/"):
            return self.client.open(path, method=method, json=None if method == "GET" else body,
                                    headers={"Authorization": f"Bearer {self.token}"})
        return self.client.open(path, method=method, data=None if method == "GET" else body)


@pytest.fixture
def world(app, make_user, make_shop, make_programme, api):
    """Shops A and B, each with a programme (two versions for A), templates, a member holding a coupon, a push and
    a saved segment; the platform programme with a claimable and a hidden template; the callers of both shops."""
    owner_a, owner_b, operator = make_user(), make_user(), make_user(operator=True)
    shop_a, shop_b = make_shop(owner=owner_a), make_shop(owner=owner_b)
    programme_a = make_programme(shop_a, {**VANCL, "name": "VANCL style, first draft"})
    make_programme(shop_a, VANCL)
    programme_b = make_programme(shop_b, FOUR_TIERS)
    programme_p = make_programme(None, PLATFORM_PROGRAMME)
    ids = {"a.programme": programme_a.id, "a.version": 2, "a.first_version": 1, "a.slug": shop_a.slug,
           "a.stranger": make_user().id, "b.programme": programme_b.id}
    platform = api(operator)
    for name, claimable in (("template", True), ("hidden", False)):
        reply = platform.post("/api/v1/platform/coupon-templates", _template(claimable))
        assert reply.status_code == 201, reply.json
        ids[f"platform.{name}"] = reply.json["template"]["id"]
    for key, shop, owner in (("a", shop_a, owner_a), ("b", shop_b, owner_b)):
        ids.update(_shop_objects(key, shop, api(owner), Caller(app, owner), api(make_user())))
        ids.update(_mall_items(key, shop, api(owner)))
    simulated = platform.post("/api/v1/platform/programme/simulate", {"document": PLATFORM_PROGRAMME, "months": 3})
    assert simulated.status_code == 202, simulated.json
    ids["platform.simulation"] = simulated.json["simulation"]["id"]
    for key, programme, owner in (("a", programme_a, owner_a), ("b", programme_b, owner_b),
                                  ("platform", programme_p, operator)):
        ids.update(_transfers(key, programme, owner))
    ids["platform.variant"] = _variant_of(shop_b, "platform gift")
    listed = api(operator).put(f"/api/v1/platform/points-mall/{ids['platform.variant']}", {"points_price": 10})
    assert listed.status_code == 200, listed.json
    return {"ids": ids, "shop": shop_a.slug, "staff": Caller(app, owner_a), "operator": Caller(app, operator),
            "shopper": Caller(app, db.session.get(User, ids["a.member"])), "shop_b": shop_b.slug,
            "owner_b": Caller(app, owner_b), "shopper_b": Caller(app, db.session.get(User, ids["b.member"]))}


def _template(claimable: bool) -> dict:
    return {"name": "5 off", "kind": "amount_off", "value": "5", "valid_days": 30, "claimable": claimable,
            "per_member_limit": 10}


def _shop_objects(key: str, shop, owner_api, owner_pages: Caller, shopper_api) -> dict:
    """A shop's claimable and hidden templates, a member holding a claimed coupon, a push and a saved segment."""
    base = f"/api/v1/shops/{shop.slug}"
    out = {}
    for name, claimable in (("template", True), ("hidden", False)):
        reply = owner_api.post(f"{base}/coupon-templates", _template(claimable))
        assert reply.status_code == 201, reply.json
        out[f"{key}.{name}"] = reply.json["template"]["id"]
    claimed = shopper_api.post(f"{base}/coupon-templates/{out[f'{key}.template']}/claim")
    assert claimed.status_code == 201, claimed.json
    out[f"{key}.coupon"] = claimed.json["coupon"]["id"]
    out[f"{key}.member"] = db.session.execute(text("SELECT user_id FROM loyalty_coupons WHERE id = :id"),
                                              {"id": claimed.json["coupon"]["id"]}).scalar_one()
    pushed = owner_api.post(f"{base}/pushes", {"template_id": out[f"{key}.hidden"], "filter": {}})
    assert pushed.status_code == 202, pushed.json
    out[f"{key}.push"] = pushed.json["push"]["id"]
    simulated = owner_api.post(f"{base}/programme/simulate", {"document": VANCL, "months": 3})
    assert simulated.status_code == 202, simulated.json
    out[f"{key}.simulation"] = simulated.json["simulation"]["id"]
    saved = owner_pages.send("POST", f"/admin/{shop.slug}/loyalty/pushes",
                             {"action": "save", "name": "Everyone", "template_id": out[f"{key}.hidden"]})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    out[f"{key}.segment"] = db.session.execute(text(
        "SELECT s.id FROM loyalty_saved_segments s JOIN loyalty_programmes p ON p.id = s.programme_id "
        "WHERE p.tenant_id = :tenant"), {"tenant": shop.id}).scalar_one()
    return out


def _transfers(key: str, programme, owner) -> dict:
    """A checked (not run) import of one member and a queued export of the members (committed)."""
    raw = f"{','.join(transfers.HEADERS)}\n{key}.imported@example.com,,Imported,,,,,0,0\n".encode()
    imported, _created = transfers.create_import(programme, FileStorage(io.BytesIO(raw), filename="members.csv"),
                                                 owner)
    exported = transfers.queue_export(programme, "members", {}, owner)
    db.session.commit()
    return {f"{key}.import": imported.id, f"{key}.export": exported.id}


def _variant_of(shop, name: str) -> int:
    """A new product's one variant in the shop (committed)."""
    product = catalog.save_product(shop, None, {"name": name, "price": Decimal("20.00"), "stock": 5,
                                                "category": "General"})
    db.session.commit()
    return product.variants[0].id


def _mall_items(key: str, shop, owner_api) -> dict:
    """A variant listed in the shop's points mall and one listed nowhere."""
    out = {f"{key}.variant": _variant_of(shop, "mall item"), f"{key}.plain": _variant_of(shop, "plain item")}
    listed = owner_api.put(f"/api/v1/shops/{shop.slug}/points-mall/{out[f'{key}.variant']}", {"points_price": 10})
    assert listed.status_code == 200, listed.json
    return out


def _fill(path: str, shop: str, values: dict) -> str:
    path = path.replace("<shop>", shop)
    for arg, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{arg}>", str(value), path)
    return path


def _methods(app, path: str) -> list[str]:
    rule = next(r for r in app.url_map.iter_rules() if r.rule == path)
    return sorted(rule.methods - METHODS_SKIPPED)


def _own(case: Case, ids: dict) -> dict:
    return {arg: ids[own] for arg, (own, _foreign) in case.ids.items()}


def _foreign_variants(case: Case, ids: dict):
    """Shop A's own ids with one of them swapped for a foreign or a missing object, one argument at a time."""
    own = _own(case, ids)
    for arg, (_own_key, foreign) in case.ids.items():
        missing = MISSING_NAME if arg == "slug" else MISSING_INT
        for value in [ids[k] for k in foreign] + [missing]:
            yield {**own, arg: value}


def _loyalty_rows() -> dict:
    """Every loyalty table's rows, to prove a refused request changed nothing."""
    tables = [t for t in db.metadata.sorted_tables if t.name.startswith("loyalty_")]
    db.session.expire_all()
    return {t.name: db.session.execute(t.select().order_by(*t.primary_key.columns)).all() for t in tables}


def test_foreign_and_missing_ids_are_404_and_change_nothing(app, world):
    """Shop A's staff reaching shop B's objects through shop A's URLs, a shopper claiming a coupon not offered to
    them, an operator reaching a shop's template through the platform's URLs: each answers 404, GET and POST."""
    before = _loyalty_rows()
    answers = []
    for path, case in CASES.items():
        for method in _methods(app, path):
            for values in _foreign_variants(case, world["ids"]):
                url = _fill(path, world["shop"], values)
                answers.append((case.caller, method, url, world[case.caller].send(method, url, case.body).status_code))
    assert len(answers) >= 50
    wrong = [a for a in answers if a[3] != 404]
    assert not wrong, "\n".join(map(str, wrong))
    assert _loyalty_rows() == before


def test_the_same_requests_with_shop_a_own_objects_are_not_404(app, world):
    """The foreign-id 404s come from scoping, not from broken URLs: shop A's own objects are found."""
    answers = []
    for path, case in CASES.items():
        for method in _methods(app, path):
            url = _fill(path, world["shop"], _own(case, world["ids"]))
            answers.append((case.caller, method, url, world[case.caller].send(method, url, case.body).status_code))
    wrong = [a for a in answers if a[3] in (401, 403, 404)]
    assert not wrong, "\n".join(map(str, wrong))


def test_platform_ids_are_refused_to_shop_staff_and_shoppers(app, world):
    """Platform URLs take ids no shop owns: shop staff and shoppers are refused even with a real id."""
    operator_paths = [path for path, case in CASES.items() if case.caller == "operator"]
    assert operator_paths
    for path in operator_paths:
        url = _fill(path, world["shop"], _own(CASES[path], world["ids"]))
        for method in _methods(app, path):
            for caller in ("staff", "shopper"):
                res = world[caller].send(method, url, CASES[path].body)
                assert res.status_code in (403, 404), (caller, method, url, res.status_code)


def test_ids_inside_request_bodies_name_only_the_shops_own_objects(world):
    """Another shop's template or saved segment in a push, or another shop's programme in a check-in, is refused."""
    ids, shop = world["ids"], world["shop"]
    before = _loyalty_rows()
    pushes = f"/api/v1/shops/{shop}/pushes"
    foreign_template = world["staff"].send("POST", pushes, {"template_id": ids["b.template"], "filter": {}})
    foreign_segment = world["staff"].send("POST", pushes, {"template_id": ids["a.template"],
                                                           "segment_id": ids["b.segment"]})
    assert (foreign_template.status_code, foreign_segment.status_code) == (422, 422)
    assert set(foreign_template.json["error"]["fields"]) == {"template_id"}
    assert set(foreign_segment.json["error"]["fields"]) == {"segment_id"}
    check_in = world["shopper"].send("POST", "/member/check-in", {"programme": str(ids["b.programme"])})
    assert check_in.status_code == 404
    assert _loyalty_rows() == before
    own = world["staff"].send("POST", pushes, {"template_id": ids["a.template"], "segment_id": ids["a.segment"]})
    assert own.status_code == 202, own.json
