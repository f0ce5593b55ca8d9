"""Reminder shapes in the API: the member's choice of reminders, asked and answered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from plugins.loyalty.programmes.bounds import Strict, int_field
from plugins.loyalty.web.schemas import Body


class Switch(fields.Boolean):
    """Only JSON true or false: "yes" or 1 is a 422, never a guess."""

    default_error_messages = {"invalid": _l("Use true or false.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class RemindersBody(Body):
    """Which reminders the member receives: points about to expire; keeping and reaching a tier."""

    expiry = Switch(required=True, metadata={"description": '"N points expire on <date>"'})
    tier = Switch(required=True, metadata={"description": '"Keep <tier>: spend ¥X by <date>" and "You reached <tier>"'})


class RemindersReply(Body):
    """The member's choice as saved (both on until the member chooses)."""

    expiry = fields.Boolean()
    tier = fields.Boolean()


class RemindersSchema(Strict):
    """When members are reminded: days before points expire, and before a tier's validity period ends."""

    expiry_days = fields.List(int_field(1, 365), load_default=lambda: [30, 7], validate=validate.Length(max=5))
    tier_days = int_field(1, 365, load_default=30, allow_none=True)

    @validates_schema
    def _distinct(self, data, **kwargs):
        days = data.get("expiry_days") or []
        if len(set(days)) != len(days):
            raise ValidationError(_l("Each number of days once."), "expiry_days")
