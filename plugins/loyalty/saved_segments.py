"""Saved segments: a programme's named filters, for the member list and pushes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from mall import clock
from mall.audit.operations import record
from mall.extensions import db
from plugins.loyalty.push_models import SavedSegment
from plugins.loyalty.segments import SegmentSchema


def segments_of(programme) -> list[SavedSegment]:
    """The programme's saved segments by name."""
    return db.session.execute(db.select(SavedSegment).where(SavedSegment.programme_id == programme.id)
                              .order_by(SavedSegment.name)).scalars().all()


def segment_in(programme, segment_id) -> SavedSegment | None:
    """A saved segment of this programme (None for another programme's: a foreign id is not found)."""
    saved = db.session.get(SavedSegment, segment_id) if isinstance(segment_id, int) else None
    return saved if saved is not None and saved.programme_id == programme.id else None


def filter_of(saved: SavedSegment) -> dict:
    """The saved filter, loaded as segment_select() takes it (dates and amounts parsed)."""
    return SegmentSchema().load(saved.filter)


def save_segment(programme, name: str, raw_filter: dict, actor=None) -> SavedSegment:
    """Save a filter under a name (422 when the name is empty or taken, or the filter is invalid)."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError({"name": [_l("Give the segment a name of at most 80 characters.")]})
    try:
        loaded = SegmentSchema().load(raw_filter or {})
    except ValidationError as exc:
        raise ValidationError({"filter": exc.messages}) from None
    saved = SavedSegment(programme_id=programme.id, tenant_id=programme.tenant_id, name=name,
                         filter=SegmentSchema().dump(loaded), created_by=getattr(actor, "id", None),
                         created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(saved)
    except IntegrityError:
        raise ValidationError({"name": [_l("There is already a segment with this name.")]}) from None
    record("segment.saved", name, actor=actor, tenant=programme.tenant_id, filter=saved.filter)
    return saved


def delete_segment(saved: SavedSegment, actor=None) -> None:
    """Delete a saved segment (pushes made from it keep their own copy of the filter)."""
    record("segment.deleted", saved.name, actor=actor, tenant=saved.tenant_id, filter=saved.filter)
    db.session.delete(saved)
