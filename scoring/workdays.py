"""Chinese working-day calendar: official holidays and 调休 plus config overrides, for deadlines."""

from __future__ import annotations

import calendar
import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import chinese_calendar

__all__ = ["CalendarGap", "WorkCalendar"]

_log = logging.getLogger(__name__)

_FIRST_YEAR = date.min.year
_LAST_YEAR = date.max.year


@dataclass(frozen=True)
class CalendarGap:
    """A year the official calendar does not cover and config gives no overrides for."""

    year: int
    message: str


def _gap_message(year: int) -> str:
    """Log text for a gap year, telling the operator how to close it."""
    return (
        f"working-day calendar has no data for {year}: falling back to Monday–Friday; "
        "add the year's holidays and make-up working days under "
        "calendar.extra_holidays / calendar.extra_workdays in config.yaml"
    )


def _official_covers(year: int) -> bool:
    """Whether the chinese_calendar package has holiday data for `year`."""
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return False
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Working days per the official calendar, with config overrides and a Mon–Fri fallback.

    A day is a working day when ``chinese_calendar.is_workday`` says so (official holidays off,
    make-up weekend days 调休 on), except that a date in ``extra_holidays`` is never one and a
    date in ``extra_workdays`` always is.  For a year the package does not cover, Monday–Friday
    plus the overrides is used; if config has no override in that year either, a
    :class:`CalendarGap` is recorded, logged as a warning and passed to ``on_gap``, once per year.

    Each year's working days are computed once and kept as a sorted tuple of ordinals, so the
    counting and stepping methods are bisections, not walks over days.  An exception raised by
    ``on_gap`` propagates to the caller that first touched the year; the gap and the year's
    table are recorded before the callback runs, so later calls are unaffected.
    """

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        *,
        on_gap: Callable[[CalendarGap], None] | None = None,
    ) -> None:
        """Store the overrides (rejecting a date given as both) and the gap callback."""
        holidays = frozenset(d.toordinal() for d in extra_holidays)
        workdays = frozenset(d.toordinal() for d in extra_workdays)
        both = sorted(holidays & workdays)
        if both:
            named = ", ".join(date.fromordinal(o).isoformat() for o in both)
            raise ValueError(
                f"date(s) listed both as extra holiday and extra workday: {named}; keep one"
            )
        self._extra_holidays = holidays
        self._extra_workdays = workdays
        self._override_years = frozenset(date.fromordinal(o).year for o in holidays | workdays)
        self._on_gap = on_gap
        self._official: dict[int, bool] = {}
        self._ordinals: dict[int, tuple[int, ...]] = {}
        self._sets: dict[int, frozenset[int]] = {}
        self._gaps: list[CalendarGap] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ year tables

    def _is_official(self, year: int) -> bool:
        """Whether the package covers `year`, asked once per year and cached."""
        known = self._official.get(year)
        if known is None:
            known = _official_covers(year)
            self._official[year] = known
        return known

    def _year(self, year: int) -> tuple[int, ...]:
        """Sorted ordinals of the working days of `year`, built (and any gap recorded) once."""
        table = self._ordinals.get(year)
        if table is not None:
            return table
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            raise OverflowError(f"year {year} is outside the range datetime.date supports")
        gap: CalendarGap | None = None
        with self._lock:
            table = self._ordinals.get(year)
            if table is not None:
                return table
            table = self._build(year)
            self._ordinals[year] = table
            self._sets[year] = frozenset(table)
            if not self._is_official(year) and year not in self._override_years:
                gap = CalendarGap(year=year, message=_gap_message(year))
                self._gaps.append(gap)
        if gap is not None:
            _log.warning("%s", gap.message)
            if self._on_gap is not None:
                self._on_gap(gap)
        return table

    def _build(self, year: int) -> tuple[int, ...]:
        """Compute `year`'s working days: package (or Mon–Fri) then overrides."""
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        official = self._is_official(year)
        result: list[int] = []
        for o in range(first, last + 1):
            if o in self._extra_holidays:
                continue
            if o in self._extra_workdays:
                result.append(o)
                continue
            day = date.fromordinal(o)
            if official:
                if chinese_calendar.is_workday(day):
                    result.append(o)
            elif day.weekday() < 5:
                result.append(o)
        return tuple(result)

    # ------------------------------------------------------------------ queries

    def covers(self, year: int) -> bool:
        """True when the official calendar or the config overrides define `year` (records no gap)."""
        return year in self._override_years or self._is_official(year)

    @property
    def gaps(self) -> tuple[CalendarGap, ...]:
        """Every gap met so far, in the order met, each year once."""
        return tuple(self._gaps)

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day (official calendar, overrides, else Mon–Fri)."""
        year = day.year
        days = self._sets.get(year)
        if days is None:
            self._year(year)
            days = self._sets[year]
        return day.toordinal() in days

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start`; `start` itself for n == 0.

        Raises ValueError for n < 0.  Works by bisection within each year's table, moving on
        year by year, so a large n costs one step per year crossed rather than per day.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start
        year = start.year
        table = self._year(year)
        i = bisect_right(table, start.toordinal())
        while i + n > len(table):
            n -= len(table) - i
            year += 1
            table = self._year(year)
            i = 0
        return date.fromordinal(table[i + n - 1])

    def _working_days_before(self, day: date, n: int) -> date:
        """The n-th working day strictly before `day` (n >= 1), stepping back year by year."""
        year = day.year
        table = self._year(year)
        i = bisect_left(table, day.toordinal())  # working days strictly before `day` in its year
        while i < n:
            n -= i
            year -= 1
            table = self._year(year)
            i = len(table)
        return date.fromordinal(table[i - n])

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days d with start < d <= end; 0 when end <= start."""
        s, e = start.toordinal(), end.toordinal()
        if e <= s:
            return 0
        if start.year == end.year:
            table = self._year(start.year)
            return bisect_right(table, e) - bisect_right(table, s)
        first = self._year(start.year)
        total = len(first) - bisect_right(first, s)
        for year in range(start.year + 1, end.year):
            total += len(self._year(year))
        return total + bisect_right(self._year(end.year), e)

    def deadline(self, event_day: date, allowed: int) -> date:
        """Last on-time day for an item about an event on `event_day`: `allowed` working days on."""
        return self.add_working_days(event_day, allowed)

    def working_days_late(self, event_day: date, submitted_on: date, allowed: int) -> int:
        """Working days past the deadline: 0 when on time, else days in (deadline, submitted_on].

        An item submitted after the deadline with no working day in between (e.g. deadline on
        a Friday, item sent on the Saturday) would count 0 by that rule; late is late, so such
        an item is reported as 1 working day late.
        """
        due = self.deadline(event_day, allowed)
        if submitted_on <= due:
            return 0
        return max(1, self.working_days_between(due, submitted_on))

    def first_working_day(self, year: int, month: int) -> date:
        """First working day of the month; ValueError if overrides leave the month without one."""
        table = self._year(year)
        month_end = date(year, month, calendar.monthrange(year, month)[1]).toordinal()
        i = bisect_left(table, date(year, month, 1).toordinal())
        if i == len(table) or table[i] > month_end:
            raise ValueError(f"{year}-{month:02d} has no working day")
        return date.fromordinal(table[i])

    def last_working_day(self, year: int, month: int) -> date:
        """Last working day of the month; ValueError if overrides leave the month without one."""
        table = self._year(year)
        month_start = date(year, month, 1).toordinal()
        i = bisect_right(table, date(year, month, calendar.monthrange(year, month)[1]).toordinal())
        if i == 0 or table[i - 1] < month_start:
            raise ValueError(f"{year}-{month:02d} has no working day")
        return date.fromordinal(table[i - 1])

    def working_days_before_month_end(self, year: int, month: int, n: int) -> date:
        """The working day d with exactly n working days in (d, last working day of the month].

        n == 0 gives the month's last working day; n == 5 gives the working day five working
        days before it.  When n reaches past the month's first working day the count simply
        carries on into earlier months (and years).  Raises ValueError for n < 0 or a month
        with no working day at all.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        last = self.last_working_day(year, month)
        if n == 0:
            return last
        return self._working_days_before(last, n)
