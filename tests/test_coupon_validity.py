"""A coupon template always has a validity: the edit form requires it, and a row without one issues nothing.

Also the warning (not a refusal) for an amount-off coupon worth at least its minimum spend.
"""

import pytest
from sqlalchemy import update

from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD


@pytest.fixture
def shop(make_shop, make_user, make_programme):
    """A four-tier shop with a claimable 5-off template valid 7 days; its owner."""
    owner = make_user(name="Owner")
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "min_spend": "20", "valid_days": 7, "claimable": True})
    db.session.commit()
    return {"owner": owner, "programme": programme, "template": template}


def _login(client, user):
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_blank_valid_days_on_the_edit_page_is_refused(client, shop, make_user):
    """Blanking valid days re-shows the form (422) with a message; the template keeps its days and still issues."""
    _login(client, shop["owner"])
    url = f"/admin/tea/loyalty/coupons/{shop['template'].id}"
    response = client.post(url, data={"name": "5 off", "per_member_limit": "1", "valid_days": "", "claimable": "y"})
    assert response.status_code == 422
    assert "Give the number of days a coupon stays valid." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CouponTemplate, shop["template"].id).valid_days == 7
    shopper = make_user()
    _login(client, shopper)
    client.post(f"/member/coupon-centre/{shop['template'].id}/claim")
    assert db.session.execute(db.select(Coupon).filter_by(user_id=shopper.id)).scalar_one()


def test_a_stored_template_without_validity_counts_as_expired(client, api, shop, make_user):
    """A row with neither valid days nor dates: claims are 409 "expired", pages list it without failing,
    and the edit page lets the merchant give it valid days again."""
    template_id = shop["template"].id
    db.session.execute(update(CouponTemplate).where(CouponTemplate.id == template_id).values(valid_days=None))
    db.session.commit()
    shopper = make_user()
    claim = api(shopper).post(f"/api/v1/shops/tea/coupon-templates/{template_id}/claim")
    assert claim.status_code == 409 and claim.json["error"]["code"] == "coupon_expired"
    _login(client, shopper)
    assert "5 off" not in client.get("/member/coupon-centre").get_data(as_text=True)
    client.post(f"/member/coupon-centre/{template_id}/claim")
    assert db.session.execute(db.select(Coupon)).first() is None
    _login(client, shop["owner"])
    assert "5 off" in client.get("/admin/tea/loyalty/coupons").get_data(as_text=True)
    url = f"/admin/tea/loyalty/coupons/{template_id}"
    assert 'name="valid_days"' in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"name": "5 off", "per_member_limit": "1", "valid_days": "10",
                                  "claimable": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CouponTemplate, template_id).valid_days == 10
    assert api(shopper).post(f"/api/v1/shops/tea/coupon-templates/{template_id}/claim").status_code == 201


@pytest.mark.parametrize("lang,text", [
    ("en", "Check this coupon: ¥50.00 off with a minimum spend of only ¥10.00 makes such an order free."),
    ("zh", "请检查这张券：最低消费仅 ¥10.00 却减 ¥50.00，达到门槛的订单将不花钱。"),
])
def test_a_coupon_worth_its_minimum_spend_is_created_with_a_warning(client, shop, lang, text):
    """¥50 off with a ¥10 minimum is created, with a warning in the merchant's language."""
    _login(client, shop["owner"])
    client.post(f"/lang/{lang}")
    form = {"name": "50 off 10", "kind": "amount_off", "value": "50", "min_spend": "10", "per_member_limit": "1",
            "valid_days": "30"}
    page = client.post("/admin/tea/loyalty/coupons", data=form, follow_redirects=True).get_data(as_text=True)
    assert text in page
    template = db.session.execute(db.select(CouponTemplate).filter_by(name="50 off 10")).scalar_one()
    assert text in client.get(f"/admin/tea/loyalty/coupons/{template.id}").get_data(as_text=True)


def test_an_ordinary_coupon_has_no_warning(client, shop):
    """¥10 off ¥100, and a coupon with no minimum at all, are not warned about."""
    _login(client, shop["owner"])
    for name, minimum in (("10 off 100", "100"), ("no minimum", "0")):
        form = {"name": name, "kind": "amount_off", "value": "10", "min_spend": minimum, "per_member_limit": "1",
                "valid_days": "30"}
        page = client.post("/admin/tea/loyalty/coupons", data=form, follow_redirects=True).get_data(as_text=True)
        assert "Check this coupon" not in page
