"""Each loyalty rule is written once: what the pages offer or preview is what pricing, refunds and pushes then do."""

import copy
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_login import login_user

from mall import clock
from mall.checkout.quote import build_quote
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.checkout.models import OrderCredit
from plugins.loyalty.checkout.receivers import coupons_on_full_refund, full_refund_preview
from plugins.loyalty.checkout.views import checkout_options
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.pushes.models import Push, PushResult
from plugins.loyalty.pushes.operations import create_push
from plugins.loyalty.seeds import PLATFORM_PROGRAMME, VANCL
from plugins.loyalty.wallet.operations import bonus_first
from tests.fixtures.programmes import START


def _member(user, programme) -> Membership:
    db.session.expire_all()
    return db.session.execute(db.select(Membership).filter_by(user_id=user.id, programme_id=programme.id)).scalar_one()


def _offered(html: str, key: str) -> int:
    return int(re.search(rf'id="points-{key}"[^>]*placeholder="[^"]*?(\d+)"', html).group(1))


def test_offered_platform_points_are_what_pricing_accepts_after_shop_points(app, make_user, make_shop, make_product,
                                                                           make_programme):
    """Shop points may pay 80 % and platform points 50 %: after 80.00 of shop points only 20.00 is left, so the
    checkout offers 2000 platform points (not 50 % = 5000), pricing takes 2000 and refuses 2001."""
    shop = make_shop(slug="eighty")
    shop_doc, platform_doc = copy.deepcopy(VANCL), copy.deepcopy(PLATFORM_PROGRAMME)
    shop_doc["points"]["redeem"]["max_order_fraction"] = "0.8"
    platform_doc["points"]["redeem"]["max_order_fraction"] = "0.5"
    shop_programme, platform = make_programme(shop, shop_doc), make_programme(None, platform_doc)
    product = make_product(shop, price="100.00")
    user = make_user()
    for programme in (shop_programme, platform):
        member, _created = join_programme(programme, user)
        ledger.credit(member, 10000, "adjust", f"test-grant:{programme.id}")
    db.session.commit()
    lines = [{"product_id": product.id, "qty": 1}]
    options = {"points": {"eighty": 4000}}
    with app.test_request_context():
        login_user(user)
        html = checkout_options(build_quote(user, lines, options), options)
    assert _offered(html, "eighty") == 4000
    assert _offered(html, "platform") == 2000
    quote = build_quote(user, lines, {"points": {"eighty": 4000, "platform": 2000}})
    assert quote.orders[0].points_value == Decimal("100.00")
    with pytest.raises(FieldErrors) as refused:
        build_quote(user, lines, {"points": {"eighty": 4000, "platform": 2001}})
    assert refused.value.code == "points_over_limit" and "2000" in refused.value.message


def test_wallet_pays_bonus_first():
    """One split for checkout and the paid tier: the bonus balance first, then cash."""
    assert bonus_first(Decimal("30.00"), Decimal("100.00")) == (Decimal("30.00"), Decimal("70.00"))
    assert bonus_first(Decimal("300.00"), Decimal("100.00")) == (Decimal("100.00"), Decimal("0.00"))
    assert bonus_first(Decimal("0.00"), Decimal("5.00")) == (Decimal("0.00"), Decimal("5.00"))


def test_coupon_status_is_one_rule_in_sql_and_on_a_coupon(make_user, make_shop, make_programme):
    """in_status gives the same answer as a SQL filter and on a loaded coupon, and agrees with Coupon.status."""
    programme = make_programme(make_shop(), VANCL)
    user = make_user()
    template = coupon_ops.create_template(programme, {"name": "Ten off", "kind": "amount_off", "value": "10",
                                                      "valid_days": 30, "per_member_limit": 10})
    now = clock.now()
    windows = [(now - timedelta(days=2), now + timedelta(days=2), None),  # usable
               (now + timedelta(days=1), now + timedelta(days=3), None),  # available, not begun
               (now - timedelta(days=3), now - timedelta(days=1), None)]  # expired
    for n, (start, end, used_at) in enumerate(windows):
        db.session.add(Coupon(template_id=template.id, programme_id=programme.id, user_id=user.id, source="staff",
                              issue_key=f"status-test:{n}", valid_from=start, valid_until=end, used_at=used_at))
    db.session.commit()
    used = Coupon(valid_from=now - timedelta(days=3), valid_until=now + timedelta(days=1), used_order_id=1)
    assert [coupon_ops.in_status(used, s, now) for s in ("available", "used", "expired", "usable")] == \
        [False, True, False, False]
    coupons = db.session.execute(db.select(Coupon).where(Coupon.user_id == user.id).order_by(Coupon.id)).scalars().all()
    for status in ("available", "used", "expired", "usable"):
        in_sql = [c.id for c in db.session.execute(coupon_ops.coupons_of(user, status, now).order_by(Coupon.id))
                  .scalars()]
        assert in_sql == [c.id for c in coupons if coupon_ops.in_status(c, status, now)], status
    assert [coupon_ops.in_status(c, "usable", now) for c in coupons] == [True, False, False]
    for c in coupons:
        assert coupon_ops.in_status(c, c.status(now), now)


def test_refund_preview_is_what_the_refund_does(vancl_shop, make_user, checkout_at, settle):
    """A settled VANCL order paid with points and a coupon: the preview's give-back, take-back and shortfall
    (after the give-back) and the coupon's return are exactly what the full refund then does."""
    programme = vancl_shop["programme"]
    user = make_user()
    with clock.frozen_at(START):
        join_programme(programme, user)
        template = coupon_ops.create_template(programme, {"name": "Fifty off", "kind": "amount_off", "value": "50",
                                                          "valid_days": 365})
        coupon = coupon_ops.issue(template, user, "staff")
        db.session.commit()
    (first,) = checkout_at(user, START, (vancl_shop["coat"], 1))
    settle(first, START + timedelta(days=1))
    at = START + timedelta(days=40)
    (order,) = checkout_at(user, at, (vancl_shop["coat"], 1), (vancl_shop["jeans"], 1), coupons=[coupon.id],
                           points={"vancl": 1000})
    settle(order, at + timedelta(days=1))
    member = _member(user, programme)
    # Spend most of the balance, so that taking the earned points back comes up short.
    with clock.frozen_at(at + timedelta(days=35)):
        ledger.debit(member, member.points_available - 300, "adjust", "test-spend")
        db.session.commit()
    before = _member(user, programme).points_available
    (rev,) = full_refund_preview(order)
    preview = (rev.give_back, rev.take_back, rev.short, rev.cancel)
    coupons = [(c.id, outcome) for c, outcome in coupons_on_full_refund(order, clock.now(), preview=True)]
    assert rev.give_back == 1000 and rev.take_back > 0 and rev.short > 0
    orders.refund(order, None, full=True)
    db.session.commit()
    row = db.session.execute(db.select(OrderCredit).filter_by(order_id=order.id, membership_id=member.id)).scalar_one()
    after = _member(user, programme).points_available
    done = (row.points_returned, before + row.points_returned - after + row.shortfall, row.shortfall, 0)
    assert preview == done
    assert after == 0 and row.released == 0
    assert coupons == [(coupon.id, "returned")]
    assert db.session.get(Coupon, coupon.id).used_order_id is None


@pytest.fixture
def vancl_shop(make_shop, make_product, make_programme):
    """The VANCL shop: a 1000 coat and a 500 pair of jeans; no shipping fee."""
    shop = make_shop(slug="vancl", return_window_days=30)
    return {"shop": shop, "programme": make_programme(shop, VANCL),
            "coat": make_product(shop, price="1000.00", stock=100),
            "jeans": make_product(shop, price="500.00", stock=100)}


def _push_outcome(template, user) -> str | None:
    """Push the template to everyone in its programme; the reason the user was skipped (None when issued)."""
    push = create_push(template.programme, {"template_id": template.id, "filter": {}})
    db.session.commit()  # the queued jobs run once the push is committed
    result = db.session.execute(db.select(PushResult).filter_by(push_id=push.id, user_id=user.id)).scalar_one()
    return result.reason if result.outcome == "skipped" else None


@pytest.mark.parametrize("situation", ["limit", "out_of_stock", "expired"])
def test_claim_and_push_refuse_the_same_members(situation, make_user, make_shop, make_programme):
    """A template at the member's limit, out of stock or expired: a claim is refused with the code whose
    push reason the push records for the same member."""
    from plugins.loyalty.pushes.jobs import SKIP_REASONS

    shop = make_shop()
    programme = make_programme(shop, VANCL)
    user, other = make_user(), make_user()
    for u in (user, other):
        join_programme(programme, u)
    template = coupon_ops.create_template(programme, {"name": "Five off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 30, "claimable": True, "stock": 1})
    if situation == "limit":
        coupon_ops.issue(template, user, "staff")
    elif situation == "out_of_stock":
        coupon_ops.issue(template, other, "staff")
    else:
        template.valid_days, template.valid_from = None, clock.now() - timedelta(days=10)
        template.valid_until = clock.now() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        coupon_ops.claim(programme, template.id, user)
    db.session.rollback()
    assert refused.value.code == f"coupon_{situation}"
    assert _push_outcome(db.session.get(CouponTemplate, template.id), user) == SKIP_REASONS[refused.value.code]
    assert db.session.query(Push).count() == 1
