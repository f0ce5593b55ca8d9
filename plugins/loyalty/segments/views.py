"""Segment page actions: deleting a saved segment."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from mall.extensions import db
from plugins.loyalty.segments.operations import (
    delete_segment,
    segment_in,
)
from plugins.loyalty.web.blueprints import merchant_bp, shop_programme
from tenants.access import actor, staff_required
from tenants.models import StaffRole


@merchant_bp.route("/segments/<int:segment_id>/delete", methods=["POST"])
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
