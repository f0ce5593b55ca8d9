"""Coupons: creating templates, issuing within stock and limits, scope, discount, using, restoring."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import bindparam, case, func, literal, null, text, true, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from mall import clock
from mall.catalog.models import Category, Product
from mall.dbtypes import Money
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.ledger import Claim, send
from mall.money import format_money
from mall.orders.models import Order
from mall.request_cache import remembered
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.coupons.schemas import TemplateSchema
from plugins.loyalty.members import operations as member_ops
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.programmes.operations import find_in_programme
from plugins.loyalty.webhooks import operations as hooks


def create_template(programme, raw: dict) -> CouponTemplate:
    """Validate and store a template for a programme (422 with field messages)."""
    data = TemplateSchema().load(raw)
    if data["kind"] == "free_shipping":
        data["value"] = Decimal("0")
    funded = data.pop("funded_by") or programme.funder
    if programme.is_platform and data["product_ids"]:
        raise ValidationError({"product_ids": [_l("Platform coupons apply to whole orders.")]})
    _check_scope(programme, data)
    data["budget"] = budgets.stored(data.get("budget"))
    template = CouponTemplate(programme_id=programme.id, tenant_id=programme.tenant_id, funded_by=funded, **data)
    db.session.add(template)
    db.session.flush()
    return template


def change_template(template: CouponTemplate, raw) -> dict:
    """Apply a PATCH (TemplatePatchSchema) to a template: stock never below what is issued, a budget that fits
    the template as changed (422 naming the field). The changes, each as [old, new], for the audit."""
    from plugins.loyalty.budgets.schemas import template_budget_problem
    from plugins.loyalty.coupons.schemas import TemplatePatchSchema

    data = TemplatePatchSchema().load(raw if isinstance(raw, dict) else {})
    if "budget" in data:
        data["budget"] = budgets.stored(data["budget"])
    after = {name: data.get(name, getattr(template, name)) for name in ("budget", "points_price")}
    problem = template_budget_problem(after["budget"], template.kind, template.max_discount, after["points_price"])
    if problem:
        raise ValidationError({"budget" if "budget" in data else "points_price": [problem]})
    if "valid_days" in data and data["valid_days"] is None and template.valid_until is None:
        raise ValidationError({"valid_days": [_l("Give the number of days a coupon stays valid.")]})
    changes = {}
    if "stock" in data and data["stock"] != template.stock:
        changes["stock"] = [str(template.stock), str(data["stock"])]
        change_stock(template, data.pop("stock"))
        db.session.refresh(template)
    data.pop("stock", None)
    for name, new in data.items():
        if new != getattr(template, name):
            changes[name] = [str(getattr(template, name)), str(new)]
            setattr(template, name, new)
    db.session.flush()
    return changes


def _check_scope(programme, data: dict) -> None:
    """A shop coupon's categories and products must be the shop's own (422 naming the field)."""
    for name, model in (("category_ids", Category), ("product_ids", Product)):
        ids = set(data[name])
        if not ids or programme.tenant_id is None:
            continue
        found = db.session.execute(db.select(func.count(model.id)).where(
            model.id.in_(ids), model.tenant_id == programme.tenant_id)).scalar()
        if found != len(ids):
            raise ValidationError({name: [_l("Choose from the shop's own categories and products.")]})
        data[name] = sorted(ids)


def validity(template: CouponTemplate, at):
    """When a coupon of this template issued at `at` starts and ends.

    A template with neither valid days nor a from/until window (saved before one of them was required)
    has no validity, (None, None): it counts as expired and issues nothing until it is given valid days.
    """
    if template.valid_days:
        return at, at + timedelta(days=template.valid_days)
    if template.valid_from is None or template.valid_until is None:
        return None, None
    return template.valid_from, template.valid_until


def spend_warning(template: CouponTemplate) -> str | None:
    """A warning, not a refusal, for an amount-off coupon worth at least its minimum spend (¥50 off ¥10):
    an order at the minimum would cost nothing. Coupons without a minimum are meant that way."""
    if template.kind == "amount_off" and 0 < template.min_spend <= template.value:
        return _("Check this coupon: ¥%(value)s off with a minimum spend of only ¥%(min)s makes such an order free.",
                 value=format_money(template.value), min=format_money(template.min_spend))
    return None


def unusable(template: CouponTemplate, at) -> str | None:
    """Why nothing of this template can be issued at `at` (coupon_stopped, coupon_expired), or None."""
    if not template.is_active:
        return "coupon_stopped"
    until = validity(template, at)[1]
    return "coupon_expired" if until is None or until <= at else None


#: What a refused issue says, by reason (a push records the reason on its result row instead).
REFUSALS = {"coupon_stopped": _l("This coupon is no longer offered."), "coupon_expired": _l("This coupon has expired."),
            "coupon_limit": _l("You already have as many of these coupons as allowed."),
            "coupon_out_of_stock": _l("Sorry, these coupons are all gone."),
            "coupon_budget_spent": _l("Sorry, the budget for these coupons is used up: no more can be issued for now.")}


def held(template_id: int, user_id):
    """SQL: how many coupons of a template a user holds; `user_id` is a value, or a column for a set of users."""
    return (db.select(func.count(Coupon.id)).where(Coupon.template_id == template_id, Coupon.user_id == user_id)
            .scalar_subquery())


def refusal(template: CouponTemplate, at, user_id, *, limit: bool = True):
    """SQL: why the user may not be issued the template at `at` ("coupon_stopped", "coupon_expired",
    "coupon_limit"), NULL when they may. `user_id` is a value (one claim) or a column (a push's whole chunk,
    in one statement). Stock is checked as it is taken, by take_stock. `limit=False` for an issue keyed
    by a rule's period, which the per-member limit does not count.
    """
    reason = unusable(template, at)
    if reason is not None:
        return literal(reason)
    if not limit:
        return null()
    return case((held(template.id, user_id) >= template.per_member_limit, literal("coupon_limit")), else_=null())


def stock_left():
    """SQL on a template's row: how many more coupons its stock allows (NULL when the stock is unlimited)."""
    return CouponTemplate.stock - CouponTemplate.issued


def take_stock(template_id: int, n: int) -> bool:
    """Count `n` more coupons issued, only if they fit the stock, in one conditional update; False when not."""
    result = db.session.execute(
        update(CouponTemplate)
        .where(CouponTemplate.id == template_id, db.or_(CouponTemplate.stock.is_(None), stock_left() >= n))
        .values(issued=CouponTemplate.issued + n).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refuse(reason: str):
    raise Conflict(str(REFUSALS[reason]), code=reason)


def issue(template: CouponTemplate, user, source: str, issue_key: str | None = None, at=None) -> Coupon:
    """Issue one coupon: refused as `refusal` says, within stock (take_stock) and the per-member limit (UNIQUE key).

    `issue_key` names a rule's period (birthday, level schedule); a claim uses the member's next
    ordinal under the limit, so two concurrent claims cannot both take the last one.
    """
    at = at or clock.now()
    count, reason = db.session.execute(
        db.select(held(template.id, user.id), refusal(template, at, user.id, limit=issue_key is None))).one()
    if reason is not None:
        _refuse(reason)
    valid_from, valid_until = validity(template, at)
    if issue_key is None:
        issue_key = keys.claim(template.id, user.id, count + 1)
    if db.session.execute(db.select(Coupon.id).filter_by(issue_key=issue_key)).first():
        raise Conflict(_("This coupon was already issued."), code="coupon_issued")
    if not take_stock(template.id, 1):
        _refuse("coupon_out_of_stock")
    # After the stock, so every issuer locks the template's row before the budgets' rows.
    if not budgets.take_for_issue(template, 1, at, paid_points=source == "exchange"):
        _refuse("coupon_budget_spent")
    coupon = Coupon(template_id=template.id, programme_id=template.programme_id, user_id=user.id, source=source,
                    issue_key=issue_key, valid_from=valid_from, valid_until=valid_until, created_at=at)
    try:
        with db.session.begin_nested():
            db.session.add(coupon)
    except IntegrityError:
        raise Conflict(_("This coupon was already issued."), code="coupon_issued") from None
    db.session.refresh(template)
    hooks.coupon_issued(coupon)
    return coupon


def issue_once(template: CouponTemplate, user, source: str, issue_key: str, at=None) -> Coupon | None:
    """Issue for a rule (join, birthday, level schedule); None when already issued or out of stock."""
    if db.session.execute(db.select(Coupon.id).filter_by(issue_key=issue_key)).first():
        return None
    try:
        with db.session.begin_nested():
            return issue(template, user, source, issue_key, at)
    except Conflict:
        return None


def claim(programme, template_id: int, user) -> Coupon:
    """Claim a claimable template in the coupon centre; paying its points price if it has one."""
    template = find_in_programme(CouponTemplate, template_id, programme)
    if template is None or not template.claimable:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    if programme.tenant_id is not None:
        # Claiming in a shop joins its programme, with the joining bonus like any other join.
        from plugins.loyalty.members.operations import join_programme

        join_programme(programme, user)
    if template.points_price:
        member = member_ops.membership(programme, user)
        if member is None or member.points_available < template.points_price:
            raise Conflict(_("You need %(n)d points for this coupon.", n=template.points_price),
                           code="insufficient_points")
    coupon = issue(template, user, "exchange" if template.points_price else "claim")
    if template.points_price:
        ledger.debit(member_ops.membership(programme, user), template.points_price, "exchange",
                     keys.exchange(coupon.id))
    return coupon


def lines_in_scope(template: CouponTemplate, lines) -> list:
    """The quote lines a coupon's scope and sale-item rule allow."""
    chosen = []
    for lq in lines:
        if template.exclude_sale_items and lq.sale:
            continue
        if template.product_ids and lq.product.id not in template.product_ids:
            continue
        if template.category_ids and lq.product.category_id not in template.category_ids:
            continue
        chosen.append(lq)
    return chosen


def discount_for(template: CouponTemplate, eligible_subtotal: Decimal) -> Decimal:
    """The money a coupon takes off an eligible subtotal (before spreading)."""
    from mall.money import round_half_up

    if template.kind == "amount_off":
        return min(template.value, eligible_subtotal)
    if template.kind == "percent_off":
        off = round_half_up(eligible_subtotal * (1 - template.value))
        return min(off, template.max_discount) if template.max_discount is not None else off
    return Decimal("0.00")


def in_status(coupon, status: str, at):
    """Whether a coupon is "available", "used" or "expired" at `at` (as Coupon.status says), or "usable":
    available and begun, so it can pay now.

    One rule for lists and checkout alike: given the Coupon class it is a SQL condition, given a loaded
    coupon a bool (the same operators build either, like a hybrid attribute).
    """
    # "== None" is IS NULL on the column and a bool on a loaded coupon; "is None" would not build SQL.
    if status == "used":
        return coupon.used_order_id != None  # noqa: E711
    unused = coupon.used_order_id == None  # noqa: E711
    if status == "expired":
        return unused & (coupon.valid_until <= at)
    available = unused & (coupon.valid_until > at)
    return available & (coupon.valid_from <= at) if status == "usable" else available


def coupons_of(user, status: str, at):
    """SELECT of the user's coupons in a status at `at` (see in_status); the caller orders it."""
    return db.select(Coupon).where(Coupon.user_id == user.id, in_status(Coupon, status, at))


def usable_coupon(coupon_id, user, at) -> Coupon:
    """A coupon the user may use now, or a 422 naming the problem."""
    if not isinstance(coupon_id, int) or isinstance(coupon_id, bool):
        raise FieldErrors(_("Not a coupon."), {"coupons": [_("Coupon ids are whole numbers.")]})
    coupon = remembered("coupon", coupon_id,
                        lambda: db.session.get(Coupon, coupon_id, options=[joinedload(Coupon.template)]))
    if coupon is None or coupon.user_id != user.id:
        raise FieldErrors(_("Not your coupon."), {"coupons": [_("Coupon %(id)d is not yours.", id=coupon_id)]})
    if not in_status(coupon, "usable", at):
        status = coupon.status(at)
        raise FieldErrors(_("This coupon cannot be used."),
                          {"coupons": [_("Coupon %(id)d is %(status)s.", id=coupon_id, status=status)]})
    return coupon


def use_claim(coupon: Coupon, checkout_id: int, order_id: int, at) -> Claim:
    """The conditional update that marks a coupon used, to send alone or with other writes."""
    return Claim(Coupon.__table__, coupon.id, "used_order_id",
                 {"used_checkout_id": checkout_id, "used_order_id": order_id, "used_at": at})


def claimed(done: bool, coupon=None, order_id=None, at=None) -> None:
    """409 when a coupon's claim found it already used: a coupon serves one checkout only; else coupon.used."""
    if not done:
        raise Conflict(_("This coupon has just been used."), code="coupon_used")
    if coupon is not None:
        hooks.coupon_used(coupon, order_id, at)


def use(coupon: Coupon, checkout_id: int, order_id: int, at) -> None:
    """Mark a coupon used with a conditional update: a coupon serves one checkout only."""
    claimed(send([use_claim(coupon, checkout_id, order_id, at)])[0], coupon, order_id, at)


def restore(coupon: Coupon, at) -> bool:
    """Make a used coupon available again after a full refund, unless it has expired."""
    if coupon.valid_until <= at:
        return False
    db.session.execute(
        update(Coupon).where(Coupon.id == coupon.id)
        .values(used_checkout_id=None, used_order_id=None, used_at=None).execution_options(synchronize_session=False)
    )
    return True


def change_stock(template: CouponTemplate, stock: int | None) -> None:
    """Set a template's stock only if it still covers what is issued, in one conditional statement (422 if not).

    Claims raise `issued` while the form is filled in; the statement waits for a claim holding the row and
    then re-checks, so the stock never drops below a claim that landed meanwhile. A refusal starts a fresh
    transaction (nothing was written) so its message names what is issued now.
    """
    if stock == template.stock:
        return
    moved = db.session.execute(
        update(CouponTemplate).where(CouponTemplate.id == template.id,
                                     true() if stock is None else CouponTemplate.issued <= stock)
        .values(stock=stock).execution_options(synchronize_session=False))
    if moved.rowcount == 1:
        return
    db.session.rollback()
    issued = db.session.execute(db.select(CouponTemplate.issued).where(CouponTemplate.id == template.id)).scalar()
    raise FieldErrors(_("Please correct the stock."),
                      {"stock": [_("%(n)d are already issued; stock cannot be lower.", n=issued)]})


#: The discount each coupon gave, from the coupon rows of its order's adjustments ("source": "coupon:<id>"),
#: summed in cents per template; the JSON is unrolled by each database's own table function.
_DISCOUNT_SQL = {
    "sqlite": "SELECT c.template_id, "
              "SUM(CAST(ROUND(-100 * CAST(json_extract(j.value, '$.amount') AS REAL)) AS INTEGER)) "
              "FROM loyalty_coupons c JOIN orders o ON o.id = c.used_order_id, json_each(o.adjustments) j "
              "WHERE c.template_id IN :ids AND json_extract(j.value, '$.kind') = 'coupon' "
              "AND json_extract(j.value, '$.source') = 'coupon:' || c.id GROUP BY c.template_id",
    "postgresql": "SELECT c.template_id, CAST(SUM(ROUND(-100 * CAST(j.value ->> 'amount' AS NUMERIC))) AS BIGINT) "
                  "FROM loyalty_coupons c JOIN orders o ON o.id = c.used_order_id "
                  "CROSS JOIN LATERAL json_array_elements(CAST(o.adjustments AS JSON)) AS j(value) "
                  "WHERE c.template_id IN :ids AND j.value ->> 'kind' = 'coupon' "
                  "AND j.value ->> 'source' = 'coupon:' || c.id GROUP BY c.template_id",
}


def roi_of(template_ids: list[int]) -> dict[int, dict]:
    """What each template brought, by id, in three grouped queries whatever the number of templates: coupons
    used, the orders that used them, their revenue (refunds deducted) and the discount the coupons gave."""
    ids = list(template_ids)
    out = {tid: {"used": 0, "orders": 0, "revenue": Decimal("0.00"), "discount": Decimal("0.00")} for tid in ids}
    if not ids:
        return out
    for tid, used in db.session.execute(db.select(Coupon.template_id, func.count(Coupon.id)).where(
            Coupon.template_id.in_(ids), Coupon.used_order_id.is_not(None)).group_by(Coupon.template_id)):
        out[tid]["used"] = used
    # Each order once per template, however many of its coupons the order used.
    pairs = (db.select(Coupon.template_id, Coupon.used_order_id)
             .where(Coupon.template_id.in_(ids), Coupon.used_order_id.is_not(None)).distinct().subquery())
    for tid, orders, revenue in db.session.execute(
            db.select(pairs.c.template_id, func.count(Order.id),
                      type_coerce(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0), Money()))
            .join(Order, Order.id == pairs.c.used_order_id).group_by(pairs.c.template_id)):
        out[tid].update(orders=orders, revenue=revenue)
    sql = _DISCOUNT_SQL.get(db.session.get_bind().dialect.name)
    if sql is not None:
        statement = text(sql).bindparams(bindparam("ids", expanding=True))
        for tid, cents in db.session.execute(statement, {"ids": ids}):
            out[tid]["discount"] = Decimal(int(cents or 0)) / 100
    return out
