"""Inbox API: the caller's inbox messages, so clients other than the pages can read them."""

from __future__ import annotations

from flask import jsonify

from mall.api import bp
from mall.api.openapi import documented
from mall.api.serializers import iso
from mall.extensions import db
from mall.notifications.models import Notification
from mall.notifications.operations import inbox_select, render
from mall.notifications.schemas import InboxReply
from mall.pagination import page_number
from mall.tenants.access import actor, login_required

PAGE = 50


@bp.route("/me/inbox", methods=["GET"])
@documented(response=InboxReply)
@login_required
def my_inbox():
    """The caller's inbox messages, newest first, 50 a page (?page=); reading them here marks nothing read."""
    rows = db.session.execute(inbox_select(actor().id).limit(PAGE).offset((page_number() - 1) * PAGE)).scalars()
    return jsonify({"items": [_message(n) for n in rows]})


def _message(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "text": render(n), "link": n.link, "created_at": iso(n.created_at),
            "read": n.read_at is not None}
