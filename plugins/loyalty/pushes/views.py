"""Push pages: send a coupon to a segment, watch its progress, cancel it, the win-back campaign."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from wtforms.fields.choices import SelectChoice

from mall.boundary import commits
from mall.catalog.models import Category
from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import show_validation_errors
from mall.i18n import localized
from mall.pagination import paginate
from mall.tenants.access import actor, staff_required
from mall.tenants.models import StaffRole
from mall.validation import translate_messages
from plugins.loyalty.budgets.forms import flat_budget_errors
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.programmes.operations import find_in_programme, get_in_programme_or_404, rules
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.pushes.forms import CampaignForm, PushForm
from plugins.loyalty.pushes.models import Push
from plugins.loyalty.pushes.operations import save_win_back, win_back
from plugins.loyalty.pushes.schemas import MAX_REPORT_DAYS
from plugins.loyalty.segments.models import SavedSegment
from plugins.loyalty.segments.operations import filter_of, preview, save_segment, segment_count, segments_of
from plugins.loyalty.segments.schemas import SegmentSchema
from plugins.loyalty.web.blueprints import merchant_bp, shop_programme

#: The days after a push its report follows by default.
REPORT_DAYS = 14


def _templates(programme) -> list[SelectChoice]:
    return [SelectChoice(t.id, localized(t, "name")) for t in db.session.execute(
        db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id,
                                        CouponTemplate.is_active.is_(True))).scalars()]


@merchant_bp.route("/pushes", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
@commits
def push_list(shop: str):
    """The shop's push history with deliveries and results, saved segments and the win-back campaign.

    A POST here is the push form's (as sent before the form had its own page).
    """
    if request.method == "POST":
        return _push_form_page(shop)
    programme = shop_programme()
    saved = segments_of(programme)
    campaign = win_back(programme)
    campaign_form = CampaignForm(obj=campaign, formdata=None, prefix="campaign")
    campaign_form.template_id.choices = _templates(programme)
    page = paginate(db.select(Push).where(Push.tenant_id == g.tenant.id).order_by(Push.id.desc()))
    ids = [push.id for push in page.items]
    return render_template(
        "loyalty/pushes/pushes.html", shop=g.tenant, page=page, progress=pushes.progress_of(page.items),
        deliveries=pushes.deliveries_of(ids), senders=pushes.senders_of(page.items), saved=saved,
        counts={s.id: segment_count(programme, filter_of(s)) for s in saved}, campaign=campaign,
        campaign_form=campaign_form, results=pushes.campaign_results(campaign))


@merchant_bp.route("/pushes/new", methods=["GET", "POST"])
@staff_required(StaffRole.MANAGER)
@commits
def push_new(shop: str):
    """The push form: preview the audience, save the filters as a segment, or send the coupon."""
    return _push_form_page(shop)


def _push_form_page(shop: str):
    """Show the push form; a valid POST previews, saves or sends; bad input re-shows it (422) with messages."""
    if not _may_change():
        abort(403)
    programme = shop_programme()
    form = _push_form(programme, segments_of(programme))
    if not form.validate_on_submit():
        return _form_page(form, status=422 if request.method == "POST" else 200)
    action = request.form.get("action")
    try:
        body = _audience(programme, form)
        if action == "preview":
            return _form_page(form, seen=_preview(programme, body))
        if action == "save":
            return _save_segment(programme, form, body, shop)
        return _send(programme, form, body, shop)
    except ValidationError as exc:
        _show_errors(form, exc.messages)
    return _form_page(form, status=422)


def _audience(programme, form: PushForm) -> dict:
    """The push's audience: the chosen saved segment, or the form's filter checked by the segment schema."""
    if form.segment_id.data:
        return {"segment_id": form.segment_id.data}
    raw = form.segment(g.tenant.timezone)
    try:
        SegmentSchema().load(raw)
    except ValidationError as exc:
        raise ValidationError({"filter": exc.messages}) from None
    return {"filter": raw}


def _show_errors(form: PushForm, messages: dict) -> None:
    """The segment's messages beside its boxes; the rest beside their fields or at the top."""
    messages = dict(messages)
    if isinstance(messages.get("filter"), dict):
        form.show_segment_errors(messages.pop("filter"))
    if messages:
        show_validation_errors(form, ValidationError(flat_budget_errors(messages)))


def _form_page(form: PushForm, seen=None, status: int = 200):
    """The form page; for the page's script (X-Audience: 1) just the audience count, or the messages."""
    if request.headers.get("X-Audience") == "1":
        return jsonify({"count": seen["count"] if seen else None,
                        "text": _("%(n)d members match.", n=seen["count"]) if seen else None,
                        "errors": [f"{f.label.text}: {' '.join(map(str, f.errors))}" for f in form if f.errors]
                        + [str(e) for e in getattr(form, "form_errors", [])]}), status
    return render_template("loyalty/pushes/push_form.html", shop=g.tenant, form=form, seen=seen), status


def _preview(programme, body: dict) -> dict:
    """How many members the chosen saved segment, or the form's filter, finds (the API's count), with a sample."""
    if "segment_id" in body:
        chosen = find_in_programme(SavedSegment, _whole(body["segment_id"]), programme)
        if chosen is None:
            raise ValidationError({"segment_id": [_l("Not a saved segment of this programme.")]})
        return preview(programme, filter_of(chosen))
    return preview(programme, SegmentSchema().load(body["filter"]))


def _whole(text) -> int | None:
    return int(text) if str(text).isascii() and str(text).isdigit() and len(str(text)) < 10 else None


def _push_form(programme, saved: list) -> PushForm:
    """The push form with the programme's templates, saved segments, tiers and the shop's categories."""
    form = PushForm()
    form.template_id.choices = _templates(programme)
    form.segment_id.choices = [SelectChoice("", _l("None: use the filters"))] + [
        SelectChoice(str(s.id), s.name, render_kw={"data-content": ""}) for s in saved]
    form.tier.choices = [SelectChoice(t.code, localized(t, "name")) for t in rules(programme).tiers]
    form.preferred_category.choices = [SelectChoice("", _l("Any category"))] + [
        SelectChoice(str(c.id), localized(c, "name")) for c in db.session.execute(
            db.select(Category).where(Category.tenant_id == g.tenant.id).order_by(Category.name)).scalars()]
    return form


def _save_segment(programme, form: PushForm, body: dict, shop: str):
    """Save the form's filter as a named segment."""
    save_segment(programme, form.name.data, body.get("filter") or {}, actor())
    flash(_("The segment is saved."), "success")
    return redirect(url_for("loyalty_merchant.push_list", shop=shop))


def _send(programme, form: PushForm, body: dict, shop: str):
    """Send the chosen coupon to the segment, now or at the scheduled time (the shop's local time)."""
    when = form.scheduled_at.data
    audience = {"segment_id": _whole(body["segment_id"]) or 0} if "segment_id" in body else body
    push = pushes.create_push(programme, {
        "template_id": form.template_id.data, **audience, "channels": form.channels.data or ["inbox"],
        **({"budget": form.budget_raw()} if form.budget_kind.data else {}),
        **({"holdout": form.holdout_share()} if form.holdout.data else {}),
        **({"scheduled_at": when.replace(tzinfo=ZoneInfo(g.tenant.timezone)).isoformat()} if when else {})}, actor())
    flash(_("The push is scheduled.") if push.status == "scheduled" else _("The push is on its way."), "success")
    return redirect(url_for("loyalty_merchant.push_detail", shop=shop, push_id=push.id))


def _may_change() -> bool:
    return g.staff_role in (StaffRole.MANAGER, StaffRole.OWNER)


@merchant_bp.route("/pushes/win-back", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="loyalty_merchant.push_list")
def win_back_save(shop: str):
    """Turn the win-back campaign on or off, or change its coupon, channels and period; a refusal goes back."""
    programme = shop_programme()
    form = CampaignForm(prefix="campaign")
    form.template_id.choices = _templates(programme)
    if not form.validate_on_submit():
        raise FieldErrors("; ".join(f"{f.label.text}: {' '.join(map(str, f.errors))}" for f in form if f.errors), {})
    try:
        save_win_back(programme, {"template_id": form.template_id.data, "channels": form.channels.data or ["inbox"],
                                  "period": form.period.data, "is_active": form.is_active.data}, actor())
    except ValidationError as exc:
        # One line of "field: message" on the pushes page, rolled back by the boundary like any refusal.
        raise FieldErrors("; ".join(f"{k}: {v}" for k, v in translate_messages(exc.messages).items()), {}) from None
    flash(_("The win-back campaign is saved."), "success")
    return redirect(url_for("loyalty_merchant.push_list", shop=shop))


@merchant_bp.route("/pushes/<int:push_id>")
@staff_required(StaffRole.SUPPORT)
def push_detail(shop: str, push_id: int):
    """One push with a live progress bar and, with a holdout, treated against held-back members over N days."""
    push = get_in_programme_or_404(Push, push_id, shop_programme())
    days, problem = _report_days(request.args.get("days"))
    report = pushes.holdout_report(push, days) if push.holdout else None
    return render_template("loyalty/pushes/push.html", shop=g.tenant, push=push, state=pushes.progress(push),
                           report=report, days=days, problem=problem, max_days=MAX_REPORT_DAYS), 422 if problem else 200


def _report_days(text) -> tuple[int, str | None]:
    """The report's N days from the query (1 to MAX_REPORT_DAYS), or 14 with the reason the text was refused."""
    if text is None or text == "":
        return REPORT_DAYS, None
    n = _whole(text)
    if n is None or not 1 <= n <= MAX_REPORT_DAYS:
        return REPORT_DAYS, _("Pick 1 to %(max)d days. Showing %(n)d days.", max=MAX_REPORT_DAYS, n=REPORT_DAYS)
    return n, None


@merchant_bp.route("/pushes/<int:push_id>.json")
@staff_required(StaffRole.SUPPORT)
def push_state(shop: str, push_id: int):
    """The push's progress for the page to poll."""
    return jsonify(pushes.progress(get_in_programme_or_404(Push, push_id, shop_programme())))


@merchant_bp.route("/pushes/<int:push_id>/cancel", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def push_cancel(shop: str, push_id: int):
    """Cancel a push that has not finished."""
    push = get_in_programme_or_404(Push, push_id, shop_programme())
    if pushes.cancel(push, actor()):
        flash(_("The push is cancelled; chunks not yet run issue nothing."), "success")
    else:
        flash(_("This push has already ended."), "error")
    return redirect(url_for("loyalty_merchant.push_detail", shop=shop, push_id=push.id))
