"""Chinese working-day calendar: official holidays and 调休, statutory holidays, config overrides."""

from __future__ import annotations

import calendar
import functools
import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import chinese_calendar

from scoring.holidays import LAW_IN_FORCE_FROM, statutory_holidays

__all__ = ["CalendarGap", "DaySource", "SpecialDay", "WorkCalendar"]

_log = logging.getLogger(__name__)

_FIRST_YEAR = date.min.year
_LAST_YEAR = date.max.year


@dataclass(frozen=True)
class CalendarGap:
    """A year neither the package covers nor the config declares complete (调休 unknown)."""

    year: int
    message: str


class DaySource(StrEnum):
    """Where a day's status comes from: the package, config.yaml, or the statutory fallback."""

    PACKAGE = "package"
    CONFIG = "config"
    STATUTORY = "statutory"


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A weekday that is not a working day or a weekend day that is, with its source and name."""

    day: date
    working: bool
    source: DaySource
    #: The holiday's name (e.g. 春节) for package and statutory days, the config key for config.
    name: str


def _gap_message(year: int, listed: int) -> str:
    """Log text for a gap year: what the fallback does, that 调休 is unknown, how to close it."""
    if year >= LAW_IN_FORCE_FROM:
        using = (
            "using Monday–Friday minus the statutory holidays (元旦, 春节 除夕–初三, 清明, "
            "劳动节 May 1–2, 端午, 中秋, 国庆 Oct 1–3)"
        )
    else:
        using = "using Monday–Friday (the statutory holiday rules apply from 2025 on)"
    partly = (
        f"; config.yaml lists {listed} date(s) in {year} but does not declare the year complete"
        if listed
        else ""
    )
    return (
        f"working-day calendar has no official schedule for {year}: {using}; "
        f"the make-up working days (调休) and moved holidays of {year} are UNKNOWN{partly}. "
        f"To fix: list {year}'s holidays and make-up working days under "
        "calendar.extra_holidays / calendar.extra_workdays and add "
        f"{year} to calendar.complete_years in config.yaml, or upgrade chinesecalendar"
    )


@functools.cache
def _statutory(year: int) -> Mapping[int, str]:
    """Ordinal → name of `year`'s statutory holidays, empty before the present rules applied."""
    if year < LAW_IN_FORCE_FROM:
        return {}
    return {h.day.toordinal(): h.name for h in statutory_holidays(year)}


def _package_name(day: date) -> str:
    """The Chinese name of the holiday the package ties `day` to (e.g. 春节), or ""."""
    _, name = chinese_calendar.get_holiday_detail(day)
    if not name:
        return ""
    try:
        return str(chinese_calendar.Holiday(name).chinese)
    except ValueError:
        return str(name)


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
    """Working days per the official calendar, statutory holidays and config overrides.

    A day is a working day when ``chinese_calendar.is_workday`` says so (official holidays off,
    make-up weekend days 调休 on), except that a date in ``extra_holidays`` is never one and a
    date in ``extra_workdays`` always is.  From 2025 on a statutory holiday of
    《全国年节及纪念日放假办法》 (:mod:`scoring.holidays`) is never a working day, and may not be
    listed in ``extra_workdays``.  For a year the package does not cover, Monday–Friday minus
    the statutory holidays, plus the overrides, is used.  Unless ``complete_years`` declares
    that the overrides list the whole year's schedule, such a year is a gap (its 调休 days are
    unknown): a :class:`CalendarGap` is recorded, logged as a warning and passed to ``on_gap``,
    once per year.

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
        complete_years: Iterable[int] = (),
        on_gap: Callable[[CalendarGap], None] | None = None,
    ) -> None:
        """Store the overrides (rejecting a date given as both, or a statutory holiday as a
        working day), the years they declare complete, and the gap callback."""
        holidays = frozenset(d.toordinal() for d in extra_holidays)
        workdays = frozenset(d.toordinal() for d in extra_workdays)
        both = sorted(holidays & workdays)
        if both:
            named = ", ".join(date.fromordinal(o).isoformat() for o in both)
            raise ValueError(
                f"date(s) listed both as extra holiday and extra workday: {named}; keep one"
            )
        statutory = sorted(
            (o, name)
            for o in workdays
            if (name := _statutory(date.fromordinal(o).year).get(o)) is not None
        )
        if statutory:
            named = ", ".join(f"{date.fromordinal(o).isoformat()} ({n})" for o, n in statutory)
            raise ValueError(
                f"statutory holiday(s) listed as extra workday: {named}; "
                "a statutory holiday is never a working day"
            )
        self._extra_holidays = holidays
        self._extra_workdays = workdays
        self._complete_years = frozenset(complete_years)
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
            if not self.covers(year):
                gap = CalendarGap(year=year, message=_gap_message(year, self.listed_dates(year)))
                self._gaps.append(gap)
        if gap is not None:
            _log.warning("%s", gap.message)
            if self._on_gap is not None:
                self._on_gap(gap)
        return table

    def listed_dates(self, year: int) -> int:
        """How many override dates config lists in `year`."""
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        return sum(1 for o in self._extra_holidays | self._extra_workdays if first <= o <= last)

    def _build(self, year: int) -> tuple[int, ...]:
        """Compute `year`'s working days: package (or Mon–Fri), minus statutory holidays, then
        overrides."""
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        official = self._is_official(year)
        statutory = _statutory(year)
        result: list[int] = []
        for o in range(first, last + 1):
            if o in self._extra_holidays:
                continue
            if o in self._extra_workdays:
                result.append(o)
                continue
            if o in statutory:
                continue
            day = date.fromordinal(o)
            if official:
                if chinese_calendar.is_workday(day):
                    result.append(o)
            elif day.weekday() < 5:
                result.append(o)
        return tuple(result)

    # ------------------------------------------------------------------ queries

    def covered_by(self, year: int) -> DaySource | None:
        """What defines `year`'s whole schedule: the package, config (complete_years), or None."""
        if self._is_official(year):
            return DaySource.PACKAGE
        if year in self._complete_years:
            return DaySource.CONFIG
        return None

    def covers(self, year: int) -> bool:
        """True when the package covers `year` or config declares it complete (records no gap).

        Override dates alone do not cover a year: one listed date says nothing of its 调休.
        """
        return self.covered_by(year) is not None

    def special_days(self, year: int) -> tuple[SpecialDay, ...]:
        """Every weekday off and every weekend day on in `year`, in date order, with sources."""
        days = self._sets.get(year)
        if days is None:
            self._year(year)
            days = self._sets[year]
        official = self._is_official(year)
        statutory = _statutory(year)
        found: list[SpecialDay] = []
        for o in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
            day = date.fromordinal(o)
            working = o in days
            if working != (day.weekday() >= 5):
                continue
            if o in self._extra_holidays:
                found.append(SpecialDay(day, working, DaySource.CONFIG, "calendar.extra_holidays"))
            elif o in self._extra_workdays:
                found.append(SpecialDay(day, working, DaySource.CONFIG, "calendar.extra_workdays"))
            elif o in statutory and (not official or chinese_calendar.is_workday(day)):
                found.append(SpecialDay(day, working, DaySource.STATUTORY, statutory[o]))
            else:
                found.append(SpecialDay(day, working, DaySource.PACKAGE, _package_name(day)))
        return tuple(found)

    @property
    def gaps(self) -> tuple[CalendarGap, ...]:
        """Every gap met so far, in the order met, each year once."""
        return tuple(self._gaps)

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day (package or Mon–Fri, statutory holidays, overrides)."""
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
