"""Who pays for what, and the per-shop settlement statement the platform and each merchant see."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, type_coerce

from mall.dbtypes import Money
from mall.extensions import db
from mall.form_numbers import is_whole_number
from mall.money import ZERO, round_half_up
from mall.orders.models import Order, OrderStatus
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points.operations import kept_fraction, kept_quantities, liability_value, paid_exactly
from plugins.loyalty.programmes.models import PLATFORM
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules
from plugins.loyalty.wallet.models import WalletEntry


@dataclass
class StatementLine:
    """One order on a shop's statement."""

    order_id: int
    paid_at: datetime
    goods: Decimal  # list price of the goods
    collected: Decimal  # what the shopper paid (card + wallet)
    refunded: Decimal
    platform_funded: Decimal  # discounts the platform funded, on the goods kept
    shop_rebates: Decimal  # rebates the shop funded, paid by the platform into the wallet
    payable: Decimal  # what the platform owes the shop for this order


def _fraction(value) -> Fraction:
    return Fraction(Decimal(str(value)))


def _platform_share(source: str | None, platform_codes: set[str], shop_codes: set[str]) -> Fraction:
    """The platform's share of a discount, from the adjustment's source ("coupon:7", "tier:plus")."""
    kind, _sep, ref = (source or "").partition(":")
    if kind == "points_mall":  # an item of the platform's points mall is the platform's gift; a shop's, the shop's
        return Fraction(1) if ref == PLATFORM else Fraction(0)
    if kind == "coupon" and is_whole_number(ref):
        coupon = db.session.get(Coupon, int(ref))
        if coupon is None:
            return Fraction(0)
        template = coupon.template
        if template.funded_by == "platform":
            return Fraction(1)
        return _fraction(template.platform_share) if template.funded_by == "split" else Fraction(0)
    if kind == "tier":
        # A member price comes from the platform's tier only when the shop has no tier of that code.
        return Fraction(1) if ref in platform_codes and ref not in shop_codes else Fraction(0)
    return Fraction(0)


def platform_funded(order: Order) -> Decimal:
    """Discounts on this order the platform funds, for the goods the shopper kept (half-up to the cent)."""
    platform = platform_programme()
    shop = programme_for(order.tenant)
    platform_codes = {t.code for t in rules(platform).tiers} if platform else set()
    shop_codes = {t.code for t in rules(shop).tiers} if shop else set()
    # A row names its line's variant (rows written before variants name the product, which had one line).
    by_variant = {line.variant_id: line for line in order.lines}
    by_product = {line.product_id: line for line in order.lines}
    kept = kept_quantities(order)
    total = Fraction(0)
    for row in order.adjustments or []:
        if row.get("kind") in ("member_price", "coupon", "points_mall"):
            line = by_variant.get(row["variant_id"]) if "variant_id" in row else by_product.get(row.get("product_id"))
            if line is None:
                continue
            share = _platform_share(row.get("source"), platform_codes, shop_codes)
            total += -_fraction(row["amount"]) * share * kept_fraction(line, kept[line.id])
    paid, kept_paid = paid_exactly(order), paid_exactly(order, kept)
    for row in order.adjustments or []:
        if row.get("kind") == "points" and row.get("programme") == PLATFORM and paid:
            total += -_fraction(row["amount"]) * kept_paid / paid
    return round_half_up(Decimal(total.numerator) / Decimal(total.denominator))


def statement(tenant, start: datetime, end: datetime) -> list[StatementLine]:
    """The shop's orders paid in [start, end), each with what the platform owes for it."""
    orders = db.session.execute(
        db.select(Order).where(Order.tenant_id == tenant.id, Order.paid_at >= start, Order.paid_at < end,
                               Order.status != OrderStatus.PENDING_PAYMENT).order_by(Order.id)
    ).scalars().all()
    rebates = dict(db.session.execute(
        db.select(WalletEntry.order_id, type_coerce(func.sum(WalletEntry.delta), Money()))
        .where(WalletEntry.kind == "rebate", WalletEntry.funded_by == "shop",
               WalletEntry.order_id.in_([o.id for o in orders]))
        .group_by(WalletEntry.order_id)
    ).all()) if orders else {}
    out = []
    for order in orders:
        funded = platform_funded(order)
        rebate = rebates.get(order.id) or ZERO
        out.append(StatementLine(
            order_id=order.id, paid_at=order.paid_at, goods=sum((line.base for line in order.lines), ZERO),
            collected=order.total, refunded=order.refunded_amount, platform_funded=funded, shop_rebates=rebate,
            payable=order.total - order.refunded_amount + funded - rebate))
    return out


def totals(lines: list[StatementLine]) -> dict[str, Decimal]:
    """Column sums of a statement."""
    keys = ("goods", "collected", "refunded", "platform_funded", "shop_rebates", "payable")
    return {k: sum((getattr(line, k) for line in lines), ZERO) for k in keys}


#: The statement's columns, in order, with their headers in the reader's language.
COLUMNS = (("order", _l("Order")), ("paid_at", _l("Paid at (shop time)")), ("goods", _l("Goods")),
           ("collected", _l("Collected")), ("refunded", _l("Refunded")),
           ("platform_funded", _l("Funded by the platform")), ("shop_rebates", _l("Shop-funded rebates")),
           ("payable", _l("Payable")))


def as_csv(lines: list[StatementLine], tz: str = "Asia/Shanghai") -> str:
    """The statement as CSV for a spreadsheet: a byte-order mark (so it opens as UTF-8), headers in the reader's
    language, paid times at the shop's clock, one order a row, then the totals."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(label) for _key, label in COLUMNS])
    zone = ZoneInfo(tz)
    for line in lines:
        writer.writerow([line.order_id, line.paid_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), line.goods,
                         line.collected, line.refunded, line.platform_funded, line.shop_rebates, line.payable])
    sums = totals(lines)
    writer.writerow([str(_l("Total")), ""] + [sums[key] for key, _label in COLUMNS[2:]])
    return buffer.getvalue()


def liability() -> list[dict]:
    """Outstanding points per programme: points available and pending, and what they are worth in money."""
    from plugins.loyalty.programmes.models import Programme

    rows = db.session.execute(
        db.select(Programme, func.coalesce(func.sum(Membership.points_available), 0),
                  func.coalesce(func.sum(Membership.points_pending), 0), func.count(Membership.id))
        .outerjoin(Membership, Membership.programme_id == Programme.id).group_by(Programme.id).order_by(Programme.id)
    ).all()
    out = []
    for programme, available, pending, members in rows:
        out.append({"programme": programme, "members": members, "available": int(available), "pending": int(pending),
                    "value": liability_value(programme, available),
                    "pending_value": liability_value(programme, pending)})
    return out
