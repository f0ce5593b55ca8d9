"""Segment page actions: deleting a saved segment."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from mall.boundary import commits
from mall.tenants.access import actor, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.programmes.operations import get_in_programme_or_404
from plugins.loyalty.segments.models import SavedSegment
from plugins.loyalty.segments.operations import delete_segment
from plugins.loyalty.web.blueprints import merchant_bp, shop_programme


@merchant_bp.route("/segments/<int:segment_id>/delete", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def segment_delete(shop: str, segment_id: int):
    """Delete a saved segment."""
    delete_segment(get_in_programme_or_404(SavedSegment, segment_id, shop_programme()), actor())
    flash(_("The segment is deleted."), "success")
    return redirect(url_for("loyalty_merchant.push_list", shop=shop))
