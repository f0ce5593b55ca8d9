"""The demo's coupon pushes: each shop's monthly push to a segment, and the platform's before 618 and 双11.

A push writes what `pushes.jobs` writes for it: the push (done), its frozen targets, a coupon and a result
per member (or the reason it was skipped), an inbox message and the marketing contact the weekly cap counts.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from plugins.loyalty import keys
from plugins.loyalty.demo.data import PUSH_SEGMENTS, TEMPLATES
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.pushes.jobs import pick_holdout
from plugins.loyalty.segments.operations import BOUGHT, activity_of
from plugins.loyalty.segments.schemas import SegmentSchema

#: The share the shops' pushes to every member hold back, so their reports compare against a control group.
HOLDOUT = Decimal("0.1")


def _push_template(volume, programme, name: str | None = None):
    """The programme's push template (TEMPLATES marks it), or the one with this name."""
    slug = "platform" if programme.tenant_id is None else programme.tenant.slug
    names = {raw["name"] for raw in TEMPLATES.get(slug, ()) if raw.get("push")} if name is None else {name}
    return next((t for t in volume.templates.values() if t.programme_id == programme.id and t.name in names), None)


def shop_push(at, volume, programme, month: int) -> None:
    """The shop's monthly push, to everyone, the sleeping or the repeat buyers in turn."""
    template = _push_template(volume, programme)
    if template is not None:
        segment = PUSH_SEGMENTS[month % len(PUSH_SEGMENTS)]
        _push(volume, programme, template, segment, at, holdout=Decimal(0) if segment else HOLDOUT)


def platform_push(at, volume, name: str) -> None:
    """A platform coupon for every member before a shopping festival."""
    template = _push_template(volume, volume.platform, name)
    if template is not None:
        _push(volume, volume.platform, template, {}, at)


def _matches(volume, member, segment: dict, at) -> bool:
    """Whether a member is in the segment at `at` (segments.operations.segment_select, for these filters)."""
    if member.joined_at > at:
        return False
    if segment.get("activity") and activity_of(member, at) != segment["activity"]:
        return False
    if segment.get("lifecycle") == "repeat":
        tenant_id = member.programme.tenant_id
        bought = [o for o in volume.orders.get(member.user_id, ())
                  if o.status in BOUGHT and (tenant_id is None or o.tenant_id == tenant_id)]
        return len(bought) >= 2
    return True


def _push(volume, programme, template, segment: dict, at, holdout: Decimal = Decimal(0)) -> None:
    story, ledgers = volume.story, volume.ledgers
    rows = story.rows
    owner_id = next((s.owner_id for s in story.shops if s.tenant.id == programme.tenant_id), None)
    targets = [m for m in ledgers.by_programme.get(programme.id, ()) if _matches(volume, m, segment, at)]
    push = rows.add("loyalty_pushes", programme_id=programme.id, tenant_id=programme.tenant_id,
                    template_id=template.id, filter=SegmentSchema().dump(SegmentSchema().load(segment)),
                    channels=["inbox"], status="done", targeted=len(targets), created_by=owner_id, created_at=at,
                    started_at=at + timedelta(seconds=2), finished_at=at + timedelta(seconds=9), holdout=holdout,
                    seed=month_seed(at))
    rows.add("audit_entries", tenant_id=programme.tenant_id, actor_id=owner_id, action="push.created",
             target=template.name, details={"push_id": push.id}, created_at=at)
    name = rules(programme).name
    held = pick_holdout([m.user_id for m in targets], holdout, push.seed) if holdout else set()
    for member in targets:
        rows.add("loyalty_push_targets", push_id=push.id, membership_id=member.id, user_id=member.user_id)
        if member.user_id in held:
            rows.add("loyalty_push_results", push_id=push.id, user_id=member.user_id, outcome="holdout",
                     reason=None, coupon_id=None, created_at=at)
            continue
        coupon = None
        if ledgers.held(template, member.user_id) < template.per_member_limit:
            coupon = ledgers.issue(template, member.user, "push", keys.push_coupon(push.id, member.user_id), at)
        reason = None if coupon is not None else (
            "limit" if ledgers.held(template, member.user_id) >= template.per_member_limit else "out_of_stock")
        rows.add("loyalty_push_results", push_id=push.id, user_id=member.user_id,
                 outcome="issued" if coupon is not None else "skipped", reason=reason,
                 coupon_id=coupon.id if coupon is not None else None, created_at=at)
        if coupon is None:
            continue
        prefix = keys.push(push.id)
        ledgers.notify(member.user_id, "loyalty.push_coupon", f"{prefix}{member.user_id}:inbox", at,
                       link="/member/coupons", tenant_id=programme.tenant_id, marketing=True, coupon=template.name,
                       programme=name)
        rows.add("marketing_contacts", user_id=member.user_id, tenant_id=programme.tenant_id,
                 idempotency_key=f"{prefix}{member.user_id}", at=at)


def month_seed(at) -> int:
    """A push's seed from its day, so the same demo holds back the same members."""
    return at.year * 10000 + at.month * 100 + at.day
