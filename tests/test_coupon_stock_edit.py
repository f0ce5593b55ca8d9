"""A template's stock never drops below what is issued, even while shoppers claim it: the form says so."""

import threading

import pytest

from mall.accounts.models import User
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.seeds import FOUR_TIERS
from tests.conftest import requires_pg
from tests.races_support import signed_in


@pytest.fixture
def editing(app, make_shop, make_user, make_programme, add_staff):
    """A claimable template with stock 10 and 5 issued, and its manager's edit page (English)."""
    shop = make_shop()
    programme = make_programme(shop, FOUR_TIERS)
    manager = make_user()
    add_staff(shop, manager, "manager")
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 7, "stock": 10, "claimable": True})
    for _ in range(5):
        coupon_ops.issue(template, make_user(), "staff")
    db.session.commit()
    return {"client": signed_in(app, manager), "url": f"/admin/{shop.slug}/loyalty/coupons/{template.id}",
            "template_id": template.id, "programme_id": programme.id}


def _stock(value) -> dict:
    return {"name": "5 off", "stock": str(value), "per_member_limit": "1", "valid_days": "7", "claimable": "y"}


def _template(template_id) -> CouponTemplate:
    db.session.expire_all()
    return db.session.get(CouponTemplate, template_id)


def test_stock_below_issued_is_refused_on_the_form(editing):
    reply = editing["client"].post(editing["url"], data=_stock(4))
    assert reply.status_code == 422 and "5 are already issued; stock cannot be lower." in reply.get_data(as_text=True)
    assert _template(editing["template_id"]).stock == 10


def test_stock_down_to_issued_is_saved(editing):
    assert editing["client"].post(editing["url"], data=_stock(5)).status_code == 302
    assert _template(editing["template_id"]).stock == 5


@requires_pg
def test_a_claim_landing_while_stock_is_lowered_makes_the_form_say_so(app, editing, make_user):
    """A claim holds the template row when the manager lowers stock to the 5 issued before it: the claim
    commits (6 issued) and the edit is re-shown with the new figure instead of failing."""
    shopper_id = make_user().id
    claimed, release = threading.Event(), threading.Event()

    def claim():
        with app.app_context():
            try:
                coupon_ops.claim(db.session.get(Programme, editing["programme_id"]), editing["template_id"],
                                 db.session.get(User, shopper_id))
                db.session.flush()
                claimed.set()
                release.wait(10)
                db.session.commit()
            finally:
                claimed.set()
                db.session.remove()

    claimer = threading.Thread(target=claim)
    claimer.start()
    assert claimed.wait(10)
    replies = []
    editor = threading.Thread(target=lambda: replies.append(editing["client"].post(editing["url"], data=_stock(5))))
    editor.start()
    editor.join(0.5)  # the edit now waits for the claim's row lock
    release.set()
    claimer.join()
    editor.join()
    assert replies[0].status_code == 422
    assert "6 are already issued; stock cannot be lower." in replies[0].get_data(as_text=True)
    saved = _template(editing["template_id"])
    assert (saved.stock, saved.issued) == (10, 6)
