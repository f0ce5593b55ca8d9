"""Two-sided referrals: one record per programme and referred member, decided when their first kept order settles.

The platform programme decides on the referred member's first settled order anywhere. A shop's programme
takes part when it gives a referral bonus (referrer's points, referee's points or a referee coupon) and the
referrer is a member of it; it decides on the first settled order in that shop, and the referred member joins
it then. A rewarded referral pays the referrer `bonuses.referral` and the new member `bonuses.referee` and the
`referee_coupon`; a held one pays neither side and keeps its reason. Every reason is final except "refunded"
(the qualifying order was fully refunded before it settled): the next order of the member that settles
decides instead, so returning a first purchase costs a friend nothing, and a reward still needs a kept order.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy.orm import aliased

from mall import clock
from mall.extensions import db
from mall.insert_once import insert_once
from plugins.loyalty import keys
from plugins.loyalty.checkout.models import HandledEvent
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.programmes.operations import find_in_programme, platform_programme, programme_for, rules
from plugins.loyalty.referrals.models import PaymentCard, Referral

#: How many of the referrer's past delivery addresses are compared with the referred member's.
ADDRESSES_COMPARED = 200


def gives_bonus(programme) -> bool:
    """Whether a programme rewards referrals at all (either side's points, or the referee's coupon)."""
    r = rules(programme)
    return bool(r.bonuses.get("referral") or r.bonuses.get("referee") or r.referee_coupon)


def record(programme, referrer_id: int, referee_id: int, at: datetime, order_id: int | None = None) -> Referral:
    """The referred member's record in a programme, created pending on first use (safe under races)."""
    key = keys.referral_record(programme.id, referee_id)
    row = insert_once(Referral(idempotency_key=key, programme_id=programme.id, referrer_id=referrer_id,
                               referee_id=referee_id, status="pending", order_id=order_id, referrer_points=0,
                               referee_points=0, created_at=at))
    return row or db.session.execute(db.select(Referral).filter_by(idempotency_key=key)).scalar_one()


def programmes_of(order) -> list:
    """The programmes a referred member's order counts for: the platform's, and its shop's when it takes part."""
    user = order.user
    out = [p for p in (platform_programme(),) if p is not None]
    shop = programme_for(order.tenant)
    if shop is not None and gives_bonus(shop):
        from mall.accounts.models import User

        if membership(shop, db.session.get(User, user.referred_by_id)) is not None:
            out.append(shop)
    return out


def note_registration(user, at: datetime) -> None:
    """A user who signed up with a code gets a pending record in the platform programme at once."""
    platform = platform_programme()
    if user.referred_by_id and platform is not None:
        record(platform, user.referred_by_id, user.id, at)


def note_payment(order, card: str | None, at: datetime) -> None:
    """Remember the paying card; a referred member's paid order becomes the qualifying order of their records.

    A record held because its order was refunded is pending again with the new order.
    """
    user = order.user
    if card:
        insert_once(PaymentCard(idempotency_key=keys.payment_card(user.id, card), user_id=user.id, fingerprint=card,
                                created_at=at))
    if not user.referred_by_id:
        return
    for programme in programmes_of(order):
        row = record(programme, user.referred_by_id, user.id, at, order.id)
        db.session.execute(
            update(Referral).where(Referral.id == row.id, db.or_(
                db.and_(Referral.status == "pending", Referral.order_id.is_(None)),
                db.and_(Referral.status == "held", Referral.reason == "refunded")))
            .values(status="pending", reason=None, order_id=order.id).execution_options(synchronize_session="fetch"))


def note_refund(order) -> None:
    """A fully refunded (or cancelled) qualifying order holds its pending records: it will never settle."""
    db.session.execute(
        update(Referral).where(Referral.referee_id == order.user_id, Referral.order_id == order.id,
                               Referral.status == "pending")
        .values(status="held", reason="refunded").execution_options(synchronize_session="fetch"))


def reward_referrer(order, at) -> int | None:
    """Decide the referrals this settled order qualifies for; the platform referrer's entry id, or None.

    Only the first settled order decides (held for refunding excepted): a later order never pays, even
    when the first paid nothing (a self-referral, a referrer at the month's cap).
    """
    if not order.user.referred_by_id:
        return None
    entry = None
    for programme in programmes_of(order):
        paid = _decide(programme, order, at)
        if programme.tenant_id is None:
            entry = paid
    return entry


def _decide(programme, order, at) -> int | None:
    """Reward or hold one programme's record once; the referrer's entry id when points were paid."""
    referee = order.user
    if not gives_bonus(programme):
        return None  # no reward to give: the record waits, pending
    row = record(programme, referee.referred_by_id, referee.id, at)
    if row.status == "rewarded" or (row.status == "held" and row.reason != "refunded"):
        return None
    if insert_once(HandledEvent(idempotency_key=keys.referral(programme.id, referee.id), created_at=at)) is None:
        return None
    from mall.accounts.models import User

    referrer = db.session.get(User, row.referrer_id)
    reason = held_reason(referrer, referee, order)
    member = None
    if reason is None:
        member = join(programme, referrer, at)[0] if programme.tenant_id is None else membership(programme, referrer)
        # Rewards of one referrer are counted and paid one at a time, so concurrent settlements keep the cap.
        db.session.execute(db.select(Membership.id).where(Membership.id == member.id).with_for_update())
        if rewards_in_month(programme, referrer.id, at) >= rules(programme).referral_monthly_cap:
            reason = "monthly_cap"
    row.order_id, row.decided_at = order.id, at
    if reason is not None:
        row.status, row.reason = "held", reason
        db.session.flush()
        return None
    return _pay(programme, row, member, referee, at)


def _pay(programme, row: Referral, member: Membership, referee, at) -> int | None:
    """Both sides' rewards, recorded on the referral."""
    from plugins.loyalty.coupons import operations as coupon_ops
    from plugins.loyalty.coupons.models import CouponTemplate
    from plugins.loyalty.members.operations import join_programme

    r = rules(programme)
    bonus, gift = r.bonuses.get("referral", 0), r.bonuses.get("referee", 0)
    entry = ledger.credit(member, bonus, "referral", keys.referral(programme.id, referee.id), at=at,
                          funded_by=programme.funder) if bonus else None
    mine = join_programme(programme, referee, at)[0]
    if gift:
        ledger.credit(mine, gift, "referee", keys.referee(programme.id, referee.id), at=at, funded_by=programme.funder)
    template = find_in_programme(CouponTemplate, r.referee_coupon, programme) if r.referee_coupon else None
    coupon = coupon_ops.issue_once(template, referee, "referral", keys.referee_coupon(template.id, referee.id), at) \
        if template is not None else None
    row.status, row.reason, row.rewarded_at = "rewarded", None, at
    row.referrer_points, row.referee_points = bonus, gift
    row.coupon_id = coupon.id if coupon is not None else None
    db.session.flush()
    return entry


def held_reason(referrer, referee, order) -> str | None:
    """Why a referral pays nothing: the referrer is gone, or both accounts are one person; None when it pays."""
    if referrer is None or referrer.is_disabled:
        return "referrer_disabled"
    if same_person(referrer, referee):
        return "self_referral_phone"
    if same_address(referrer, order):
        return "self_referral_address"
    if same_card(referrer.id, referee.id):
        return "self_referral_payment"
    return None


def same_person(referrer, user) -> bool:
    """A referral between two accounts with the same phone number, however written."""
    mine, theirs = _phone_digits(referrer.phone), _phone_digits(user.phone)
    return bool(mine) and mine == theirs


def _phone_digits(phone: str | None) -> str:
    """A phone number's digits, without the country code of mainland China (+86 / 0086)."""
    digits = re.sub(r"[^0-9]", "", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix):]
    return digits


def place(address: dict | None) -> str:
    """A delivery address as one comparable text: region to street, without spaces, punctuation or case."""
    if not address:
        return ""
    text = "".join(str(address.get(k) or "") for k in ("region", "city", "district", "street"))
    return re.sub(r"[\s,.，。·#\-–—()（）]", "", text).casefold()


def same_address(referrer, order) -> bool:
    """The qualifying order ships to one of the referrer's addresses (their address book or their orders)."""
    from mall.addresses.models import Address
    from mall.orders.models import Order

    theirs = place(order.address)
    if not theirs:
        return False
    book = db.session.execute(db.select(Address).filter_by(user_id=referrer.id).limit(ADDRESSES_COMPARED)).scalars()
    shipped = db.session.execute(db.select(Order.address).where(Order.user_id == referrer.id, Order.address.is_not(
        None)).order_by(Order.id.desc()).limit(ADDRESSES_COMPARED)).scalars()
    return theirs in {place(a.snapshot()) for a in book} | {place(a) for a in shipped}


def same_card(referrer_id: int, referee_id: int) -> bool:
    """The referred member has paid with a card the referrer has paid with."""
    mine, theirs = aliased(PaymentCard), aliased(PaymentCard)
    return db.session.execute(
        db.select(mine.id).join(theirs, theirs.fingerprint == mine.fingerprint)
        .where(mine.user_id == referrer_id, theirs.user_id == referee_id).limit(1)).first() is not None


def rewards_in_month(programme, referrer_id: int, at: datetime) -> int:
    """Referrals rewarded to a referrer in the calendar month of `at`, in the programme's time zone."""
    zone = ZoneInfo(clock.zone_of(programme.tenant))
    local = at.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return db.session.execute(
        db.select(func.count()).select_from(Referral).where(
            Referral.programme_id == programme.id, Referral.referrer_id == referrer_id,
            Referral.status == "rewarded", Referral.rewarded_at >= clock.as_utc(start),
            Referral.rewarded_at < clock.as_utc(end))
    ).scalar_one()


# Reading: the member's friends, a programme's counts and its held referrals.

#: How many invited friends a member's page and the API list, newest first.
FRIENDS_SHOWN = 500


def masked(name: str | None) -> str:
    """A friend's name as others see it: the first character and two stars, whatever its length."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else "**"


def invited(user) -> list[dict]:
    """The users who signed up with this user's code, newest first, each with the referral's state.

    A friend's state and points are their platform record's (or, without one, the first shop's): points of
    different programmes are not added up.
    """
    from mall.accounts.models import User

    friends = db.session.execute(db.select(User).where(User.referred_by_id == user.id)
                                 .order_by(User.created_at.desc(), User.id.desc()).limit(FRIENDS_SHOWN)).scalars().all()
    records: dict[int, list[Referral]] = {}
    if friends:
        for row in db.session.execute(db.select(Referral).where(
                Referral.referrer_id == user.id, Referral.referee_id.in_([f.id for f in friends]))
                .order_by(Referral.id)).scalars():
            records.setdefault(row.referee_id, []).append(row)
    out = []
    for friend in friends:
        rows = sorted(records.get(friend.id, []), key=lambda r: r.programme.tenant_id is not None)
        main = rows[0] if rows else None
        out.append({"name": masked(friend.name), "joined_at": friend.created_at,
                    "status": main.status if main else "pending", "reason": main.reason if main else None,
                    "points": main.referrer_points if main else 0, "rewarded_at": main.rewarded_at if main else None})
    return out


def counts(programme) -> dict:
    """Referrals of a programme by status, and all of them as "invited"."""
    by = dict(db.session.execute(db.select(Referral.status, func.count()).where(
        Referral.programme_id == programme.id).group_by(Referral.status)).all())
    out = {status: by.get(status, 0) for status in ("pending", "rewarded", "held")}
    return {"invited": sum(out.values()), **out}


def listed(programme, status: str):
    """The select of a programme's referrals in one status, latest first (for a paginated list)."""
    return db.select(Referral).where(Referral.programme_id == programme.id, Referral.status == status).order_by(
        Referral.decided_at.desc().nulls_last(), Referral.id.desc())
