"""Simulation shapes in the API: the draft and the window asked for, and a simulation with both sides."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields

from mall.validation import Int
from plugins.loyalty.programmes.schemas import ProgrammeBody, validate_document
from plugins.loyalty.web.schemas import Body, MoneyString

MIN_MONTHS, MAX_MONTHS = 1, 24


class _Months(Body):
    months = Int(MIN_MONTHS, MAX_MONTHS, required=True, metadata={"description": "past months of settled orders"})


class SimulateBody(_Months):
    """A draft programme document (checked like a saved one) and how many past months of settled orders to replay."""

    document = fields.Nested(ProgrammeBody, required=True)


def load_body(raw) -> tuple[dict, int]:
    """(the normalised draft, months) from a request body; a ValidationError with field paths otherwise."""
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": [_l("Send a JSON object with a document and months.")]})
    errors, document, months = {}, None, None
    try:
        months = _Months().load({k: v for k, v in raw.items() if k != "document"})["months"]
    except ValidationError as exc:
        errors.update(exc.messages)
    try:
        document = validate_document(raw.get("document"))
    except ValidationError as exc:
        errors.update({"document" if k == "_schema" else f"document.{k}": v for k, v in exc.messages.items()})
    if errors:
        raise ValidationError(errors)
    return document, months


class Side(Schema):
    """One side's figures over the replayed orders."""

    points_issued = fields.Integer()
    discount_cost = MoneyString()
    rebates = MoneyString()
    members_by_tier = fields.Dict(keys=fields.String(), values=fields.Integer())
    tier_moves = fields.Dict(keys=fields.String(), values=fields.Integer())
    liability = fields.Integer(metadata={"description": "unexpired available points at the end"})


class Affected(Schema):
    """A member whose points differ most between the sides."""

    membership_id = fields.Integer()
    name = fields.String()
    current_points = fields.Integer()
    draft_points = fields.Integer()
    difference = fields.Integer()
    current_tier = fields.String()
    draft_tier = fields.String()


class SimulationFields(Schema):
    """A simulation: its status and progress and, when done, both sides."""

    id = fields.Integer()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    progress = fields.Integer()
    months = fields.Integer()
    version = fields.Integer()
    created_at = fields.DateTime()
    current = fields.Nested(Side, allow_none=True)
    draft = fields.Nested(Side, allow_none=True)
    most_affected = fields.List(fields.Nested(Affected))


class SimulationReply(Schema):
    """The simulation just queued, or one asked for."""

    simulation = fields.Nested(SimulationFields)
