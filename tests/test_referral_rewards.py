"""Referral rewards are paid when the referred member's first order settles, never to oneself, capped a month."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app

from mall import clock, signals
from mall.extensions import db
from plugins.loyalty.members.operations import membership
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.seeds import PLATFORM_PROGRAMME
from tests.fixtures.programmes import START

JOIN, REFERRAL = 50, 200  # Mall Plus: points for joining, and for the referrer


@pytest.fixture
def mall(make_shop, make_product, make_programme):
    """The platform programme (Mall Plus) with a referral cap of 2 a month, and a shop selling tea at 30.00."""
    doc = copy.deepcopy(PLATFORM_PROGRAMME)
    doc["points"]["referral_monthly_cap"] = 2
    platform = make_programme(None, doc)
    shop = make_shop(return_window_days=7)
    return {"platform": platform, "product": make_product(shop, price="30.00", stock=100)}


def _available(programme, user):
    db.session.expire_all()
    return membership(programme, user).points_available


def _referrals(programme, user):
    member = membership(programme, user)
    return db.session.execute(db.select(PointsEntry.delta).filter_by(membership_id=member.id, kind="referral")
                              ).scalars().all()


def _buy(checkout_at, settle, user, product, shipped_at):
    (order,) = checkout_at(user, shipped_at - timedelta(hours=1), (product, 1))
    settle(order, shipped_at)
    return order


def test_the_referrer_is_paid_when_the_first_order_settles_and_only_then(mall, make_user, checkout_at, settle,
                                                                         client):
    """Registering with a code pays nothing; a paid order pays nothing; its settlement pays 200; later orders
    and a replayed settlement pay nothing more."""
    platform, product = mall["platform"], mall["product"]
    referrer = make_user(address=False)  # friends ship to HOME: not the referrer's address
    body = {"email": "friend@example.com", "password": "secret-pass-1", "name": "Friend",
            "referral_code": referrer.referral_code}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    assert _available(platform, referrer) == JOIN
    from mall.accounts.models import User

    friend = User.by_email("friend@example.com")
    (order,) = checkout_at(friend, START, (product, 1))
    assert _available(platform, referrer) == JOIN  # paid, not settled
    settle(order, START + timedelta(days=1))
    assert _available(platform, referrer) == JOIN + REFERRAL
    from plugins.loyalty.referrals.operations import reward_referrer

    with clock.frozen_at(START + timedelta(days=20)):
        signals.order_settled.send(current_app._get_current_object(), order=order, at=clock.now())  # replayed
        assert reward_referrer(order, clock.now()) is None
    _buy(checkout_at, settle, friend, product, START + timedelta(days=10))
    assert _available(platform, referrer) == JOIN + REFERRAL
    assert _referrals(platform, referrer) == [REFERRAL]


@pytest.mark.parametrize("mine,theirs", [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"),
                                         ("0086 13800138000", "138 0013 8000")])
def test_a_self_referral_by_phone_earns_nothing(mall, make_user, checkout_at, settle, mine, theirs):
    """The same phone number, however written, is the same person: nothing is paid, now or on a later order."""
    platform = mall["platform"]
    referrer = make_user(phone=mine)
    twin = make_user(phone=theirs, referral_code=referrer.referral_code)
    _buy(checkout_at, settle, twin, mall["product"], START + timedelta(days=1))
    _buy(checkout_at, settle, twin, mall["product"], START + timedelta(days=2))
    assert _available(platform, referrer) == JOIN and _referrals(platform, referrer) == []


def test_different_phones_or_none_are_different_people(mall, make_user, checkout_at, settle):
    """A referral between different numbers, or without any number, is paid."""
    platform = mall["platform"]
    referrer = make_user(phone="13800138000", address=False)
    for phone in ("13900139000", None):
        friend = make_user(phone=phone, referral_code=referrer.referral_code)
        _buy(checkout_at, settle, friend, mall["product"], START + timedelta(days=1))
    assert _referrals(platform, referrer) == [REFERRAL, REFERRAL]


def test_rewards_stop_at_the_monthly_cap_and_resume_next_month_in_the_platforms_zone(mall, make_user, checkout_at,
                                                                                   settle):
    """Cap 2: three first orders settling in January pay twice; the third referred member is never paid later.
    One settling at 01:00 on 1 February in Shanghai (still January in UTC) is February's, and is paid."""
    platform, product = mall["platform"], mall["product"]
    referrer = make_user(address=False)  # friends ship to HOME: not the referrer's address
    friends = [make_user(referral_code=referrer.referral_code) for _ in range(4)]
    for friend in friends[:3]:
        _buy(checkout_at, settle, friend, product, START + timedelta(days=1))
    assert _referrals(platform, referrer) == [REFERRAL, REFERRAL]
    window = timedelta(days=7, hours=1)  # settle() ticks this long after shipping
    february_in_shanghai = datetime(2026, 1, 31, 17, 0, tzinfo=UTC)
    _buy(checkout_at, settle, friends[3], product, february_in_shanghai - window)
    _buy(checkout_at, settle, friends[2], product, february_in_shanghai - window)
    assert _referrals(platform, referrer) == [REFERRAL] * 3
    assert _available(platform, referrer) == JOIN + 3 * REFERRAL


def test_a_cap_of_zero_pays_no_referral(mall, make_user, make_programme, checkout_at, settle):
    """The operator can switch referral rewards off with a cap of 0."""
    doc = copy.deepcopy(PLATFORM_PROGRAMME)
    doc["points"]["referral_monthly_cap"] = 0
    platform = make_programme(None, doc)
    referrer = make_user(address=False)  # friends ship to HOME: not the referrer's address
    friend = make_user(referral_code=referrer.referral_code)
    _buy(checkout_at, settle, friend, mall["product"], START + timedelta(days=1))
    assert _referrals(platform, referrer) == []
