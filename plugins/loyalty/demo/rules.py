"""The demo's earning rules: a double-points weekend in every shop (with a monthly budget and a weekly cap per
member) and a Gold-only rule on tea in the four-tier shop; and their part of the months of trade (`StoryRules`),
which grants rule points as `rules.operations.grant` does, in memory."""

from __future__ import annotations

import copy
from decimal import Decimal

from mall.catalog.models import Category
from mall.extensions import db
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.budgets.models import BudgetSpend
from plugins.loyalty.members.operations import effective_tier
from plugins.loyalty.programmes.operations import programme_for, rules, save_document
from plugins.loyalty.rules.operations import earning_at, member_owner, rule_owner

WEEKEND = {"name": "双倍积分周末", "name_en": "Double-points weekend", "weekdays": [6, 7], "multiplier": "2",
           "stacking": "add", "cap_per_member": {"points": 2000, "period": "week"},
           "budget": {"points": 300000, "period": "month"}}
GOLD_TEA = {"name": "金牌会员茶叶四倍积分", "name_en": "Gold members: 4× points on tea", "tiers": ["gold"],
            "multiplier": "4", "stacking": "best", "cap_per_order": 3000}


def add_rules(shops: dict) -> None:
    """Every demo shop's programme gets the weekend rule; the four-tier shop's Gold members a tea rule too."""
    for slug, tenant in shops.items():
        programme = programme_for(tenant)
        if programme is None:
            continue
        document = copy.deepcopy(programme.document)
        document["points"]["rules"] = [copy.deepcopy(WEEKEND)]
        tea = db.session.execute(db.select(Category.id).where(Category.tenant_id == tenant.id,
                                                              Category.name == "茶叶")).scalar()
        if slug == "fourtier" and tea is not None:
            document["points"]["rules"].append({**GOLD_TEA, "categories": [tea]})
        save_document(tenant, document)


class StoryRules:
    """Rule points in the demo's generated trade: each rule's extra cut by its caps and budget as they stand in
    the story (starting from what the database holds), its grant rows, and the budgets' spend rows at the end."""

    def __init__(self, story):
        self.story = story
        self.spends = {row.idempotency_key: [row.id, Decimal(row.spent)]
                       for row in db.session.execute(db.select(BudgetSpend)).scalars()}
        self.grants: dict[tuple[int, int], list] = {}  # (order id, membership id) → grant rows

    def earning(self, order, programme, member, payments, at):
        """What paying the order earns in the programme, the rules' extras granted."""
        result = earning_at(order, programme, rules(programme), effective_tier(member, at), at, payments)
        for extra in result.extras:
            granted, cap, budget = extra.asked, extra.rule.get("cap_per_member"), extra.rule.get("budget")
            if cap and granted:
                granted = self._take(programme, member_owner(extra.rule, member.id), cap, granted, at)
            if budget and granted:
                got = self._take(programme, rule_owner(extra.rule), budget, granted, at)
                if cap and got < granted:
                    self._take(programme, member_owner(extra.rule, member.id), cap, got - granted, at)
                granted = got
            extra.granted = granted
            row = self.story.rows.add("loyalty_rule_grants", {
                "order_id": order.id, "membership_id": member.id, "position": extra.position, "name": extra.name,
                "rule": extra.rule, "asked": extra.asked, "points": granted,
                "idempotency_key": keys.rule_grant(order.id, member.id, extra.name), "created_at": at})
            self.grants.setdefault((order.id, member.id), []).append(row)
        return result

    def given(self, order, member) -> list:
        """The grant rows of an order in a membership (for refunds)."""
        return self.grants.get((order.id, member.id), [])

    def _take(self, programme, owner: str, budget: dict, points: int, at) -> int:
        """As budgets.take(partial=True) (a negative `points` gives back); what was taken."""
        key = budgets._row_key(programme, owner, budgets.period_of(budget, programme, at))
        spend = self.spends.setdefault(key, [None, Decimal(0)])
        taken = min(points, int(budgets.limit_of(budget) - spend[1]))
        spend[1] += taken
        if spend[0] is None:
            spend.append((programme.id, owner, budgets.period_of(budget, programme, at), at))
        return taken

    def finish(self) -> None:
        """Write what each budget spent: new periods as rows, known ones as updates."""
        for key, spend in self.spends.items():
            if spend[0] is not None:
                self.story.rows.update("loyalty_budget_spends", spend[0], spent=spend[1])
            elif len(spend) > 2:
                programme_id, owner, period, at = spend[2]
                self.story.rows.add("loyalty_budget_spends", programme_id=programme_id, owner=owner, period=period,
                                    idempotency_key=key, spent=spend[1], created_at=at)
