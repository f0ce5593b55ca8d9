"""Idempotent writes: a replay with the same key and request returns the first answer."""

from __future__ import annotations

import hashlib
import json
import uuid

from flask import request
from flask_babel import gettext as _
from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.errors import Conflict, DomainError, FieldErrors
from mall.extensions import db

MAX_KEY_LENGTH = 100
MAX_SCOPE_LENGTH = 100


class IdempotencyRecord(db.Model):
    """The first response to a write made with an Idempotency-Key, per user and endpoint."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    #: The endpoint the key was sent to: the same key on another endpoint is another operation.
    scope = db.Column(db.String(MAX_SCOPE_LENGTH), nullable=False, server_default="")
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


def form_key() -> str:
    """The one-time key a page's form carries in its hidden `idempotency_key` input (checked), or a fresh one."""
    return check_key(request.form.get("idempotency_key") or uuid.uuid4().hex)


def run_form_once(user_id: int, payload: dict, work) -> dict:
    """Run a page form's write once per its one-time key and commit; the body of the first answer.

    `work(operation_key)` → (status, body); the operation key (scoped to the user and endpoint) is what the
    ledgers and the gateway see, so a second submit of the same form pays and credits nothing twice.
    """
    key = form_key()
    digest = fingerprint("POST", request.path, payload)
    return run_once(user_id, key, digest, lambda: work(operation_key(user_id, key)))[1]


def operation_key(user_id: int, key: str, scope: str | None = None) -> str:
    """The key of one caller's operation on one endpoint (64 hex digits), for ledgers and the payment gateway.

    Two people, or one person on two endpoints, sending the same Idempotency-Key make
    different operations; only the same caller on the same endpoint replays.
    """
    scope = request.endpoint if scope is None else scope
    return hashlib.sha256(f"{user_id}\n{scope}\n{key}".encode()).hexdigest()


def _stored(user_id: int, scope: str, key: str):
    return db.session.execute(
        db.select(IdempotencyRecord).filter_by(user_id=user_id, scope=scope, key=key)
    ).scalar_one_or_none()


def _replay(record: IdempotencyRecord, digest: str):
    if record.fingerprint != digest:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."), code="idempotency_conflict"
        )
    return record.status, record.body


def run_once(user_id: int, key: str, digest: str, work, scope: str | None = None):
    """Run `work()` → (status, body) once per (user, endpoint, key) and commit; replays return the stored answer.

    `scope` defaults to the request's endpoint. The record is written in the same transaction
    as the work, so a concurrent duplicate fails on the UNIQUE constraint (or is refused by the
    work itself, e.g. a purchase already made), rolls back all its work and then replays the winner.
    """
    scope = (request.endpoint if scope is None else scope)[:MAX_SCOPE_LENGTH]
    record = _stored(user_id, scope, key)
    if record is not None:
        return _replay(record, digest)
    try:
        status, body = work()
    except DomainError:
        if (winner := _winner(user_id, scope, key)) is None:
            raise
        return _replay(winner, digest)
    db.session.add(IdempotencyRecord(user_id=user_id, scope=scope, key=key, fingerprint=digest, status=status,
                                     body=body))
    try:
        db.session.commit()
    except IntegrityError:
        if (winner := _winner(user_id, scope, key)) is None:
            raise
        return _replay(winner, digest)
    return status, body


def _winner(user_id: int, scope: str, key: str):
    """After losing to a concurrent duplicate: roll this attempt back and find the record the winner wrote."""
    db.session.rollback()
    return _stored(user_id, scope, key)
