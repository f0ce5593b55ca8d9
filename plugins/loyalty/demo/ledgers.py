"""The loyalty ledgers of the demo's story, kept in memory and written in bulk: memberships, points and lots,
level credits and tier changes, wallets and coupons.

Each function makes the rows the plugin's own operation makes, with the keys `plugins.loyalty.keys` builds and
the rules written as pure functions (lot expiry, effective tier, tier thresholds); balances move with their
rows, so `flask loyalty audit` finds every ledger summing to its balance.
"""

from __future__ import annotations

import heapq
from datetime import timedelta
from decimal import Decimal

from mall import clock
from mall.money import ZERO
from mall.notifications.operations import content
from plugins.loyalty import keys
from plugins.loyalty.points.operations import lot_expiry, month_key
from plugins.loyalty.programmes.operations import rules


class Ledgers:
    """Every member, wallet, coupon and template count of the story, and the rows that record them."""

    def __init__(self, volume):
        self.volume = volume
        self.story = volume.story
        self.rows = volume.story.rows
        self.members: dict[tuple[int, int], object] = {}  # (programme id, user id) → membership row
        self.by_programme: dict[int, list] = {}  # programme id → its memberships, oldest first
        self.wallets: dict[int, object] = {}
        self.coupons: dict[int, list] = {}  # user id → coupon rows
        self.issued: dict[int, int] = {}  # template id → coupons issued so far
        self.issue_keys: set[str] = set()
        self.expiries: list = []  # (moment, n, lot, member): lots of fixed / year-end expiry, by when they lapse
        self._n = 0

    # Memberships

    def member(self, programme, user_id: int):
        """The user's membership of a programme, or None."""
        return self.members.get((programme.id, user_id)) if programme is not None else None

    def join(self, programme, user, at):
        """Join with the joining bonus and coupon (join_programme); the membership."""
        r = rules(programme)
        member = self.rows.add("loyalty_memberships", programme_id=programme.id, user_id=user.id,
                               tier_code=r.lowest.code, period_start=at, period_end=None, period_metric=ZERO,
                               lifetime_metric=ZERO, evaluated_for=None, paid_tier_code=None, paid_until=None,
                               points_available=0, points_pending=0, last_order_at=None, streak=0,
                               last_check_in=None, joined_at=at)
        member.update(programme=programme, user=user, lots=[], credits=[])
        self.members[(programme.id, user.id)] = member
        self.by_programme.setdefault(programme.id, []).append(member)
        self.credit(member, r.bonuses.get("join", 0), "join", keys.join(member.id), at, funded_by=programme.funder)
        if r.join_coupon:
            template = self.volume.templates.get(r.join_coupon)
            if template is not None:
                self.issue(template, user, "join", keys.join_coupon(template.id, user.id), at)
        if r.window["kind"] == "rolling":
            member.evaluated_for = month_key(at, clock.zone_of(programme.tenant), r.window["evaluate"])
        return member

    # Points

    def _entry(self, member, bucket: str, delta: int, kind: str, key: str, at, **values):
        """One points entry, and its bucket's balance moved with it (entry_posting)."""
        entry = self.rows.add("loyalty_points_entries", membership_id=member.id, bucket=bucket, delta=delta, kind=kind,
                              idempotency_key=key, programme_version=member.programme.version, created_at=at,
                              **values)
        if bucket == "available":
            member.points_available += delta
        else:
            member.points_pending += delta
        return entry

    def credit(self, member, points: int, kind: str, key: str, at, *, order_id=None, funded_by=None, reason=None,
               expires_at=None):
        """Available points in a new lot (points.operations.credit); the entry, None for nothing."""
        if points <= 0:
            return None
        expires_at = expires_at if expires_at is not None else lot_expiry(member, at)
        lot = self.rows.add("loyalty_points_lots", membership_id=member.id, amount=points, remaining=points,
                            expires_at=expires_at, created_at=at)
        member.lots.append(lot)
        if expires_at is not None:
            self._n += 1
            heapq.heappush(self.expiries, (expires_at, self._n, lot, member))
        return self._entry(member, "available", points, kind, key, at, order_id=order_id, lot_id=lot.id,
                           expires_at=expires_at, reason=reason, funded_by=funded_by)

    def pending(self, member, points: int, kind: str, key: str, at, order_id=None):
        """Pending points recorded (or, negative, cancelled)."""
        if points:
            self._entry(member, "pending", points, kind, key, at, order_id=order_id)

    def spendable(self, member, at) -> int:
        """Points in lots that have not lapsed by `at` (what a debit can take)."""
        return sum(lot.remaining for lot in member.lots
                   if lot.remaining and (lot.expires_at is None or lot.expires_at > at))

    def debit(self, member, points: int, kind: str, key: str, at, order_id=None):
        """Take points from the earliest-expiring lots, each use recorded (points.operations.debit)."""
        entry = self._entry(member, "available", -points, kind, key, at, order_id=order_id)
        left = points
        lots = [lot for lot in member.lots if lot.remaining and (lot.expires_at is None or lot.expires_at > at)]
        for lot in sorted(lots, key=lambda lot: (lot.expires_at is None, lot.expires_at or at, lot.id)):
            take = min(left, lot.remaining)
            lot.remaining -= take
            self.rows.add("loyalty_lot_uses", entry_id=entry.id, lot_id=lot.id, points=take)
            entry.setdefault("uses", []).append((lot, take))
            left -= take
            if not left:
                break
        if left:
            raise ValueError(f"membership {member.id}: {points} points asked, {points - left} spendable")
        return entry

    def return_to_lots(self, member, redeem, points: int, key: str, at, order_id=None) -> None:
        """Redeemed points back into the lots they came from, newest use first (points.operations.return_to_lots)."""
        self._entry(member, "available", points, "return", key, at, order_id=order_id)
        left = points
        for lot, taken in reversed(redeem.uses):
            room = min(left, lot.amount - lot.remaining, taken)
            lot.remaining += room
            left -= room
            if not left:
                break

    def expire_due(self, at) -> None:
        """Lapse the lots whose fixed or year-end expiry has come (the tick's expire_due)."""
        while self.expiries and self.expiries[0][0] <= at:
            _moment, _n, lot, member = heapq.heappop(self.expiries)
            if lot.remaining:
                self._expire(member, lot, at)

    def expire_inactive(self, member, at) -> None:
        """Inactivity expiry: every lot lapses once the member has not bought for the programme's days."""
        days = rules(member.programme).expiry["days"]
        if (member.last_order_at or member.joined_at) + timedelta(days=days) <= at:
            for lot in member.lots:
                if lot.remaining:
                    self._expire(member, lot, at)

    def _expire(self, member, lot, at) -> None:
        points = lot.remaining
        self._entry(member, "available", -points, "expire", keys.expire(lot.id, lot.amount, points, at), at,
                    lot_id=lot.id)
        lot.remaining = 0

    # Wallets

    def wallet(self, user):
        """The user's wallet, made empty on first use (wallet_for)."""
        wallet = self.wallets.get(user.id)
        if wallet is None:
            wallet = self.wallets[user.id] = self.rows.add("loyalty_wallets", user_id=user.id, cash=ZERO, bonus=ZERO)
        return wallet

    def move(self, user, balance: str, delta: Decimal, kind: str, key: str, at, *, order_id=None, funded_by=None,
             reason=None) -> None:
        """One wallet entry and its balance (wallet.operations.move)."""
        if not delta:
            return
        wallet = self.wallet(user)
        wallet[balance] += delta
        if wallet[balance] < 0:
            raise ValueError(f"wallet {wallet.id}: {balance} below zero")
        self.rows.add("loyalty_wallet_entries", wallet_id=wallet.id, balance=balance, delta=delta, kind=kind,
                      order_id=order_id, idempotency_key=key, reason=reason, funded_by=funded_by, created_at=at)

    # Coupons

    def issue(self, template, user, source: str, key: str, at):
        """A coupon of the template, within its stock (coupons.operations.issue_once); None when refused."""
        if key in self.issue_keys or not template.is_active:
            return None
        if template.stock is not None and self.issued[template.id] >= template.stock:
            return None
        valid_from, valid_until = (at, at + timedelta(days=template.valid_days)) if template.valid_days else (
            template.valid_from, template.valid_until)
        if valid_until is None or valid_until <= at:
            return None
        self.issue_keys.add(key)
        self.issued[template.id] += 1
        coupon = self.rows.add("loyalty_coupons", template_id=template.id, programme_id=template.programme_id,
                               user_id=user.id, source=source, issue_key=key, valid_from=valid_from,
                               valid_until=valid_until, used_checkout_id=None, used_order_id=None, used_at=None,
                               created_at=at)
        coupon.update(template=template, programme=template.programme)
        self.coupons.setdefault(user.id, []).append(coupon)
        return coupon

    def held(self, template, user_id: int) -> int:
        """How many of a template the user holds (used or not), as the per-member limit counts."""
        return sum(1 for coupon in self.coupons.get(user_id, ()) if coupon.template_id == template.id)

    def usable(self, user_id: int, at) -> list:
        """The user's coupons that can pay now (in_status "usable")."""
        return [c for c in self.coupons.get(user_id, ())
                if c.used_order_id is None and c.valid_from <= at < c.valid_until]

    # Level metric and tiers

    def credit_metric(self, member, amount: Decimal, key: str, at, order_id=None) -> None:
        """A level credit and the cached sums; upgrades at once (members.operations.credit_metric)."""
        self.rows.add("loyalty_level_credits", membership_id=member.id, amount=amount, at=at, order_id=order_id,
                      idempotency_key=key)
        member.credits.append((at, amount))
        member.lifetime_metric = max(member.lifetime_metric + amount, ZERO)
        member.period_metric = max(member.period_metric + amount, ZERO)
        if amount > 0:
            self._upgrade(member, at, key)

    def rolling_metric(self, member, at) -> Decimal:
        """The metric over the rolling window ending at `at`."""
        since = at - timedelta(days=rules(member.programme).window["days"])
        return sum((amount for moment, amount in member.credits if since < moment <= at), ZERO)

    def _upgrade(self, member, at, key: str) -> None:
        r = rules(member.programme)
        kind = r.window["kind"]
        metric = (member.lifetime_metric if kind == "lifetime" else
                  self.rolling_metric(member, at) if kind == "rolling" else member.period_metric)
        current, reached = r.earned_index(member.tier_code), r.earned_index(r.reached(metric).code)
        if reached <= current:
            return
        target = current + 1 if r.upgrade == "step" else reached
        self.change_tier(member, r.earned_tiers[target].code, "up", at, keys.upgrade(key))
        if kind == "validity":
            member.period_start, member.period_end = at, at + timedelta(days=r.window["days"])
            if r.reset_on_change:
                member.period_metric = ZERO

    def change_tier(self, member, to_code: str, reason: str, at, key: str) -> None:
        """The tier change row and, for a new tier, the member's inbox notice (_change_tier)."""
        self.rows.add("loyalty_tier_changes", membership_id=member.id, from_code=member.tier_code, to_code=to_code,
                      reason=reason, at=at, idempotency_key=key)
        if to_code != member.tier_code and reason == "up":  # "you reached", as reminders.operations.reached words it
            r, shop = rules(member.programme), member.programme.tenant
            self.notify(member.user_id, "loyalty.reminder_reached", keys.reminder_message(keys.reached_reminder(key))
                        + f"{member.user_id}:inbox", at, link="/member/memberships", marketing=True,
                        tenant_id=member.programme.tenant_id, **content("shop", shop if shop else r),
                        **content("tier", r.tier(to_code)))
        elif to_code != member.tier_code:
            r = rules(member.programme)
            self.notify(member.user_id, "loyalty.tier_changed", keys.tier_notice(key), at, link="/member/memberships",
                        tenant_id=member.programme.tenant_id, programme=r.name, tier=r.tier(to_code).name)
        member.tier_code = to_code

    def notify(self, user_id: int, kind: str, key: str, at, *, link=None, tenant_id=None, marketing=False,
               **params) -> None:
        """An inbox message (notifications.operations.notify); most of those older than a few days are read."""
        rng = self.story.rng
        read = at + timedelta(hours=rng.uniform(1, 96)) if rng.random() < 0.75 else None
        self.rows.add("notifications", user_id=user_id, tenant_id=tenant_id, channel="inbox", kind=kind,
                      params=params, link=link, status="sent", idempotency_key=key, marketing=marketing,
                      attempts=0, created_at=at, read_at=read if read is not None and read <= self.story.now else None)
