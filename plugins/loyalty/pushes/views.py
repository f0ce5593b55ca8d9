"""Push pages: send a coupon to a segment, watch its progress, cancel it, the win-back campaign."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from wtforms.fields.choices import SelectChoice

from mall.extensions import db
from mall.forms import show_validation_errors
from mall.pagination import paginate
from mall.validation import translate_messages
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.pushes.forms import CampaignForm, PushForm
from plugins.loyalty.pushes.models import Push
from plugins.loyalty.pushes.operations import save_win_back, win_back
from plugins.loyalty.segments.operations import (
    filter_of,
    preview,
    save_segment,
    segment_count,
    segment_in,
    segments_of,
)
from plugins.loyalty.web.blueprints import merchant_bp, shop_programme
from tenants.access import actor, staff_required
from tenants.models import StaffRole


def _templates(programme) -> list[SelectChoice]:
    return [SelectChoice(t.id, t.name) for t in db.session.execute(
        db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id,
                                        CouponTemplate.is_active.is_(True))).scalars()]


@merchant_bp.route("/pushes", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
def push_list(shop: str):
    """The shop's pushes with their progress; managers preview a segment, save it, and send a coupon to it."""
    programme = shop_programme()
    saved = segments_of(programme)
    form = _push_form(programme, saved)
    campaign = win_back(programme)
    campaign_form = CampaignForm(obj=campaign, formdata=None, prefix="campaign")
    campaign_form.template_id.choices = form.template_id.choices
    status, seen = 200, None
    action = request.form.get("action")
    if request.method == "POST" and not _may_change():
        abort(403)
    if form.validate_on_submit():
        body = {"filter": form.segment()} if not form.segment_id.data else {"segment_id": int(form.segment_id.data)}
        try:
            if action == "preview":
                chosen = segment_in(programme, body.get("segment_id"))
                seen = preview(programme, filter_of(chosen) if chosen else body["filter"])
            else:
                return _save_or_send(programme, form, body, action, shop)
        except ValidationError as exc:
            db.session.rollback()
            show_validation_errors(form, exc)
            status = 422
    elif request.method == "POST":
        status = 422
    page = paginate(db.select(Push).where(Push.tenant_id == g.tenant.id).order_by(Push.id.desc()))
    counts = {s.id: segment_count(programme, filter_of(s)) for s in saved}
    return render_template("loyalty/pushes/pushes.html", shop=g.tenant, form=form, page=page, seen=seen,
                           progress=pushes.progress_of(page.items), saved=saved, counts=counts, campaign=campaign,
                           campaign_form=campaign_form), status


def _push_form(programme, saved: list) -> PushForm:
    """The push form with the programme's templates, saved segments and tiers to choose from."""
    form = PushForm()
    form.template_id.choices = _templates(programme)
    form.segment_id.choices = [SelectChoice("", _l("None: use the filters"))] + [
        SelectChoice(str(s.id), s.name) for s in saved]
    form.tier.choices = [SelectChoice("", _l("Every tier"))] + [SelectChoice(t.code, t.name)
                                                                 for t in rules(programme).tiers]
    return form


def _save_or_send(programme, form: PushForm, body: dict, action: str | None, shop: str):
    """Save the filter as a segment, or send the coupon to the segment; then where to go next."""
    if action == "save":
        save_segment(programme, form.name.data, body.get("filter") or {}, actor())
        db.session.commit()
        flash(_("The segment is saved."), "success")
        return redirect(url_for("loyalty_merchant.push_list", shop=shop))
    when = form.scheduled_at.data
    push = pushes.create_push(programme, {
        "template_id": form.template_id.data, **body, "channels": form.channels.data or ["inbox"],
        **({"scheduled_at": when.replace(tzinfo=ZoneInfo(g.tenant.timezone)).isoformat()} if when else {})}, actor())
    db.session.commit()
    flash(_("The push is scheduled.") if push.status == "scheduled" else _("The push is on its way."), "success")
    return redirect(url_for("loyalty_merchant.push_detail", shop=shop, push_id=push.id))


def _may_change() -> bool:
    return g.staff_role in (StaffRole.MANAGER, StaffRole.OWNER)


@merchant_bp.route("/pushes/win-back", methods=["POST"])
@staff_required(StaffRole.MANAGER)
def win_back_save(shop: str):
    """Turn the win-back campaign on or off, or change its coupon, channels and period."""
    programme = shop_programme()
    form = CampaignForm(prefix="campaign")
    form.template_id.choices = _templates(programme)
    if form.validate_on_submit():
        try:
            save_win_back(programme, {"template_id": form.template_id.data, "channels": form.channels.data or ["inbox"],
                                      "period": form.period.data, "is_active": form.is_active.data}, actor())
        except ValidationError as exc:
            db.session.rollback()
            flash("; ".join(f"{k}: {v}" for k, v in translate_messages(exc.messages).items()), "error")
        else:
            db.session.commit()
            flash(_("The win-back campaign is saved."), "success")
    else:
        flash("; ".join(f"{f.label.text}: {' '.join(map(str, f.errors))}" for f in form if f.errors), "error")
    return redirect(url_for("loyalty_merchant.push_list", shop=shop))


def _push_or_404(push_id: int) -> Push:
    push = db.session.get(Push, push_id)
    if push is None or push.tenant_id != g.tenant.id:
        abort(404)
    return push


@merchant_bp.route("/pushes/<int:push_id>")
@staff_required(StaffRole.SUPPORT)
def push_detail(shop: str, push_id: int):
    """One push with a live progress bar."""
    push = _push_or_404(push_id)
    return render_template("loyalty/pushes/push.html", shop=g.tenant, push=push, state=pushes.progress(push))


@merchant_bp.route("/pushes/<int:push_id>.json")
@staff_required(StaffRole.SUPPORT)
def push_state(shop: str, push_id: int):
    """The push's progress for the page to poll."""
    return jsonify(pushes.progress(_push_or_404(push_id)))


@merchant_bp.route("/pushes/<int:push_id>/cancel", methods=["POST"])
@staff_required(StaffRole.MANAGER)
def push_cancel(shop: str, push_id: int):
    """Cancel a push that has not finished."""
    push = _push_or_404(push_id)
    if pushes.cancel(push, actor()):
        db.session.commit()
        flash(_("The push is cancelled; chunks not yet run issue nothing."), "success")
    else:
        flash(_("This push has already ended."), "error")
    return redirect(url_for("loyalty_merchant.push_detail", shop=shop, push_id=push.id))
