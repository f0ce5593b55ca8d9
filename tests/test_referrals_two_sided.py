"""Two-sided referrals: both sides paid when the new member's first kept order settles, held for a self-referral
(phone, address, card), the monthly cap or a refund, the referee's coupon, the API and the pages."""

import copy
import re
from datetime import timedelta

import pytest

from mall import clock
from mall.accounts.models import User
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.programmes.operations import programme_for, save_document
from plugins.loyalty.referrals.models import Referral
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from tests.conftest import requires_pg
from tests.fixtures.factories import PASSWORD, give_address
from tests.fixtures.programmes import START
from tests.races_support import CommitGate

JOIN, REFERRAL, REFEREE = 50, 200, 80  # Mall Plus: joining, the referrer's bonus, the new member's bonus
EARNED = 30  # a 30.00 tea earns 1 point a yuan on the platform (shipping earns nothing)
ELSEWHERE = {"street": "人民路 1 号", "district": "黄浦区"}  # not HOME, where the friends' orders ship


@pytest.fixture
def mall(make_shop, make_user, make_product, make_programme):
    """Mall Plus with a referee bonus of 80 and a cap of 2 referrals a month; a shop selling tea at 30.00."""
    doc = copy.deepcopy(PLATFORM_PROGRAMME)
    doc["points"]["bonuses"]["referee"] = REFEREE
    doc["points"]["referral_monthly_cap"] = 2
    owner = make_user()
    shop = make_shop(owner=owner, slug="tea", return_window_days=7)
    return {"platform": make_programme(None, doc), "shop": shop, "owner": owner,
            "product": make_product(shop, price="30.00", stock=100)}


def _sign_up(make_user, **kwargs):
    """A user who signed up the day before START, so that their orders earn platform points (a member earns on
    orders paid after joining)."""
    with clock.frozen_at(START - timedelta(days=1)):
        return make_user(**kwargs)


def _referrer(make_user, **kwargs):
    """A referrer whose address book holds only ELSEWHERE."""
    user = _sign_up(make_user, address=False, **kwargs)
    give_address(user, **ELSEWHERE)
    db.session.commit()
    return user


def _available(programme, user):
    db.session.expire_all()
    return membership(programme, user).points_available


def _entries(programme, user, kind):
    member = membership(programme, user)
    return db.session.execute(db.select(PointsEntry.delta).filter_by(membership_id=member.id, kind=kind)
                              .order_by(PointsEntry.id)).scalars().all()


def _record(programme, user) -> Referral:
    db.session.expire_all()
    return db.session.execute(db.select(Referral).filter_by(programme_id=programme.id, referee_id=user.id)
                              ).scalar_one()


def _buy(checkout_at, settle, user, product, shipped_at, token=None):
    (order,) = checkout_at(user, shipped_at - timedelta(hours=1), (product, 1), token=token)
    settle(order, shipped_at)
    return order


def _login(client, user, lang="en"):
    client.post(f"/lang/{lang}")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_both_sides_are_paid_when_the_first_order_settles_and_not_before(mall, make_user, checkout_at, settle):
    """Sign-up: a pending record, nothing paid. Payment: still pending, with the order. Settlement: 200 to the
    referrer (50 + 200 = 250) and 80 to the friend (50 joining + 30 earned + 80 = 160). A second order pays no more."""
    platform, product = mall["platform"], mall["product"]
    referrer = _referrer(make_user)
    friend = _sign_up(make_user, referral_code=referrer.referral_code)
    record = _record(platform, friend)
    assert (record.status, record.referrer_id, record.order_id) == ("pending", referrer.id, None)
    (order,) = checkout_at(friend, START, (product, 1))
    record = _record(platform, friend)
    assert (record.status, record.order_id) == ("pending", order.id)
    assert _available(platform, referrer) == JOIN and _entries(platform, friend, "referee") == []
    settle(order, START + timedelta(days=1))
    record = _record(platform, friend)
    assert (record.status, record.order_id, record.referrer_points, record.referee_points) == \
        ("rewarded", order.id, REFERRAL, REFEREE)
    assert record.rewarded_at is not None and record.reason is None
    assert _available(platform, referrer) == JOIN + REFERRAL == 250
    assert _available(platform, friend) == JOIN + EARNED + REFEREE == 160
    _buy(checkout_at, settle, friend, product, START + timedelta(days=10))
    assert _entries(platform, referrer, "referral") == [REFERRAL]
    assert _entries(platform, friend, "referee") == [REFEREE]


def test_held_for_the_same_phone(mall, make_user, checkout_at, settle, api):
    """The same number written two ways: held, nothing paid to either side, the reason shown in the API."""
    platform = mall["platform"]
    referrer = _referrer(make_user, phone="13800138000")
    twin = make_user(phone="+86 138-0013-8000", referral_code=referrer.referral_code)
    _buy(checkout_at, settle, twin, mall["product"], START + timedelta(days=1))
    record = _record(platform, twin)
    assert (record.status, record.reason) == ("held", "self_referral_phone")
    assert _available(platform, referrer) == JOIN and _entries(platform, twin, "referee") == []
    (friend,) = api(referrer).get("/api/v1/me/referrals").json["invited"]
    assert (friend["status"], friend["reason"]) == ("held", "self_referral_phone") and "points" not in friend


def test_held_for_the_same_delivery_address(mall, make_user, checkout_at, settle, api):
    """The friend's order ships to the referrer's address (HOME, in both address books): held, 50 stays 50."""
    platform = mall["platform"]
    referrer = make_user()  # HOME in the address book
    friend = make_user(referral_code=referrer.referral_code)  # ships to HOME too
    _buy(checkout_at, settle, friend, mall["product"], START + timedelta(days=1))
    assert (_record(platform, friend).status, _record(platform, friend).reason) == ("held", "self_referral_address")
    assert _available(platform, referrer) == JOIN
    assert api(referrer).get("/api/v1/me/referrals").json["invited"][0]["reason"] == "self_referral_address"


def test_an_address_written_differently_is_still_the_same(mall, make_user, checkout_at, settle):
    """Spaces and a different recipient do not make another address: "南京西路1266号" is "南京西路 1266 号"."""
    platform = mall["platform"]
    referrer = make_user()
    friend = make_user(address=False, referral_code=referrer.referral_code)
    give_address(friend, name="Han Meimei", phone="13900139000", street="南京西路1266号")
    db.session.commit()
    _buy(checkout_at, settle, friend, mall["product"], START + timedelta(days=1))
    assert _record(platform, friend).reason == "self_referral_address"


def test_held_for_the_same_payment_card(mall, make_user, checkout_at, settle, api):
    """The referrer paid with card tok-4242 and so does the friend: held. A friend paying with another card or none
    is paid: 50 + 200 = 250."""
    platform, product = mall["platform"], mall["product"]
    referrer = _referrer(make_user)
    _buy(checkout_at, settle, referrer, product, START, token="tok-4242")
    same, other = (_sign_up(make_user, referral_code=referrer.referral_code) for _ in range(2))
    _buy(checkout_at, settle, same, product, START + timedelta(days=1), token="tok-4242")
    _buy(checkout_at, settle, other, product, START + timedelta(days=1), token="tok-5555")
    assert (_record(platform, same).status, _record(platform, same).reason) == ("held", "self_referral_payment")
    assert _record(platform, other).status == "rewarded"
    assert _available(platform, referrer) == JOIN + EARNED + REFERRAL == 280  # its own tea earned 30
    reasons = {f["status"]: f.get("reason") for f in api(referrer).get("/api/v1/me/referrals").json["invited"]}
    assert reasons == {"held": "self_referral_payment", "rewarded": None}


def test_held_when_the_referrers_account_is_closed(mall, make_user, checkout_at, settle):
    """A referrer closed before the friend's order settles: held (referrer_disabled), the friend gets no 80 either."""
    platform = mall["platform"]
    referrer = _referrer(make_user)
    friend = make_user(referral_code=referrer.referral_code)
    referrer.is_disabled = True
    db.session.commit()
    _buy(checkout_at, settle, friend, mall["product"], START + timedelta(days=1))
    assert (_record(platform, friend).status, _record(platform, friend).reason) == ("held", "referrer_disabled")
    assert _entries(platform, friend, "referee") == []


def test_the_monthly_cap_holds_the_third_referral(mall, make_user, checkout_at, settle):
    """Cap 2: three friends' first orders settle in January; two pay (50 + 2 × 200 = 450), the third is held
    with monthly_cap, and its friend gets no referee bonus either."""
    platform = mall["platform"]
    referrer = _referrer(make_user)
    friends = [make_user(referral_code=referrer.referral_code) for _ in range(3)]
    for day, friend in enumerate(friends, start=1):
        _buy(checkout_at, settle, friend, mall["product"], START + timedelta(days=day))
    assert [_record(platform, f).status for f in friends] == ["rewarded", "rewarded", "held"]
    assert _record(platform, friends[2]).reason == "monthly_cap"
    assert _available(platform, referrer) == JOIN + 2 * REFERRAL == 450
    assert [_entries(platform, f, "referee") for f in friends] == [[REFEREE], [REFEREE], []]


def test_a_fully_refunded_first_order_pays_nothing_and_the_next_kept_one_qualifies(mall, make_user, checkout_at,
                                                                                   settle, api):
    """Order A is refunded in full before settling: held (refunded), nothing paid. Order B is paid: pending
    again with B; B settles: 200 and 80 are paid, with B as the qualifying order."""
    platform, product = mall["platform"], mall["product"]
    referrer = _referrer(make_user)
    friend = make_user(referral_code=referrer.referral_code)
    (first,) = checkout_at(friend, START, (product, 1))
    orders.refund(first, None, full=True)
    db.session.commit()
    record = _record(platform, friend)
    assert (record.status, record.reason, record.order_id) == ("held", "refunded", first.id)
    assert api(referrer).get("/api/v1/me/referrals").json["invited"][0]["reason"] == "refunded"
    assert _available(platform, referrer) == JOIN
    (second,) = checkout_at(friend, START + timedelta(days=2), (product, 1))
    assert (_record(platform, friend).status, _record(platform, friend).order_id) == ("pending", second.id)
    settle(second, START + timedelta(days=3))
    record = _record(platform, friend)
    assert (record.status, record.order_id) == ("rewarded", second.id)
    assert _available(platform, referrer) == JOIN + REFERRAL
    assert _entries(platform, friend, "referee") == [REFEREE]


def test_the_referee_coupon_is_issued_at_settlement(mall, make_user, checkout_at, settle):
    """With points.referee_coupon the friend receives that coupon once, at settlement, besides the 80 points."""
    platform = mall["platform"]
    template = coupon_ops.create_template(platform, {"name": "Welcome 10", "kind": "amount_off", "value": "10",
                                                     "valid_days": 30})
    doc = copy.deepcopy(platform.document)
    doc["points"]["referee_coupon"] = template.id
    save_document(None, doc)
    db.session.commit()
    referrer = _referrer(make_user)
    friend = make_user(referral_code=referrer.referral_code)
    (order,) = checkout_at(friend, START, (mall["product"], 1))
    coupons = db.select(Coupon).filter_by(user_id=friend.id, template_id=template.id)
    assert db.session.execute(coupons).scalars().all() == []
    settle(order, START + timedelta(days=1))
    (coupon,) = db.session.execute(coupons).scalars().all()
    assert coupon.source == "referral" and _record(platform, friend).coupon_id == coupon.id


def test_a_shop_programme_with_referral_bonuses_rewards_its_own_member(mall, make_user, make_programme, checkout_at,
                                                                       settle, client):
    """The tea shop gives 30 to a referrer who is its member and 20 to the friend, on the friend's first settled
    order there; the friend ships to the referrer's address, so the shop's record is held and the merchant sees
    why. Another referrer's friend is rewarded: 100 joining + 30 for the referrer."""
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["bonuses"].update(referral=30, referee=20)
    shop_programme = make_programme(mall["shop"], doc)
    cheat, honest = make_user(), _referrer(make_user)
    for referrer in (cheat, honest):
        join_programme(shop_programme, referrer, START)
    db.session.commit()
    twin = make_user(referral_code=cheat.referral_code)
    friend = make_user(referral_code=honest.referral_code)
    _buy(checkout_at, settle, twin, mall["product"], START + timedelta(days=1))
    _buy(checkout_at, settle, friend, mall["product"], START + timedelta(days=1))
    assert (_record(shop_programme, twin).status, _record(shop_programme, twin).reason) == \
        ("held", "self_referral_address")
    assert _record(shop_programme, friend).status == "rewarded"
    assert _entries(shop_programme, honest, "referral") == [30]
    assert _entries(shop_programme, friend, "referee") == [20]
    _login(client, mall["owner"])
    page = client.get("/admin/tea/loyalty/referrals").get_data(as_text=True)
    assert "Delivered to the inviting friend&#39;s address" in page or "Delivered to the inviting friend's" in page
    assert re.search(r"Invited</span><strong>2<", page) and re.search(r"Held</span><strong>1<", page)
    rewarded = client.get("/admin/tea/loyalty/referrals?status=rewarded").get_data(as_text=True)
    assert "30 to the referrer, 20 to the new member" in rewarded


def test_the_api_shape(mall, make_user, api, client):
    """code, link (the sign-up form with the code), and each friend masked, newest first; the link pre-fills it."""
    referrer = make_user(name="Zhang Wei")
    make_user(name="Wang Fang", referral_code=referrer.referral_code)
    make_user(name="李雷", referral_code=referrer.referral_code)
    body = api(referrer).get("/api/v1/me/referrals").json
    assert set(body) == {"code", "link", "invited"} and body["code"] == referrer.referral_code
    assert body["link"].endswith(f"/register?ref={referrer.referral_code}")
    assert [(f["user"], f["status"], set(f)) for f in body["invited"]] == [
        ("李**", "pending", {"user", "joined_at", "status"}), ("W**", "pending", {"user", "joined_at", "status"})]
    form = client.get(f"/register?ref={referrer.referral_code}").get_data(as_text=True)
    assert re.search(rf'name="referral_code"[^>]*value="{referrer.referral_code}"', form)
    assert api().get("/api/v1/me/referrals").status_code == 401
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/me/referrals" in paths


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_pages_render_for_shopper_merchant_and_operator(mall, make_user, make_programme, client, lang):
    """The invite page has the code, the link and an inline QR code; the shop's and the platform's boards count;
    a stranger is kept out of both boards."""
    referrer = make_user()
    make_user(name="Wang Fang", referral_code=referrer.referral_code)
    _login(client, referrer, lang)
    page = client.get("/member/invite").get_data(as_text=True)
    assert referrer.referral_code in page and "<svg" in page and "W**" in page
    assert f"register?ref={referrer.referral_code}" in page
    assert client.get("/admin/tea/loyalty/referrals").status_code in (403, 404)
    assert client.get("/platform/loyalty/referrals").status_code in (403, 404)
    make_programme(mall["shop"], FOUR_TIERS)
    client.post("/logout")
    _login(client, mall["owner"], lang)
    assert client.get("/admin/tea/loyalty/referrals").status_code == 200
    operator = make_user(operator=True)
    client.post("/logout")
    _login(client, operator, lang)
    board = client.get("/platform/loyalty/referrals?status=pending").get_data(as_text=True)
    assert re.search(r"<strong>1<", board) and "W**" in board


def test_another_shops_board_is_not_found(mall, make_user, make_shop, make_programme, client):
    """A merchant sees only their own shop's referrals: another shop's board is refused."""
    other = make_shop(slug="coffee")
    make_programme(other, FOUR_TIERS)
    make_programme(mall["shop"], FOUR_TIERS)
    _login(client, mall["owner"])
    assert client.get("/admin/coffee/loyalty/referrals").status_code in (403, 404)
    assert client.get("/admin/tea/loyalty/referrals").status_code == 200


def test_the_editor_saves_the_referee_bonus_and_coupon_and_refuses_a_foreign_coupon(mall, make_programme, client):
    """The editor shows the new member's bonus and coupon beside the referral fields: 25 points and the shop's own
    "Welcome 10" save as version 2; the platform's template id is refused next to its field, nothing saved."""
    from tests.test_programme_editor import _form

    shop_programme = make_programme(mall["shop"], FOUR_TIERS)
    own = coupon_ops.create_template(shop_programme, {"name": "Welcome 10", "kind": "amount_off", "value": "10",
                                                      "valid_days": 30})
    foreign = coupon_ops.create_template(mall["platform"], {"name": "P", "kind": "amount_off", "value": "5",
                                                            "valid_days": 30})
    db.session.commit()
    _login(client, mall["owner"])
    url = "/admin/tea/loyalty/programme"
    data = _form(client, url)
    assert "points__bonuses__referee" in data and "points__referee_coupon" in data
    bad = client.post(url, data={**data, "points__referee_coupon": str(foreign.id), "action": "save"})
    assert bad.status_code == 422 and "No coupon template with this id in this programme." in bad.get_data(as_text=True)
    client.post(url, data={**data, "points__bonuses__referee": "25", "points__referee_coupon": str(own.id),
                           "action": "save"})
    db.session.expire_all()
    saved = programme_for(mall["shop"])
    assert (saved.version, saved.document["points"]["bonuses"]["referee"], saved.document["points"]["referee_coupon"]
            ) == (2, 25, own.id)


def test_the_demo_has_rewarded_pending_and_held_referrals():
    """Alice invited four friends: Dave and Erin rewarded (200 to Alice, 50 to each), Frank pending (no order
    yet), Grace held for shipping to Alice's address."""
    from mall.demo import load_demo

    assert load_demo() is True
    alice = User.by_email("alice@mall-demo.cn")
    rows = db.session.execute(db.select(Referral).filter_by(referrer_id=alice.id)).scalars().all()
    states = {row.referee.email.split("@")[0]: (row.status, row.reason, row.referrer_points, row.referee_points)
              for row in rows if row.programme.tenant_id is None}
    assert states == {"dave": ("rewarded", None, 200, 50), "erin": ("rewarded", None, 200, 50),
                      "frank": ("pending", None, 0, 0), "grace": ("held", "self_referral_address", 0, 0)}


@requires_pg
def test_concurrent_settlements_keep_the_monthly_cap(app, mall, make_user, checkout_at):
    """Four friends' first orders settle at the same moment in four transactions: with a cap of 2, exactly two
    are rewarded (50 + 2 × 200 = 450 for the referrer) and two are held with monthly_cap."""
    from mall import signals
    from mall.orders.models import Order

    platform = mall["platform"]
    referrer = _referrer(make_user)
    friends = [make_user(referral_code=referrer.referral_code) for _ in range(4)]
    ids = [checkout_at(friend, START, (mall["product"], 1))[0].id for friend in friends]
    when = START + timedelta(days=10)

    def settle_one(order_id):
        def work():
            with app.app_context():
                signals.order_settled.send(app, order=db.session.get(Order, order_id), at=when)
                db.session.commit()
        return work

    with CommitGate(len(ids)) as gate:
        gate.run(*(settle_one(order_id) for order_id in ids))
    assert sorted((_record(platform, f).status, _record(platform, f).reason) for f in friends) == [
        ("held", "monthly_cap"), ("held", "monthly_cap"), ("rewarded", None), ("rewarded", None)]
    assert _available(platform, referrer) == JOIN + 2 * REFERRAL == 450
