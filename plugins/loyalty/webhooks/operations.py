"""Loyalty webhook events: a platform programme's go to the platform's endpoints, a shop programme's to its shop's.

Each function is called in the transaction of its cause, so the delivery rows commit (or roll back) with it.
"""

from __future__ import annotations

from mall.extensions import db
from mall.webhooks.operations import emit, subscribed


def _member(membership) -> dict:
    return {"membership_id": membership.id, "user_id": membership.user_id,
            "programme_id": membership.programme_id}


def points_credited(membership, entry_id: int, points: int, kind: str, expires_at, order_id=None) -> None:
    """points.credited: a new lot of available points."""
    emit(membership.programme.tenant_id, "points.credited", {
        **_member(membership), "entry_id": entry_id, "points": points, "kind": kind, "order_id": order_id,
        "expires_at": expires_at, "balance": membership.points_available}, key=f"points.credited:{entry_id}")


def points_expiring(membership, key: str, points: int, due) -> None:
    """points.expiring: points that lapse at `due` unless spent (sent with the member's reminder)."""
    emit(membership.programme.tenant_id, "points.expiring", {
        **_member(membership), "points": points, "expires_at": due}, key=f"points.expiring:{key}")


def points_expired(membership, entry_id: int, points: int, at) -> None:
    """points.expired: a lot's remaining points lapsed."""
    emit(membership.programme.tenant_id, "points.expired", {
        **_member(membership), "entry_id": entry_id, "points": points, "expired_at": at,
        "balance": membership.points_available}, key=f"points.expired:{entry_id}")


def tier_changed(membership, from_code: str, to_code: str, reason: str, key: str, at) -> None:
    """tier.changed: the member's earned tier moved (up, down, or kept at a period's end)."""
    emit(membership.programme.tenant_id, "tier.changed", {
        **_member(membership), "from": from_code, "to": to_code, "reason": reason, "at": at},
        key=f"tier.changed:{key}")


def coupon_issued(coupon) -> None:
    """coupon.issued: a member received a coupon."""
    emit(coupon.programme.tenant_id, "coupon.issued", {
        "coupon_id": coupon.id, "template_id": coupon.template_id, "programme_id": coupon.programme_id,
        "user_id": coupon.user_id, "source": coupon.source, "valid_from": coupon.valid_from,
        "valid_until": coupon.valid_until}, key=f"coupon.issued:{coupon.id}")


def coupons_pushed(push, user_ids: list[int]) -> None:
    """coupon.issued for each coupon a push chunk inserted in bulk (read back only when someone listens)."""
    if not user_ids or not subscribed(push.tenant_id, "coupon.issued"):
        return
    from plugins.loyalty.coupons.models import Coupon
    from plugins.loyalty.keys import push as push_key

    for coupon in db.session.execute(db.select(Coupon).where(
            Coupon.user_id.in_(user_ids), Coupon.template_id == push.template_id,
            Coupon.issue_key.startswith(push_key(push.id)))).scalars():
        coupon_issued(coupon)


def coupon_used(coupon, order_id: int, at) -> None:
    """coupon.used: a coupon paid part of an order."""
    emit(coupon.programme.tenant_id, "coupon.used", {
        "coupon_id": coupon.id, "template_id": coupon.template_id, "programme_id": coupon.programme_id,
        "user_id": coupon.user_id, "order_id": order_id, "used_at": at}, key=f"coupon.used:{coupon.id}:{order_id}")


def push_completed(push) -> None:
    """push.completed: a push reached every member of its segment."""
    emit(push.tenant_id, "push.completed", {
        "push_id": push.id, "template_id": push.template_id, "targeted": push.targeted,
        "started_at": push.started_at, "finished_at": push.finished_at}, key=f"push.completed:{push.id}")


def member_joined(membership) -> None:
    """member.joined: someone joined the programme."""
    emit(membership.programme.tenant_id, "member.joined", {
        **_member(membership), "tier": membership.tier_code, "joined_at": membership.joined_at},
        key=f"member.joined:{membership.id}")
