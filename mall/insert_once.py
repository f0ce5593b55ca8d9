"""Rows guarded by a UNIQUE idempotency key (ledgers, handled events, notifications): insert once, report a replay."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite

from mall.extensions import db

Row = TypeVar("Row")
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_once(row: Row) -> Row | None:
    """Insert a row whose `idempotency_key` is UNIQUE in one statement (INSERT … ON CONFLICT DO NOTHING).

    Returns the stored row (now in the session), or None when the key was used before; no
    read-then-write, so concurrent replays cannot both get through.
    """
    model = type(row)
    values = {attr.key: getattr(row, attr.key) for attr in inspect(model).column_attrs
              if getattr(row, attr.key) is not None}
    return db.session.scalars(_keyed_insert(model, values).returning(model)).one_or_none()


def insert_once_values(table, values: dict) -> int | None:
    """Insert a keyed row into a table without building an ORM object; its id, or None for a used key."""
    return db.session.execute(_keyed_insert(table, values).returning(table.c.id)).scalar_one_or_none()


def _keyed_insert(target, values: dict):
    insert = _INSERTS[db.session.get_bind().dialect.name]
    return insert(target).values(values).on_conflict_do_nothing(index_elements=["idempotency_key"])
