"""Reminder shapes in the API: the member's choice of reminders, asked and answered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields

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
