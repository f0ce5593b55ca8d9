"""Dates at the ends of the calendar (year 0001, year 9999) in loyalty forms and requests are refused, not 500s."""

import pytest

from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.pushes.models import Push
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD

FAR = ["0001-01-01T00:00", "0001-01-01T08:00", "9999-12-31T23:59"]


@pytest.fixture
def shop(make_shop, make_user, make_programme, api):
    """A four-tier shop (Shanghai time) with a coupon template; its owner, signed in (English) and on the API."""
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "8 off", "kind": "amount_off", "value": "8",
                                                      "valid_days": 30})
    db.session.commit()
    return {"owner": owner, "api": api(owner), "template": template}


@pytest.mark.parametrize("moment", FAR)
def test_a_push_scheduled_at_the_calendars_ends_is_refused_on_the_page(client, shop, moment):
    """The push form re-shows (422) with a message on "Send at"; nothing is scheduled."""
    client.post("/lang/en")
    client.post("/login", data={"email": shop["owner"].email, "password": PASSWORD})
    form = {"template_id": shop["template"].id, "tier": "", "activity": "", "lifecycle": "", "channels": "inbox",
            "scheduled_at": moment, "action": "send"}
    response = client.post("/admin/tea/loyalty/pushes", data=form)
    assert response.status_code == 422
    assert "Give a moment from 1970-01-01 to 2100-01-01." in response.get_data(as_text=True)
    assert db.session.execute(db.select(Push)).first() is None


@pytest.mark.parametrize("field", ["valid_from", "valid_until"])
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00-05:00",
                                    "9999-12-31T23:59:59-05:00"])
def test_coupon_validity_dates_at_the_calendars_ends_are_422(shop, field, moment):
    """A template's valid_from / valid_until in year 1 or 9999, with any offset: 422 naming the field."""
    body = {"name": "Window", "kind": "amount_off", "value": "5", "valid_from": "2026-01-01T00:00:00+00:00",
            "valid_until": "2026-02-01T00:00:00+00:00", field: moment}
    response = shop["api"].post("/api/v1/shops/tea/coupon-templates", json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert db.session.execute(db.select(CouponTemplate).filter_by(name="Window")).first() is None


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00"])
def test_a_push_scheduled_through_the_api_at_the_calendars_ends_is_422(shop, moment):
    """POST …/pushes with such a scheduled_at: 422 naming it."""
    response = shop["api"].post("/api/v1/shops/tea/pushes", json={"template_id": shop["template"].id,
                                                                   "scheduled_at": moment})
    assert response.status_code == 422 and "scheduled_at" in response.json["error"]["fields"]


@pytest.mark.parametrize("moment", FAR)
@pytest.mark.parametrize("field", ["sale_starts_at", "sale_ends_at"])
def test_a_sale_window_at_the_calendars_ends_is_refused_on_the_product_form(client, shop, field, moment):
    """The product form re-shows (422) with the moment rule on the field; no product is saved."""
    from mall.catalog.models import Product

    client.post("/lang/en")
    client.post("/login", data={"email": shop["owner"].email, "password": PASSWORD})
    form = {"name": "Tea", "category": "tea", "variants-0-price": "10.00", "variants-0-stock": "5", field: moment}
    response = client.post("/admin/tea/products/new", data=form)
    assert response.status_code == 422
    assert "Give a moment from 1970-01-01 to 2100-01-01." in response.get_data(as_text=True)
    assert db.session.execute(db.select(Product)).first() is None
