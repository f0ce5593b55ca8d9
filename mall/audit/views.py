"""The audit log page of the platform super-admin, filterable by shop, actor and action."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask import Blueprint, render_template, request
from sqlalchemy import func

from mall import clock
from mall.accounts.models import User
from mall.audit.describe import ACTION_LABELS, describe
from mall.audit.models import AuditEntry
from mall.audit.operations import ACTIONS
from mall.extensions import db
from mall.i18n import when
from mall.pagination import paginate
from mall.tenants.access import operator_required
from mall.tenants.models import Tenant

bp = Blueprint("audit", __name__, url_prefix="/platform/audit")
#: The cookie the page's script sets to the browser's time zone; without it times are in the platform's.
ZONE_COOKIE = "tz"


@lru_cache(maxsize=1)
def _zones() -> frozenset:
    return frozenset(available_timezones())


@bp.app_template_filter("viewer_when")
def viewer_when(moment) -> str:
    """A moment in the viewer's time zone, written as every other time is (date and 24-hour time)."""
    return when(moment, viewer_zone())


def viewer_zone() -> str:
    """The viewer's time zone, as their browser names it, when it is a real zone; else the platform's."""
    name = request.cookies.get(ZONE_COOKIE, "")[:64]
    return name if name in _zones() else clock.PLATFORM_ZONE


@bp.route("/")
@operator_required
def log():
    """Every audited change, newest first; filters: ?tenant=<slug>&actor=<e-mail part>&action=<name>."""
    shop = (request.args.get("tenant") or "").strip()[:40]
    who = (request.args.get("actor") or "").strip()[:100]
    action = request.args.get("action") or ""
    select = db.select(AuditEntry).order_by(AuditEntry.id.desc())
    if shop:
        select = select.join(Tenant, Tenant.id == AuditEntry.tenant_id).where(Tenant.slug == shop)
    if who:
        select = select.join(User, User.id == AuditEntry.actor_id).where(func.lower(User.email).contains(who.lower()))
    if action in ACTIONS:
        select = select.where(AuditEntry.action == action)
    shops = db.session.execute(db.select(Tenant.slug).order_by(Tenant.slug)).scalars().all()
    page = paginate(select)
    actions = sorted(((a, str(ACTION_LABELS.get(a, a))) for a in ACTIONS), key=lambda pair: pair[1])
    return render_template("platform/audit.html", page=page, rows=describe(page.items), shops=shops, zone=viewer_zone(),
                           actions=actions, shop=shop, who=who, action=action)
