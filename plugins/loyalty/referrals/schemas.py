"""Referral shapes in the API: the member's code, share link and invited friends."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.loyalty.referrals.models import REASONS, STATUSES


class InvitedFriend(Schema):
    """A friend who signed up with the member's code."""

    user = fields.String(metadata={"description": "The friend's name, masked: first character and two stars."})
    joined_at = fields.DateTime()
    status = fields.String(validate=validate.OneOf(STATUSES))
    reason = fields.String(validate=validate.OneOf(REASONS),
                           metadata={"description": "Why the referral is held (only when held)."})
    points = fields.Integer(metadata={"description": "Points the member received for this friend (when rewarded)."})


class ReferralsReply(Schema):
    """The member's referral code, the link that carries it to the sign-up form, and the friends invited."""

    code = fields.String()
    link = fields.String()
    invited = fields.List(fields.Nested(InvitedFriend))
