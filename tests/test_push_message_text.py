"""Coupon-push messages: the text is filled in on every database, and e-mail and SMS carry an absolute link."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mall import clock
from mall.extensions import db
from mall.notifications.models import Notification
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD

NOON = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


@pytest.fixture
def pushed(make_shop, make_user, make_programme, api, app):
    """One member (e-mail and SMS consent) receives a push of "5 off" from the Four tiers programme."""
    for key in ("OUTBOX_DIR", "SMS_OUTBOX_DIR"):
        for path in Path(app.config[key]).glob("*") if Path(app.config[key]).exists() else []:
            path.unlink()
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 30})
    member = make_user(consent_email=True, consent_sms=True, phone="13800000000")
    member.locale = "en"
    join_programme(programme, member)
    db.session.commit()
    with clock.frozen_at(NOON):
        reply = api(owner).post("/api/v1/shops/tea/pushes", {"template_id": template.id, "filter": {},
                                                              "channels": ["inbox", "email", "sms"]})
    assert reply.status_code == 202, reply.json
    return member


def test_pushed_coupon_message_names_the_programme_and_coupon(pushed, client):
    """The stored parameters are the real ones, so the inbox reads as a sentence, in both languages."""
    rows = db.session.execute(db.select(Notification.params)).scalars().all()
    assert rows and all(params == {"coupon": "5 off", "programme": "Four tiers"} for params in rows)
    client.post("/lang/en")
    client.post("/login", data={"email": pushed.email, "password": PASSWORD})
    assert "A coupon for you from Four tiers: 5 off." in client.get("/member/inbox").get_data(as_text=True)
    client.post("/lang/zh")
    page = client.get("/member/inbox").get_data(as_text=True)
    assert "Four tiers 送您一张优惠券：5 off。" in page and "%(" not in page


def test_email_and_sms_link_to_the_coupons_page_by_absolute_address(pushed, app):
    """A mail client and a phone need the full address: MALL_BASE_URL before the page's path."""
    (email,) = Path(app.config["OUTBOX_DIR"]).glob("*.eml")
    (sms,) = Path(app.config["SMS_OUTBOX_DIR"]).glob("*.sms")
    mail = email.read_text()
    assert "A coupon for you from Four tiers: 5 off." in mail
    assert f"{app.config['BASE_URL']}/member/coupons" in mail
    assert app.config["BASE_URL"].startswith("http")
    text = sms.read_text()
    assert "A coupon for you from Four tiers: 5 off." in text and f"{app.config['BASE_URL']}/member/coupons" in text
