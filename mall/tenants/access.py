"""Tenant resolution, tenant-scoped queries and one access decorator per role."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user

from mall.extensions import db
from mall.tenants.models import Staff, StaffRole, Tenant

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def actor():
    """The authenticated user of this request: the API token's user, or the session's."""
    if "api_user" in g:
        return g.api_user
    if request.blueprint and request.blueprint.startswith("api"):
        return None
    return current_user if current_user.is_authenticated else None


def resolve_tenant(slug: str) -> Tenant:
    """Load the shop named in the URL once per request and keep it on `g` (404 if absent)."""
    tenant = g.get("tenant")
    if tenant is not None and tenant.slug == slug:
        return tenant
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none()
    if tenant is None:
        abort(404)
    g.tenant = tenant
    return tenant


def current_tenant() -> Tenant:
    """The shop resolved for this request."""
    return g.tenant


def scoped(model):
    """A select of `model` restricted to the current tenant."""
    return db.select(model).where(model.tenant_id == g.tenant.id)


def get_in_tenant_or_404(model, ident):
    """Fetch a tenant-owned row by id; a foreign or missing id is a 404 (never say which)."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    row = db.session.execute(scoped(model).where(model.id == ident)).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def staff_role(user, tenant: Tenant) -> str | None:
    """The user's role in the shop, or None."""
    if user is None:
        return None
    return db.session.execute(
        db.select(Staff.role).filter_by(tenant_id=tenant.id, user_id=user.id)
    ).scalar_one_or_none()


def may_open(endpoint: str) -> bool:
    """Whether the current shop staff member's role lets them open a shop page (for hiding links they cannot use)."""
    from flask import current_app

    view = current_app.view_functions.get(endpoint)
    access = getattr(view, "access", "")
    if not access.startswith("staff:"):
        return view is not None
    have = g.get("staff_role")
    return have is not None and StaffRole.at_least(have, access.removeprefix("staff:"))


def may_write(tenant: Tenant) -> bool:
    """Whether the current staff member may change the shop's admin data: a manager or owner of an open shop."""
    have = g.get("staff_role")
    return tenant.is_active and have is not None and StaffRole.at_least(have, StaffRole.MANAGER)


def staff_required(role: str = StaffRole.SUPPORT):
    """Require the actor to be staff of the URL's shop with at least `role`.

    Writes (any method but GET/HEAD/OPTIONS) also need at least manager and an active
    shop: support staff only read, and a suspended shop's admin is read-only.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = actor()
            if user is None:
                abort(401)
            tenant = resolve_tenant(kwargs["shop"])
            have = staff_role(user, tenant)
            if have is None:
                abort(403)
            g.staff_role = have
            if request.method not in SAFE_METHODS and not may_write(tenant):
                if not tenant.is_active:
                    abort(403, description=_("This shop is suspended; its admin is read-only."))
                abort(403)
            if not StaffRole.at_least(have, role):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = f"staff:{role}"
        return wrapper

    return decorator


def operator_required(view):
    """Require a platform operator."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = actor()
        if user is None:
            abort(401)
        if not user.is_operator:
            abort(403)
        return view(*args, **kwargs)

    wrapper.access = "operator"
    return wrapper


def login_required(view):
    """Require any signed-in, enabled user (shopper pages and shopper API)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if actor() is None:
            abort(401)
        return view(*args, **kwargs)

    wrapper.access = "user"
    return wrapper


def public(view):
    """Mark a view as open to everyone (so every view declares who may use it)."""
    view.access = "public"
    return view


def open_shop_or_404(slug: str) -> Tenant:
    """Resolve a storefront's shop; a suspended shop's storefront is closed to shoppers."""
    tenant = resolve_tenant(slug)
    if not tenant.is_active:
        abort(404, description=_("This shop is closed."))
    return tenant
