"""After-sales page forms: the shopper's request and parcel back, the merchant's reason to decline."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from mall.aftersales.models import KIND_LABELS, REASONS
from mall.aftersales.operations import MAX_REASON
from mall.orders.models import CARRIER_MAX, TRACKING_MAX
from mall.orders.operations import CARRIERS

OTHER_CARRIER = "other"


class AfterSaleForm(FlaskForm):
    """Refund or return, why; the quantities per line are read beside it (one `qty_<line id>` input each)."""

    kind = RadioField(_l("What do you need?"), validators=[InputRequired(_l("Choose refund or return."))])
    reason_code = SelectField(_l("Reason"), choices=[SelectChoice(code, label) for code, label in REASONS.items()],
                              default="not_received")
    reason = TextAreaField(_l("Details"), validators=[Optional(), Length(max=MAX_REASON)])
    photos = MultipleFileField(_l("Photos (optional, up to 3: JPEG, PNG or WebP)"))

    def offer(self, kinds) -> AfterSaleForm:
        """Offer only the kinds the order allows now; a single kind is chosen already."""
        self.kind.choices = [SelectChoice(k, KIND_LABELS[k]) for k in kinds]
        if len(kinds) == 1 and not self.kind.data:
            self.kind.data = kinds[0]
        return self


class ReturnShippedForm(FlaskForm):
    """The parcel a shopper sends back."""

    carrier = SelectField(_l("Carrier"), choices=[
        *(SelectChoice(value, label) for value, label, _others in CARRIERS),
        SelectChoice(OTHER_CARRIER, _l("Other carrier"))])
    carrier_other = StringField(_l("Carrier's name, if not listed"), validators=[Optional(), Length(max=CARRIER_MAX)])
    tracking_no = StringField(_l("Tracking number"), validators=[InputRequired(), Length(min=4, max=TRACKING_MAX)])

    def carrier_name(self) -> str:
        """A listed carrier's code, or the name typed for another."""
        return (self.carrier_other.data or "").strip() if self.carrier.data == OTHER_CARRIER else self.carrier.data


class RejectForm(FlaskForm):
    """Why the shop declines a request (the shopper reads it)."""

    reason = TextAreaField(_l("Reason for the shopper"), validators=[InputRequired(), Length(max=MAX_REASON)])
