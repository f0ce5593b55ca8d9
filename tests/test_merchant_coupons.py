"""Merchant coupon templates: create (with field messages on bad input), stock and use figures, stop."""

from decimal import Decimal

import pytest

from mall.audit.models import AuditEntry
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD

GOOD = {"name": "满100减10", "kind": "amount_off", "value": "10", "min_spend": "100", "per_member_limit": 1,
        "valid_days": 30, "stock": 50, "claimable": "y"}


@pytest.fixture
def manager(make_shop, make_user, make_programme, add_staff, client):
    """A four-tier shop's manager, signed in (English)."""
    tenant = make_shop(slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    user = make_user()
    add_staff(tenant, user, "manager")
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"user": user, "programme": programme, "tenant": tenant}


def test_create_and_list_with_figures(client, manager, make_user):
    """A valid form creates the template (logged); the list shows issued / stock and how many were used."""
    response = client.post("/admin/tea/loyalty/coupons", data=GOOD, follow_redirects=True)
    assert "Coupon 满100减10 created." in response.get_data(as_text=True)
    template = db.session.execute(db.select(CouponTemplate)).scalar_one()
    assert (template.value, template.stock, template.claimable) == (10, 50, True)
    for _ in range(3):
        coupon_ops.issue(template, make_user(), "staff")
    db.session.commit()
    page = client.get("/admin/tea/loyalty/coupons").get_data(as_text=True)
    assert "3 / 50" in page and "¥10.00 off on ¥100.00 or more" in page
    assert db.session.execute(db.select(AuditEntry).filter_by(action="coupon_template.created")).scalar_one()


@pytest.mark.parametrize("change,field_text", [
    ({"name": ""}, "This field is required."),
    ({"kind": "percent_off", "value": "1.5"}, "Give the factor paid"),
    ({"kind": "amount_off", "value": ""}, "An amount-off coupon needs an amount above 0."),
    ({"valid_days": "0"}, "Must be between 1 and 3650."),
    ({"per_member_limit": "x"}, "Not a valid integer value."),
    ({"kind": "bogus"}, "Not a valid choice."),
])
def test_invalid_templates_reshow_the_form(client, manager, change, field_text):
    """Each invalid value is a 422 naming the problem next to its field; nothing is created."""
    response = client.post("/admin/tea/loyalty/coupons", data={**GOOD, **change})
    assert response.status_code == 422
    assert field_text in response.get_data(as_text=True)
    assert db.session.execute(db.select(CouponTemplate)).first() is None


def test_stop_keeps_issued_coupons_and_is_refused_to_support(client, manager, make_user, add_staff):
    """Stopping needs a manager; a stopped template is marked and issues no more."""
    template = coupon_ops.create_template(manager["programme"], {"name": "5 off", "kind": "amount_off",
                                                                 "value": "5", "valid_days": 7})
    db.session.commit()
    done = client.post(f"/admin/tea/loyalty/coupons/{template.id}/stop", follow_redirects=True)
    assert "is stopped" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).is_active is False
    assert client.post("/admin/tea/loyalty/coupons/999999/stop").status_code == 404
    support = make_user()
    add_staff(manager["tenant"], support, "support")
    client.post("/logout")
    client.post("/login", data={"email": support.email, "password": PASSWORD})
    assert client.post(f"/admin/tea/loyalty/coupons/{template.id}/stop").status_code == 403
    assert "New coupon" not in client.get("/admin/tea/loyalty/coupons").get_data(as_text=True)


def test_platform_coupons_page(client, make_user, make_programme):
    """Operators create a co-funded platform coupon and stop it; shoppers are refused."""
    from plugins.loyalty.seeds import PLATFORM_PROGRAMME

    make_programme(None, PLATFORM_PROGRAMME)
    operator = make_user(operator=True)
    client.post("/lang/en")
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    done = client.post("/platform/loyalty/coupons", data={**GOOD, "name": "Platform 10", "funded_by": "split",
                                                          "platform_share": "0.6"}, follow_redirects=True)
    assert "Coupon Platform 10 created." in done.get_data(as_text=True)
    template = db.session.execute(db.select(CouponTemplate)).scalar_one()
    assert (template.tenant_id, template.funded_by, template.platform_share) == (None, "split", Decimal("0.60"))
    client.post(f"/platform/loyalty/coupons/{template.id}/stop")
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template.id).is_active is False
    client.post("/logout")
    client.post("/login", data={"email": make_user().email, "password": PASSWORD})
    assert client.get("/platform/loyalty/coupons").status_code == 403


def test_edit_a_template(client, manager, make_user):
    """Stock, limit and name change (logged); stock below what is issued is refused; the discount stays."""
    template = coupon_ops.create_template(manager["programme"], {"name": "5 off", "kind": "amount_off",
                                                                 "value": "5", "valid_days": 7, "stock": 10})
    for _ in range(3):
        coupon_ops.issue(template, make_user(), "staff")
    db.session.commit()
    url = f"/admin/tea/loyalty/coupons/{template.id}"
    low = client.post(url, data={"name": "5 off", "stock": "2", "per_member_limit": "1", "valid_days": "7"})
    assert low.status_code == 422 and "3 are already issued" in low.get_data(as_text=True)
    done = client.post(url, data={"name": "5 off, more", "stock": "20", "per_member_limit": "2", "valid_days": "7",
                                  "claimable": "y"}, follow_redirects=True)
    assert "5 off, more saved." in done.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(CouponTemplate, template.id)
    assert (saved.name, saved.stock, saved.per_member_limit, saved.claimable, saved.value) == (
        "5 off, more", 20, 2, True, Decimal("5.00"))
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="coupon_template.changed")).scalar_one()
    assert entry.details["changes"]["stock"] == ["10", "20"]
    assert client.get("/admin/tea/loyalty/coupons/999999").status_code == 404
