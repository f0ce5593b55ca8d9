"""Pushes the tick starts: scheduled pushes whose time has come, and the win-back campaign."""

from __future__ import annotations

from sqlalchemy import update

from mall import clock
from mall.extensions import db
from mall.tenant_work import for_each_shop
from plugins.loyalty.points.operations import month_key
from plugins.loyalty.pushes.jobs import queue_start
from plugins.loyalty.pushes.models import Campaign, Push
from plugins.loyalty.segments.operations import segment_select
from plugins.loyalty.segments.schemas import SegmentSchema


def start_scheduled(tenant_id: int | None, at) -> int:
    """Queue the shop's (None: the platform's) scheduled pushes whose moment has come (each once: a conditional
    update); the caller commits, and the pushes start after that."""
    due = db.session.execute(db.select(Push).where(_of_shop(Push.tenant_id, tenant_id), *_due(at))
                             .order_by(Push.id)).scalars().all()
    started = 0
    for push in due:
        moved = db.session.execute(update(Push).where(Push.id == push.id, Push.status == "scheduled")
                                   .values(status="queued").execution_options(synchronize_session=False))
        if moved.rowcount == 1:
            queue_start(push)
            started += 1
    return started


def run_win_back(tenant_id: int | None, at) -> int:
    """Make one push per active win-back campaign of the shop for the members who became sleeping since its
    last run (the caller commits)."""
    made = 0
    for campaign in db.session.execute(db.select(Campaign).where(_of_shop(Campaign.tenant_id, tenant_id),
                                                                 *_win_back())).scalars().all():
        since = campaign.last_run_at
        if since is None or since >= at:
            continue
        # Claim the run: a second tick for the same moment finds last_run_at moved and does nothing.
        claimed = db.session.execute(update(Campaign).where(Campaign.id == campaign.id, Campaign.last_run_at == since)
                                     .values(last_run_at=at).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        programme = campaign.template.programme
        audience = {"slept_since": since.isoformat()}
        if not db.session.execute(db.select(segment_select(programme, SegmentSchema().load(audience), at)
                                            .order_by(None).exists())).scalar():
            continue  # nobody fell asleep since the last run: no empty push in the list
        tz = clock.zone_of(programme.tenant)
        push = Push(programme_id=programme.id, tenant_id=programme.tenant_id, template_id=campaign.template_id,
                    filter=audience, channels=campaign.channels, status="queued",
                    campaign_id=campaign.id, period=month_key(at, tz, campaign.period), created_at=at)
        db.session.add(push)
        db.session.flush()
        queue_start(push)
        made += 1
    return made


def on_tick(sender, at, dry_run, report, **kwargs) -> None:
    """The tick's push work: scheduled pushes, then win-back campaigns, each shop in its own transaction."""
    if dry_run:
        report["loyalty_scheduled_pushes"] = db.session.execute(
            db.select(db.func.count(Push.id)).where(*_due(at))).scalar()
        return
    shops = db.session.execute(db.select(Push.tenant_id).where(*_due(at)).distinct()).scalars().all()
    report["loyalty_scheduled_pushes"] = sum(for_each_shop(report, _in_order(shops), start_scheduled, at))
    shops = db.session.execute(db.select(Campaign.tenant_id).where(*_win_back()).distinct()).scalars().all()
    report["loyalty_win_back_pushes"] = sum(for_each_shop(report, _in_order(shops), run_win_back, at))


def _due(at) -> tuple:
    return Push.status == "scheduled", Push.scheduled_at <= at


def _win_back() -> tuple:
    return Campaign.is_active.is_(True), Campaign.kind == "win_back"


def _of_shop(column, tenant_id: int | None):
    return column.is_(None) if tenant_id is None else column == tenant_id


def _in_order(tenant_ids) -> list:
    """The platform first, then the shops by id: the same order on every tick."""
    return sorted(tenant_ids, key=lambda tenant_id: -1 if tenant_id is None else tenant_id)
