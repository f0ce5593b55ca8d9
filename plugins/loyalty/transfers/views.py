"""Import and export pages: upload a CSV, read its report, run it with a progress bar; export the member list."""

from __future__ import annotations

import os

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.security import safe_join

from mall import clock
from mall.boundary import commits, refusal_text
from mall.errors import FieldErrors, api_error, is_api_request
from mall.extensions import db
from mall.pagination import paginate
from mall.tenants.access import actor, operator_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.programmes.operations import get_in_programme_or_404
from plugins.loyalty.roster import operations as roster
from plugins.loyalty.roster.views import LIST_ARGS
from plugins.loyalty.transfers import operations as transfers
from plugins.loyalty.transfers.models import MemberExport, MemberImport
from plugins.loyalty.web.blueprints import merchant_bp, platform_bp, platform_programme_or_404, shop_programme

#: Room for the multipart envelope around one file of MAX_BYTES.
ENVELOPE = 64 * 1024
#: The endpoints that take a CSV upload, page and API.
UPLOADS = {"loyalty_merchant.member_imports", "loyalty_platform.member_imports", "loyalty_api.import_members"}


def upload_size():
    """Let an import's file through the app's small body limit, and refuse a larger one by its declared length."""
    if request.endpoint not in UPLOADS:
        return None
    allowed = transfers.MAX_BYTES + ENVELOPE
    request.max_content_length = allowed
    if request.content_length is None or request.content_length <= allowed:
        return None
    message = _("The file is larger than %(n)d MB.", n=transfers.MAX_BYTES // (1024 * 1024))
    if is_api_request():
        return api_error(422, "invalid_file", message, {"file": [message]})
    flash(message, "error")
    return redirect(request.path)


def _where() -> tuple:
    """The programme of the page (the shop's, or the platform's), its layout and its URL arguments."""
    if g.get("tenant") is not None:
        return shop_programme(), "admin_layout.html", "loyalty_merchant", {"shop": g.tenant.slug}
    return platform_programme_or_404(), "platform_layout.html", "loyalty_platform", {}


def _imports_page():
    """Upload (a dry run unless asked to run at once), the import history and the export form."""
    programme, layout, bp, args = _where()
    if request.method == "POST":
        try:
            imp, created = transfers.create_import(programme, request.files.get("file"), actor(),
                                                   dry_run=request.form.get("run_now") != "1")
        except FieldErrors as exc:
            flash(refusal_text(exc), "error")
            return redirect(url_for(f"{bp}.member_imports", **args))
        if not created:
            flash(_("This file was uploaded before; here is its import."), "info")
        return redirect(url_for(f"{bp}.member_import", import_id=imp.id, **args))
    exports = db.session.execute(db.select(MemberExport).where(MemberExport.programme_id == programme.id)
                                 .order_by(MemberExport.id.desc()).limit(10)).scalars().all()
    return render_template("loyalty/transfers/imports.html", layout=layout, bp=bp, args=args,
                           history=transfers.history(programme), exports=exports, kinds=transfers.EXPORT_KINDS,
                           headers=transfers.HEADERS, filters={k: v for k, v in request.args.items()
                                                               if k in LIST_ARGS and k != "page"},
                           progress=transfers.progress, shop=g.get("tenant"))


def _import_page(import_id: int):
    """One import: counts by status, the report a page at a time, the run button and its progress bar."""
    programme, layout, bp, args = _where()
    imp = get_in_programme_or_404(MemberImport, import_id, programme)
    status = request.args.get("status") if request.args.get("status") in transfers.STATUSES else None
    page = paginate(transfers.report_select(imp, status))
    return render_template("loyalty/transfers/import.html", layout=layout, bp=bp, args=args, imp=imp, page=page,
                           state=transfers.progress(imp), statuses=transfers.STATUSES, status=status,
                           reason_text=transfers.reason_text, shop=g.get("tenant"))


def _run(import_id: int):
    programme, _layout, bp, args = _where()
    imp = get_in_programme_or_404(MemberImport, import_id, programme)
    if transfers.start_run(imp, actor()):
        flash(_("The import is running."), "success")
    return redirect(url_for(f"{bp}.member_import", import_id=imp.id, **args))


def _export():
    """The filtered list as CSV: downloaded at once when small, else written by the queue for later."""
    programme, _layout, bp, args = _where()
    kind = request.form.get("kind") if request.form.get("kind") in transfers.EXPORT_KINDS else "members"
    filters = {k: v for k, v in request.form.items() if k in LIST_ARGS and k != "page" and v.strip()}
    lf, errors = roster.parse_filter(filters, g.get("tenant"))
    if errors:
        flash(_("Please correct the filter."), "error")
        return redirect(url_for(f"{bp}.member_imports", **args))
    select = roster.list_select(programme, lf)
    if transfers.member_count(select) > transfers.DIRECT_MAX:
        transfers.queue_export(programme, kind, {**filters, "kind": kind}, actor(), str(get_locale()))
        flash(_("The export is being written; download it here when it is ready."), "success")
        return redirect(url_for(f"{bp}.member_imports", **args))
    header, rows = transfers.export_table(programme, programme.tenant, kind, select)
    day = clock.local_date(clock.zone_of(programme.tenant)).isoformat()
    return Response(transfers.csv_text(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{kind}-{day}.csv"'})


def _download(export_id: int):
    programme, _layout, _bp, _args = _where()
    export = get_in_programme_or_404(MemberExport, export_id, programme)
    if export.status != "done" or not export.path:
        abort(404)
    path = safe_join(os.path.join(current_app.instance_path, "exports"), export.path)
    if path is None or not os.path.isfile(path):
        abort(404)
    # Read whole (an export holds at most the roster's row limit), so no file stays open with the response.
    with open(path, "rb") as stored:
        data = stored.read()
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{export.kind}-{export.id}.csv"'})


@merchant_bp.route("/members/imports", methods=["GET", "POST"], endpoint="member_imports")
@staff_required(StaffRole.MANAGER)
@commits
def shop_imports(shop: str):
    """The shop's member import page: upload, history, export."""
    return _imports_page()


@merchant_bp.route("/members/imports/<int:import_id>", endpoint="member_import")
@staff_required(StaffRole.MANAGER)
def shop_import(shop: str, import_id: int):
    """One of the shop's imports with its report and progress."""
    return _import_page(import_id)


@merchant_bp.route("/members/imports/<int:import_id>.json", endpoint="member_import_state")
@staff_required(StaffRole.MANAGER)
def shop_import_state(shop: str, import_id: int):
    """The import's progress for the page to poll."""
    return jsonify(transfers.progress(get_in_programme_or_404(MemberImport, import_id, shop_programme())))


@merchant_bp.route("/members/imports/<int:import_id>/run", methods=["POST"], endpoint="member_import_run")
@staff_required(StaffRole.MANAGER)
@commits
def shop_import_run(shop: str, import_id: int):
    """Run a checked import on the queue."""
    return _run(import_id)


@merchant_bp.route("/members/exports", methods=["POST"], endpoint="member_exports")
@staff_required(StaffRole.MANAGER)
@commits
def shop_export(shop: str):
    """Export the filtered member list, its ledger or its coupons."""
    return _export()


@merchant_bp.route("/members/exports/<int:export_id>", endpoint="member_export")
@staff_required(StaffRole.MANAGER)
def shop_export_download(shop: str, export_id: int):
    """Download a finished export."""
    return _download(export_id)


@platform_bp.route("/platform/loyalty/members/imports", methods=["GET", "POST"], endpoint="member_imports")
@operator_required
@commits
def platform_imports():
    """The platform programme's member import page."""
    return _imports_page()


@platform_bp.route("/platform/loyalty/members/imports/<int:import_id>", endpoint="member_import")
@operator_required
def platform_import(import_id: int):
    """One of the platform programme's imports."""
    return _import_page(import_id)


@platform_bp.route("/platform/loyalty/members/imports/<int:import_id>.json", endpoint="member_import_state")
@operator_required
def platform_import_state(import_id: int):
    """The platform import's progress for the page to poll."""
    programme, *_rest = _where()
    return jsonify(transfers.progress(get_in_programme_or_404(MemberImport, import_id, programme)))


@platform_bp.route("/platform/loyalty/members/imports/<int:import_id>/run", methods=["POST"],
                   endpoint="member_import_run")
@operator_required
@commits
def platform_import_run(import_id: int):
    """Run a checked platform import on the queue."""
    return _run(import_id)


@platform_bp.route("/platform/loyalty/members/exports", methods=["POST"], endpoint="member_exports")
@operator_required
@commits
def platform_export():
    """Export the platform programme's members."""
    return _export()


@platform_bp.route("/platform/loyalty/members/exports/<int:export_id>", endpoint="member_export")
@operator_required
def platform_export_download(export_id: int):
    """Download a finished platform export."""
    return _download(export_id)
