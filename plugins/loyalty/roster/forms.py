"""Member list forms: a tag, a note, a coupon to send, and a bulk action on selected members."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from plugins.loyalty.roster.operations import MAX_NOTE_LENGTH, MAX_TAG_LENGTH

#: The bulk actions in the order the list offers them.
BULK_ACTIONS = ("add_tag", "remove_tag", "coupon", "export")


class TagForm(FlaskForm):
    """A tag to put on a member: one of the shop's, or a new one."""

    name = StringField(_l("Tag"), validators=[InputRequired(), Length(max=MAX_TAG_LENGTH)])


class NoteForm(FlaskForm):
    """The shop's private note on a member."""

    note = TextAreaField(_l("Note"), validators=[Length(max=MAX_NOTE_LENGTH)])


class CouponForm(FlaskForm):
    """One of the shop's coupons to send; its one-time key makes a double submit send once."""

    template = SelectField(_l("Coupon"), choices=[], validate_choice=False, validators=[InputRequired()])
    idempotency_key = HiddenField()


def bulk_choices():
    """The bulk actions as a select's choices."""
    return [SelectChoice("add_tag", _l("Add a tag")), SelectChoice("remove_tag", _l("Remove a tag")),
            SelectChoice("coupon", _l("Send a coupon")), SelectChoice("export", _l("Export selected (CSV)"))]


class BulkForm(FlaskForm):
    """A bulk action on the selected members; the confirmation step adds its tag or coupon."""

    action = SelectField(_l("With the selected"), choices=bulk_choices())
    name = StringField(_l("Tag"), validators=[Length(max=MAX_TAG_LENGTH)])
    tag = SelectField(_l("Tag"), choices=[], validate_choice=False)
    template = SelectField(_l("Coupon"), choices=[], validate_choice=False)
    idempotency_key = HiddenField()
