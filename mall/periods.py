"""Report periods for dashboards: the range picked in the query string, the one before it, and chart buckets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, literal

from mall import clock

#: The quick picks, in days; the first one is the default.
PRESETS = (30, 7, 90)
#: The longest range a custom pick may span (a leap year).
MAX_DAYS = 366
#: Charts use days up to this many days, weeks up to WEEKLY_UP_TO, months beyond.
DAILY_UP_TO, WEEKLY_UP_TO = 31, 120


@dataclass(frozen=True)
class Period:
    """Whole local days `first`..`last` in a shop's zone, with their UTC bounds [start, end)."""

    first: date
    last: date
    zone: str
    preset: int | None = None

    @property
    def days(self) -> int:
        """How many calendar days the period covers."""
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The first day's local midnight, in UTC."""
        return _midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The midnight after the last day, in UTC (excluded)."""
        return _midnight(self.last + timedelta(days=1), self.zone)

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1), self.zone)

    def buckets(self) -> list[date]:
        """The chart buckets' first days: each day, each week or each month of the period."""
        if self.days <= DAILY_UP_TO:
            return [self.first + timedelta(days=i) for i in range(self.days)]
        if self.days <= WEEKLY_UP_TO:
            return [self.first + timedelta(days=i) for i in range(0, self.days, 7)]
        starts, month = [self.first], date(self.first.year, self.first.month, 1)
        while True:
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            if month > self.last:
                return starts
            starts.append(month)

    def bucket_of(self, column):
        """SQL: the index of the bucket `column` (a UTC timestamp) falls in; exact in any zone, on any database."""
        bounds = [_midnight(d, self.zone) for d in self.buckets()[1:]]
        if not bounds:
            return literal(0)
        return case(*[(column < b, i) for i, b in enumerate(bounds)], else_=len(bounds))

    def labels(self) -> list[str]:
        """Each bucket's first day, in the reader's language."""
        locale = get_locale()
        return [format_skeleton("MMMd", d, locale=locale) for d in self.buckets()]


def _midnight(day: date, zone: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10]) if text and len(text.strip()) == 10 else None
    except ValueError:
        return None


def parse(args, zone: str) -> tuple[Period, str | None]:
    """The period asked for in `args` (`days`, or `from` and `to`), or the default with the reason it was refused."""
    today = clock.local_date(zone)
    default = Period(today - timedelta(days=PRESETS[0] - 1), today, zone, PRESETS[0])
    if args.get("from") or args.get("to"):
        first, last = _day(args.get("from")), _day(args.get("to"))
        if first is None or last is None:
            return default, str(_l("Dates must be given as YYYY-MM-DD. Showing the last %(n)d days.", n=PRESETS[0]))
        if first > last:
            return default, str(_l("The start date is after the end date. Showing the last %(n)d days.",
                                   n=PRESETS[0]))
        if (last - first).days + 1 > MAX_DAYS:
            return default, str(_l("A range may span at most %(max)d days. Showing the last %(n)d days.",
                                   max=MAX_DAYS, n=PRESETS[0]))
        if first.year < 2000 or last > today + timedelta(days=MAX_DAYS):
            return default, str(_l("Pick dates between 2000 and next year. Showing the last %(n)d days.",
                                   n=PRESETS[0]))
        return Period(first, last, zone), None
    days = args.get("days")
    if days is None or days == "":
        return default, None
    if days.isdigit() and int(days) in PRESETS:
        n = int(days)
        return Period(today - timedelta(days=n - 1), today, zone, n), None
    return default, str(_l("Pick 7, 30 or 90 days, or a range of dates. Showing the last %(n)d days.", n=PRESETS[0]))


def change(now, before) -> dict:
    """How a figure moved against the previous period: direction and whole percent, None when before was zero."""
    now, before = Decimal(now or 0), Decimal(before or 0)
    if before == 0:
        return {"pct": None, "up": None}
    pct = ((now - before) * 100 / before).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return {"pct": abs(int(pct)), "up": None if pct == 0 else pct > 0}


def rate(part, whole) -> Decimal | None:
    """`part / whole` as a percentage with one decimal, None when `whole` is zero."""
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if whole else None
