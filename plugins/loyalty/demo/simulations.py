"""The demo's past simulations: the four-tier shop tried twice the points per yuan over its last six months, and the
platform a lower gold threshold over three; both computed by the real engine once the demo's trade exists."""

from __future__ import annotations

import copy
from decimal import Decimal

from mall import clock
from mall.extensions import db
from mall.tenants.models import Tenant
from plugins.loyalty.programmes.models import Rules
from plugins.loyalty.programmes.operations import programme_for, rules
from plugins.loyalty.programmes.schemas import validate_document
from plugins.loyalty.simulations.jobs import load_history
from plugins.loyalty.simulations.models import Simulation
from plugins.loyalty.simulations.operations import compare


def hook(shops, shoppers):
    """Demo hook: the simulations are made once the demo (and its months of trade) is committed."""
    return add_simulations


def add_simulations() -> None:
    """One finished simulation for the four-tier shop and one for the platform."""
    four = programme_for(db.session.execute(db.select(Tenant).filter_by(slug="fourtier")).scalar_one_or_none())
    platform = programme_for(None)
    if four is not None:
        draft = copy.deepcopy(four.document)
        draft["points"]["earn"]["points"] = str(Decimal(draft["points"]["earn"]["points"]) * 2)
        _finished(four, draft, 6)
    if platform is not None:
        draft = copy.deepcopy(platform.document)
        tiers = draft["levels"]["tiers"]
        if len(tiers) > 1:
            tiers[1]["threshold"] = str(Decimal(tiers[1]["threshold"]) * Decimal("0.6"))
        _finished(platform, draft, 3)


def _finished(programme, draft: dict, months: int) -> None:
    document = validate_document(draft)
    now = clock.now()
    result = compare(load_history(programme, months, now), rules(programme), Rules(document))
    db.session.add(Simulation(programme_id=programme.id, status="done", progress=100, months=months,
                              document=document, version=programme.version, result=result, created_at=now,
                              finished_at=now))
    db.session.flush()
