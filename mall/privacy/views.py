"""The shopper's data pages: download everything as JSON, and delete the account after confirming."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from mall.boundary import commits
from mall.errors import FieldErrors
from mall.forms import show_field_errors
from mall.privacy import operations as privacy
from mall.privacy.forms import DeleteAccountForm
from mall.tenants.access import actor, login_required

bp = Blueprint("privacy", __name__, url_prefix="/account")


@bp.route("/data/export", methods=["POST"])
@login_required
@commits
def export():
    """Download everything held about the signed-in shopper as a JSON file (the request is recorded)."""
    user = current_user._get_current_object()  # the row itself: the export reads its columns
    data = privacy.export(user, "web")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    name = f"mall-data-{user.id}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@commits
def delete():
    """Confirm the account's deletion with the password; what is kept for accounting is said beforehand."""
    user = actor()
    form = DeleteAccountForm()
    reasons = privacy.blockers(user)
    if not reasons and form.validate_on_submit():
        try:
            privacy.erase(user, form.password.data, "web")
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            logout_user()
            flash(_("Your account is deleted. Your orders are kept without your name for the shops' accounts."),
                  "success")
            return redirect(url_for("catalog.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("privacy/delete.html", form=form, reasons=reasons), status
