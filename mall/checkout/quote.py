"""The checkout quote: lines per shop, plugin adjustments, shipping and who pays what."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from mall import clock
from mall.catalog.models import Product, ProductVariant
from mall.errors import FieldErrors
from mall.extensions import db
from mall.money import ZERO, format_money
from mall.plugins import run_pricing_hooks
from mall.tenants.models import Tenant

MAX_LINES = 100
MAX_QTY = 999
#: The most one shop's order may come to before discounts: keeps every figure derived from it (points
#: earned at the highest earn rate and tier multiplier a programme allows) inside its column.
MAX_ORDER_GOODS = Decimal("1000000.00")
#: Request keys only plugins understand; without a plugin that takes them they are refused.
PLUGIN_OPTIONS = ("coupons", "points", "wallet")
#: The line option only a plugin understands: `"redeem": true` buys the line for points (a points mall).
REDEEM = "redeem"


@dataclass
class Adjustment:
    """A change to a line's price: kind is member_price / coupon / … ; amount is negative."""

    kind: str
    label: str
    amount: Decimal
    source: str = ""


@dataclass
class PaymentShare:
    """Part of an order paid by a plugin's payment method (e.g. wallet_bonus)."""

    method: str
    amount: Decimal
    source: str = ""


@dataclass
class LineQuote:
    """One line of a shop order: a variant of a product, priced at the variant's price."""

    product: Product
    qty: int
    #: The variant bought (build_quote always sets it; a keyword only so the fields keep their order).
    variant: ProductVariant | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    #: Money value of points spread onto this line.
    points_value: Decimal = ZERO
    #: The OrderLine created from this quote line at checkout.
    line: object = None
    #: Bought for points (`"redeem": true` on the request line): a plugin prices it and marks "redeem" consumed.
    redeem: bool = False
    #: The line's position in the request, for field errors ("lines.<index>.qty").
    index: int = 0

    @property
    def unit_price(self) -> Decimal:
        """The variant's price: what member prices, coupons and points work from."""
        return self.variant.price

    @property
    def label(self) -> str:
        """The variant's option values ("M / Red"), "" for a product sold in one version."""
        return self.variant.label

    @property
    def sale(self) -> bool:
        return self.product.sale

    @property
    def base(self) -> Decimal:
        return self.unit_price * self.qty

    def adjusted(self, kind: str) -> Decimal:
        """Total (negative) adjustment of one kind on this line."""
        return sum((a.amount for a in self.adjustments if a.kind == kind), ZERO)

    @property
    def net(self) -> Decimal:
        """Base after member price and coupons."""
        return self.base + sum((a.amount for a in self.adjustments), ZERO)

    @property
    def paid(self) -> Decimal:
        """Money actually paid for the line (net less points)."""
        return self.net - self.points_value


@dataclass
class OrderQuote:
    """One shop's order within a checkout quote."""

    tenant: Tenant
    lines: list[LineQuote]
    shipping: Decimal = ZERO
    #: Why shipping is free, when a plugin waived it (tier, coupon…).
    shipping_waived_by: str | None = None
    payments: list[PaymentShare] = field(default_factory=list)
    points_used: int = 0
    #: Order-level notes plugins want stored with the order's adjustments.
    notes: list[dict] = field(default_factory=list)

    @property
    def goods(self) -> Decimal:
        return sum((line.base for line in self.lines), ZERO)

    @property
    def goods_net(self) -> Decimal:
        """Goods after member price and coupons (what free shipping thresholds compare with)."""
        return sum((line.net for line in self.lines), ZERO)

    @property
    def discount(self) -> Decimal:
        return -sum((line.adjusted("member_price") for line in self.lines), ZERO)

    @property
    def coupon_discount(self) -> Decimal:
        return -sum((line.adjusted("coupon") for line in self.lines), ZERO)

    @property
    def points_value(self) -> Decimal:
        return sum((line.points_value for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        """Money to pay: goods after discounts and points, plus shipping."""
        return self.goods_net - self.points_value + self.shipping

    @property
    def wallet_paid(self) -> Decimal:
        return sum((p.amount for p in self.payments if p.method.startswith("wallet")), ZERO)

    @property
    def gateway_paid(self) -> Decimal:
        return self.total - sum((p.amount for p in self.payments), ZERO)

    def payment_rows(self) -> list[tuple[str, Decimal]]:
        """(method, amount) of each payment the order will record: plugin shares, then the gateway."""
        rows = [(share.method, share.amount) for share in self.payments if share.amount > 0]
        if self.gateway_paid > 0:
            rows.append(("gateway", self.gateway_paid))
        return rows


@dataclass
class Quote:
    """A whole checkout: one OrderQuote per shop, in shop id order."""

    user: object
    orders: list[OrderQuote]
    #: The request's plugin options (coupons, points, wallet); plugins mark what they took.
    options: dict
    consumed: set = field(default_factory=set)
    notes: list[dict] = field(default_factory=list)
    #: What a plugin's pricing hands on to its own capture at checkout_placed, under the plugin's name.
    extensions: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((o.total for o in self.orders), ZERO)

    @property
    def gateway_paid(self) -> Decimal:
        return sum((o.gateway_paid for o in self.orders), ZERO)


@dataclass
class LineRequest:
    """One requested line: a variant, or a product sold in one version, and a quantity (`index` in the request)."""

    index: int
    variant_id: int | None
    product_id: int | None
    qty: int
    redeem: bool = False


def parse_lines(raw) -> list[LineRequest]:
    """Validate `[{"variant_id" | "product_id", "qty", "redeem"?}]` (a product_id names a product with one
    variant; `redeem`, a boolean, asks a plugin to sell the line for points)."""
    if not isinstance(raw, list) or not raw:
        raise FieldErrors(_("Your cart is empty."), {"lines": [_("Add at least one product.")]})
    if len(raw) > MAX_LINES:
        raise FieldErrors(_("Too many lines."), {"lines": [_("At most %(n)d lines.", n=MAX_LINES)]})
    parsed: list[LineRequest] = []
    errors: dict = {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            errors[f"lines.{i}"] = [_("Each line needs a variant_id (or product_id) and a qty.")]
            continue
        vid, pid, qty = item.get("variant_id"), item.get("product_id"), item.get("qty")
        if vid is not None and (not _is_int(vid) or vid <= 0):
            errors[f"lines.{i}.variant_id"] = [_("Not a variant id.")]
        if pid is not None and (not _is_int(pid) or pid <= 0):
            errors[f"lines.{i}.product_id"] = [_("Not a product id.")]
        if vid is None and pid is None:
            errors[f"lines.{i}.variant_id"] = [_("Give the variant_id (or the product_id of a product with one "
                                                 "variant).")]
        if not _is_int(qty) or not 1 <= qty <= MAX_QTY:
            errors[f"lines.{i}.qty"] = [_("Quantity must be a whole number from 1 to %(n)d.", n=MAX_QTY)]
        redeem = item.get(REDEEM, False)
        if not isinstance(redeem, bool):
            errors[f"lines.{i}.{REDEEM}"] = [_("Give true or false.")]
        if not any(key.startswith(f"lines.{i}.") for key in errors):
            parsed.append(LineRequest(i, vid, pid, qty, redeem))
    if errors:
        raise FieldErrors(_("Please correct the cart."), errors)
    return parsed


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _variants_of(requests: list[LineRequest]) -> tuple[dict, dict]:
    """The variants the lines name, by id, and the active variants of the products they name, by product id."""
    query = (db.select(ProductVariant).join(Product, Product.id == ProductVariant.product_id).join(Tenant)
             .options(contains_eager(ProductVariant.product).contains_eager(Product.tenant)))
    variant_ids = [r.variant_id for r in requests if r.variant_id is not None]
    product_ids = [r.product_id for r in requests if r.variant_id is None]
    by_id = {v.id: v for v in db.session.execute(query.where(ProductVariant.id.in_(variant_ids))).scalars()} \
        if variant_ids else {}
    by_product: dict[int, list] = {}
    if product_ids:
        for v in db.session.execute(query.where(ProductVariant.product_id.in_(product_ids),
                                                ProductVariant.is_active.is_(True))).scalars():
            by_product.setdefault(v.product_id, []).append(v)
    return by_id, by_product


def _resolve(requests: list[LineRequest], errors: dict) -> list[tuple[LineRequest, ProductVariant]]:
    """Each line's variant, or a message on the line (unknown, of another product, several to choose from)."""
    by_id, by_product = _variants_of(requests)
    found = []
    for r in requests:
        if r.variant_id is not None:
            variant = by_id.get(r.variant_id)
            if variant is None or not variant.is_active:
                errors[f"lines.{r.index}.variant_id"] = [_("This product is not available.")]
            elif r.product_id is not None and variant.product_id != r.product_id:
                errors[f"lines.{r.index}.variant_id"] = [_("This variant is not one of that product's.")]
            else:
                found.append((r, variant))
            continue
        choices = by_product.get(r.product_id, [])
        if len(choices) > 1:
            errors[f"lines.{r.index}.variant_id"] = [_("This product comes in several variants: give the "
                                                       "variant_id of the one wanted.")]
        elif not choices:
            errors[f"lines.{r.index}.product_id"] = [_("This product is not available.")]
        else:
            found.append((r, choices[0]))
    return found


def build_quote(user, raw_lines, options: dict | None = None) -> Quote:
    """Price a cart for a user: load the variants, split by shop, run plugins, decide shipping."""
    errors: dict = {}
    # (variant id, redeem) → [first line's request, variant, qty]: a line bought for points stays apart.
    merged: OrderedDict[tuple, list] = OrderedDict()
    for r, variant in _resolve(parse_lines(raw_lines), errors):
        if (variant.id, r.redeem) in merged:
            merged[(variant.id, r.redeem)][2] += r.qty
        else:
            merged[(variant.id, r.redeem)] = [r, variant, r.qty]
    wanted: dict[int, int] = {}
    for _r, variant, qty in merged.values():
        wanted[variant.id] = wanted.get(variant.id, 0) + qty
    moment = clock.now()
    by_shop: dict[int, list[LineQuote]] = {}
    for r, variant, qty in merged.values():
        problem = _unavailable(variant, wanted[variant.id], moment)
        if problem:
            named = "variant_id" if r.variant_id is not None else "product_id"
            errors[f"lines.{r.index}.{named if problem[0] == 'item' else problem[0]}"] = [problem[1]]
            continue
        product = variant.product
        by_shop.setdefault(product.tenant_id, []).append(
            LineQuote(product=product, qty=qty, variant=variant, redeem=r.redeem, index=r.index))
    if errors:
        raise FieldErrors(_("Some items cannot be bought as requested."), errors)
    orders = [
        OrderQuote(tenant=lines[0].product.tenant, lines=lines) for _tid, lines in sorted(by_shop.items())
    ]
    _refuse_oversized(orders)
    quote = Quote(user=user, orders=orders, options=dict(options or {}))
    run_pricing_hooks("goods", quote)
    for order in quote.orders:
        order.shipping = _shipping(order)
    run_pricing_hooks("payment", quote)
    _refuse_unconsumed(quote)
    return quote


def _unavailable(variant: ProductVariant, qty: int, moment) -> tuple[str, str] | None:
    """(field, message) when the variant cannot be bought in this quantity now, else None; the field "item"
    stands for whichever of variant_id and product_id the line named."""
    product = variant.product
    if not product.is_active or not product.tenant.is_active:
        return "item", _("This product is not available.")
    state = product.window_state(moment)
    if state != "open":
        return "item", _("This sale has not started yet.") if state == "upcoming" else _("This sale has ended.")
    if qty > variant.stock:
        return "qty", _("Only %(n)d left in stock.", n=variant.stock)
    return None


def _refuse_oversized(orders: list[OrderQuote]) -> None:
    for order in orders:
        if order.goods > MAX_ORDER_GOODS:
            message = _("One shop's order can come to at most ¥%(max)s; please split it into smaller orders.",
                        max=format_money(MAX_ORDER_GOODS))
            raise FieldErrors(message, {"lines": [message]})


def _shipping(order: OrderQuote) -> Decimal:
    tenant = order.tenant
    if order.shipping_waived_by:
        return ZERO
    threshold = tenant.free_shipping_threshold
    if threshold is not None and order.goods_net >= threshold:
        return ZERO
    return tenant.shipping_fee


def _refuse_unconsumed(quote: Quote) -> None:
    errors = {
        key: [_("This option is not available in this mall.")]
        for key in PLUGIN_OPTIONS
        if quote.options.get(key) and key not in quote.consumed
    }
    if REDEEM not in quote.consumed:
        errors.update({f"lines.{lq.index}.{REDEEM}": [_("Items cannot be bought for points in this mall.")]
                       for oq in quote.orders for lq in oq.lines if lq.redeem})
    if errors:
        raise FieldErrors(_("Some options are not available."), errors)


#: The order a summary of savings lists its sources in (the order the quote applies them).
SAVING_KINDS = ("member_price", "coupon", "shipping", "points", "wallet_bonus")


def savings(quote: Quote) -> list[tuple[str, str, Decimal]]:
    """What the shopper saves, by source: (kind, label, amount > 0) per member price, coupon, waived shipping,
    points programme and wallet bonus, summed over the orders."""
    found: dict[tuple[str, str], Decimal] = {}

    def add(kind: str, label: str, amount: Decimal) -> None:
        if amount > 0:
            found[(kind, label)] = found.get((kind, label), ZERO) + amount

    for oq in quote.orders:
        for lq in oq.lines:
            for a in lq.adjustments:
                add(a.kind, _("Coupon: %(name)s", name=a.label) if a.kind == "coupon" else a.label, -a.amount)
        threshold = oq.tenant.free_shipping_threshold
        if oq.shipping_waived_by and (threshold is None or oq.goods_net < threshold):
            add("shipping", _("Free shipping: %(why)s", why=oq.shipping_waived_by), oq.tenant.shipping_fee)
        for note in oq.notes:
            if note.get("kind") == "points":
                add("points", _("Points: %(name)s", name=note["label"]), -Decimal(note["amount"]))
        add("wallet_bonus", _("Wallet bonus"), sum((p.amount for p in oq.payments if p.method == "wallet_bonus"), ZERO))
    rank = {kind: i for i, kind in enumerate(SAVING_KINDS)}
    ordered = sorted(found.items(), key=lambda item: rank.get(item[0][0], len(rank)))
    return [(kind, label, amount) for (kind, label), amount in ordered]
