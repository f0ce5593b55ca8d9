"""User and API token tables."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import func
from werkzeug.security import check_password_hash, generate_password_hash

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db
from mall.validation import MAX_INT


class User(UserMixin, db.Model):
    """One platform account: a shopper everywhere, staff where granted, maybe an operator."""

    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    name = db.Column(db.String(80), nullable=False)
    phone = db.Column(db.String(32), nullable=True)
    birthday = db.Column(db.Date, nullable=True)
    consent_email = db.Column(db.Boolean, nullable=False, default=False)
    consent_sms = db.Column(db.Boolean, nullable=False, default=False)
    referral_code = db.Column(db.String(16), nullable=False, unique=True)
    #: The user who referred this one at registration, if any.
    referred_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    is_operator = db.Column(db.Boolean, nullable=False, default=False)
    is_disabled = db.Column(db.Boolean, nullable=False, default=False)
    locale = db.Column(db.String(8), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    #: Raised to sign out every session at once (a password change): sessions carry the value they began with.
    session_version = db.Column(db.Integer, nullable=False, default=0, server_default="0")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of disabled users
        return not self.is_disabled

    def get_id(self) -> str:
        """The session's user reference, "id:version", so a raised version ends older sessions."""
        return f"{self.id}:{self.session_version or 0}"

    @classmethod
    def for_session(cls, reference: str):
        """The user a session's "id:version" names, or None when it is malformed or the version is stale."""
        ident, _, version = str(reference).partition(":")
        if not (ident.isascii() and ident.isdigit() and version.isascii() and version.isdigit()):
            return None
        user = db.session.get(cls, int(ident)) if int(ident) <= MAX_INT else None
        if user is None or (user.session_version or 0) != int(version):
            return None
        return user

    @staticmethod
    def hash_password(password: str) -> str:
        """A salted hash of the password, by the configured method."""
        return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        self.password_hash = self.hash_password(password)

    def check_password(self, password: str) -> bool:
        """Whether the password matches."""
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def normalize_email(email: str) -> str:
        """E-mail addresses are compared case-insensitively."""
        return email.strip().lower()

    @classmethod
    def by_email(cls, email: str):
        """Find a user by e-mail address."""
        return db.session.execute(
            db.select(cls).where(func.lower(cls.email) == cls.normalize_email(email))
        ).scalar_one_or_none()

    def __repr__(self):
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    #: When the token was last presented (to the minute or so: not every request writes it).
    last_used_at = db.Column(UTCDateTime, nullable=True)
    #: After this moment the token is refused; None (tokens issued before expiry existed) counts from created_at.
    expires_at = db.Column(UTCDateTime, nullable=True)

    user = db.relationship("User")

    @staticmethod
    def digest(token: str) -> str:
        """The stored form of a token."""
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def lifetime() -> timedelta:
        """How long a new token is valid (MALL_TOKEN_TTL_DAYS)."""
        return timedelta(days=current_app.config["TOKEN_TTL_DAYS"])

    @property
    def valid_until(self):
        """The moment the token stops working."""
        return self.expires_at or clock.as_utc(self.created_at) + self.lifetime()

    @property
    def is_expired(self) -> bool:
        """Whether the token is past its expiry."""
        return self.valid_until <= clock.now()

    @classmethod
    def issue(cls, user: User) -> str:
        """Create a token for the user and return its clear text (shown once)."""
        return cls.issue_row(user)[0]

    @classmethod
    def issue_row(cls, user: User) -> tuple[str, ApiToken]:
        """Create a token for the user: its clear text (shown once) and its row (for the expiry)."""
        token = secrets.token_urlsafe(32)
        issued = clock.now()
        row = cls(user_id=user.id, token_hash=cls.digest(token), created_at=issued, expires_at=issued + cls.lifetime())
        db.session.add(row)
        return token, row

    @classmethod
    def find(cls, token: str):
        """The unexpired token row of an enabled user, or None."""
        row = db.session.execute(db.select(cls).filter_by(token_hash=cls.digest(token))).scalar_one_or_none()
        if row is None or row.user.is_disabled or row.is_expired:
            return None
        return row

    def mark_used(self) -> bool:
        """Note the use; only when the last note is a minute old, so a busy client does not write on every call."""
        moment = clock.now()
        if self.last_used_at is not None and moment - clock.as_utc(self.last_used_at) < timedelta(minutes=1):
            return False
        self.last_used_at = moment
        return True
