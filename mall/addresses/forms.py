"""The address form of the member pages: it only carries what was typed; mall.addresses.operations.clean checks it
all at once, so every wrong field shows its message together."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from mall.addresses.models import NAME_MAX, PHONE_MAX, PLACE_MAX, POSTCODE_MAX, STREET_MAX


def _text(label, longest: int) -> StringField:
    return StringField(label, render_kw={"maxlength": longest})


class AddressForm(FlaskForm):
    """Add or change a delivery address."""

    name = _text(_l("Recipient"), NAME_MAX)
    phone = _text(_l("Phone"), PHONE_MAX)
    region = _text(_l("Province / state"), PLACE_MAX)
    city = _text(_l("City"), PLACE_MAX)
    district = _text(_l("District (optional)"), PLACE_MAX)
    street = _text(_l("Street address"), STREET_MAX)
    postcode = _text(_l("Postcode (optional)"), POSTCODE_MAX)
    is_default = BooleanField(_l("Make this my default address"))

    def values(self) -> dict:
        """The typed values, for the operations (which check and tidy them)."""
        return {name: getattr(self, name).data for name in (
            "name", "phone", "region", "city", "district", "street", "postcode", "is_default")}
