"""Audit entries for the core's own changes (shops and staff), recorded from its signals."""

from __future__ import annotations

from flask import has_request_context

from mall import signals
from mall.audit.operations import record


def _current_actor():
    """Who made the change: the signed-in user or API token's user; None from the command line."""
    if not has_request_context():
        return None
    from mall.tenants.access import actor

    return actor()


def on_tenant_created(sender, tenant, **kwargs) -> None:
    """A shop was created."""
    record("tenant.created", tenant.slug, actor=_current_actor(), tenant=tenant, name=tenant.name)


def on_tenant_status_changed(sender, tenant, old_status, new_status, **kwargs) -> None:
    """A shop was suspended or reopened."""
    action = "tenant.suspended" if new_status == "suspended" else "tenant.reopened"
    record(action, tenant.slug, actor=_current_actor(), tenant=tenant, old=old_status, new=new_status)


def on_staff_changed(sender, staff, actor, action, **kwargs) -> None:
    """A staff member was added, given another role, or removed."""
    record(f"staff.{action}", staff.user.email, actor=actor, tenant=staff.tenant_id, role=staff.role)


def connect(app) -> None:
    """Subscribe the audit receivers to this app's signals."""
    signals.tenant_created.connect(on_tenant_created, sender=app)
    signals.tenant_status_changed.connect(on_tenant_status_changed, sender=app)
    signals.staff_changed.connect(on_staff_changed, sender=app)
