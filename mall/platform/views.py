"""Platform super-admin pages under /platform/: tenants and users."""

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_

from mall.accounts.models import User
from mall.audit.operations import record
from mall.boundary import commit, commits
from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors
from mall.i18n import localized
from mall.orders.models import Order
from mall.pagination import paginate
from mall.platform.forms import TenantForm
from mall.tenants import operations as tenants
from mall.tenants.access import actor, operator_required
from mall.tenants.models import Staff, Tenant

bp = Blueprint("platform", __name__, url_prefix="/platform")


@bp.route("/", methods=["GET", "POST"])
@operator_required
@commits
def tenant_list():
    """Every shop with its order and staff counts; create a shop."""
    form = TenantForm()
    status = 200
    if form.validate_on_submit():
        try:
            tenant = tenants.create_tenant(
                form.slug.data.strip(), form.name.data, form.owner_email.data, name_en=form.name_en.data or "",
                return_window_days=form.return_window_days.data,
                shipping_fee=_cents(form.shipping_fee.data) or Decimal("0.00"),
                free_shipping_threshold=_cents(form.free_shipping_threshold.data),
                is_self_operated=form.is_self_operated.data)
        except FieldErrors as exc:
            show_field_errors(form, exc)
            status = 422
        else:
            flash(_("Shop %(name)s created.", name=localized(tenant, "name")), "success")
            return redirect(url_for("platform.tenant_list"))
    elif request.method == "POST":
        status = 422
    orders = dict(db.session.execute(db.select(Order.tenant_id, func.count(Order.id)).group_by(Order.tenant_id)).all())
    staff = dict(db.session.execute(db.select(Staff.tenant_id, func.count(Staff.id)).group_by(Staff.tenant_id)).all())
    page = paginate(db.select(Tenant).order_by(Tenant.id))
    return render_template("platform/tenants.html", page=page, form=form, orders=orders, staff=staff), status


def _cents(value):
    return None if value is None else value.quantize(Decimal("0.01"))


@bp.route("/tenants/<slug>/status", methods=["POST"])
@operator_required
@commits
def tenant_status(slug: str):
    """Suspend or reopen a shop."""
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none()
    if tenant is None:
        abort(404)
    if request.form.get("action") == "suspend":
        tenants.suspend(tenant)
        flash(_("%(name)s is suspended: its storefront is closed.", name=localized(tenant, "name")), "success")
    else:
        tenants.reopen(tenant)
        flash(_("%(name)s is open again.", name=localized(tenant, "name")), "success")
    return redirect(url_for("platform.tenant_list"))


@bp.route("/users")
@operator_required
def user_list():
    """Search accounts by e-mail or name."""
    q = (request.args.get("q") or "").strip()[:100]
    select = db.select(User).order_by(User.id)
    if q:
        like = f"%{q.lower()}%"
        select = select.where(or_(func.lower(User.email).like(like), func.lower(User.name).like(like)))
    return render_template("platform/users.html", page=paginate(select), q=q)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@operator_required
@commits
def user_detail(user_id: int):
    """An account with its orders and staff roles; disable or enable it."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if request.method == "POST":
        if user.id == actor().id:
            flash(_("You cannot disable your own account."), "error")
        else:
            user.is_disabled = request.form.get("action") == "disable"
            record("user.disabled" if user.is_disabled else "user.enabled", user.email, actor=actor())
            flash(_("Account disabled.") if user.is_disabled else _("Account enabled."), "success")
        return redirect(url_for("platform.user_detail", user_id=user.id))
    orders = db.session.execute(
        db.select(Order).where(Order.user_id == user.id).order_by(Order.id.desc()).limit(20)
    ).scalars().all()
    roles = db.session.execute(db.select(Staff).where(Staff.user_id == user.id)).scalars().all()
    return render_template("platform/user.html", user=user, orders=orders, roles=roles)


@bp.route("/queues")
@operator_required
def queues():
    """Queue health: queue lengths, workers, and failed jobs with a retry button."""
    from mall.jobs import backend

    return render_template("platform/queues.html", health=backend().health())


@bp.route("/queues/retry", methods=["POST"])
@operator_required
@commits
def retry_job():
    """Run a failed job again."""
    from flask import current_app

    from mall.jobs import backend

    # End this request's (read-only) transaction first: a job run inline needs the database to itself on SQLite.
    commit()
    if backend().retry(current_app._get_current_object(), request.form.get("job_id", "")):
        flash(_("The job is queued again."), "success")
    else:
        flash(_("That job is no longer in the failed list."), "error")
    return redirect(url_for("platform.queues"))
