"""Merchant pushes: send a coupon to a segment, watch its progress, cancel it."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from mall.extensions import db
from mall.pagination import paginate
from mall.validation import translate_messages
from plugins.loyalty import pushes
from plugins.loyalty.merchant_members import bp, shop_programme
from plugins.loyalty.models import CouponTemplate
from plugins.loyalty.programmes import rules
from plugins.loyalty.push_models import Push
from plugins.loyalty.segments import preview
from tenants.access import actor, staff_required
from tenants.models import StaffRole


class PushForm(FlaskForm):
    """Which coupon, to whom (a few of the segment filters), on which channels."""

    template_id = SelectField(_l("Coupon"), coerce=int, validators=[InputRequired()])
    tier = SelectField(_l("Tier"), validators=[Optional()])
    activity = SelectField(_l("Activity"), choices=[
        SelectChoice("", _l("Any activity")), SelectChoice("active", _l("Active")),
        SelectChoice("intermittent", _l("Intermittent")), SelectChoice("sleeping", _l("Sleeping"))],
        validators=[Optional()])
    lifecycle = SelectField(_l("Purchases"), choices=[
        SelectChoice("", _l("Any")), SelectChoice("never_bought", _l("Never bought")),
        SelectChoice("one_time", _l("Bought once")), SelectChoice("repeat", _l("Bought again"))],
        validators=[Optional()])
    channels = SelectMultipleField(_l("Channels"), choices=[SelectChoice("inbox", _l("Inbox"))], default=["inbox"])

    def segment(self) -> dict:
        """The segment filter the form describes."""
        f = {}
        if self.tier.data:
            f["tier"] = [self.tier.data]
        for name in ("activity", "lifecycle"):
            if getattr(self, name).data:
                f[name] = getattr(self, name).data
        return f


@bp.route("/pushes", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
def push_list(shop: str):
    """The shop's pushes with their progress; managers preview a segment and send a coupon to it."""
    programme = shop_programme()
    form = PushForm()
    form.template_id.choices = [SelectChoice(t.id, t.name) for t in db.session.execute(
        db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id,
                                        CouponTemplate.is_active.is_(True))).scalars()]
    form.tier.choices = [SelectChoice("", _l("Every tier"))] + [SelectChoice(t.code, t.name)
                                                                 for t in rules(programme).tiers]
    status, seen = 200, None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            seen = preview(programme, form.segment())
        else:
            try:
                push = pushes.create_push(programme, {"template_id": form.template_id.data, "filter": form.segment(),
                                                      "channels": form.channels.data or ["inbox"]}, actor())
            except ValidationError as exc:
                db.session.rollback()
                form.form_errors = [f"{k}: {v}" for k, v in translate_messages(exc.messages).items()]
                status = 422
            else:
                db.session.commit()
                flash(_("The push is on its way."), "success")
                return redirect(url_for("loyalty_merchant.push_detail", shop=shop, push_id=push.id))
    elif request.method == "POST":
        status = 422
    page = paginate(db.select(Push).where(Push.tenant_id == g.tenant.id).order_by(Push.id.desc()))
    return render_template("loyalty/merchant/pushes.html", shop=g.tenant, form=form, page=page, seen=seen,
                           progress=pushes.progress), status


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
