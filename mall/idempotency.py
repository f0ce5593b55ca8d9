"""Idempotent writes: a replay with the same key and request returns the first answer."""

from __future__ import annotations

import hashlib
import json

from flask_babel import gettext as _
from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.errors import Conflict, FieldErrors
from mall.extensions import db

MAX_KEY_LENGTH = 100


class IdempotencyRecord(db.Model):
    """The first response to a write made with an Idempotency-Key, per user."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    key = db.Column(db.String(MAX_KEY_LENGTH), nullable=False)
    #: SHA-256 of method, path and canonical request body.
    fingerprint = db.Column(db.String(64), nullable=False)
    status = db.Column(db.Integer, nullable=False)
    body = db.Column(db.JSON, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


def fingerprint(method: str, path: str, payload) -> str:
    """A stable digest of a request."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str) -> str:
    """Validate an Idempotency-Key header value."""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise FieldErrors(
            _("Invalid Idempotency-Key."),
            {"Idempotency-Key": [_("Use 1 to %(n)d characters.", n=MAX_KEY_LENGTH)]},
        )
    return key


def _stored(user_id: int, key: str):
    return db.session.execute(
        db.select(IdempotencyRecord).filter_by(user_id=user_id, key=key)
    ).scalar_one_or_none()


def _replay(record: IdempotencyRecord, digest: str):
    if record.fingerprint != digest:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."), code="idempotency_conflict"
        )
    return record.status, record.body


def run_once(user_id: int, key: str, digest: str, work):
    """Run `work()` → (status, body) once per (user, key) and commit; replays return the stored answer.

    The record is written in the same transaction as the work, so a concurrent duplicate
    fails on the UNIQUE constraint, rolls back all its work and then replays the winner.
    """
    record = _stored(user_id, key)
    if record is not None:
        return _replay(record, digest)
    status, body = work()
    db.session.add(IdempotencyRecord(user_id=user_id, key=key, fingerprint=digest, status=status, body=body))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        record = _stored(user_id, key)
        if record is None:
            raise
        return _replay(record, digest)
    return status, body
