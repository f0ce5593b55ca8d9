"""Reminder pages: the member's choice of reminders with the latest ones, and the inbox's link to it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mall.boundary import commits
from mall.notifications.operations import render
from mall.tenants.access import actor, login_required
from plugins.loyalty.reminders import operations
from plugins.loyalty.reminders.forms import ReminderChoiceForm
from plugins.loyalty.web.blueprints import member_bp


@member_bp.route("/member/reminders", methods=["GET", "POST"])
@login_required
@commits
def reminders():
    """The member's choice of reminders (points about to expire; keeping and reaching a tier) and the latest ones."""
    user = actor()
    form = ReminderChoiceForm()
    status = 200
    if form.validate_on_submit():
        operations.set_preferences(user.id, form.expiry.data, form.tier.data)
        flash(_("Your reminder choices are saved."), "success")
        return redirect(url_for("loyalty.reminders"))
    if request.method == "POST":
        status = 422
    else:
        chosen = operations.preferences(user.id)
        form.expiry.data, form.tier.data = chosen["expiry"], chosen["tier"]
    return render_template("loyalty/reminders/reminders.html", form=form, render=render,
                           latest=operations.inbox_reminders(user.id)), status


def inbox_link() -> str:
    """Template hook above the inbox: where the member chooses which reminders to receive."""
    if not current_user.is_authenticated:
        return ""
    return render_template("loyalty/reminders/_inbox_link.html")
