"""Loyalty pages for operators: a readable diff between two versions of a programme document."""

from __future__ import annotations

import difflib
import json

from flask import Blueprint, abort, render_template

from mall.extensions import db
from plugins.loyalty.models import Programme, ProgrammeVersion
from tenants.access import operator_required

bp = Blueprint("loyalty_admin", __name__)


def _pretty(document: dict) -> list[str]:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).splitlines()


@bp.route("/platform/programmes/<int:programme_id>/versions/<int:version>/diff")
@operator_required
def programme_diff(programme_id: int, version: int):
    """What changed in a programme document from the version before to this one."""
    programme = db.session.get(Programme, programme_id) or abort(404)
    rows = {v.version: v for v in db.session.execute(
        db.select(ProgrammeVersion).where(ProgrammeVersion.programme_id == programme.id,
                                          ProgrammeVersion.version.in_((version - 1, version)))).scalars()}
    if version not in rows or version - 1 not in rows:
        abort(404)
    before, after = rows[version - 1], rows[version]
    lines = list(difflib.unified_diff(_pretty(before.document), _pretty(after.document),
                                      f"v{version - 1}", f"v{version}", lineterm="", n=3))
    return render_template("loyalty/programme_diff.html", programme=programme, before=before, after=after,
                           lines=lines)
