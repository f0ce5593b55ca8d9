"""API schemas of the personal-data requests."""

from marshmallow import Schema, fields, validate

from mall.accounts.operations import PASSWORD_MAX


class DeleteAccountSchema(Schema):
    """POST /me/delete: the account's password, to confirm."""

    password = fields.String(required=True, validate=validate.Length(min=1, max=PASSWORD_MAX))


#: The answer of POST /me/delete.
DELETED = {"type": "object", "properties": {
    "deleted": {"type": "boolean"},
    "request": {"type": "object", "properties": {"id": {"type": "integer"}, "created_at": {"type": "string"}}}}}
#: The answer of GET /me/export: every part of the shopper's data (see docs for the parts).
EXPORT = {"type": "object", "properties": {
    name: {"type": "object"} for name in ("account", "sessions", "plugins")} | {
    name: {"type": "array", "items": {"type": "object"}}
    for name in ("addresses", "orders", "after_sales", "reviews", "notifications", "marketing_contacts", "cart",
                 "privacy_requests")}}
