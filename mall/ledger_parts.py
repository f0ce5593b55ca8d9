"""The parts a ledger step is made of: postings, claims, changes, one-time keys, new rows and follow-ups.

`mall.ledger.send()` writes them; operations build them. They hold data only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table


@dataclass(frozen=True)
class Posting:
    """A ledger row (UNIQUE `idempotency_key`) and the cached balance column it moves by `delta`."""

    entries: Table
    values: dict
    balance: object  # a Column of the balance table, whose primary key is `id`
    balance_id: int
    delta: object
    also: dict = field(default_factory=dict)  # more columns of the balance row set in the same update
    # Postings on other columns of the same balance row, moved by the same update: all or nothing.
    joint: tuple = ()


@dataclass(frozen=True)
class Posted:
    """What a posting did: the row's id (None for a key used before) and the new balance (None if refused)."""

    entry_id: int | None
    balance: object
    joint: tuple = ()  # the Posted of each joint posting

    @property
    def refused(self) -> bool:
        """The balance would have gone below zero; the caller must fail the transaction."""
        return self.entry_id is not None and self.balance is None


@dataclass(frozen=True)
class Claim:
    """Set `values` on one row only while its `vacant` column is still NULL (a coupon is used once)."""

    table: Table
    row_id: int
    vacant: str
    values: dict


@dataclass(frozen=True)
class Change:
    """Set `values` on one row (guarded only by the batch's gate)."""

    table: Table
    row_id: int
    values: dict


@dataclass(frozen=True)
class Once:
    """A row with a UNIQUE `idempotency_key`, inserted unless the key was used (an event handled once)."""

    table: Table
    values: dict


@dataclass(frozen=True)
class New:
    """A new row (guarded only by the batch's gate); its id is the result."""

    table: Table
    values: dict


@dataclass(frozen=True)
class Then:
    """More writes that follow a posting in the same batch, only when its row was new and its balance moved.

    `build(prefix, entry_id, moved)` returns the SQL expression of the result on PostgreSQL (its
    parameters named `prefix` + key of `params`); `one_by_one(entry_id)` does the same writes elsewhere.
    A debit's lots are spent this way, after the balance update has locked the member's row.
    """

    posting: Posting
    build: Callable
    params: dict
    one_by_one: Callable
