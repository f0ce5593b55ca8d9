"""Ledger rows guarded by a UNIQUE idempotency key: insert once, report a replay."""

from sqlalchemy.exc import IntegrityError

from mall.extensions import db


def insert_once(row) -> bool:
    """Add a row whose `idempotency_key` is UNIQUE; False (nothing written) when the key was used before."""
    model = type(row)
    if db.session.execute(db.select(model.id).filter_by(idempotency_key=row.idempotency_key)).first():
        return False
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True
