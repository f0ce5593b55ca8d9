"""The operator's messages page: the marketing pressure limits, and how delivery is going on each channel."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from mall import clock
from mall.audit.operations import record
from mall.boundary import commits
from mall.extensions import db
from mall.notifications.models import Notification
from mall.notifications.pressure import policy
from mall.platform.views import bp
from mall.tenants.access import actor, operator_required

HOURS = [SelectChoice(h, f"{h:02d}:00") for h in range(24)]


class PolicyForm(FlaskForm):
    """The weekly cap, the quiet hours, and what happens to a message they hold back."""

    weekly_cap = IntegerField(_l("Marketing messages per member per week (empty: no cap)"),
                              validators=[Optional(), NumberRange(min=0, max=100)])
    quiet_start = SelectField(_l("Quiet hours from"), coerce=int, choices=HOURS, validators=[InputRequired()])
    quiet_end = SelectField(_l("Quiet hours until"), coerce=int, choices=HOURS, validators=[InputRequired()])
    held = SelectField(_l("A held-back message is"), choices=[
        SelectChoice("defer", _l("sent later, when allowed")), SelectChoice("drop", _l("dropped"))],
        validators=[InputRequired()])


@bp.route("/messages", methods=["GET", "POST"])
@operator_required
@commits
def messages():
    """Delivery counts by channel and status, recent failures, and the pressure limits form."""
    current = policy()
    form = PolicyForm(obj=current)
    status = 200
    if form.validate_on_submit():
        before = {k: getattr(current, k) for k in ("weekly_cap", "quiet_start", "quiet_end", "held")}
        form.populate_obj(current)
        current.updated_at, current.updated_by = clock.now(), actor().id
        db.session.add(current)
        record("marketing.policy", "marketing", actor=actor(), before=before,
               after={k: getattr(current, k) for k in before})
        flash(_("The limits are saved; pushes from now on follow them."), "success")
        return redirect(url_for("platform.messages"))
    if request.method == "POST":
        status = 422
    counts = db.session.execute(db.select(Notification.channel, Notification.status, func.count(Notification.id))
                                .group_by(Notification.channel, Notification.status)).all()
    table: dict = {}
    for channel, state, n in counts:
        table.setdefault(channel, {})[state] = n
    failed = db.session.execute(db.select(Notification).where(Notification.status == "failed")
                                .order_by(Notification.id.desc()).limit(20)).scalars().all()
    return render_template("platform/messages.html", form=form, table=table, failed=failed,
                           states=("sent", "queued", "sending", "failed", "dropped")), status
