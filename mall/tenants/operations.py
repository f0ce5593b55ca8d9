"""Tenant and staff operations: create, suspend, reopen; add, change and remove staff. Callers commit."""

from __future__ import annotations

import re
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from mall import clock, signals
from mall.accounts.models import User
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.tenants.models import Staff, StaffRole, Tenant, TenantStatus, is_zone

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
RESERVED_SLUGS = {"platform", "admin", "api", "static"}
NAME_MAX = 120
DESCRIPTION_MAX = 5000


def _text_errors(name, name_en, description, description_en) -> dict:
    """Field messages for a shop's names (the Chinese one required) and descriptions."""
    errors: dict = {}
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        errors["name"] = [_("Enter a name of up to 120 characters.")]
    for key, value, most in (("name_en", name_en, NAME_MAX), ("description", description, DESCRIPTION_MAX),
                             ("description_en", description_en, DESCRIPTION_MAX)):
        if not isinstance(value, str) or len(value.strip()) > most:
            errors[key] = [_("Enter at most %(n)d characters.", n=most)]
    return errors


def create_tenant(slug, name, owner_email, return_window_days=30, shipping_fee=Decimal("0.00"),
                  free_shipping_threshold=None, timezone=clock.PLATFORM_ZONE, is_self_operated=False,
                  description="", name_en="", description_en="") -> Tenant:
    """Create a shop with an existing user as its owner."""
    errors: dict = {}
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        errors["slug"] = [_("Use 1–40 lowercase letters, digits and dashes.")]
    elif db.session.execute(db.select(Tenant.id).filter_by(slug=slug)).first():
        errors["slug"] = [_("This address is taken.")]
    errors.update(_text_errors(name, name_en, description, description_en))
    owner = User.by_email(owner_email) if isinstance(owner_email, str) else None
    if owner is None:
        errors["owner_email"] = [_("No account has this e-mail address.")]
    if not isinstance(return_window_days, int) or isinstance(return_window_days, bool) \
            or not 0 <= return_window_days <= 365:
        errors["return_window_days"] = [_("Enter 0 to 365 days.")]
    for key, value in (("shipping_fee", shipping_fee), ("free_shipping_threshold", free_shipping_threshold)):
        if value is not None and (not isinstance(value, Decimal) or value < 0 or value > Decimal("100000")
                                  or value != value.quantize(Decimal("0.01"))):
            errors[key] = [_("Enter an amount from 0 to 100000 with at most two decimals.")]
    if not is_zone(timezone):
        errors["timezone"] = [_("Give a time zone such as Asia/Shanghai.")]
    if errors:
        raise FieldErrors(_("Please correct the shop."), errors)
    tenant = Tenant(slug=slug, name=name.strip(), name_en=name_en.strip(), return_window_days=return_window_days,
                    shipping_fee=shipping_fee or Decimal("0.00"), free_shipping_threshold=free_shipping_threshold,
                    timezone=timezone, is_self_operated=is_self_operated, description=description.strip(),
                    description_en=description_en.strip())
    try:
        with db.session.begin_nested():
            db.session.add(tenant)
            db.session.flush()
    except IntegrityError:
        raise FieldErrors(_("Please correct the shop."), {"slug": [_("This address is taken.")]}) from None
    db.session.add(Staff(tenant_id=tenant.id, user_id=owner.id, role=StaffRole.OWNER))
    db.session.flush()
    signals.tenant_created.send(current_app._get_current_object(), tenant=tenant)
    return tenant


def update_texts(tenant: Tenant, name, name_en, description, description_en) -> Tenant:
    """Change the shop's name and description in Chinese and English (the Chinese name is required)."""
    errors = _text_errors(name, name_en, description, description_en)
    if errors:
        raise FieldErrors(_("Please correct the shop."), errors)
    tenant.name, tenant.name_en = name.strip(), name_en.strip()
    tenant.description, tenant.description_en = description.strip(), description_en.strip()
    db.session.flush()
    return tenant


def set_status(tenant: Tenant, status: str) -> Tenant:
    """Suspend or reopen a shop."""
    old = tenant.status
    if old == status:
        return tenant
    tenant.status = status
    db.session.flush()
    signals.tenant_status_changed.send(current_app._get_current_object(), tenant=tenant, old_status=old,
                                       new_status=status)
    return tenant


def suspend(tenant: Tenant) -> Tenant:
    """Close a shop's storefront and make its admin read-only."""
    return set_status(tenant, TenantStatus.SUSPENDED)


def reopen(tenant: Tenant) -> Tenant:
    """Reopen a suspended shop."""
    return set_status(tenant, TenantStatus.ACTIVE)


def _check_role(role) -> None:
    if role not in StaffRole.ORDER:
        raise FieldErrors(_("Unknown role."), {"role": [_("Choose owner, manager or support.")]})


def add_staff(tenant: Tenant, email: str, role: str, actor) -> Staff:
    """Give an existing account a role in the shop."""
    _check_role(role)
    user = User.by_email(email or "")
    if user is None:
        raise FieldErrors(_("No account has this e-mail address."), {"email": [_("Ask them to register first.")]})
    staff = Staff(tenant_id=tenant.id, user_id=user.id, role=role)
    try:
        with db.session.begin_nested():
            db.session.add(staff)
    except IntegrityError:
        raise FieldErrors(_("Already staff."), {"email": [_("This person is already staff here.")]}) from None
    signals.staff_changed.send(current_app._get_current_object(), staff=staff, actor=actor, action="added")
    return staff


def _owners(tenant_id: int) -> int:
    return db.session.execute(
        db.select(func.count(Staff.id)).filter_by(tenant_id=tenant_id, role=StaffRole.OWNER)
    ).scalar()


def _locked(staff: Staff, actor) -> Staff:
    """Lock the shop's row, then re-read the staff row: changes to one shop's staff run one after another.

    Without the lock two owners removing or demoting each other would both count two owners
    and leave none; under it the second sees the first's change (SQLite serializes writers already).
    """
    db.session.execute(db.select(Tenant.id).where(Tenant.id == staff.tenant_id).with_for_update())
    current = db.session.execute(
        db.select(Staff).where(Staff.id == staff.id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if current is None:
        raise Conflict(_("This person is no longer staff here."), code="staff_gone")
    if actor is not None and db.session.execute(
            db.select(Staff.role).filter_by(tenant_id=staff.tenant_id, user_id=actor.id)
    ).scalar_one_or_none() != StaffRole.OWNER:
        raise Conflict(_("Only an owner of this shop can change its staff."), code="not_owner")
    return current


def change_role(staff: Staff, role: str, actor) -> Staff:
    """Change a staff member's role; a shop always keeps one owner."""
    _check_role(role)
    staff = _locked(staff, actor)
    if staff.role == StaffRole.OWNER and role != StaffRole.OWNER and _owners(staff.tenant_id) <= 1:
        raise Conflict(_("A shop needs at least one owner."), code="last_owner")
    staff.role = role
    signals.staff_changed.send(current_app._get_current_object(), staff=staff, actor=actor, action="changed")
    return staff


def remove_staff(staff: Staff, actor) -> None:
    """Remove a staff member; a shop always keeps one owner."""
    staff = _locked(staff, actor)
    if staff.role == StaffRole.OWNER and _owners(staff.tenant_id) <= 1:
        raise Conflict(_("A shop needs at least one owner."), code="last_owner")
    signals.staff_changed.send(current_app._get_current_object(), staff=staff, actor=actor, action="removed")
    db.session.delete(staff)
