"""The audit log records staff and operator changes, with who did them, and operators can filter it."""

import copy

from mall.audit.models import AuditEntry
from mall.extensions import db
from plugins.loyalty.seeds import VANCL
from tests.fixtures.factories import PASSWORD


def _login(client, user):
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def _actions():
    return [(e.action, e.target, e.actor_id) for e in db.session.execute(
        db.select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_operator_changes_are_logged_and_filterable(client, make_user):
    """Creating, suspending and reopening a shop and disabling an account each leave an entry by the operator."""
    operator = make_user(operator=True)
    owner = make_user()
    shopper = make_user()
    _login(client, operator)
    client.post("/platform/", data={"slug": "teahouse", "name": "Tea house", "owner_email": owner.email,
                                    "return_window_days": 7, "shipping_fee": "0"})
    client.post("/platform/tenants/teahouse/status", data={"action": "suspend"})
    client.post("/platform/tenants/teahouse/status", data={"action": "reopen"})
    client.post(f"/platform/users/{shopper.id}", data={"action": "disable"})
    assert _actions() == [("tenant.created", "teahouse", operator.id), ("tenant.suspended", "teahouse", operator.id),
                          ("tenant.reopened", "teahouse", operator.id), ("user.disabled", shopper.email, operator.id)]
    page = client.get("/platform/audit/?action=tenant.suspended").get_data(as_text=True)
    assert 'data-action="tenant.suspended"' in page and 'data-action="user.disabled"' not in page
    by_shop = client.get("/platform/audit/?tenant=teahouse").get_data(as_text=True)
    assert 'data-action="tenant.created"' in by_shop and 'data-action="user.disabled"' not in by_shop
    assert "Nothing recorded" in client.get("/platform/audit/?actor=nobody").get_data(as_text=True)


def test_merchant_changes_are_logged_with_a_readable_programme_diff(client, api, make_user, make_shop, add_staff):
    """Two programme saves, a points adjustment, a coupon template and a new staff member are logged;
    the operator sees what changed between the versions."""
    owner = make_user()
    shop = make_shop(owner=owner, slug="vancl")
    shopper = make_user()
    merchant = api(owner)
    merchant.client.put("/api/v1/shops/vancl/programme", json=VANCL,
                        headers={"Authorization": f"Bearer {merchant.token}"})
    changed = copy.deepcopy(VANCL)
    changed["levels"]["tiers"][1]["threshold"] = "1800"
    merchant.client.put("/api/v1/shops/vancl/programme", json=changed,
                        headers={"Authorization": f"Bearer {merchant.token}"})
    api(shopper).post("/api/v1/shops/vancl/join")
    merchant.post(f"/api/v1/shops/vancl/members/{shopper.id}/points/adjust", {"delta": 30, "reason": "Late parcel"})
    merchant.post("/api/v1/shops/vancl/coupon-templates", {"name": "5 off", "kind": "amount_off", "value": "5",
                                                            "valid_days": 7})
    add_staff(shop, make_user(), "support")
    actions = [a for a, _t, _who in _actions()]
    assert actions == ["tenant.created", "programme.saved", "programme.saved", "points.adjusted",
                       "coupon_template.created", "staff.added"]
    adjusted = db.session.execute(db.select(AuditEntry).filter_by(action="points.adjusted")).scalar_one()
    assert (adjusted.actor_id, adjusted.tenant_id, adjusted.details["reason"]) == (owner.id, shop.id, "Late parcel")
    operator = make_user(operator=True)
    _login(client, operator)
    log = client.get("/platform/audit/?tenant=vancl").get_data(as_text=True)
    assert "Late parcel" in log and "Changes" in log
    saved = db.session.execute(db.select(AuditEntry).filter_by(action="programme.saved")
                               .order_by(AuditEntry.id.desc())).scalars().first()
    diff = client.get(f"/platform/programmes/{saved.details['programme_id']}/versions/2/diff").get_data(as_text=True)
    removed = [line for line in diff.splitlines() if 'class="del"' in line]
    added = [line for line in diff.splitlines() if 'class="add"' in line]
    assert any("2000" in line for line in removed) and any("1800" in line for line in added)


def test_only_operators_see_the_log(client, make_user):
    """A shopper gets 403; a visitor is sent to log in."""
    assert client.get("/platform/audit/").status_code == 302
    _login(client, make_user())
    assert client.get("/platform/audit/").status_code == 403
    assert client.get("/platform/programmes/1/versions/2/diff").status_code == 403
