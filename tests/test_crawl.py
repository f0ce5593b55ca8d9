"""Every page, for every role: it renders for those it is for, and is refused (or sends to log in) for the rest."""

import re

import pytest

from mall.demo import OPERATOR, PASSWORD, load_demo
from mall.extensions import db
from mall.tenants.models import Staff, Tenant
from mall.webhooks.models import WebhookEndpoint
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.pointsmall.models import Redeemable
from plugins.loyalty.programmes.models import Programme, ProgrammeVersion
from plugins.loyalty.pushes.models import Push
from plugins.loyalty.transfers.models import MemberExport, MemberImport

#: Role → the demo account that plays it (the fourtier shop's staff, a shopper, the operator).
ROLES = {
    "visitor": None,
    "shopper": "alice@mall-demo.cn",
    "support": "support@fourtier.mall-demo.cn",
    "manager": "manager@fourtier.mall-demo.cn",
    "owner": "owner@fourtier.mall-demo.cn",
    "other_owner": "owner@vancl.mall-demo.cn",
    "operator": OPERATOR,
}
STAFF_RANK = {"support": 1, "manager": 2, "owner": 3}
#: Pages that send an allowed user elsewhere when there is nothing to show (checkout with an empty cart).
REDIRECT_WHEN_EMPTY = {"/checkout"}


def _allowed(access: str, role: str) -> bool:
    """Whether a role may open a page with this access declaration (for the fourtier shop)."""
    if access == "public":
        return True
    if access == "user":
        return role != "visitor"
    if access == "operator":
        return role == "operator"
    if access.startswith("staff:"):
        needed = STAFF_RANK[access.split(":", 1)[1]]
        return STAFF_RANK.get(role, 0) >= needed
    raise AssertionError(f"unknown access {access}")


def _pages(app, ids) -> list[tuple[str, str]]:
    """(url, access) for every GET page that is not the API, a static file or a download."""
    pages = []
    for rule in app.url_map.iter_rules():
        # /media/<key> serves stored files, as /static does (tests/test_media.py covers it).
        files = ("/static", "/media/")
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", *files)) or rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        url = rule.rule
        for arg in rule.arguments:
            if arg not in ids:
                raise AssertionError(f"no demo id for <{arg}> in {rule.rule}")
            value = ids[f"platform_{arg}"] if rule.rule.startswith("/platform/") and f"platform_{arg}" in ids \
                else ids[arg]
            url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), url)
        pages.append((url, view.access))
    return sorted(set(pages))


def _simulation_id(programme):
    from plugins.loyalty.simulations.models import Simulation

    return db.session.execute(db.select(Simulation.id).filter_by(programme_id=programme.id)).scalars().first()


@pytest.fixture
def demo_ids(app):
    """Load the demo and pick an id of each kind from the fourtier shop."""
    assert load_demo()
    tenant = db.session.execute(db.select(Tenant).filter_by(slug="fourtier")).scalar_one()
    programme = db.session.execute(db.select(Programme).filter_by(tenant_id=tenant.id)).scalar_one()
    from mall.accounts.models import User
    from mall.addresses.operations import default_address
    from mall.aftersales.operations import request_after_sale
    from mall.catalog.models import ProductVariant
    from mall.checkout.operations import place_checkout

    alice = User.by_email("alice@mall-demo.cn")
    # A paid order of Alice's in the shop with an after-sales request on it (her demo orders there have settled).
    variant_id, product_id = db.session.execute(
        db.select(ProductVariant.id, ProductVariant.product_id)
        .where(ProductVariant.tenant_id == tenant.id, ProductVariant.is_active, ProductVariant.stock >= 2)
        .order_by(ProductVariant.id)).first()
    order = place_checkout(alice, [{"variant_id": variant_id, "qty": 2}], {}).orders[0]
    after_sale = request_after_sale(order, alice, "refund", [{"line_id": order.lines[0].id, "qty": 1}], "damaged")
    db.session.commit()
    platform = db.session.execute(db.select(Programme).filter_by(tenant_id=None)).scalar_one()
    version = db.session.execute(db.select(db.func.max(ProgrammeVersion.version))
                                 .where(ProgrammeVersion.programme_id == programme.id)).scalar()
    return {
        "shop": "fourtier", "slug": "fourtier", "code": "en", "order_id": order.id, "user_id": alice.id,
        "address_id": default_address(alice).id, "product_id": product_id, "after_sale_id": after_sale.id,
        "staff_id": db.session.execute(db.select(Staff.id).filter_by(tenant_id=tenant.id)).scalars().first(),
        "template_id": db.session.execute(db.select(CouponTemplate.id).filter_by(
            programme_id=programme.id)).scalars().first(),
        "programme_id": programme.id, "version": version, "platform_id": platform.id,
        "push_id": db.session.execute(db.select(Push.id)).scalars().first(),
        "simulation_id": _simulation_id(programme), "platform_simulation_id": _simulation_id(platform),
        "endpoint_id": db.session.execute(db.select(WebhookEndpoint.id).filter_by(tenant_id=tenant.id)).scalar(),
        "platform_endpoint_id": db.session.execute(db.select(WebhookEndpoint.id).filter_by(tenant_id=None)).scalar(),
        "platform_template_id": db.session.execute(db.select(CouponTemplate.id).filter_by(
            programme_id=platform.id)).scalars().first(),
        # The demo's member imports and exports (plugins/loyalty/demo/transfers.py).
        "import_id": _first(MemberImport, programme), "platform_import_id": _first(MemberImport, platform),
        "export_id": _first(MemberExport, programme), "platform_export_id": _first(MemberExport, platform),
        # The shop's tea cups, in the platform's points mall.
        "variant_id": db.session.execute(db.select(Redeemable.variant_id).filter_by(
            tenant_id=tenant.id)).scalars().first(),
    }


def _first(model, programme):
    return db.session.execute(db.select(model.id).filter_by(programme_id=programme.id)).scalars().first()


def test_every_page_for_every_role(app, demo_ids):
    """200 for the roles a page is for; 302 to the login page for visitors; 403 or 404 for everyone else."""
    pages = _pages(app, demo_ids)
    assert len(pages) > 30
    failures = []
    for role, email in ROLES.items():
        client = app.test_client()
        if email:
            response = client.post("/login", data={"email": email, "password": PASSWORD})
            assert response.status_code == 302, role
        for url, access in pages:
            status = client.get(url).status_code
            if role == "other_owner" and access.startswith("staff:"):
                expected = {403}
            elif _allowed(access, role):
                # Orders, after-sales and addresses belong to Alice; another shopper's is a 404 by design.
                owned = url.startswith(("/orders/", "/after-sales/")) or re.match(r"/addresses/\d", url)
                expected = {200} if not (owned and role != "shopper") else {404}
                if url in REDIRECT_WHEN_EMPTY:
                    expected = {200, 302}
            elif role == "visitor":
                expected = {302}
            else:
                expected = {403, 404}
            if status not in expected:
                failures.append(f"{role:11} {url} → {status}, expected {sorted(expected)}")
    assert failures == [], "\n".join(failures)
