"""Shapes of the member import and export API for the OpenAPI document."""

from marshmallow import Schema, fields

#: The upload: the CSV in the multipart field `file`, and `dry_run` (default true).
IMPORT_BODY = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary",
             "description": "UTF-8 CSV with the header email,phone,name,birthday,tier,points,points_expire_at,"
                            "consent_email,consent_sms; at most 100,000 rows and 16 MB."},
    "dry_run": {"type": "string", "enum": ["true", "false", "1", "0"], "default": "true",
                "description": "Only check the file (the default); false checks it and starts the import."}}}


class ImportRef(Schema):
    """An import's id and status."""

    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["checked", "queued", "running", "done"]})


class ImportCreated(Schema):
    """POST …/members/import answers 202 {"import": {"id", "status"}}."""

    import_ = fields.Nested(ImportRef, required=True, data_key="import")


class ReportRow(Schema):
    """One line of the file: its status and, for an error, the reason."""

    line = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["valid", "update", "error"]})
    reason = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    points = fields.Integer()


class ImportOut(Schema):
    """An import's counts and progress, with one page of its report."""

    id = fields.Integer(required=True)
    status = fields.String(required=True)
    filename = fields.String()
    rows = fields.Integer()
    valid = fields.Integer()
    update = fields.Integer()
    error = fields.Integer()
    applied = fields.Integer()
    points = fields.Integer()
    percent = fields.Integer()
    report = fields.List(fields.Nested(ReportRow))
    page = fields.Integer()
    pages = fields.Integer()


class ImportReply(Schema):
    """GET …/imports/<id> answers {"import": {…}}."""

    import_ = fields.Nested(ImportOut, required=True, data_key="import")


class ExportOut(Schema):
    """A small export's CSV text at once, or a large one's id and status while the queue writes it."""

    id = fields.Integer(allow_none=True)
    kind = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["done", "queued", "failed"]})
    rows = fields.Integer(required=True)
    csv = fields.String(allow_none=True)


class ExportReply(Schema):
    """GET …/members/export answers {"export": {…}}."""

    export = fields.Nested(ExportOut, required=True)
