"""User and API token tables."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import func
from werkzeug.security import check_password_hash, generate_password_hash

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


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

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of disabled users
        return not self.is_disabled

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

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

    user = db.relationship("User")

    @staticmethod
    def digest(token: str) -> str:
        """The stored form of a token."""
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> str:
        """Create a token for the user and return its clear text (shown once)."""
        token = secrets.token_urlsafe(32)
        db.session.add(cls(user_id=user.id, token_hash=cls.digest(token)))
        return token

    @classmethod
    def user_for(cls, token: str):
        """The enabled user a token belongs to, or None."""
        row = db.session.execute(db.select(cls).filter_by(token_hash=cls.digest(token))).scalar_one_or_none()
        if row is None or row.user.is_disabled:
            return None
        return row.user
