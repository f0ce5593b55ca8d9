"""The member centre's reading of a shopper: member cards, tier ladders, coupon stubs in words and menu counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from babel.numbers import format_decimal
from flask import g
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from mall import clock
from mall.catalog.models import Category, Product
from mall.extensions import db
from mall.i18n import is_english, localized, number
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import effective_tier, next_tier_progress
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import rules

#: A usable coupon that ends within this many days is marked as expiring soon.
COUPON_EXPIRING_DAYS = 3
STATES = ("available", "claimed", "sold_out", "expiring", "used", "expired")
#: How many names of categories or products a stub spells out before "and N more".
SCOPE_NAMES = 2


def amount(value) -> str:
    """A sum of money without needless cents and with thousands grouped: 30, 2,000, 12.5."""
    return format_decimal(Decimal(value), format="#,##0.##", locale=get_locale())


def count(value: int) -> str:
    """A whole number with thousands grouped in the viewer's language: 2,063 (the `|number` filter's rule)."""
    return number(int(value))


def percent_off(factor: Decimal) -> str:
    """A price factor as shoppers say it: 0.90 is "9折" in Chinese and "10% off" in English."""
    factor = Decimal(factor)
    if is_english():
        return _("%(percent)s%% off", percent=amount((1 - factor) * 100))
    return _("%(tenths)s tenths of the price", tenths=amount(factor * 10))


def metric_words(value, metric: str) -> str:
    """An amount of a programme's level metric with its unit: ¥2,000, 5 orders, 500 growth points."""
    if metric == "orders":
        return ngettext("%(n)s order", "%(n)s orders", int(value), n=count(int(value)))
    if metric == "growth":
        return _("%(n)s growth points", n=count(int(value)))
    return "¥" + amount(value)


def tier_benefits(tier) -> list[str]:
    """A tier's benefits in words, in the order a member reads them; the programme's own perks last."""
    words = []
    if tier.discount < 1:
        words.append(_("Member price %(off)s", off=percent_off(tier.discount)))
    if tier.points_multiplier != 1:
        words.append(_("%(m)s× points", m=amount(tier.points_multiplier)))
    if tier.free_shipping:
        words.append(_("Free shipping"))
    if tier.rebate_rate > 0:
        words.append(_("%(p)s%% back to your wallet", p=amount(tier.rebate_rate * 100)))
    for _template, every in tier.coupons:
        words.append(_("A coupon every month") if every == "month" else _("A coupon every quarter"))
    words.extend(localized(tier, "perks"))
    return words


def tier_requirement(tier, r) -> str:
    """What earns a tier (or what it costs, for a paid one), in words."""
    if tier.is_paid:
        return _("¥%(fee)s for %(d)d days", fee=amount(tier.fee), d=tier.duration_days or 0)
    if tier.rank == r.lowest.rank or tier.threshold <= 0:
        return _("On joining")
    reach = metric_words(tier.threshold, r.metric)
    if r.window["kind"] == "rolling":
        return _("%(n)s within %(d)d days", n=reach, d=r.window["days"])
    if r.window["kind"] == "validity" and tier.keep > 0:
        return _("Reach %(n)s; %(k)s a period keeps it", n=reach, k=metric_words(tier.keep, r.metric))
    return _("Reach %(n)s in total", n=reach)


def _progress(member: Membership, r, at) -> dict | None:
    """The way to the next earned tier: the existing progress rule, with a percentage and a deadline."""
    progress = next_tier_progress(member, at)
    if progress is None:
        return None
    threshold, metric = progress["threshold"], progress["metric"]
    pct = 100 if threshold <= 0 else int(max(min(metric / threshold * 100, 100), 0))
    kind = r.window["kind"]
    by = member.period_end if kind == "validity" and member.period_end else None
    return {**progress, "pct": pct, "by": by, "within": r.window["days"] if kind == "rolling" else None,
            "missing_words": metric_words(progress["missing"], r.metric)}


def member_cards(user, at=None) -> list[dict]:
    """One card per programme the shopper belongs to (the platform's first): tier, points, expiry, progress."""
    at = at or clock.now()
    # The programmes and their shops come with the memberships: one query, not one per card.
    members = db.session.execute(
        db.select(Membership).where(Membership.user_id == user.id)
        .options(joinedload(Membership.programme).joinedload(Programme.tenant))).scalars().all()
    members = sorted(members, key=lambda m: (not m.programme.is_platform, m.programme_id))
    expiring = ledger.expiring_soon(members, at, ledger.EXPIRING_SOON_DAYS)
    cards = []
    for m in members:
        r = rules(m.programme)
        tier = effective_tier(m, at)
        soon = expiring[m.id]
        cards.append({
            "member": m, "rules": r, "tier": tier, "progress": _progress(m, r, at),
            "shop": m.programme.tenant, "expiring": sum(n for _when, n in soon),
            "expiring_first": soon[0][0] if soon else None, "expiring_days": ledger.EXPIRING_SOON_DAYS,
            "paid_until": m.paid_until if tier.is_paid else None,
            "ladder": [{"tier": t, "benefits": tier_benefits(t), "requirement": tier_requirement(t, r),
                        "current": t.code == tier.code} for t in r.tiers],
        })
    return cards


def _scope_names(model, ids: list) -> list[str]:
    """Names of a coupon's categories or products, remembered for the request (one query per id list)."""
    cache = g.setdefault("_coupon_scope_names", {})
    key = (model.__name__, tuple(ids))
    if key not in cache:
        rows = db.session.execute(db.select(model).where(model.id.in_(ids[:50])).order_by(model.id)).scalars()
        cache[key] = [localized(row, "name") for row in rows]
    return cache[key]


def _named(names: list[str], total: int) -> str:
    shown = (", " if is_english() else "、").join(names[:SCOPE_NAMES])
    more = total - min(len(names), SCOPE_NAMES)
    return _("%(names)s and %(n)d more", names=shown, n=more) if more > 0 else shown


def scope_words(template: CouponTemplate) -> str:
    """Where a coupon applies: anywhere, the whole shop, named categories or products; sale items left out."""
    if template.product_ids:
        text = _("Only %(names)s", names=_named(_scope_names(Product, list(template.product_ids)),
                                                len(template.product_ids)))
    elif template.category_ids:
        text = _("Only in %(names)s", names=_named(_scope_names(Category, list(template.category_ids)),
                                                   len(template.category_ids)))
    elif template.programme.is_platform:
        text = _("Any shop")
    else:
        text = _("Whole shop")
    if template.exclude_sale_items:
        text += _(", excludes sale items")
    return text


def validity_words(template: CouponTemplate, coupon: Coupon | None) -> str:
    """When a coupon can be used: an issued one's dates, or a template's days after claiming or window."""
    start, end = (coupon.valid_from, coupon.valid_until) if coupon is not None else \
        (template.valid_from, template.valid_until)
    if coupon is None and template.valid_days:
        return _("Valid for %(d)d days after claiming", d=template.valid_days)
    if start is None or end is None:
        return ""
    # The last moment is exclusive: a coupon ending at midnight is usable through the day before.
    last = end - timedelta(seconds=1)
    return _("%(start)s – %(end)s", start=format_date(start, "medium"), end=format_date(last, "medium"))


def coupon_state(coupon: Coupon, at=None) -> str:
    """An issued coupon's state on its stub: used, expired, expiring (soon) or available."""
    at = at or clock.now()
    status = coupon.status(at)
    if status == "available" and coupon.valid_until - at <= timedelta(days=COUPON_EXPIRING_DAYS):
        return "expiring"
    return status


def state_words(state: str | None) -> str:
    """A stub's state label."""
    return {"available": _("Usable"), "claimed": _("Claimed"), "sold_out": _("All gone"),
            "expiring": _("Expiring soon"), "used": _("Used"), "expired": _("Expired")}.get(state or "", "")


def coupon_stub(template: CouponTemplate, coupon: Coupon | None = None, state: str | None = None) -> dict:
    """The words on a coupon stub: value, condition, scope, validity, whose coupon it is and its state."""
    if template.kind == "amount_off":
        value = "¥" + amount(template.value)
    elif template.kind == "percent_off":
        value = percent_off(template.value)
    else:
        value = _("Free shipping")
    condition = _("Spend ¥%(v)s", v=amount(template.min_spend)) if template.min_spend > 0 else _("No minimum")
    limit = _("Up to ¥%(v)s off", v=amount(template.max_discount)) \
        if template.kind == "percent_off" and template.max_discount is not None else ""
    programme = template.programme
    owner = _("Platform coupon") if programme.is_platform else localized(programme.tenant, "name")
    return {"value": value, "condition": condition, "limit": limit, "scope": scope_words(template), "owner": owner,
            "validity": validity_words(template, coupon), "state": state_words(state),
            "kind": template.kind, "dim": state in ("sold_out", "used", "expired")}


def usable_coupons(user_id: int, at=None) -> int:
    """How many coupons the shopper can use now: one count query, remembered for the request."""
    cache = g.setdefault("_usable_coupons", {})
    if user_id not in cache:
        at = at or clock.now()
        cache[user_id] = db.session.execute(
            db.select(func.count(Coupon.id)).where(Coupon.user_id == user_id, Coupon.used_order_id.is_(None),
                                                   Coupon.valid_until > at)).scalar()
    return cache[user_id]


def membership_count(user_id: int) -> int:
    """How many programmes the shopper belongs to: one count query, remembered for the request."""
    cache = g.setdefault("_membership_count", {})
    if user_id not in cache:
        cache[user_id] = db.session.execute(
            db.select(func.count(Membership.id)).where(Membership.user_id == user_id)).scalar()
    return cache[user_id]


def held_counts(user_id: int, template_ids: list[int]) -> dict[int, int]:
    """How many coupons of each template the shopper holds, in one query (the coupon centre's 已领取)."""
    if not template_ids:
        return {}
    return dict(db.session.execute(
        db.select(Coupon.template_id, func.count(Coupon.id))
        .where(Coupon.user_id == user_id, Coupon.template_id.in_(template_ids)).group_by(Coupon.template_id)).all())


def centre_state(template: CouponTemplate, held: int) -> str | None:
    """A coupon-centre stub's state: claimed up to the member's limit, sold out (or its budget spent), or None
    (claimable)."""
    if held >= template.per_member_limit:
        return "claimed"
    if template.stock is not None and template.issued >= template.stock:
        return "sold_out"
    if template.budget and not budgets.room_for_one(template, clock.now()):
        return "sold_out"  # for this budget period
    return None


def nav_count(endpoint: str):
    """The count a member menu entry shows for the signed-in shopper (usable coupons, programmes joined), if any."""
    counts = {"loyalty.coupons": usable_coupons, "loyalty.memberships": membership_count}
    if endpoint not in counts:
        return None

    def read() -> int | None:
        from flask_login import current_user

        return counts[endpoint](current_user.id) if current_user.is_authenticated else None
    return read
