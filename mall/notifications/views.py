"""The inbox page of the member centre."""

from flask import Blueprint, render_template

from mall.boundary import commits
from mall.extensions import db
from mall.notifications.models import Notification
from mall.notifications.operations import mark_read, render
from mall.pagination import paginate
from mall.tenants.access import actor, login_required

bp = Blueprint("inbox", __name__)


@bp.route("/member/inbox")
@login_required
@commits
def inbox():
    """The user's messages, newest first; opening the inbox marks them read."""
    user = actor()
    page = paginate(db.select(Notification).where(Notification.user_id == user.id, Notification.channel == "inbox",
                                           Notification.status == "sent")
                    .order_by(Notification.id.desc()))
    unread = {n.id for n in page.items if n.read_at is None}
    mark_read(user.id)
    return render_template("inbox.html", page=page, unread=unread, render=render)
