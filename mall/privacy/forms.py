"""The form that confirms an account's deletion."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from mall.accounts.operations import PASSWORD_MAX


class DeleteAccountForm(FlaskForm):
    """The password again, and a tick that the shopper has read what is kept."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    understood = BooleanField(_l("I understand that this cannot be undone."),
                              validators=[DataRequired(_l("Tick this box to confirm."))])
