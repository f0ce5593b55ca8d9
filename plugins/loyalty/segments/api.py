"""The segment API: count a filter's members, with a sample."""

from __future__ import annotations

from flask import g

from mall.api import json_body, write
from mall.api.openapi import documented
from mall.tenants.access import operator_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.segments import operations as segments
from plugins.loyalty.segments import schemas as docs
from plugins.loyalty.web.api import api_bp, programme_or_404


@api_bp.route("/shops/<shop>/segments/preview", methods=["POST"])
@documented(docs.SegmentPreviewBody, docs.SegmentPreviewReply)
@staff_required(StaffRole.MANAGER)
@write
def shop_segment_preview(shop: str):
    """Count the shop's members a filter finds, with a sample."""
    return 200, segments.preview(programme_or_404(g.tenant), docs.load_filter(json_body()))


@api_bp.route("/platform/segments/preview", methods=["POST"])
@documented(docs.SegmentPreviewBody, docs.SegmentPreviewReply)
@operator_required
@write
def platform_segment_preview():
    """Count the platform's members a filter finds, with a sample."""
    return 200, segments.preview(programme_or_404(None), docs.load_filter(json_body()))
