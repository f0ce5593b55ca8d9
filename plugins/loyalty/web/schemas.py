"""Field shapes the loyalty API's request and reply schemas share."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from mall.validation import Text

MoneyString = fields.String  # "123.40": two decimals, as a string
#: A programme in a request body: a shop's slug or "platform".
Programme = Text(40, metadata={"description": 'a shop slug or "platform" (the default)'})


class Body(Schema):
    """A request body: unknown keys are errors, so a typo never silently does nothing."""

    class Meta:
        unknown = RAISE
