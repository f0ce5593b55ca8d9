"""The inbox page of the member centre."""

from flask import Blueprint, render_template

from mall.boundary import commits
from mall.notifications.operations import inbox_select, mark_read, render
from mall.pagination import paginate
from mall.tenants.access import actor, login_required

bp = Blueprint("inbox", __name__)


@bp.route("/member/inbox")
@login_required
@commits
def inbox():
    """The user's messages, newest first; opening the inbox marks them read."""
    user = actor()
    page = paginate(inbox_select(user.id))
    unread = {n.id for n in page.items if n.read_at is None}
    mark_read(user.id)
    return render_template("inbox.html", page=page, unread=unread, render=render)
