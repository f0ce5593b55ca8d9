"""Blueprints several features add pages to: the member centre, the merchant admin, platform pages."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, g
from flask_babel import gettext as _

from plugins.loyalty.programmes.operations import platform_programme, programme_for

platform_bp = Blueprint("loyalty_platform", __name__)
merchant_bp = Blueprint("loyalty_merchant", __name__, url_prefix="/admin/<shop>/loyalty")
#: The member centre, the merchant admin and platform pages that several features add routes to.
member_bp = Blueprint("loyalty", __name__, template_folder=Path(__file__).resolve().parent.parent / "templates")


def shop_programme():
    """The URL shop's programme, or the page that says how to start one."""
    programme = programme_for(g.tenant)
    if programme is None:
        abort(404, description=_("This shop has no loyalty programme yet."))
    return programme


def platform_programme_or_404():
    """The platform programme, for the operators' pages (a 404 before one exists)."""
    programme = platform_programme()
    if programme is None:
        abort(404)
    return programme
