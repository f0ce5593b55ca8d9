"""Push tables: pushes, their frozen targets and results, and campaigns."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class Push(db.Model):
    """A coupon template pushed to the members a segment filter found when the push started."""

    __tablename__ = "loyalty_pushes"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True, index=True)
    template_id = db.Column(db.Integer, db.ForeignKey("loyalty_coupon_templates.id"), nullable=False)
    filter = db.Column(db.JSON, nullable=False, default=dict)
    channels = db.Column(db.JSON, nullable=False, default=list)
    #: (scheduled →) queued → running → done, or cancelled.
    status = db.Column(db.String(12), nullable=False, default="queued")
    targeted = db.Column(db.Integer, nullable=False, default=0)
    #: A scheduled push waits in `scheduled` until the tick reaches this moment.
    scheduled_at = db.Column(UTCDateTime, nullable=True)
    #: Pushes a campaign made: which campaign, for which period ("2026-11" or "2026-Q4").
    campaign_id = db.Column(db.Integer, db.ForeignKey("loyalty_campaigns.id"), nullable=True, index=True)
    period = db.Column(db.String(8), nullable=True)
    #: {"amount", "period"}: the face value this push may issue per period (plugins/loyalty/budgets), or None.
    budget = db.Column(db.JSON, nullable=True)
    #: The share of the segment held back as a control group (0 to 0.5), and the seed that picks it.
    holdout = db.Column(db.Numeric(4, 3), nullable=False, default=0)
    seed = db.Column(db.Integer, nullable=True)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    started_at = db.Column(UTCDateTime, nullable=True)
    finished_at = db.Column(UTCDateTime, nullable=True)

    template = db.relationship("CouponTemplate")


class PushTarget(db.Model):
    """One member of a push's frozen set; chunks are ranges of these ids."""

    __tablename__ = "loyalty_push_targets"
    __table_args__ = (UniqueConstraint("push_id", "membership_id"),)

    id = db.Column(db.Integer, primary_key=True)
    push_id = db.Column(db.Integer, db.ForeignKey("loyalty_pushes.id"), nullable=False)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)


class PushResult(db.Model):
    """What a push did for one member: issued, or skipped with the reason; written once (UNIQUE)."""

    __tablename__ = "loyalty_push_results"
    # The unique (push_id, user_id) index also serves the progress counts by push.
    __table_args__ = (UniqueConstraint("push_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    push_id = db.Column(db.Integer, db.ForeignKey("loyalty_pushes.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    outcome = db.Column(db.String(10), nullable=False)  # issued | skipped | holdout (held back: no coupon, no message)
    reason = db.Column(db.String(20), nullable=True)  # out_of_stock | limit | stopped | expired | budget_spent
    coupon_id = db.Column(db.Integer, db.ForeignKey("loyalty_coupons.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class Campaign(db.Model):
    """A push the tick makes by itself: win-back to members who became sleeping, once per period each."""

    __tablename__ = "loyalty_campaigns"
    __table_args__ = (UniqueConstraint("programme_id", "kind"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    kind = db.Column(db.String(12), nullable=False, default="win_back")
    template_id = db.Column(db.Integer, db.ForeignKey("loyalty_coupon_templates.id"), nullable=False)
    channels = db.Column(db.JSON, nullable=False, default=list)
    #: "month" or "quarter": a member gets this campaign at most once per calendar period.
    period = db.Column(db.String(8), nullable=False, default="month")
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    #: The moment the last run looked up to; the next run finds who became sleeping since.
    last_run_at = db.Column(UTCDateTime, nullable=True)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    template = db.relationship("CouponTemplate")
