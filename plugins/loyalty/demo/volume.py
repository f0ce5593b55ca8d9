"""The loyalty plugin's part of the demo's months of trade: each order priced by the checkout's own steps, then
captured, settled and refunded with the rows the receivers write (checkout/receivers.py), in memory.

Pricing runs the real rules on the story's state: member price (`_member_price`), tier free shipping,
coupons (`_apply_one`), points (`_apply_points`) and the wallet (`wallet_shares`). What paying earns comes
from `_paid_work` (points at the tier's multiplier, the level metric); settlement, refunds and reviews
follow the receivers step by step: `reversal` decides what a refund undoes, `metric_for` and
`kept_quantities` what a settlement counts.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from mall.demo.volume import VolumeHooks
from mall.errors import FieldErrors
from mall.extensions import db
from mall.money import ZERO, round_half_up
from mall.orders.models import OrderStatus
from plugins.loyalty import keys
from plugins.loyalty.checkout.operations import (
    _apply_one,
    _apply_points,
    _member_price,
    most_points,
    plan_of,
    waive_shipping,
    wallet_shares,
)
from plugins.loyalty.checkout.receivers import _NEW_CREDIT, _paid_work, reversal
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.demo.activity import Activity
from plugins.loyalty.demo.ledgers import Ledgers
from plugins.loyalty.demo.rules import StoryRules
from plugins.loyalty.members.operations import effective_tier
from plugins.loyalty.points.operations import kept_quantities, metric_for, paid_goods
from plugins.loyalty.programmes.models import PLATFORM, Programme
from plugins.loyalty.programmes.operations import rules


class LoyaltyVolume(VolumeHooks):
    """The programmes' side of the story: joins, prices, ledgers, and the daily work of the tick."""

    def __init__(self, story):
        super().__init__(story)
        programmes = db.session.execute(db.select(Programme)).scalars().all()
        self.platform = next((p for p in programmes if p.tenant_id is None), None)
        self.programmes = {p.tenant_id: p for p in programmes if p.tenant_id is not None}
        self.templates = {t.id: t for t in db.session.execute(db.select(CouponTemplate)).scalars()}
        self.ledgers = Ledgers(self)
        self.ledgers.issued = {t.id: t.issued for t in self.templates.values()}
        self.credit_rows: dict[int, dict[int, object]] = {}  # order id → membership id → credit row
        self.redeems: dict[tuple[int, int], object] = {}  # (order id, membership id) → redeem entry
        self.orders: dict[int, list] = {}  # user id → the orders they placed
        self.activity = Activity(self)
        self.rule_story = StoryRules(story)

    def programme_of(self, tenant_id: int | None):
        """The shop's programme (the platform's for None)."""
        return self.platform if tenant_id is None else self.programmes.get(tenant_id)

    # Accounts and joining

    def registered(self, user, at) -> None:
        """Every account joins the platform programme (members.receivers.on_user_registered)."""
        if self.platform is not None:
            self.ledgers.join(self.platform, user, at)
        self.activity.plan(user, at)

    def before_order(self, user, tenant, at) -> None:
        """Most shoppers join a shop's programme the first time they buy there, a few minutes before."""
        programme = self.programmes.get(tenant.id)
        if programme is not None and self.ledgers.member(programme, user.id) is None \
                and self.story.rng.random() < 0.9:
            self.activity.join_shop(programme, user, max(at - self.activity.minutes(2, 50), user.created_at))

    # Pricing

    def price_goods(self, quote, at) -> None:
        """Member price, tier free shipping, a coupon or two, and points, as price_goods does."""
        oq, user = quote.orders[0], quote.user
        shop = self.programmes.get(oq.tenant.id)
        s_member, p_member = self.ledgers.member(shop, user.id), self.ledgers.member(self.platform, user.id)
        s_tier, p_tier = effective_tier(s_member, at), effective_tier(p_member, at)
        _member_price(oq, ((s_tier, rules(shop) if s_member else None),
                           (p_tier, rules(self.platform) if p_member else None)))
        waive_shipping(oq, s_tier, p_tier)
        self._coupons(quote, user, shop, at)
        for programme, member, key, chance in ((shop, s_member, oq.tenant.slug, 0.15 + 0.35 * user.engagement),
                                               (self.platform, p_member, PLATFORM, 0.05 + 0.2 * user.engagement)):
            self._points(quote, programme, member, key, chance, at, [(shop, s_member)])

    def _coupons(self, quote, user, shop, at) -> None:
        """The shop coupon and the platform coupon the shopper holds that fit, soonest to expire first."""
        oq, rng = quote.orders[0], self.story.rng
        usable = sorted(self.ledgers.usable(user.id, at), key=lambda c: (c.valid_until, c.id))
        pairs = [(oq, lq) for lq in oq.lines]
        for programme, chance in ((shop, 0.85), (self.platform, 0.6)):
            mine = [c for c in usable if programme is not None and c.programme_id == programme.id]
            if not mine or rng.random() > chance:
                continue
            for coupon in mine:
                try:
                    _apply_one(coupon, pairs, quote.orders)
                except FieldErrors:
                    continue  # its minimum spend or scope does not fit this order
                plan_of(quote).coupons.append((coupon, 0))
                break

    def _points(self, quote, programme, member, key: str, chance: float, at, shop_members) -> None:
        """Some shoppers spend points: all they may, or a round part of it."""
        rng = self.story.rng
        if member is None or not rules(programme).redeem or rng.random() > chance:
            return
        least = max(rules(programme).redeem["min_points"], 1)
        most = min(most_points(member, quote.orders), self.ledgers.spendable(member, at))
        if most < least:
            return
        n = most if rng.random() < 0.5 else max(least, int(most * rng.uniform(0.3, 1)) // 10 * 10)
        quote.options["points"] = {key: n}
        _apply_points(quote, shop_members, self.platform, self.ledgers.member(self.platform, quote.user.id))

    def price_payment(self, quote, at) -> None:
        """The wallet pays all it can, for those who hold money in it and choose to."""
        wallet = self.ledgers.wallets.get(quote.user.id)
        if wallet is None or self.story.rng.random() > 0.5 + 0.4 * quote.user.engagement:
            return
        amount = min(quote.total, wallet.cash + wallet.bonus)
        if amount > 0:
            quote.options["wallet"] = str(amount)
            wallet_shares(quote, amount, wallet.bonus)

    # The order's life

    def programmes_of(self, order, at) -> list:
        """(programme, membership) pairs the order earns in: those joined by the time it was paid."""
        paid_at = order.get("paid_at") or at
        pairs = []
        for programme in (self.programmes.get(order.tenant_id), self.platform):
            member = self.ledgers.member(programme, order.user_id)
            if member is not None and member.joined_at <= paid_at:
                pairs.append((programme, member))
        return pairs

    def placed(self, order, quote, at) -> None:
        """Coupons used, points spent, pending points and credit rows, wallet paid (on_checkout_placed)."""
        self.orders.setdefault(order.user_id, []).append(order)
        plan = quote.extensions.get("loyalty")
        coupons, redemptions = (plan.coupons, plan.redemptions) if plan is not None else ([], [])
        for coupon, _index in coupons:
            coupon.used_checkout_id, coupon.used_order_id, coupon.used_at = order.checkout_id, order.id, at
        earning = self.programmes_of(order, at)
        if any(rules(programme).count_at == "payment" for programme, _m in earning):
            # The generator books the level metric when orders settle, as every demo programme counts it.
            raise ValueError("the demo generator books level metrics at settlement; a programme counting them at "
                             "payment is not one of the demo's")
        self.story.rows.add("loyalty_handled_events", idempotency_key=keys.paid(order.id), created_at=at)
        payments = quote.orders[0].payment_rows()
        spent = {r.member.id: r for r in redemptions}
        paid = {member.id: (programme, member) for programme, member in earning}
        for member_id in dict.fromkeys([*spent, *paid]):
            self._capture(order, spent.get(member_id), paid.get(member_id), payments, at)
        for share in quote.orders[0].payments:
            if share.method.startswith("wallet_") and share.amount > 0:
                balance = share.method.removeprefix("wallet_")
                self.ledgers.move(order.user, balance, -share.amount, "payment",
                                  keys.wallet_payment(order.id, balance), at, order_id=order.id)

    def _capture(self, order, redemption, earns, payments, at) -> None:
        member = redemption.member if redemption is not None else earns[1]
        earning = self.rule_story.earning(order, *earns, payments, at) if earns else None
        figures, posting, last = _paid_work(order, *earns, at, earning) if earns else ({}, None, None)
        if redemption is not None:
            self.redeems[(order.id, member.id)] = self.ledgers.debit(
                member, redemption.points, "redeem", keys.redeem(order.id, member.id), at, order_id=order.id)
        if posting is not None:
            self.ledgers.pending(member, posting.delta, "earn", posting.values["idempotency_key"], at, order.id)
        if last is not None:
            member.last_order_at = last
        if redemption is not None or figures:
            redeemed = {"points_redeemed": redemption.points, "points_value": redemption.value} if redemption else {}
            self.credit_rows.setdefault(order.id, {})[member.id] = self.story.rows.add(
                "loyalty_order_credits", {**_NEW_CREDIT, "order_id": order.id, "membership_id": member.id,
                                          **redeemed, **figures})

    def _credit_row(self, order, member):
        rows = self.credit_rows.setdefault(order.id, {})
        if member.id not in rows:
            rows[member.id] = self.story.rows.add("loyalty_order_credits", {
                **_NEW_CREDIT, "order_id": order.id, "membership_id": member.id})
        return rows[member.id]

    def settled(self, order, at) -> None:
        """Pending points become available, the metric counts, a rebate, a referral (on_order_settled)."""
        self.story.rows.add("loyalty_handled_events", idempotency_key=keys.settled(order.id), created_at=at)
        kept = kept_quantities(order)
        for programme, member in self.programmes_of(order, at):
            row, r = self._credit_row(order, member), rules(programme)
            if row.pending:
                self.ledgers.pending(member, -row.pending, "unlock", keys.unlock(order.id, member.id), at, order.id)
                self.ledgers.credit(member, row.pending, "earn", keys.earned(order.id, member.id), at,
                                    order_id=order.id, funded_by=programme.funder)
                row.released, row.pending = row.pending, 0
            if r.count_at == "settlement":
                row.metric = metric_for(order, r, kept)
                self._count_metric(row, member, order, at)
            tier = effective_tier(member, at)
            if tier.rebate_rate > 0:
                rebate = round_half_up(paid_goods(order, kept) * tier.rebate_rate)
                if rebate > 0:
                    self.ledgers.move(order.user, "bonus", rebate, "rebate", keys.rebate(order.id, member.id), at,
                                      order_id=order.id, funded_by=programme.funder)
        self.activity.reward_referrer(order.user, at, order.id)

    def _count_metric(self, row, member, order, at) -> None:
        if not row.metric_counted:
            row.metric_counted, row.metric_counted_at = True, at
            self.ledgers.credit_metric(member, row.metric, keys.metric(order.id, member.id), at, order_id=order.id)

    def refunded(self, order, refund, at) -> None:
        """Wallet money back, points and level credit undone, coupons returned (on_order_refunded)."""
        self.story.rows.add("loyalty_handled_events", idempotency_key=keys.refunded(refund.id), created_at=at)
        key = refund.idempotency_key
        for method, amount in refund.by_method.items():
            if method.startswith("wallet_") and Decimal(amount) > 0:
                self.ledgers.move(order.user, method.removeprefix("wallet_"), Decimal(amount), "refund",
                                  keys.refund_wallet(key, method), at, order_id=order.id)
        everything = order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)
        paid = sum((line.paid for line in order.lines), ZERO)
        refunded = sum((Decimal(row["amount"]) for row in refund.lines), ZERO)
        share = Fraction(refunded) / Fraction(paid) if paid else Fraction(0)
        for programme, member in self.programmes_of(order, at):
            self._reverse(order, programme, member, everything, share, key, at)
        if everything:
            for coupon in self.ledgers.coupons.get(order.user_id, ()):
                if coupon.used_order_id == order.id and coupon.valid_until > at:
                    coupon.used_checkout_id = coupon.used_order_id = coupon.used_at = None

    def _reverse(self, order, programme, member, everything: bool, share: Fraction, key: str, at) -> None:
        """What the refund undoes in one programme (receivers.reversal), written as receivers._apply does."""
        row = self._credit_row(order, member)
        rev = reversal(order, programme, member, row, everything, share,
                       redeemed=lambda order, member: self.redeems.get((order.id, member.id)),
                       grants=self.rule_story.given)
        if rev.give_back:
            points_key = keys.refund_points(key, member.id)
            if rev.redeem_entry is not None:
                self.ledgers.return_to_lots(member, rev.redeem_entry, rev.give_back, points_key, at,
                                            order_id=order.id)
            else:
                self.ledgers.credit(member, rev.give_back, "return", points_key, at, order_id=order.id)
            row.points_returned += rev.give_back
        if row.pending:
            self.ledgers.pending(member, -rev.cancel, "cancel", keys.refund_pending(key, member.id), at, order.id)
            row.pending -= rev.cancel
        elif rev.take_back:
            taken = min(rev.take_back, member.points_available, self.ledgers.spendable(member, at))
            if taken > 0:
                self.ledgers.debit(member, taken, "clawback", keys.refund_clawback(key, member.id), at, order.id)
            row.released -= rev.take_back
            row.shortfall += rev.take_back - taken
        if row.metric_counted:
            if rev.metric != row.metric:
                self.ledgers.credit_metric(member, rev.metric - row.metric, keys.refund_metric(key, member.id), at,
                                           order_id=order.id)
                row.metric = rev.metric
        elif everything:
            row.metric = ZERO

    def reviewed(self, review, at) -> None:
        """A review earns the shop programme's review bonus (members.receivers.on_review_posted)."""
        member = self.ledgers.member(self.programmes.get(review.tenant_id), review.user_id)
        if member is not None:
            self.ledgers.credit(member, rules(member.programme).bonuses.get("review", 0), "review",
                                keys.review(review.id), at, funded_by="shop")

    def tick(self, at) -> None:
        """The tick's loyalty work (tick.on_tick) and the day's own events."""
        self.activity.tick(at)

    def finish(self) -> None:
        """Templates count what they issued; budgets what they spent."""
        self.rule_story.finish()
        for template_id, issued in self.ledgers.issued.items():
            if issued != self.templates[template_id].issued:
                self.story.rows.update("loyalty_coupon_templates", template_id, issued=issued)
