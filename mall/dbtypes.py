"""Column types: money as integer cents exposed as Decimal, and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator

from mall.money import CENT, to_decimal


class Money(TypeDecorator):
    """A Decimal amount stored as an integer number of cents.

    Integers behave the same on SQLite and PostgreSQL, so conditional updates such as
    `balance = balance - :x WHERE balance >= :x` are exact on both and no float appears.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        amount = to_decimal(value)
        cents = amount / CENT
        if cents != cents.to_integral_value():
            raise ValueError(f"amount {amount} has more than two decimals")
        return int(cents)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) * CENT).quantize(CENT)

    @property
    def python_type(self):
        return Decimal


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime, stored naive in UTC so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use mall.clock")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

    @property
    def python_type(self):
        return datetime
