"""Reporting periods (months, years) in the centre's time zone, and the instants that close them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Period:
    """A run of whole days, first..last inclusive, in the centre's time zone."""

    first: date
    last: date

    def closes_at(self, zone: ZoneInfo) -> datetime:
        """The UTC instant the period ends: midnight after its last day, local time."""
        local = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)
        return local.astimezone(UTC)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def month(year: int, month_number: int) -> Period:
    """The calendar month."""
    if not 1 <= month_number <= 12:
        raise ValueError(f"month must be 1–12, got {month_number}")
    days = calendar.monthrange(year, month_number)[1]
    return Period(date(year, month_number, 1), date(year, month_number, days))


def year(year_number: int) -> Period:
    """The calendar year."""
    return Period(date(year_number, 1, 1), date(year_number, 12, 31))


def year_to_month_end(year_number: int, month_number: int) -> Period:
    """January 1 to the end of the given month: the "year to date" of a monthly bulletin."""
    return Period(date(year_number, 1, 1), month(year_number, month_number).last)


def previous_month(day: date) -> tuple[int, int]:
    """(year, month) of the month before the one containing `day`."""
    first = day.replace(day=1) - timedelta(days=1)
    return first.year, first.month


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The centre's calendar day at an instant."""
    return moment.astimezone(zone).date()
