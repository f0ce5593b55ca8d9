"""Programme pages: the editor for a shop's or the platform's programme, its live preview, and the version diff."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from mall.api import loads_json
from mall.boundary import commits
from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors
from mall.tenants.access import actor, may_write, operator_required, staff_required
from mall.tenants.models import StaffRole, Tenant
from mall.validation import translate_messages
from plugins.loyalty.programmes.forms import (
    STARTER,
    ProgrammeForm,
    check_rows,
    document_from,
    fill,
    offer_coupons,
    pad,
    place_errors,
    take_streak_text,
)
from plugins.loyalty.programmes.models import Programme, ProgrammeVersion
from plugins.loyalty.programmes.operations import (
    changes,
    coupon_templates,
    get_in_programme_or_404,
    programme_for,
    save_document,
)
from plugins.loyalty.programmes.schemas import validate_document
from plugins.loyalty.rules.forms import offer_rule_choices, preview, sample_of

admin_bp = Blueprint("loyalty_admin", __name__)
programme_bp = Blueprint("loyalty_programme", __name__)
MAX_UPLOAD = 256 * 1024


def _pretty(document: dict) -> list[str]:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).splitlines()


@admin_bp.route("/platform/programmes/<int:programme_id>/versions/<int:version>/diff")
@operator_required
def programme_diff(programme_id: int, version: int):
    """What changed in a programme document from the version before to this one: in words, then as JSON."""
    programme = db.session.get(Programme, programme_id) or abort(404)
    after = get_in_programme_or_404(ProgrammeVersion, version, programme, by="version")
    before = get_in_programme_or_404(ProgrammeVersion, version - 1, programme, by="version")
    lines = list(difflib.unified_diff(_pretty(before.document), _pretty(after.document),
                                      f"v{version - 1}", f"v{version}", lineterm="", n=3))
    return render_template("loyalty/programmes/programme_diff.html", programme=programme, before=before, after=after,
                           lines=lines, changes=changes(before.document, after.document))


@dataclass(frozen=True)
class _Editor:
    """One programme editor page: whose programme, in which layout, at which URL."""

    tenant: Tenant | None
    layout: str
    endpoint: str
    url_args: dict

    def show(self, form: ProgrammeForm, sample=None, status: int = 200, more: str = "", **raw):
        """The editor with the form (and a preview of a sample order when there is one); `raw` carries the
        JSON text and its messages when the document tab was sent."""
        programme = programme_for(self.tenant)
        pad(form, tiers=int(more == "add_tier"), streaks=int(more == "add_streak"))
        offer_coupons(form, coupon_templates(programme))
        document = programme.document if programme else STARTER
        offer_rule_choices(form, programme, self.tenant, document)
        raw.setdefault("json_text", json.dumps(document, ensure_ascii=False, indent=2))
        return render_template("loyalty/programmes/programme_editor.html", layout=self.layout, form=form,
                               programme=programme, sample=sample, endpoint=self.endpoint, url_args=self.url_args,
                               shop=self.tenant, can_edit=self.tenant is None or may_write(self.tenant),
                               role=g.get("staff_role"), **raw), status

    def saved(self, message: str):
        """Back to the editor with the saved version's message."""
        flash(message, "success")
        return redirect(url_for(self.endpoint, **self.url_args))


def _current(page: _Editor) -> dict:
    programme = programme_for(page.tenant)
    return programme.document if programme else STARTER


def _edit(page: _Editor):
    """Show the programme of a shop (or of the platform for tenant None); a POST uploads, previews or saves it,
    or adds a tier card or a streak row."""
    current, form, action = _current(page), ProgrammeForm(), request.form.get("action")
    if request.method == "POST" and request.files.get("document"):
        return _upload(page, form, current)
    if action == "save_json":
        return _save_json(page, form, current)
    if not form.is_submitted():
        fill(form, current)
        return page.show(form, preview(current, programme=programme_for(page.tenant)))
    take_streak_text(form)
    if action in ("add_tier", "add_streak"):
        return page.show(form, more=action)
    if not (form.validate() & check_rows(form)):
        return page.show(form, status=422)
    if action == "preview":
        return _preview(page, form, current)
    if action == "simulate":
        from plugins.loyalty.simulations.views import simulate_from_editor

        return simulate_from_editor(page, form, current)
    return _save(page, form, current)


def _preview(page: _Editor, form: ProgrammeForm, current: dict):
    """The form's programme applied to a sample order, without saving it."""
    document, rows = document_from(form, current)
    try:
        return page.show(form, preview(validate_document(document), sample_of(form), programme_for(page.tenant)))
    except ValidationError as exc:
        place_errors(form, translate_messages(exc.messages), rows)
    except FieldErrors as exc:
        show_field_errors(form, exc)
    return page.show(form, status=422)


def _save(page: _Editor, form: ProgrammeForm, current: dict):
    """Save the form's programme as a new version (re-shown with its messages when it does not validate)."""
    document, rows = document_from(form, current)
    try:
        saved = save_document(page.tenant, document, actor())
    except ValidationError as exc:
        place_errors(form, translate_messages(exc.messages), rows)
    except FieldErrors as exc:
        show_field_errors(form, exc)
    else:
        return page.saved(_("Programme saved as version %(v)d.", v=saved.version))
    return page.show(form, status=422)


def _replace(page: _Editor, raw: bytes) -> tuple[list[str], object]:
    """Save a JSON document sent as a file or as text: (its messages, nothing) or ([], the saved programme)."""
    if len(raw) > MAX_UPLOAD:
        return [_("The file is larger than 256 KB.")], None
    try:
        document = loads_json(raw)
    except ValueError:  # not UTF-8, not JSON, or nested too deeply
        return [_("The file is not a JSON document.")], None
    try:
        return [], save_document(page.tenant, document, actor())
    except ValidationError as exc:
        return [f"{path}: {' '.join(texts)}" for path, texts in translate_messages(exc.messages).items()], None


def _upload(page: _Editor, form: ProgrammeForm, current: dict):
    """Replace the programme with an uploaded JSON document (validated like any other save)."""
    errors, saved = _replace(page, request.files["document"].read(MAX_UPLOAD + 1))
    if saved is not None:
        return page.saved(_("Programme uploaded and saved as version %(v)d.", v=saved.version))
    fill(form, current)
    form.form_errors = errors
    return page.show(form, status=422)


def _save_json(page: _Editor, form: ProgrammeForm, current: dict):
    """Save the document as edited in the JSON tab; re-shown as typed, with its messages, when refused."""
    text = request.form.get("document_json") or ""
    errors, saved = _replace(page, text.encode("utf-8", "surrogatepass")[:MAX_UPLOAD + 1])
    if saved is not None:
        return page.saved(_("Programme saved as version %(v)d.", v=saved.version))
    fill(form, current)
    return page.show(form, preview(current, programme=programme_for(page.tenant)), status=422, json_text=text,
                     json_errors=errors, json_open=True)


def _live_preview(page: _Editor):
    """The preview block for the form as it stands (JSON with its HTML): the page's script asks on each change,
    so the arithmetic is the server's own."""
    form, rows = ProgrammeForm(), None
    take_streak_text(form)
    if form.validate() & check_rows(form):
        document, tier_rows = document_from(form, _current(page))
        try:
            rows = preview(validate_document(document), sample_of(form), programme_for(page.tenant))
        except ValidationError as exc:
            place_errors(form, translate_messages(exc.messages), tier_rows)
        except FieldErrors as exc:
            show_field_errors(form, exc)
    problems = [] if rows is not None else _problems(form)
    html = render_template("loyalty/programmes/_preview.html", sample=rows, problems=problems)
    return jsonify({"ok": rows is not None, "html": html, "problems": problems})


def _problems(form, prefix: str = "") -> list[str]:
    """Every message on the form as "label: message" (a tier's with its card's name), for the live preview to
    show why it cannot compute."""
    out = list(getattr(form, "form_errors", []) or [])
    for field in form:
        if field.type == "FieldList":
            for i, entry in enumerate(field.entries):
                inner = _("Tier %(n)d", n=i + 1) + " · " if field.name == "tiers" else prefix
                out += _problems(entry.form, inner)
        elif field.type == "FormField":
            out += _problems(field.form, prefix)
        else:
            out += [f"{prefix}{field.label.text}: {message}" for message in field.errors if isinstance(message, str)]
    return out


def _download(tenant, filename: str):
    programme = programme_for(tenant)
    document = programme.document if programme else STARTER
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _shop_editor(shop: str) -> _Editor:
    return _Editor(g.tenant, "admin_layout.html", "loyalty_programme.shop_programme", {"shop": shop})


def _platform_editor() -> _Editor:
    return _Editor(None, "platform_layout.html", "loyalty_programme.platform_programme", {})


@programme_bp.route("/admin/<shop>/loyalty/programme", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
@commits
def shop_programme(shop: str):
    """The shop's programme as a form, with a preview of a sample order; managers save it (support staff read)."""
    return _edit(_shop_editor(shop))


@programme_bp.route("/admin/<shop>/loyalty/programme/preview", methods=["POST"])
@staff_required(StaffRole.SUPPORT)
@commits
def shop_programme_preview(shop: str):
    """The live preview of the shop's programme form (writes nothing)."""
    return _live_preview(_shop_editor(shop))


@programme_bp.route("/admin/<shop>/loyalty/programme.json")
@staff_required(StaffRole.SUPPORT)
def shop_programme_json(shop: str):
    """Download the shop's programme document."""
    return _download(g.tenant, f"{shop}-programme.json")


@programme_bp.route("/platform/loyalty/programme", methods=["GET", "POST"])
@operator_required
@commits
def platform_programme():
    """The platform programme (with its paid tier) as a form."""
    return _edit(_platform_editor())


@programme_bp.route("/platform/loyalty/programme/preview", methods=["POST"])
@operator_required
@commits
def platform_programme_preview():
    """The live preview of the platform programme form (writes nothing)."""
    return _live_preview(_platform_editor())


@programme_bp.route("/platform/loyalty/programme.json")
@operator_required
def platform_programme_json():
    """Download the platform programme document."""
    return _download(None, "platform-programme.json")
