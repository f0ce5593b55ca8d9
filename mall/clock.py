"""The one source of time: UTC `now()`, overridable for ticks and tests, and tenant-local dates."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_frozen: ContextVar[datetime | None] = ContextVar("mall_frozen_now", default=None)


def now() -> datetime:
    """Current time as an aware UTC datetime (or the frozen moment, if any)."""
    frozen = _frozen.get()
    return frozen if frozen is not None else datetime.now(UTC)


@contextlib.contextmanager
def frozen_at(moment: datetime):
    """Make `now()` return `moment` inside the block (used by `tick --at` and tests)."""
    token = _frozen.set(as_utc(moment))
    try:
        yield
    finally:
        _frozen.reset(token)


#: The platform's own time zone: platform programmes and anything without a shop.
PLATFORM_ZONE = "Asia/Shanghai"


def zone_of(tenant) -> str:
    """The time zone a shop's dates are counted in (the platform's for None)."""
    return tenant.timezone if tenant is not None else PLATFORM_ZONE


def as_utc(moment: datetime) -> datetime:
    """Normalize a datetime to aware UTC; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp (a date alone means its midnight UTC) into aware UTC."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(text))


def local_date(tz_name: str, moment: datetime | None = None) -> date:
    """The calendar date at `moment` (default now) in the tenant's timezone."""
    return (moment or now()).astimezone(ZoneInfo(tz_name)).date()
