"""What members and the tick do in the demo's story besides buying: joining shops, check-ins, wallet top-ups,
Plus, coupon claims, referrals, the daily tick (expiry, level periods and windows, birthday and tier coupons)
and each shop's monthly coupon push."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from mall import clock
from mall.demo.purchases import book
from plugins.loyalty import keys
from plugins.loyalty.demo.coupon_pushes import platform_push, shop_push
from plugins.loyalty.demo.data import PLATFORM_PUSHES, PUSH_DAYS
from plugins.loyalty.members.operations import effective_tier
from plugins.loyalty.points.operations import month_key
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.wallet.operations import bonus_first

TOP_UPS = (Decimal("100.00"), Decimal("200.00"), Decimal("300.00"), Decimal("500.00"), Decimal("1000.00"))


class Activity:
    """The members' own doings and the daily tick, scheduled on the story's clock."""

    def __init__(self, volume):
        self.volume = volume
        self.story = volume.story
        self.ledgers = volume.ledgers
        self.checkers: list = []  # (user, chance a day) of members who check in
        self.referrals: dict[tuple[int, str], int] = {}  # (referrer membership, month) → rewards paid
        self.referred: set[int] = set()
        self.birthdays: set[str] = set()

    def minutes(self, low: int, high: int) -> timedelta:
        """A random span of minutes."""
        return timedelta(minutes=self.story.rng.uniform(low, high))

    def _later(self, at, days: float) -> datetime:
        return at + timedelta(days=self.story.rng.uniform(0.05, days))

    # At registration: what this member will do

    def plan(self, user, at) -> None:
        """Decide the member's habits: check-ins, top-ups, Plus, claims, a referrer, browsing a shop."""
        rng, engagement, story = self.story.rng, user.engagement, self.story
        if story.users[:-1] and rng.random() < 0.06:
            user.referred_by_id = rng.choice(story.users[:-1]).id  # signed up with a friend's code
        if rng.random() < 0.2 + 0.6 * engagement:
            self.checkers.append((user, 0.5 * engagement ** 3))
        for _ in range(rng.choices((0, 1, 2, 3), weights=(100 - 45 * engagement, 30, 10, 5 * engagement))[0]):
            story.schedule(self._later(at, 150), self.top_up, user)
        if rng.random() < 0.12 * engagement:
            story.schedule(self._later(at, 120), self.buy_plus, user)
        for template in self.volume.templates.values():
            if template.claimable and template.tenant_id is None and rng.random() < 0.05 + 0.35 * engagement:
                story.schedule(self._later(at, 120), self.claim, user, template)
        if at < story.start:  # a member from before the months shown: in their favourite shops' programmes
            for shop in user.shops:
                if rng.random() < 0.7:
                    story.schedule(self._later(at, 30), self._browse, shop.tenant.id, user)
        elif rng.random() < 0.15:  # joins a shop's programme while browsing, and may never buy there
            shop = rng.choice(story.shops)
            story.schedule(self._later(at, 60), self._browse, shop.tenant.id, user)

    def _browse(self, at, tenant_id: int, user) -> None:
        programme = self.volume.programmes.get(tenant_id)
        if programme is not None and self.ledgers.member(programme, user.id) is None:
            self.join_shop(programme, user, at)

    def join_shop(self, programme, user, at) -> None:
        """Join a shop's programme; some claim its coupons in the coupon centre soon after."""
        self.ledgers.join(programme, user, at)
        for template in self.volume.templates.values():
            if template.claimable and template.programme_id == programme.id and self.story.rng.random() < 0.35:
                self.story.schedule(at + self.minutes(1, 60 * 24 * 20), self.claim, user, template)

    # The members' own events

    def top_up(self, at, user) -> None:
        """Cash into the wallet, charged to the card (wallet.operations.top_up)."""
        request = f"demo-{user.id}-{self.story.rows.count('loyalty_wallet_entries')}"
        amount = self.story.rng.choice(TOP_UPS)
        reference = book(self.story, keys.top_up_charge(request), "charge", amount, at)
        self.ledgers.move(user, "cash", amount, "top_up", keys.top_up(user.id, request), at, reason=reference)

    def buy_plus(self, at, user) -> None:
        """A year of the platform's paid tier, from the wallet when it holds the fee (members.operations.buy)."""
        member = self.ledgers.member(self.volume.platform, user.id)
        tier = next((t for t in rules(self.volume.platform).paid_tiers), None) if member is not None else None
        if tier is None or (member.paid_until is not None and member.paid_until > at):
            return
        key = keys.tier_purchase(user.id, f"demo-plus-{user.id}")
        wallet = self.ledgers.wallets.get(user.id)
        purchase = {"membership_id": member.id, "tier_code": tier.code, "fee": tier.fee, "starts_at": at,
                    "ends_at": at + timedelta(days=tier.duration_days), "idempotency_key": key, "created_at": at,
                    "wallet_bonus": Decimal("0.00"), "wallet_cash": Decimal("0.00"), "gateway_paid": Decimal("0.00")}
        if wallet is not None and wallet.cash + wallet.bonus >= tier.fee:
            purchase["wallet_bonus"], purchase["wallet_cash"] = bonus_first(wallet.bonus, tier.fee)
            purchase["paid_with"] = "wallet"
            for balance in ("bonus", "cash"):
                self.ledgers.move(user, balance, -purchase[f"wallet_{balance}"], "membership_fee",
                                  keys.fee_payment(key, balance), at)
        else:
            purchase.update(paid_with="gateway", gateway_paid=tier.fee,
                            gateway_reference=book(self.story, key, "charge", tier.fee, at))
        self.story.rows.add("loyalty_tier_purchases", purchase)
        member.paid_tier_code, member.paid_until = tier.code, purchase["ends_at"]

    def claim(self, at, user, template) -> None:
        """Claim a coupon in the coupon centre, paying its points price if it has one (coupons.operations.claim)."""
        programme = template.programme
        member = self.ledgers.member(programme, user.id)
        if programme.tenant_id is not None and member is None:
            member = self.ledgers.join(programme, user, at)
        held = self.ledgers.held(template, user.id)
        if held >= template.per_member_limit:
            return
        if template.points_price and (member is None or self.ledgers.spendable(member, at) < template.points_price):
            return
        coupon = self.ledgers.issue(template, user, "exchange" if template.points_price else "claim",
                                    keys.claim(template.id, user.id, held + 1), at)
        if coupon is not None and template.points_price:
            self.ledgers.debit(member, template.points_price, "exchange", keys.exchange(coupon.id), at)

    def check_in(self, at, user, programme) -> None:
        """The day's check-in with its streak bonus (members.operations.check_in)."""
        member = self.ledgers.member(programme, user.id)
        today = clock.local_date(clock.zone_of(programme.tenant), at)
        if member is None or member.last_check_in == today:
            return
        member.streak = member.streak + 1 if member.last_check_in == today - timedelta(days=1) else 1
        member.last_check_in = today
        r = rules(programme)
        bonus = r.bonuses.get("check_in", 0) + (r.bonuses.get("check_in_streak") or {}).get(str(member.streak), 0)
        self.ledgers.credit(member, bonus, "check_in", keys.check_in(member.id, today), at,
                            funded_by=programme.funder)

    def reward_referrer(self, user, at, order_id=None) -> None:
        """Both sides' bonuses for the referred member's first settled order, and the referral's record
        (referrals.reward_referrer; the generated members share no phone, address or card)."""
        platform = self.volume.platform
        if not user.referred_by_id or platform is None or user.id in self.referred:
            return
        self.referred.add(user.id)
        key = keys.referral(platform.id, user.id)
        self.story.rows.add("loyalty_handled_events", idempotency_key=key, created_at=at)
        member = self.ledgers.member(platform, user.referred_by_id)
        r = rules(platform)
        bonus, gift = r.bonuses.get("referral", 0), r.bonuses.get("referee", 0)
        if member is None or not (bonus or gift):
            return
        record = {"idempotency_key": keys.referral_record(platform.id, user.id), "programme_id": platform.id,
                  "referrer_id": user.referred_by_id, "referee_id": user.id, "order_id": order_id,
                  "created_at": user.created_at, "decided_at": at, "referrer_points": 0, "referee_points": 0}
        month = (member.id, month_key(at, clock.PLATFORM_ZONE))
        if self.referrals.get(month, 0) >= r.referral_monthly_cap:
            self.story.rows.add("loyalty_referrals", record, status="held", reason="monthly_cap")
            return
        self.referrals[month] = self.referrals.get(month, 0) + 1
        self.ledgers.credit(member, bonus, "referral", key, at, funded_by="platform")
        mine = self.ledgers.member(platform, user.id)
        if gift and mine is not None:
            self.ledgers.credit(mine, gift, "referee", keys.referee(platform.id, user.id), at, funded_by="platform")
        self.story.rows.add("loyalty_referrals", record, status="rewarded", rewarded_at=at, referrer_points=bonus,
                            referee_points=gift if mine is not None else 0)

    # The daily tick

    def tick(self, at) -> None:
        """Expiry, level periods, rolling windows, birthdays and tier coupons (tick._member_tick); then the day's
        check-ins and pushes are put on the clock. What a programme cannot do is not looked at."""
        self.ledgers.expire_due(at)
        for programme in [self.volume.platform, *self.volume.programmes.values()]:
            r, zone = rules(programme), clock.zone_of(programme.tenant)
            members = self.ledgers.by_programme.get(programme.id, ())
            inactive = at - timedelta(days=r.expiry["days"]) if r.expiry["policy"] == "inactivity" else None
            boundary = month_key(at, zone, r.window["evaluate"]) if r.window["kind"] == "rolling" else None
            birthdays = bool(r.bonuses.get("birthday") or r.birthday_coupon)
            coupons = any(tier.coupons for tier in r.tiers)
            for member in members:
                if inactive is not None and (member.last_order_at or member.joined_at) <= inactive:
                    self.ledgers.expire_inactive(member, at)
                if member.period_end is not None and member.period_end <= at:
                    self._end_periods(r, member, at)
                if boundary is not None and member.evaluated_for and member.evaluated_for != boundary:
                    self._evaluate(r, member, boundary, at)
                if birthdays:
                    self._birthday(programme, r, member, at)
                if coupons:
                    self._tier_coupons(programme, member, zone, at)
        self._day(at)

    def _tier_coupons(self, programme, member, zone: str, at) -> None:
        """A tier's monthly or quarterly coupons, once per calendar period (tick._tier_coupons)."""
        for template_id, every in effective_tier(member, at).coupons:
            template = self.volume.templates.get(template_id)
            if template is not None:
                key = keys.level_coupon(template.id, member.user_id, month_key(at, zone, every))
                self.ledgers.issue(template, member.user, "level", key, at)

    def _end_periods(self, r, member, at) -> None:
        """Keep or drop the tier when its validity period ends (members.operations.end_validity_periods)."""
        while member.period_end is not None and member.period_end <= at:
            end, current = member.period_end, r.earned_index(member.tier_code)
            kept = r.earned_tiers[0]
            for tier in r.earned_tiers[: current + 1]:
                if tier.keep <= member.period_metric:
                    kept = tier
            self.story.rows.add("loyalty_tier_changes", membership_id=member.id, from_code=member.tier_code,
                                to_code=kept.code, reason="kept" if kept.code == member.tier_code else "down",
                                at=end, idempotency_key=keys.period_end(member.id, end))
            member.tier_code, member.period_metric, member.period_start = kept.code, Decimal("0.00"), end
            member.period_end = None if kept.rank == r.lowest.rank else end + timedelta(days=r.window["days"])

    def _evaluate(self, r, member, boundary: str, at) -> None:
        """A rolling window looked at again at a calendar boundary, up or down (evaluate_rolling)."""
        tier = r.reached(self.ledgers.rolling_metric(member, at))
        member.evaluated_for = boundary
        if tier.code != member.tier_code:
            reason = "up" if tier.rank > r.tier(member.tier_code).rank else "down"
            self.ledgers.change_tier(member, tier.code, reason, at, keys.rolling(member.id, boundary))

    def _birthday(self, programme, r, member, at) -> None:
        """Birthday points and coupon, once a year, on or after the day within its month (tick._birthday)."""
        born = member.user.birthday
        if born is None or not (r.bonuses.get("birthday") or r.birthday_coupon):
            return
        today = clock.local_date(clock.zone_of(programme.tenant), at)
        if today.month != born.month or today.day < born.day:
            return
        key = keys.birthday(member.id, today.year)
        if key not in self.birthdays:
            self.birthdays.add(key)
            if self.ledgers.credit(member, r.bonuses.get("birthday", 0), "birthday", key, at,
                                   funded_by=programme.funder) is not None:
                self.ledgers.notify(member.user_id, "loyalty.birthday", key, at, link="/member/points",
                                    tenant_id=programme.tenant_id, programme=r.name,
                                    points=r.bonuses.get("birthday", 0))
        template = self.volume.templates.get(r.birthday_coupon) if r.birthday_coupon else None
        if template is not None:
            self.ledgers.issue(template, member.user, "birthday",
                               keys.birthday_coupon(template.id, member.user_id, today.year), at)

    def _day(self, at) -> None:
        """Put the day's check-ins and pushes on the clock."""
        rng, story = self.story.rng, self.story
        for user, chance in self.checkers:
            if rng.random() < chance:
                moment = at + timedelta(hours=rng.uniform(6.5, 23.5))
                for programme in [self.volume.platform, *self.volume.programmes.values()]:
                    if rules(programme).bonuses.get("check_in") and (
                            programme.tenant_id is None or rng.random() < 0.6):
                        story.schedule(moment, self.check_in, user, programme)
        local = at.astimezone(ZoneInfo(clock.PLATFORM_ZONE)).date()
        ten = clock.as_utc(datetime.combine(local, time(10), tzinfo=ZoneInfo(clock.PLATFORM_ZONE)))
        for programme in self.volume.programmes.values():
            slug = programme.tenant.slug
            if PUSH_DAYS.get(slug) == local.day:
                story.schedule(ten, shop_push, self.volume, programme, local.month)
        for month, day, name in PLATFORM_PUSHES:
            if (local.month, local.day) == (month, day):
                story.schedule(ten, platform_push, self.volume, name)
