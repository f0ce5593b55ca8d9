"""Rows the demo generator writes in bulk: ids handed out in advance, one multi-row INSERT per table at the end.

Like `bench/` (and tests/fixtures/bulk.py), the volume is inserted with Core statements instead of the ORM.
Rows are kept as `Row` dicts that read like objects, so the rules written for model instances (refund
amounts, points earned, metric, kept quantities) run on them unchanged. Keys that are not columns are left
out when writing; so is a whole table the schema does not have (yet).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import func, select, text

from mall.extensions import db

log = logging.getLogger(__name__)
CHUNK = 2000


class Row(dict):
    """A row to insert, read and written as attributes (`order.total`) or keys alike."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value


class LineRow(Row):
    """An order line, with the one derived figure the refund rules read."""

    @property
    def refundable_qty(self) -> int:
        """Units not yet refunded (as OrderLine.refundable_qty)."""
        return self.qty - self.refunded_qty


class RefundRow(Row):
    """A refund, with the key its ledger rows are written under (as Refund.idempotency_key)."""

    @property
    def idempotency_key(self) -> str:
        """The refund's key (the model's own rule)."""
        from mall.orders.models import Refund

        return Refund.idempotency_key.fget(self)


class Rows:
    """Rows by table, with ids counted on from what each table holds when it is first used."""

    def __init__(self):
        self.tables: dict[str, list[dict]] = defaultdict(list)
        self.updates: list[tuple[str, int, dict]] = []
        self._next: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        """The id the next row of `table` gets (ids follow the order rows are made in: the story's order)."""
        if table not in self._next:
            columns = db.metadata.tables[table].c if table in db.metadata.tables else None
            last = db.session.execute(select(func.max(columns.id))).scalar() if columns is not None else 0
            self._next[table] = (last or 0) + 1
        self._next[table] += 1
        return self._next[table] - 1

    def add(self, table: str, values: dict | None = None, row_type=Row, **more) -> Row:
        """A new row of `table` (its id given now unless set); returned so later events can change it.

        A `Row` passed in is the row itself (kept, with its other keys), not a copy.
        """
        row = values if isinstance(values, Row) else row_type(values or {})
        row.update(more)
        if "id" not in row:
            row["id"] = self.next_id(table)
        self.tables[table].append(row)
        return row

    def update(self, table: str, row_id: int, **values) -> None:
        """Change columns of a row that is already in the database (stock, a template's issued count)."""
        self.updates.append((table, row_id, values))

    def count(self, table: str) -> int:
        """Rows of `table` made so far."""
        return len(self.tables.get(table, ()))

    def write(self) -> dict[str, int]:
        """Insert every table's rows (parents first), apply the updates; rows written per table."""
        written = {}
        for table in db.metadata.sorted_tables:
            rows = self.tables.get(table.name)
            if rows:
                _insert(table, rows)
                written[table.name] = len(rows)
        missing = sorted(set(self.tables) - set(db.metadata.tables))
        if missing:
            log.info("demo rows for tables this schema lacks were left out: %s", ", ".join(missing))
        for name, row_id, values in self.updates:
            table = db.metadata.tables[name]
            known = {k: v for k, v in values.items() if k in table.c}
            db.session.execute(table.update().where(table.c.id == row_id).values(**known))
        if db.session.get_bind().dialect.name == "postgresql":
            for name in written:
                # Explicit ids leave the table's sequence behind; the next ordinary insert must not collide.
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                        f"(SELECT MAX(id) FROM \"{name}\"))"))
        return written


def _insert(table, rows: list[dict]) -> None:
    """One executemany per chunk, with every row giving every column it has (defaults for the rest)."""
    given = set().union(*(row.keys() for row in rows))
    columns, fill = [], {}
    for column in table.columns:
        default = column.default
        if column.name in given:
            columns.append(column.name)
            fill[column.name] = default.arg if default is not None and default.is_scalar else None
        elif default is not None and default.is_scalar:
            columns.append(column.name)
            fill[column.name] = default.arg
        elif column.nullable:
            columns.append(column.name)
            fill[column.name] = None
        elif column.server_default is None:
            raise ValueError(f"demo rows of {table.name} give no {column.name}")
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        for start in range(0, len(rows), CHUNK):
            chunk = [{name: row.get(name, fill[name]) for name in columns} for row in rows[start:start + CHUNK]]
            db.session.execute(table.insert(), chunk)
        return
    # SQLite: the columns' own bind processors (cents, UTC, JSON) applied here, then one plain executemany,
    # which skips SQLAlchemy's per-row work (several times faster for the demo's hundred thousand rows).
    processors = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
    connection.exec_driver_sql(sql, [
        tuple(value if (value := row.get(name, fill[name])) is None or process is None else process(value)
              for name, process in processors) for row in rows])
