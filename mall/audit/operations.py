"""Recording audit entries; the caller's transaction commits them with the change itself."""

from __future__ import annotations

from mall import clock
from mall.audit.describe import ACTION_LABELS, DETAIL_LINES, FIELD_LABELS, VALUE_LABELS
from mall.audit.models import AuditEntry
from mall.extensions import db

#: Every action the log knows, for the filter (plugins add theirs with `register_action`).
ACTIONS: set[str] = {"tenant.created", "tenant.suspended", "tenant.reopened", "staff.added", "staff.changed",
                     "staff.removed", "user.disabled", "user.enabled", "marketing.policy"}


def register_action(*names: str, labels: dict | None = None, fields: dict | None = None,
                    values: dict | None = None, details: dict | None = None) -> None:
    """Let a plugin name the actions it records, so the log can filter by them, with each action's phrase
    (`labels`), its details' field labels (`fields`), stored codes in words (`values`) and, for an action
    whose details need looking up, a function giving the lines of its entries (`details`)."""
    ACTIONS.update(names)
    ACTION_LABELS.update(labels or {})
    FIELD_LABELS.update(fields or {})
    VALUE_LABELS.update(values or {})
    DETAIL_LINES.update(details or {})


def record(action: str, target: str = "", *, actor=None, tenant=None, **details) -> AuditEntry:
    """Add an audit entry to the current transaction (values in details must be JSON: str(Decimal) first)."""
    entry = AuditEntry(action=action, target=str(target)[:200], actor_id=getattr(actor, "id", None),
                       tenant_id=getattr(tenant, "id", tenant if isinstance(tenant, int) else None),
                       details=details, created_at=clock.now())
    db.session.add(entry)
    return entry
