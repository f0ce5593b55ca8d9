"""Shapes of the media API for the OpenAPI document: the multipart upload and the image it answers with."""

from marshmallow import Schema, fields

#: The upload's request body: one file in the multipart field `file`.
UPLOAD_BODY = {"type": "object", "required": ["file"],
               "properties": {"file": {"type": "string", "format": "binary",
                                       "description": "A JPEG, PNG or WebP picture of at most MALL_MAX_IMAGE_BYTES "
                                                      "(10 MB unless configured)."}}}


class ImageOut(Schema):
    """A stored picture: its id, the display-size address and the thumbnail's."""

    id = fields.Integer(required=True)
    url = fields.String(required=True)
    thumb_url = fields.String(required=True)


class ImageReply(Schema):
    """POST /shops/<slug>/products/<id>/images answers {"image": {…}}."""

    image = fields.Nested(ImageOut, required=True)
