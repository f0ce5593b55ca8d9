"""Account operations: register, authenticate, profile, password, operators. Callers commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import date, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from mall import clock, jobs, signals
from mall.accounts.models import ApiToken, User
from mall.errors import FieldErrors
from mall.extensions import db
from mall.validation import MAX_INT

PASSWORD_MIN, PASSWORD_MAX = 8, 128
NAME_MAX = 80
_CODE_ALPHABET = string.ascii_uppercase + string.digits
#: How long a password-reset link works.
RESET_MAX_AGE = timedelta(hours=2)
#: A reset token never verifies as any other signed value of the app (sessions, CSRF), nor they as it.
_RESET_SALT = "mall.accounts.password-reset"
#: Longer than any token the app signs: a longer one is garbage and is refused before it is parsed.
RESET_TOKEN_MAX = 300


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


class _ClockSigner(TimestampSigner):
    """Stamps and ages signatures by `mall.clock`, so the expiry follows a frozen clock in ticks and tests."""

    def get_timestamp(self) -> int:
        """Seconds since the epoch by the app's clock."""
        return int(clock.now().timestamp())


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT, signer=_ClockSigner)


def _password_mark(user: User) -> str:
    """A digest of the password hash and session version: a token bearing it dies when either changes."""
    return hashlib.sha256(f"{user.password_hash}:{user.session_version or 0}".encode()).hexdigest()[:32]


def reset_token(user: User) -> str:
    """A signed link token that sets the user's password once, within RESET_MAX_AGE."""
    return _reset_serializer().dumps({"u": user.id, "p": _password_mark(user)})


def user_for_reset(token) -> User | None:
    """The enabled user a valid, unexpired, unused reset token names, or None."""
    if not isinstance(token, str) or len(token) > RESET_TOKEN_MAX:
        return None
    try:
        data = _reset_serializer().loads(token, max_age=int(RESET_MAX_AGE.total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("p"), str):
        return None
    user = db.session.get(User, data["u"]) if 0 < data["u"] <= MAX_INT else None
    if user is None or user.is_disabled or not hmac.compare_digest(_password_mark(user), data["p"]):
        return None
    return user


def request_password_reset(email, locale: str) -> None:
    """Queue the reset mail for an address; the job decides whether anyone gets it, so every answer is alike."""
    try:
        address = check_email(email)
    except FieldErrors:
        return
    from mall.accounts.jobs import send_reset_mail  # the job module signs with this one's helpers

    jobs.enqueue(send_reset_mail, address, secrets.token_hex(8), locale)


def reset_password(token, new) -> User:
    """Set a new password through a reset token, once, and end every session and API token.

    The update is conditional on the password the token was issued for, so two uses of one link
    (even at the same moment) set it once. Raises FieldErrors: `token` for a dead link, `password` for a bad one.
    """
    user = user_for_reset(token)
    if user is None:
        raise FieldErrors(_("This link has expired or was already used."), {"token": [_("Ask for a new link.")]})
    if pw := password_errors(new):
        raise FieldErrors(_("The password was not changed."), {"password": pw})
    changed = db.session.execute(
        db.update(User).where(User.id == user.id, User.password_hash == user.password_hash,
                              User.session_version == user.session_version)
        .values(password_hash=User.hash_password(new)).execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise FieldErrors(_("This link has expired or was already used."), {"token": [_("Ask for a new link.")]})
    end_sessions(user)
    db.session.refresh(user, ["password_hash"])
    return user
