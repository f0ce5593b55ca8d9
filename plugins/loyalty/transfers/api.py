"""The member import and export API: upload a CSV (checked, then run on the queue), read its report, export."""

from __future__ import annotations

from flask import g, request
from flask_babel import get_locale

from mall.api import write
from mall.api.openapi import documented, query_parameter
from mall.errors import FieldErrors
from mall.extensions import db
from mall.pagination import page_number
from mall.tenants.access import actor, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.programmes.operations import get_in_programme_or_404
from plugins.loyalty.roster import operations as roster
from plugins.loyalty.roster.views import LIST_ARGS
from plugins.loyalty.transfers import operations as transfers
from plugins.loyalty.transfers import schemas as docs
from plugins.loyalty.transfers.models import MemberImport
from plugins.loyalty.web.api import PAGE, api_bp, programme_or_404

_FLAGS = {"true": True, "1": True, "false": False, "0": False, "": True}


def dry_run_flag(form) -> bool:
    """The upload's `dry_run` (true unless it says false); another word is a field error."""
    word = str(form.get("dry_run", "")).strip().lower()
    if word not in _FLAGS:
        raise FieldErrors("dry_run", {"dry_run": ["true / false"]})
    return _FLAGS[word]


@api_bp.route("/shops/<shop>/members/import", methods=["POST"])
@documented(docs.IMPORT_BODY, docs.ImportCreated, status=202, content="multipart/form-data")
@staff_required(StaffRole.MANAGER)
@write
def import_members(shop: str):
    """Check a CSV of members into an import with a per-row report (202); `dry_run=false` also starts it."""
    dry_run = dry_run_flag(request.form)
    imp, _created = transfers.create_import(programme_or_404(g.tenant), request.files.get("file"), actor(),
                                            dry_run=dry_run)
    return 202, {"import": {"id": imp.id, "status": imp.status}}


@api_bp.route("/shops/<shop>/members/imports/<int:import_id>", methods=["GET"])
@documented(response=docs.ImportReply, query=[query_parameter("page", {"type": "integer", "minimum": 1}),
                                              query_parameter("status", {"type": "string",
                                                                         "enum": ["valid", "update", "error"]})])
@staff_required(StaffRole.SUPPORT)
def member_import(shop: str, import_id: int):
    """An import's counts, progress and one page of its per-row report (?status= narrows it)."""
    imp = get_in_programme_or_404(MemberImport, import_id, programme_or_404(g.tenant))
    page = page_number()
    rows = db.session.execute(transfers.report_select(imp, request.args.get("status"))
                              .limit(PAGE).offset((page - 1) * PAGE)).scalars().all()
    report = [{"line": r.line, "status": r.status, "reason": transfers.reason_text(r.reason) or None,
               "email": r.data.get("email"), "phone": r.data.get("phone"), "points": r.data.get("points") or 0}
              for r in rows]
    return {"import": {**transfers.progress(imp), "report": report, "page": page,
                       "pages": max(1, -(-imp.rows_total // PAGE))}}


@api_bp.route("/shops/<shop>/members/imports/<int:import_id>/run", methods=["POST"])
@documented(response=docs.ImportCreated, status=202)
@staff_required(StaffRole.MANAGER)
@write
def run_member_import(shop: str, import_id: int):
    """Run a checked import on the queue (202); running it again, or a finished one, changes nothing."""
    imp = get_in_programme_or_404(MemberImport, import_id, programme_or_404(g.tenant))
    transfers.start_run(imp, actor())
    return 202, {"import": {"id": imp.id, "status": imp.status}}


@api_bp.route("/shops/<shop>/members/export", methods=["GET"])
@documented(response=docs.ExportReply, query=[query_parameter("kind", {"type": "string",
                                                                       "enum": list(transfers.EXPORT_KINDS)})])
@staff_required(StaffRole.SUPPORT)
@write
def export_members(shop: str):
    """The filtered member list (the member list's filters) as CSV: at once when small, else queued."""
    programme = programme_or_404(g.tenant)
    kind = request.args.get("kind") or "members"
    lf, errors = roster.parse_filter(request.args, g.tenant)
    if kind not in transfers.EXPORT_KINDS:
        errors["kind"] = [", ".join(transfers.EXPORT_KINDS)]
    if errors:
        raise FieldErrors("filter", errors)
    select = roster.list_select(programme, lf)
    count = transfers.member_count(select)
    if count > transfers.DIRECT_MAX:
        args = {k: v for k, v in request.args.items() if k in LIST_ARGS or k == "kind"}
        export = transfers.queue_export(programme, kind, args, actor(), str(get_locale()))
        return 200, {"export": {"id": export.id, "kind": kind, "status": "queued", "rows": count, "csv": None}}
    header, rows = transfers.export_table(programme, g.tenant, kind, select)
    rows = list(rows)
    return 200, {"export": {"id": None, "kind": kind, "status": "done", "rows": len(rows),
                            "csv": transfers.csv_text(header, rows)}}
