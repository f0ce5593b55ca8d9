"""Ledger rows, the balances they move and the guarded updates of one business step, sent together.

A checkout spends points, wallet money and coupons; paying an order records pending points. Each
is a ledger row with an idempotency key plus a conditional update of a cached balance, or a
conditional update of one row. `send()` writes such independent parts in one statement on
PostgreSQL (writable CTEs, the statement built once per shape) and one by one elsewhere, with the
same outcome: a replayed key moves nothing, a balance never goes below zero, a claimed row is
claimed once. A refusal may leave the step half-written, so the caller raises and the transaction
rolls back, as it would after two separate statements.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from sqlalchemy import Table, bindparam, exists, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.attributes import set_committed_value

from mall.extensions import db
from mall.insert_once import insert_once_values
from mall.ledger_parts import Change, Claim, New, Once, Posted, Posting, Then

__all__ = ["Batch", "Change", "Claim", "New", "Once", "Posted", "Posting", "Then", "post", "send", "taken_in"]


def taken_in(row, posting: Posting, result: Posted, refusal: Callable[[], Exception]) -> int | None:
    """Apply a sent posting's outcome to its loaded balance row: the entry id, None for a used key.

    Raises `refusal()` when the balance would have gone below zero; otherwise the row takes the
    database's new balance (and the `also` columns) without being reloaded.
    """
    if result.entry_id is None:
        return None
    if result.refused:
        raise refusal()
    set_committed_value(row, posting.balance.key, result.balance)
    for name, value in posting.also.items():
        set_committed_value(row, name, value)
    return result.entry_id


class Batch:
    """Parts to send together, each added with the function that takes in its results."""

    def __init__(self):
        self.parts: list = []
        self._takers: list = []

    def add(self, parts: list, take_in: Callable[[list], object] | None = None) -> None:
        """Queue parts; after sending, take_in(their results) runs, in the order the parts were added."""
        self._takers.append((len(self.parts), len(parts), take_in))
        self.parts += parts

    def send(self, gate: Once | None = None) -> bool:
        """Send the parts and take in their results; False (nothing written) when the gate's key was used."""
        if not self.parts and gate is None:
            return True
        results = send(self.parts, gate)
        if results is None:
            return False
        for start, count, take_in in self._takers:
            if take_in is not None:
                take_in(results[start:start + count])
        return True


def post(posting: Posting) -> Posted:
    """Write one posting (see `send`)."""
    return send([posting])[0]


def send(parts: list, gate: Once | None = None) -> list | None:
    """Write the parts; each part's result in order: Posted, True/False for a claim or change, the id for
    Once/New, the build's value for Then (None after a replayed or refused posting).

    With a gate, nothing happens when the gate's key was used before, and None is returned.
    """
    _check_follows(parts)
    if db.session.get_bind().dialect.name != "postgresql":
        return _one_by_one(parts, gate)
    results: list = []
    connection = db.session.connection()
    for i, group in enumerate(_groups(parts)):
        prepared = _statement(group, gate if i == 0 else None, connection.dialect)
        values = prepared.row(connection.exec_driver_sql(
            prepared.sql, prepared.parameters(_params(group, gate if i == 0 else None))).one())
        if i == 0 and gate is not None and values.pop(0) is None:
            return None
        for part in group:
            if isinstance(part, Posting):
                each = [Posted(values.pop(0), values.pop(0)) for _p in (part, *part.joint)]
                results.append(Posted(each[0].entry_id, each[0].balance, tuple(each[1:])))
            elif isinstance(part, Claim | Change):
                results.append(values.pop(0) is not None)
            else:
                results.append(values.pop(0))
    return results


def _check_follows(parts) -> None:
    for i, part in enumerate(parts):
        if isinstance(part, Then) and (i == 0 or parts[i - 1] is not part.posting):
            raise ValueError("a Then part must come right after its posting")


def _target(part):
    """The existing row a part updates, if any."""
    if isinstance(part, Posting):
        return part.balance.table.name, part.balance_id
    if isinstance(part, Claim | Change):
        return part.table.name, part.row_id
    return None


def _groups(parts):
    """Consecutive parts that update different rows (PostgreSQL updates a row once per statement)."""
    group, seen = [], set()
    for part in parts:
        target = _target(part)
        if target is not None and target in seen:
            yield group
            group, seen = [], set()
        group.append(part)
        if target is not None:
            seen.add(target)
    if group:
        yield group


def _shape(part):
    if isinstance(part, Posting):
        return ("post", part.entries.name, tuple(_given(part.entries, part.values)), part.balance.table.name,
                part.balance.key, tuple(part.also), tuple(_shape(p) for p in part.joint))
    if isinstance(part, Claim):
        return ("claim", part.table.name, part.vacant, tuple(part.values))
    if isinstance(part, Change):
        return ("change", part.table.name, tuple(part.values))
    if isinstance(part, Then):
        return ("then", part.build.__module__, part.build.__qualname__, tuple(part.params))
    return (type(part).__name__, part.table.name, tuple(_given(part.table, part.values)))


class _Prepared:
    """A built statement compiled once: its SQL text with short parameter names, and how to fill them.

    A batch runs on every checkout, so it skips what executing a Core statement repeats each time
    (cache look-up, parameter processing by name). Short names keep the text under psycopg's
    4 096-byte limit for caching a parsed query, and PostgreSQL keeps one prepared plan for it.
    """

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        short: dict[str, str] = {}

        def rename(match):
            bind = compiled.binds[match.group(1)]
            if not bind.required:
                value = _processed(bind, dialect, bind.value)
                if type(value) is int:
                    return str(value)  # a constant of an expression (`balance + delta >= 0`), written inline
            return f"%({short.setdefault(match.group(1), f'v{len(short)}')})s{match.group(2) or ''}"

        # PostgreSQL's short name for the cast the dialect spells out at every timestamp parameter.
        self.sql = re.sub(r"%\((\w+)\)s(::[A-Z]+(?:\([0-9, ]*\))?)?", rename,
                          compiled.string.replace("::TIMESTAMP WITHOUT TIME ZONE", "::timestamp"))
        # Result conversions too (a Money column comes back as Decimal, not as its stored cents).
        self._results = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                         for column in statement.selected_columns]
        self._binds = []
        self._fixed = {}
        for name, alias in short.items():
            bind = compiled.binds[name]
            if bind.required:
                self._binds.append((name, alias, bind.type.dialect_impl(dialect).bind_processor(dialect)))
            else:  # another constant of an expression, the same on every call
                self._fixed[alias] = _processed(bind, dialect, bind.value)

    def row(self, raw) -> list:
        """A result row's values as SQLAlchemy would have returned them."""
        return [process(value) if process is not None else value for process, value in zip(self._results, raw,
                                                                                           strict=True)]

    def parameters(self, values: dict) -> dict:
        """The driver's parameters for one call, from the parts' parameters by their long names."""
        params = dict(self._fixed)
        for name, alias, process in self._binds:
            value = values[name]
            params[alias] = process(value) if process is not None else value
        return params


def _processed(bind, dialect, value):
    """The value as the driver receives it (a column type's conversion applied, as SQLAlchemy would)."""
    process = bind.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None else value


_STATEMENTS: dict = {}


def _statement(group, gate, dialect) -> _Prepared:
    """The one statement for parts of these shapes, built and compiled once (parameters differ per call)."""
    key = (dialect.driver, tuple(_shape(p) for p in group), _shape(gate) if gate is not None else None)
    prepared = _STATEMENTS.get(key)
    if prepared is None:
        prepared = _STATEMENTS[key] = _Prepared(_build(group, gate), dialect)
    return prepared


def _typed(table: Table, prefix: str, values: dict) -> dict:
    return {name: bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in values}


def _given(table: Table, values: dict) -> dict:
    """The values an insert names: a None left out where the column would be NULL anyway (a shorter statement)."""
    null_by_default = _null_by_default(table)
    return {name: value for name, value in values.items() if value is not None or name not in null_by_default}


@cache
def _null_by_default(table: Table) -> frozenset:
    return frozenset(c.key for c in table.columns if c.default is None and c.server_default is None)


def _insert(table: Table, prefix: str, values: dict, gated, once: bool = True):
    """INSERT … [ON CONFLICT (idempotency_key) DO NOTHING] RETURNING id, optionally only past the gate."""
    typed = _typed(table, prefix, _given(table, values))
    if gated is None:
        statement = postgresql.insert(table).values(typed)
    else:
        statement = postgresql.insert(table).from_select(
            list(typed), select(*[v.label(k) for k, v in typed.items()]).where(gated))
    if once:
        statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    return statement.returning(table.c.id)


def _build(group, gate):
    # Short names (CTEs n1, e2_0, m2, r0; tables aliased in updates) keep the statement's text small.
    columns = []
    gated = None
    if gate is not None:
        gate_cte = _insert(gate.table, "g_", gate.values, None).cte("g")
        gated = exists(select(gate_cte.c.id))
        columns.append(select(gate_cte.c.id).scalar_subquery())
    posted = {}
    for i, part in enumerate(group):
        prefix = f"p{i}_"
        if isinstance(part, Then):
            entry, moved = posted[id(part.posting)]
            columns.append(part.build(f"t{i}_", select(entry.c.id).scalar_subquery(), moved))
        elif isinstance(part, Once | New):
            cte = _insert(part.table, prefix, part.values, gated, isinstance(part, Once)).cte(f"n{i}")
            columns.append(select(cte.c.id).scalar_subquery())
        elif isinstance(part, Posting):
            moves = (part, *part.joint)
            entries = [_insert(p.entries, f"{prefix}{j}_", p.values, gated).cte(f"e{i}_{j}")
                       for j, p in enumerate(moves)]
            balances = part.balance.table.alias("b")
            guards, changes = [balances.c.id == bindparam(f"{prefix}row")], {}
            for j, p in enumerate(moves):
                delta = bindparam(f"{prefix}{j}_delta", type_=p.balance.type)
                column = balances.c[p.balance.key]
                guards += [column + delta >= 0, exists(select(entries[j].c.id))]
                changes[p.balance.key] = column + delta
            moved = (update(balances).where(*guards)
                     .values({**changes, **_typed(part.balance.table, prefix + "also_", part.also)})
                     .returning(*[balances.c[p.balance.key] for p in moves]).cte(f"m{i}"))
            for j, p in enumerate(moves):
                columns += [select(entries[j].c.id).scalar_subquery(), select(moved.c[p.balance.key]).scalar_subquery()]
            posted[id(part)] = entries[0], moved
        else:
            table = part.table.alias("t")
            where = [table.c.id == bindparam(f"{prefix}row")]
            if isinstance(part, Claim):
                where.append(table.c[part.vacant].is_(None))
            if gated is not None:
                where.append(gated)
            cte = (update(table).where(*where).values(_typed(part.table, prefix, part.values))
                   .returning(table.c.id).cte(f"r{i}"))
            columns.append(select(cte.c.id).scalar_subquery())
    return select(*[column.label(f"c{n}") for n, column in enumerate(columns)])


def _params(group, gate) -> dict:
    params = {}
    if gate is not None:
        params.update({f"g_{k}": v for k, v in gate.values.items()})
    for i, part in enumerate(group):
        prefix = f"p{i}_"
        if isinstance(part, Then):
            params.update({f"t{i}_{k}": v for k, v in part.params.items()})
            continue
        if isinstance(part, Posting):
            for j, p in enumerate((part, *part.joint)):
                params.update({f"{prefix}{j}_{k}": v for k, v in _given(p.entries, p.values).items()})
                params[f"{prefix}{j}_delta"] = p.delta
            params[f"{prefix}row"] = part.balance_id
            params.update({f"{prefix}also_{k}": v for k, v in part.also.items()})
            continue
        values = part.values if isinstance(part, Claim | Change) else _given(part.table, part.values)
        params.update({f"{prefix}{k}": v for k, v in values.items()})
        if isinstance(part, Claim | Change):
            params[f"{prefix}row"] = part.row_id
    return params


def _one_by_one(parts, gate) -> list | None:
    """The same writes as separate statements (databases without writable CTEs)."""
    if gate is not None and insert_once_values(gate.table, gate.values) is None:
        return None
    results = []
    for part in parts:
        if isinstance(part, Then):
            done = results[-1]
            results.append(part.one_by_one(done.entry_id) if done.entry_id is not None and not done.refused
                           else None)
        elif isinstance(part, Once):
            results.append(insert_once_values(part.table, part.values))
        elif isinstance(part, New):
            results.append(db.session.execute(insert(part.table).values(part.values)
                                              .returning(part.table.c.id)).scalar_one())
        elif isinstance(part, Posting):
            results.append(_post_one_by_one(part))
        else:
            table = part.table
            where = [table.c.id == part.row_id]
            if isinstance(part, Claim):
                where.append(table.c[part.vacant].is_(None))
            results.append(db.session.execute(update(table).where(*where).values(part.values)).rowcount == 1)
    return results


def _post_one_by_one(posting: Posting) -> Posted:
    moves = (posting, *posting.joint)
    ids = [insert_once_values(p.entries, p.values) for p in moves]
    balances = [None] * len(moves)
    if None not in ids:
        table = posting.balance.table
        guards = [table.c.id == posting.balance_id, *[p.balance + p.delta >= 0 for p in moves]]
        changes = {**{p.balance.key: p.balance + p.delta for p in moves}, **posting.also}
        row = db.session.execute(update(table).where(*guards).values(changes)
                                 .returning(*[p.balance for p in moves])).one_or_none()
        balances = list(row) if row is not None else balances
    each = [Posted(entry_id, balance) for entry_id, balance in zip(ids, balances, strict=True)]
    return Posted(each[0].entry_id, each[0].balance, tuple(each[1:]))
