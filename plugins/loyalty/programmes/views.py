"""Programme pages: the editor for a shop's or the platform's programme, and the version diff."""

from __future__ import annotations

import difflib
import json

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from mall.api import loads_json
from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors
from mall.validation import translate_messages
from plugins.loyalty.programmes.forms import (
    STARTER,
    ProgrammeForm,
    document_from,
    fill,
    place_errors,
    preview,
    sample_amount,
)
from plugins.loyalty.programmes.models import Programme, ProgrammeVersion
from plugins.loyalty.programmes.operations import programme_for, save_document
from plugins.loyalty.programmes.schemas import validate_document
from tenants.access import actor, operator_required, staff_required
from tenants.models import StaffRole

admin_bp = Blueprint("loyalty_admin", __name__)
programme_bp = Blueprint("loyalty_programme", __name__)
MAX_UPLOAD = 256 * 1024


def _pretty(document: dict) -> list[str]:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).splitlines()


@admin_bp.route("/platform/programmes/<int:programme_id>/versions/<int:version>/diff")
@operator_required
def programme_diff(programme_id: int, version: int):
    """What changed in a programme document from the version before to this one."""
    programme = db.session.get(Programme, programme_id) or abort(404)
    rows = {v.version: v for v in db.session.execute(
        db.select(ProgrammeVersion).where(ProgrammeVersion.programme_id == programme.id,
                                          ProgrammeVersion.version.in_((version - 1, version)))).scalars()}
    if version not in rows or version - 1 not in rows:
        abort(404)
    before, after = rows[version - 1], rows[version]
    lines = list(difflib.unified_diff(_pretty(before.document), _pretty(after.document),
                                      f"v{version - 1}", f"v{version}", lineterm="", n=3))
    return render_template("loyalty/programmes/programme_diff.html", programme=programme, before=before, after=after,
                           lines=lines)


def _edit(tenant, layout: str, endpoint: str, url_args: dict):
    """Show, preview or save the programme of a shop (or of the platform for tenant None)."""
    programme = programme_for(tenant)
    current = programme.document if programme else STARTER
    form = ProgrammeForm()
    status, sample = 200, None
    if request.method == "POST" and request.files.get("document"):
        return _upload(tenant, endpoint, url_args, form, current, layout, programme)
    if form.is_submitted():
        status, sample = _submitted(tenant, form, current)
        if status == 302:
            flash(_("Programme saved as version %(v)d.", v=sample), "success")
            return redirect(url_for(endpoint, **url_args))
    else:
        fill(form, current)
        sample = preview(current)
    return render_template("loyalty/programmes/programme_editor.html", layout=layout, form=form, programme=programme,
                           sample=sample, endpoint=endpoint, url_args=url_args, shop=tenant), status


def _submitted(tenant, form: ProgrammeForm, current: dict):
    """Check a submitted form: (422, None) with messages placed on it, (200, preview rows), or (302, version saved)."""
    if not form.validate():
        return 422, None
    document, rows = document_from(form, current)
    try:
        checked = validate_document(document)
        if request.form.get("action") == "preview":
            return 200, preview(checked, sample_amount(form))
        saved = save_document(tenant, document, actor())
    except ValidationError as exc:
        db.session.rollback()
        place_errors(form, translate_messages(exc.messages), rows)
        return 422, None
    except FieldErrors as exc:
        show_field_errors(form, exc)
        return 422, None
    db.session.commit()
    return 302, saved.version


def _upload(tenant, endpoint, url_args, form, current, layout, programme):
    """Replace the programme with an uploaded JSON document (validated like any other save)."""
    raw = request.files["document"].read(MAX_UPLOAD + 1)
    errors: list[str] = []
    try:
        document = loads_json(raw) if len(raw) <= MAX_UPLOAD else None
        if document is None:
            errors = [_("The file is larger than 256 KB.")]
    except ValueError:  # not UTF-8, not JSON, or nested too deeply
        errors = [_("The file is not a JSON document.")]
    if not errors:
        try:
            saved = save_document(tenant, document, actor())
        except ValidationError as exc:
            db.session.rollback()
            errors = [f"{path}: {' '.join(texts)}" for path, texts in translate_messages(exc.messages).items()]
        else:
            db.session.commit()
            flash(_("Programme uploaded and saved as version %(v)d.", v=saved.version), "success")
            return redirect(url_for(endpoint, **url_args))
    fill(form, current)
    form.form_errors = errors
    return render_template("loyalty/programmes/programme_editor.html", layout=layout, form=form, programme=programme,
                           sample=None, endpoint=endpoint, url_args=url_args, shop=tenant), 422


def _download(tenant, filename: str):
    programme = programme_for(tenant)
    document = programme.document if programme else STARTER
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@programme_bp.route("/admin/<shop>/loyalty/programme", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
def shop_programme(shop: str):
    """The shop's programme as a form, with a preview of a sample order; managers save it."""
    return _edit(g.tenant, "admin_layout.html", "loyalty_programme.shop_programme", {"shop": shop})


@programme_bp.route("/admin/<shop>/loyalty/programme.json")
@staff_required(StaffRole.SUPPORT)
def shop_programme_json(shop: str):
    """Download the shop's programme document."""
    return _download(g.tenant, f"{shop}-programme.json")


@programme_bp.route("/platform/loyalty/programme", methods=["GET", "POST"])
@operator_required
def platform_programme():
    """The platform programme (with its paid tier) as a form."""
    return _edit(None, "platform_layout.html", "loyalty_programme.platform_programme", {})


@programme_bp.route("/platform/loyalty/programme.json")
@operator_required
def platform_programme_json():
    """Download the platform programme document."""
    return _download(None, "platform-programme.json")
