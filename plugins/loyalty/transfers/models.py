"""Transfer tables: member imports with their per-row reports, and member exports written by the queue."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class MemberImport(db.Model):
    """One uploaded CSV of members for a programme: its checked report, then the run that applies it."""

    __tablename__ = "loyalty_member_imports"
    # One import per file content per programme: uploading the same file again finds this row.
    __table_args__ = (UniqueConstraint("programme_id", "file_hash"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True, index=True)
    file_hash = db.Column(db.String(64), nullable=False)
    filename = db.Column(db.String(200), nullable=False, default="")
    #: checked → queued → running → done.
    status = db.Column(db.String(10), nullable=False, default="checked")
    rows_total = db.Column(db.Integer, nullable=False, default=0)
    valid_rows = db.Column(db.Integer, nullable=False, default=0)
    update_rows = db.Column(db.Integer, nullable=False, default=0)
    error_rows = db.Column(db.Integer, nullable=False, default=0)
    #: Rows the run has applied (or found no longer applicable); the progress bar is this over the rows to apply.
    applied_rows = db.Column(db.Integer, nullable=False, default=0)
    points_total = db.Column(db.Integer, nullable=False, default=0)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    started_at = db.Column(UTCDateTime, nullable=True)
    finished_at = db.Column(UTCDateTime, nullable=True)

    programme = db.relationship("Programme")

    @property
    def to_apply(self) -> int:
        """Rows the run applies: the valid ones and the updates."""
        return self.valid_rows + self.update_rows


class MemberImportRow(db.Model):
    """One line of an import's file: valid, an update of an existing account, or an error with its reason."""

    __tablename__ = "loyalty_member_import_rows"
    __table_args__ = (UniqueConstraint("import_id", "line"),)

    id = db.Column(db.Integer, primary_key=True)
    import_id = db.Column(db.Integer, db.ForeignKey("loyalty_member_imports.id"), nullable=False)
    #: The line number in the file (the header is line 1).
    line = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(8), nullable=False)  # valid | update | error
    reason = db.Column(db.String(200), nullable=True)
    #: The row's checked values (e-mail, phone, name, birthday, tier, points, expiry, consents).
    data = db.Column(db.JSON, nullable=False, default=dict)
    #: Set when the run applied the row, so a progress count and a replay see it.
    applied = db.Column(db.Boolean, nullable=False, default=False)


class MemberExport(db.Model):
    """A large export written by the queue to a file under the instance folder, downloadable when done."""

    __tablename__ = "loyalty_member_exports"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True, index=True)
    kind = db.Column(db.String(10), nullable=False)  # members | ledger | coupons
    #: The member list's query arguments the export was filtered by.
    filter = db.Column(db.JSON, nullable=False, default=dict)
    #: queued → done (or failed).
    status = db.Column(db.String(10), nullable=False, default="queued")
    rows = db.Column(db.Integer, nullable=False, default=0)
    path = db.Column(db.String(200), nullable=True)
    #: Who asked, in which language the header is written.
    locale = db.Column(db.String(8), nullable=True)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    finished_at = db.Column(UTCDateTime, nullable=True)

    programme = db.relationship("Programme")

