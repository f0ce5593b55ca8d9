"""Merchant pushes: send a coupon to a segment, watch its progress, cancel it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import BooleanField, DateTimeLocalField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mall.extensions import db
from mall.forms import show_validation_errors
from mall.pagination import paginate
from mall.validation import translate_messages
from plugins.loyalty import pushes
from plugins.loyalty.campaigns import save_win_back, win_back
from plugins.loyalty.merchant_members import bp, shop_programme
from plugins.loyalty.models import CouponTemplate
from plugins.loyalty.programmes import rules
from plugins.loyalty.push_models import Push
from plugins.loyalty.saved_segments import delete_segment, filter_of, save_segment, segment_in, segments_of
from plugins.loyalty.segments import preview, segment_count
from tenants.access import actor, staff_required
from tenants.models import StaffRole

CHANNEL_CHOICES = [SelectChoice("inbox", _l("Inbox")), SelectChoice("email", _l("E-mail")),
                   SelectChoice("sms", _l("SMS"))]


class ChannelsField(SelectMultipleField):
    """Channels as a row of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PushForm(FlaskForm):
    """Which coupon, to whom (a saved segment or a few of the filters), on which channels, and when."""

    template_id = SelectField(_l("Coupon"), coerce=int, validators=[InputRequired()])
    segment_id = SelectField(_l("Saved segment"), validators=[Optional()])
    tier = SelectField(_l("Tier"), validators=[Optional()])
    activity = SelectField(_l("Activity"), choices=[
        SelectChoice("", _l("Any activity")), SelectChoice("active", _l("Active")),
        SelectChoice("intermittent", _l("Intermittent")), SelectChoice("sleeping", _l("Sleeping"))],
        validators=[Optional()])
    lifecycle = SelectField(_l("Purchases"), choices=[
        SelectChoice("", _l("Any")), SelectChoice("never_bought", _l("Never bought")),
        SelectChoice("one_time", _l("Bought once")), SelectChoice("repeat", _l("Bought again"))],
        validators=[Optional()])
    channels = ChannelsField(_l("Channels"), choices=CHANNEL_CHOICES, default=["inbox"])
    scheduled_at = DateTimeLocalField(_l("Send at (shop time; empty: now)"), validators=[Optional()])
    name = StringField(_l("Name for the segment"), validators=[Optional(), Length(max=80)])

    def segment(self) -> dict:
        """The segment filter the form's own filters describe."""
        f = {}
        if self.tier.data:
            f["tier"] = [self.tier.data]
        for name in ("activity", "lifecycle"):
            if getattr(self, name).data:
                f[name] = getattr(self, name).data
        return f


class CampaignForm(FlaskForm):
    """The win-back campaign."""

    template_id = SelectField(_l("Coupon"), coerce=int, validators=[InputRequired()])
    channels = ChannelsField(_l("Channels"), choices=CHANNEL_CHOICES, default=["inbox"])
    period = SelectField(_l("At most once per member each"), choices=[
        SelectChoice("month", _l("month")), SelectChoice("quarter", _l("quarter"))], validators=[InputRequired()])
    is_active = BooleanField(_l("On"), default=True)


def _templates(programme) -> list[SelectChoice]:
    return [SelectChoice(t.id, t.name) for t in db.session.execute(
        db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id,
                                        CouponTemplate.is_active.is_(True))).scalars()]


@bp.route("/pushes", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
def push_list(shop: str):
    """The shop's pushes with their progress; managers preview a segment, save it, and send a coupon to it."""
    programme = shop_programme()
    form = PushForm()
    form.template_id.choices = _templates(programme)
    saved = segments_of(programme)
    form.segment_id.choices = [SelectChoice("", _l("None: use the filters"))] + [
        SelectChoice(str(s.id), s.name) for s in saved]
    form.tier.choices = [SelectChoice("", _l("Every tier"))] + [SelectChoice(t.code, t.name)
                                                                 for t in rules(programme).tiers]
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
            elif action == "save":
                save_segment(programme, form.name.data, body.get("filter") or {}, actor())
                db.session.commit()
                flash(_("The segment is saved."), "success")
                return redirect(url_for("loyalty_merchant.push_list", shop=shop))
            else:
                when = form.scheduled_at.data
                push = pushes.create_push(programme, {
                    "template_id": form.template_id.data, **body, "channels": form.channels.data or ["inbox"],
                    **({"scheduled_at": when.replace(tzinfo=ZoneInfo(g.tenant.timezone)).isoformat()}
                       if when else {})}, actor())
                db.session.commit()
                flash(_("The push is scheduled.") if push.status == "scheduled" else _("The push is on its way."),
                      "success")
                return redirect(url_for("loyalty_merchant.push_detail", shop=shop, push_id=push.id))
        except ValidationError as exc:
            db.session.rollback()
            show_validation_errors(form, exc)
            status = 422
    elif request.method == "POST":
        status = 422
    page = paginate(db.select(Push).where(Push.tenant_id == g.tenant.id).order_by(Push.id.desc()))
    counts = {s.id: segment_count(programme, filter_of(s)) for s in saved}
    return render_template("loyalty/merchant/pushes.html", shop=g.tenant, form=form, page=page, seen=seen,
                           progress=pushes.progress_of(page.items), saved=saved, counts=counts, campaign=campaign,
                           campaign_form=campaign_form), status


def _may_change() -> bool:
    return g.staff_role in (StaffRole.MANAGER, StaffRole.OWNER)


@bp.route("/pushes/win-back", methods=["POST"])
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


@bp.route("/segments/<int:segment_id>/delete", methods=["POST"])
@staff_required(StaffRole.MANAGER)
def segment_delete(shop: str, segment_id: int):
    """Delete a saved segment."""
    saved = segment_in(shop_programme(), segment_id)
    if saved is None:
        abort(404)
    delete_segment(saved, actor())
    db.session.commit()
    flash(_("The segment is deleted."), "success")
    return redirect(url_for("loyalty_merchant.push_list", shop=shop))


def _push_or_404(push_id: int) -> Push:
    push = db.session.get(Push, push_id)
    if push is None or push.tenant_id != g.tenant.id:
        abort(404)
    return push


@bp.route("/pushes/<int:push_id>")
@staff_required(StaffRole.SUPPORT)
def push_detail(shop: str, push_id: int):
    """One push with a live progress bar."""
    push = _push_or_404(push_id)
    return render_template("loyalty/merchant/push.html", shop=g.tenant, push=push, state=pushes.progress(push))


@bp.route("/pushes/<int:push_id>.json")
@staff_required(StaffRole.SUPPORT)
def push_state(shop: str, push_id: int):
    """The push's progress for the page to poll."""
    return jsonify(pushes.progress(_push_or_404(push_id)))


@bp.route("/pushes/<int:push_id>/cancel", methods=["POST"])
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
