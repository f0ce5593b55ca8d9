"""Account operations: register, authenticate, profile, password, operators. Callers commit."""

from __future__ import annotations

import secrets
import string
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from mall import signals
from mall.accounts.models import ApiToken, User
from mall.errors import FieldErrors
from mall.extensions import db

PASSWORD_MIN, PASSWORD_MAX = 8, 128
NAME_MAX = 80
_CODE_ALPHABET = string.ascii_uppercase + string.digits


def new_referral_code() -> str:
    """A random 8-character referral code."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def check_email(email) -> str:
    """Normalize and validate an e-mail address (syntax only; no DNS lookups)."""
    if not isinstance(email, str) or len(email) > 254:
        raise FieldErrors(_("Invalid e-mail address."), {"email": [_("Enter a valid e-mail address.")]})
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise FieldErrors(_("Invalid e-mail address."), {"email": [_("Enter a valid e-mail address.")]}) from None


def password_errors(password) -> list[str]:
    """Messages for a password that is too short or too long."""
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return [_("Use %(a)d to %(b)d characters.", a=PASSWORD_MIN, b=PASSWORD_MAX)]
    return []


def register(email, password, name, birthday: date | None = None, referral_code: str | None = None,
             phone: str | None = None, consent_email: bool = False, consent_sms: bool = False) -> User:
    """Create a platform account; sends `user_registered`."""
    errors: dict = {}
    try:
        email = check_email(email)
    except FieldErrors as exc:
        errors.update(exc.fields)
    if pw := password_errors(password):
        errors["password"] = pw
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        errors["name"] = [_("Enter a name of up to %(n)d characters.", n=NAME_MAX)]
    referrer = None
    if referral_code:
        referrer = db.session.execute(
            db.select(User).filter_by(referral_code=str(referral_code).strip().upper())
        ).scalar_one_or_none()
        if referrer is None:
            errors["referral_code"] = [_("Unknown referral code.")]
    if "email" not in errors and User.by_email(email) is not None:
        errors["email"] = [_("An account with this e-mail address already exists.")]
    if errors:
        raise FieldErrors(_("Please correct the registration."), errors)
    user = User(email=email, name=name.strip(), birthday=birthday, phone=phone or None,
                referral_code=new_referral_code(), referred_by_id=referrer.id if referrer else None,
                consent_email=consent_email, consent_sms=consent_sms)
    user.set_password(password)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise FieldErrors(
            _("Please correct the registration."),
            {"email": [_("An account with this e-mail address already exists.")]},
        ) from None
    signals.user_registered.send(current_app._get_current_object(), user=user)
    return user


def authenticate(email, password) -> User | None:
    """The enabled user with this e-mail and password, or None."""
    if not isinstance(email, str) or not isinstance(password, str):
        return None
    user = User.by_email(email)
    if user is None or user.is_disabled or not user.check_password(password):
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one."""
    errors = {}
    if not user.check_password(current or ""):
        errors["current_password"] = [_("The current password is wrong.")]
    if pw := password_errors(new):
        errors["new_password"] = pw
    if errors:
        raise FieldErrors(_("The password was not changed."), errors)
    user.set_password(new)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session becomes stale and every API token is deleted.

    The caller signs the current browser back in (with the new version) when it should stay open.
    """
    db.session.execute(
        db.update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(db.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.refresh(user, ["session_version"])


def tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first (expired ones too, until revoked)."""
    return list(db.session.execute(
        db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).scalars())


def revoke_token(user: User, token_id) -> None:
    """Delete one of the user's API tokens; another user's or a missing token is refused alike."""
    removed = db.session.execute(
        db.delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).rowcount if isinstance(token_id, int) else 0
    if not removed:
        raise FieldErrors(_("That token does not exist or is already revoked."), {})


def create_operator(email: str, password: str, name: str = "Operator") -> User:
    """Create a platform operator, or promote an existing account."""
    email = check_email(email)
    user = User.by_email(email)
    if user is None:
        user = register(email, password, name)
    elif pw := password_errors(password):
        raise FieldErrors(_("Invalid password."), {"password": pw})
    else:
        user.set_password(password)
        end_sessions(user)  # a reset password must not leave the old sessions and tokens open
    user.is_operator = True
    return user
