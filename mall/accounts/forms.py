"""Account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from mall.accounts.operations import NAME_MAX, PASSWORD_MAX, PASSWORD_MIN
from mall.validation import birthday_problem


def plausible_birthday(form, field) -> None:
    """A birthday field's date lies between 1900 and today."""
    problem = birthday_problem(field.data) if field.data is not None else None
    if problem is not None:
        raise ValidationError(str(problem))


class LoginForm(FlaskForm):
    """Sign in with e-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class RegisterForm(FlaskForm):
    """Create a platform account."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(PASSWORD_MIN, PASSWORD_MAX)])
    confirm = PasswordField(_l("Repeat password"), validators=[EqualTo("password", _l("Passwords differ."))])
    birthday = DateField(_l("Birthday"), validators=[Optional(), plausible_birthday])
    referral_code = StringField(_l("Referral code"), validators=[Optional(), Length(max=16)])


class ProfileForm(FlaskForm):
    """Name, phone, birthday and marketing consent."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    birthday = DateField(_l("Birthday"), validators=[Optional(), plausible_birthday])
    consent_email = BooleanField(_l("Marketing by e-mail"))
    consent_sms = BooleanField(_l("Marketing by SMS"))


class PasswordForm(FlaskForm):
    """Change password."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(PASSWORD_MIN, PASSWORD_MAX)])
    confirm = PasswordField(_l("Repeat new password"), validators=[EqualTo("new_password", _l("Passwords differ."))])


class ResetRequestForm(FlaskForm):
    """Ask for a password-reset link by e-mail."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    """Choose a new password through a reset link."""

    # The length rule is `password_errors`, the same as registration's, so one message says it.
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(_l("Repeat new password"), validators=[EqualTo("password", _l("Passwords differ."))])
