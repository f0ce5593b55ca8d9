"""Pushes the tick starts: scheduled pushes whose time has come, and the win-back campaign.

Win-back: at each tick, the members who became sleeping since the campaign's last run get its
coupon, each at most once per calendar month or quarter (the shop's local calendar).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import update

from mall import clock
from mall.audit.operations import record
from mall.extensions import db
from plugins.loyalty import coupons as coupon_ops
from plugins.loyalty.push_models import Campaign, Push
from plugins.loyalty.pushes import CHANNELS, queue_start
from plugins.loyalty.segments import SegmentSchema, segment_select

PERIODS = ("month", "quarter")


class CampaignSchema(Schema):
    """The win-back campaign's settings."""

    class Meta:
        unknown = RAISE

    template_id = fields.Integer(required=True)
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=lambda: ["inbox"],
                           validate=validate.Length(min=1, max=3))
    period = fields.String(load_default="month", validate=validate.OneOf(PERIODS))
    is_active = fields.Boolean(load_default=True)


def win_back(programme) -> Campaign | None:
    """The programme's win-back campaign, if it has one."""
    return db.session.execute(db.select(Campaign).filter_by(programme_id=programme.id, kind="win_back")) \
        .scalar_one_or_none()


def save_win_back(programme, raw: dict, actor=None) -> Campaign:
    """Create or change the win-back campaign (422 on bad fields); the caller commits."""
    data = CampaignSchema().load(raw)
    if coupon_ops.template_in(programme, data["template_id"]) is None:
        raise ValidationError({"template_id": [_l("Not a coupon template of this programme.")]})
    campaign = win_back(programme)
    if campaign is None:
        # It looks for members who become sleeping from now on, not those asleep for years.
        campaign = Campaign(programme_id=programme.id, tenant_id=programme.tenant_id, kind="win_back",
                            last_run_at=clock.now(), created_by=getattr(actor, "id", None), created_at=clock.now())
        db.session.add(campaign)
    campaign.template_id, campaign.period, campaign.is_active = data["template_id"], data["period"], data["is_active"]
    campaign.channels = sorted(set(data["channels"]))
    db.session.flush()
    record("campaign.saved", "win_back", actor=actor, tenant=programme.tenant_id, template_id=campaign.template_id,
           period=campaign.period, active=campaign.is_active)
    return campaign


def period_key(period: str, tz: str, at) -> str:
    """The calendar period of `at` in the shop's zone: "2026-11" or "2026-Q4"."""
    day = clock.local_date(tz, at)
    return f"{day.year}-{day.month:02d}" if period == "month" else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def start_scheduled(at) -> int:
    """Queue the scheduled pushes whose moment has come (each once: a conditional update)."""
    due = db.session.execute(db.select(Push).where(Push.status == "scheduled", Push.scheduled_at <= at)
                             .order_by(Push.id)).scalars().all()
    started = 0
    for push in due:
        moved = db.session.execute(update(Push).where(Push.id == push.id, Push.status == "scheduled")
                                   .values(status="queued").execution_options(synchronize_session=False))
        if moved.rowcount == 1:
            queue_start(push)
            started += 1
    return started


def run_win_back(at) -> int:
    """Make one push per active win-back campaign for the members who became sleeping since its last run."""
    made = 0
    for campaign in db.session.execute(db.select(Campaign).where(Campaign.is_active.is_(True),
                                                                 Campaign.kind == "win_back")).scalars().all():
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
                    campaign_id=campaign.id, period=period_key(campaign.period, tz, at), created_at=at)
        db.session.add(push)
        db.session.flush()
        queue_start(push)
        made += 1
    return made


def on_tick(sender, at, dry_run, report, **kwargs) -> None:
    """The tick's push work: scheduled pushes, then win-back campaigns."""
    if dry_run:
        report["loyalty_scheduled_pushes"] = db.session.execute(
            db.select(db.func.count(Push.id)).where(Push.status == "scheduled", Push.scheduled_at <= at)).scalar()
        return
    report["loyalty_scheduled_pushes"] = start_scheduled(at)
    report["loyalty_win_back_pushes"] = run_win_back(at)
