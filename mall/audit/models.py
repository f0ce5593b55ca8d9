"""One row per audited change: who, in which shop, what, to what, with the details."""

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class AuditEntry(db.Model):
    """A staff or operator change (programme version, adjustment, coupon template, tenant, staff, account)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        db.Index("ix_audit_entries_tenant", "tenant_id", "id"),
        db.Index("ix_audit_entries_actor", "actor_id", "id"),
        db.Index("ix_audit_entries_action", "action", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    action = db.Column(db.String(60), nullable=False)
    target = db.Column(db.String(200), nullable=False, default="")
    details = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    tenant = db.relationship("Tenant")
    actor = db.relationship("User")
