"""Tests for scoring.workdays: real 2026 dates from chinese_calendar, gaps, overrides, properties."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.workdays import CalendarGap, WorkCalendar

# Deterministic, no wall-clock deadline, no example database written into the repo.
_PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)

# One shared calendar for property tests: its year tables are built once, not per example.
_SHARED = WorkCalendar()

_DATES = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


def _days(first: date, last: date) -> list[date]:
    """Every day from first to last inclusive."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --------------------------------------------------------------------- Spring Festival 2026


def test_spring_festival_2026_holiday_days_are_off() -> None:
    """Spring Festival 2026 is 02-15 (Sun) .. 02-23 (Mon) per the package."""
    cal = WorkCalendar()
    for day in _days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not cal.is_working_day(day), day


def test_spring_festival_2026_make_up_saturdays_are_working_days() -> None:
    """调休: Saturdays 02-14 and 02-28 are working days; 02-13 and 02-24 are ordinary ones."""
    cal = WorkCalendar()
    assert date(2026, 2, 14).weekday() == 5
    assert date(2026, 2, 28).weekday() == 5
    assert cal.is_working_day(date(2026, 2, 14))
    assert cal.is_working_day(date(2026, 2, 28))
    assert cal.is_working_day(date(2026, 2, 13))
    assert cal.is_working_day(date(2026, 2, 24))
    assert not cal.is_working_day(date(2026, 2, 21))  # Saturday inside the holiday


def test_spring_festival_2026_counting_across_the_holiday() -> None:
    """From the make-up Saturday the next working day is the Tuesday after the holiday."""
    cal = WorkCalendar()
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


# --------------------------------------------------------------------- National Day 2026


def test_national_day_2026_is_off() -> None:
    """2026-10-01..07 are not working days."""
    cal = WorkCalendar()
    for day in _days(date(2026, 10, 1), date(2026, 10, 7)):
        assert not cal.is_working_day(day), day


def test_national_day_2026_make_up_days_are_on() -> None:
    """2026-09-20 (Sun) and 2026-10-10 (Sat) are make-up working days."""
    cal = WorkCalendar()
    assert date(2026, 9, 20).weekday() == 6
    assert date(2026, 10, 10).weekday() == 5
    assert cal.is_working_day(date(2026, 9, 20))
    assert cal.is_working_day(date(2026, 10, 10))


def test_mid_autumn_2026_is_off() -> None:
    """Mid-Autumn 2026 takes 09-25 (Fri) .. 09-27 (Sun), just before National Day."""
    cal = WorkCalendar()
    for day in _days(date(2026, 9, 25), date(2026, 9, 27)):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(date(2026, 9, 28))


# --------------------------------------------------------------------- deadlines


def test_deadline_across_national_day() -> None:
    """Event on 09-30 with 2 working days allowed: due 10-09 (10-08 and 10-09 are the first)."""
    cal = WorkCalendar()
    assert cal.deadline(date(2026, 9, 30), 2) == date(2026, 10, 9)
    assert cal.deadline(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.deadline(date(2026, 9, 30), 3) == date(2026, 10, 10)  # make-up Saturday
    assert cal.deadline(date(2026, 9, 30), 0) == date(2026, 9, 30)


def test_on_time_item_is_zero_late() -> None:
    """Submitted on or before the deadline (even before the event) is 0 days late."""
    cal = WorkCalendar()
    assert cal.working_days_late(date(2026, 9, 30), date(2026, 10, 9), 2) == 0
    assert cal.working_days_late(date(2026, 9, 30), date(2026, 10, 3), 2) == 0
    assert cal.working_days_late(date(2026, 9, 30), date(2026, 9, 1), 2) == 0


def test_late_by_counts_across_a_weekend() -> None:
    """Due Friday 11-06: Saturday is 1 (late is late), Monday 1, Tuesday 2 working days late."""
    cal = WorkCalendar()
    event = date(2026, 11, 4)
    assert cal.deadline(event, 2) == date(2026, 11, 6)
    assert cal.working_days_late(event, date(2026, 11, 7), 2) == 1
    assert cal.working_days_late(event, date(2026, 11, 8), 2) == 1
    assert cal.working_days_late(event, date(2026, 11, 9), 2) == 1
    assert cal.working_days_late(event, date(2026, 11, 10), 2) == 2


def test_late_on_a_holiday_is_at_least_one() -> None:
    """Due 09-30, sent during National Day: no working day in between, still 1 late."""
    cal = WorkCalendar()
    event = date(2026, 9, 28)
    assert cal.deadline(event, 2) == date(2026, 9, 30)
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 3)) == 0
    assert cal.working_days_late(event, date(2026, 10, 3), 2) == 1
    assert cal.working_days_late(event, date(2026, 10, 8), 2) == 1
    assert cal.working_days_late(event, date(2026, 10, 10), 2) == 3


def test_late_across_make_up_saturday() -> None:
    """Due Friday 10-09; Saturday 10-10 is a make-up working day so it counts."""
    cal = WorkCalendar()
    assert cal.working_days_late(date(2026, 9, 30), date(2026, 10, 10), 2) == 1
    assert cal.working_days_late(date(2026, 9, 30), date(2026, 10, 12), 2) == 2


# --------------------------------------------------------------------- month helpers


def test_first_working_day() -> None:
    """October after National Day, November's first Monday, January's make-up Sunday."""
    cal = WorkCalendar()
    assert cal.first_working_day(2026, 10) == date(2026, 10, 8)
    assert cal.first_working_day(2026, 11) == date(2026, 11, 2)
    # 01-01..03 are New Year holiday, 01-04 (Sunday) is its make-up working day.
    assert date(2026, 1, 4).weekday() == 6
    assert cal.first_working_day(2026, 1) == date(2026, 1, 4)
    assert cal.first_working_day(2026, 2) == date(2026, 2, 2)


def test_working_days_before_month_end() -> None:
    """n=0 is the month's last working day; n counts working days back from it."""
    cal = WorkCalendar()
    assert cal.working_days_before_month_end(2026, 9, 0) == date(2026, 9, 30)
    # 09-29, 09-28, (09-25..27 off), 09-24, 09-23, 09-22
    assert cal.working_days_before_month_end(2026, 9, 5) == date(2026, 9, 22)
    # February ends on a make-up Saturday.
    assert cal.working_days_before_month_end(2026, 2, 0) == date(2026, 2, 28)
    assert cal.working_days_before_month_end(2026, 2, 1) == date(2026, 2, 27)
    assert cal.working_days_before_month_end(2026, 10, 0) == date(2026, 10, 30)


def test_working_days_before_month_end_is_exact_count() -> None:
    """The result has exactly n working days after it up to the month's last working day."""
    cal = WorkCalendar()
    last = cal.working_days_before_month_end(2026, 10, 0)
    for n in range(60):  # reaches back past the month and National Day into September
        day = cal.working_days_before_month_end(2026, 10, n)
        assert cal.is_working_day(day)
        assert cal.working_days_between(day, last) == n


def test_working_days_before_month_end_crosses_year() -> None:
    """January 2026 counting back past its first working day lands in December 2025."""
    cal = WorkCalendar()
    last = cal.working_days_before_month_end(2026, 1, 0)
    first = cal.first_working_day(2026, 1)
    in_jan = cal.working_days_between(first, last)
    assert cal.working_days_before_month_end(2026, 1, in_jan) == first
    assert cal.working_days_before_month_end(2026, 1, in_jan + 1) == date(2025, 12, 31)


def test_month_without_working_day_raises() -> None:
    """Overrides that take every working day of a month off make the month helpers refuse."""
    june = _days(date(2026, 6, 1), date(2026, 6, 30))
    cal = WorkCalendar(extra_holidays=june)
    with pytest.raises(ValueError, match="2026-06"):
        cal.first_working_day(2026, 6)
    with pytest.raises(ValueError, match="2026-06"):
        cal.working_days_before_month_end(2026, 6, 0)


def test_negative_n_raises() -> None:
    """Negative counts are errors, not silent backwards steps."""
    cal = WorkCalendar()
    with pytest.raises(ValueError, match="-1"):
        cal.add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError, match="-1"):
        cal.working_days_before_month_end(2026, 1, -1)


def test_between_is_zero_when_end_not_after_start() -> None:
    """An empty or reversed range holds no working days."""
    cal = WorkCalendar()
    assert cal.working_days_between(date(2026, 3, 3), date(2026, 3, 3)) == 0
    assert cal.working_days_between(date(2026, 3, 10), date(2026, 3, 3)) == 0


# --------------------------------------------------------------------- 2026 → 2027 boundary


def test_year_boundary_records_one_gap(caplog: pytest.LogCaptureFixture) -> None:
    """2027 falls back to Mon–Fri with exactly one gap, one warning and one callback."""
    seen: list[CalendarGap] = []
    cal = WorkCalendar(on_gap=seen.append)
    assert cal.covers(2026)
    assert not cal.covers(2027)
    assert list(cal.gaps) == []  # covers() only asks, it records nothing

    with caplog.at_level(logging.WARNING, logger="scoring.workdays"):
        assert cal.is_working_day(date(2026, 12, 31))
        assert list(cal.gaps) == []
        # Mon–Fri fallback: 2027-01-01 is a Friday and so a "working day".
        assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
        for day in _days(date(2027, 1, 1), date(2027, 3, 31)):
            assert cal.is_working_day(day) == (day.weekday() < 5)
        assert cal.working_days_between(date(2026, 12, 31), date(2027, 1, 8)) == 6
        cal.first_working_day(2027, 5)
        cal.deadline(date(2027, 6, 1), 5)

    assert len(cal.gaps) == 1
    gap = cal.gaps[0]
    assert gap.year == 2027
    assert "2027" in gap.message
    assert "Monday–Friday" in gap.message
    assert "calendar.extra_holidays" in gap.message
    assert seen == [gap]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].name == "scoring.workdays"
    assert warnings[0].getMessage() == gap.message


def test_gaps_in_order_met_each_year_once() -> None:
    """Gaps keep the order years were first asked, without repeats."""
    seen: list[int] = []
    cal = WorkCalendar(on_gap=lambda g: seen.append(g.year))
    cal.is_working_day(date(2028, 5, 5))
    cal.is_working_day(date(2003, 5, 5))  # before the package's first year
    cal.is_working_day(date(2028, 6, 6))
    cal.working_days_between(date(2026, 12, 1), date(2029, 1, 5))
    assert [g.year for g in cal.gaps] == [2028, 2003, 2027, 2029]
    assert seen == [2028, 2003, 2027, 2029]


def test_large_n_crosses_many_years() -> None:
    """A large step stays consistent with counting and walks years, not days."""
    cal = WorkCalendar()
    start = date(2024, 3, 1)
    end = cal.add_working_days(start, 5000)
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == 5000
    assert cal.working_days_between(start, end - timedelta(days=1)) == 4999


def test_beyond_date_range_overflows() -> None:
    """Stepping past 9999-12-31 is an OverflowError, not a hang."""
    cal = WorkCalendar()
    with pytest.raises(OverflowError):
        cal.add_working_days(date(9999, 12, 30), 5)


# --------------------------------------------------------------------- overrides


def test_extra_holiday_takes_a_working_day_off() -> None:
    """A Monday in extra_holidays is off; its neighbours are unaffected."""
    day = date(2026, 3, 2)
    assert chinese_calendar.is_workday(day)
    cal = WorkCalendar(extra_holidays=[day])
    assert not cal.is_working_day(day)
    assert cal.is_working_day(date(2026, 3, 3))
    assert cal.add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)
    assert cal.add_working_days(date(2026, 2, 28), 1) == date(2026, 3, 3)


def test_extra_workday_puts_a_saturday_on() -> None:
    """A Saturday in extra_workdays is a working day."""
    day = date(2026, 3, 7)
    assert day.weekday() == 5
    assert not chinese_calendar.is_workday(day)
    cal = WorkCalendar(extra_workdays=[day])
    assert cal.is_working_day(day)
    assert cal.add_working_days(date(2026, 3, 6), 1) == day


def test_extra_workday_overrides_official_holiday() -> None:
    """Config wins over the package even on an official holiday."""
    cal = WorkCalendar(extra_workdays=[date(2026, 10, 5)])
    assert cal.is_working_day(date(2026, 10, 5))
    assert cal.first_working_day(2026, 10) == date(2026, 10, 5)


def test_overrides_in_2027_make_it_configured() -> None:
    """Any override in 2027 means the year is configured: Mon–Fri plus overrides, no gap."""
    seen: list[CalendarGap] = []
    cal = WorkCalendar(
        extra_holidays=[date(2027, 2, 8), date(2027, 2, 9)],
        extra_workdays=[date(2027, 2, 6)],
        on_gap=seen.append,
    )
    assert cal.covers(2027)
    assert not cal.is_working_day(date(2027, 2, 8))
    assert not cal.is_working_day(date(2027, 2, 9))
    assert cal.is_working_day(date(2027, 2, 6))  # Saturday
    assert not cal.is_working_day(date(2027, 2, 7))  # Sunday
    assert cal.is_working_day(date(2027, 2, 10))
    assert cal.is_working_day(date(2027, 1, 1))  # Friday; config did not list it
    assert cal.add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 10)
    assert list(cal.gaps) == []
    assert seen == []
    # A later uncovered year without overrides still records its own gap.
    cal.is_working_day(date(2028, 1, 3))
    assert [g.year for g in cal.gaps] == [2028]


def test_date_in_both_lists_raises() -> None:
    """A date given as both holiday and workday is a config error naming the date."""
    with pytest.raises(ValueError, match="2026-05-09"):
        WorkCalendar(
            extra_holidays=[date(2026, 5, 9), date(2026, 5, 11)],
            extra_workdays=[date(2026, 5, 9)],
        )


def test_overrides_accept_generators() -> None:
    """Iterables are consumed once, so one-shot generators work."""
    cal = WorkCalendar(
        extra_holidays=(d for d in [date(2026, 3, 2)]),
        extra_workdays=(d for d in [date(2026, 3, 7)]),
    )
    assert not cal.is_working_day(date(2026, 3, 2))
    assert cal.is_working_day(date(2026, 3, 7))


# --------------------------------------------------------------------- properties


def test_agrees_with_package_2024_to_2026() -> None:
    """With no overrides, every day of 2024–2026 matches chinese_calendar.is_workday."""
    cal = WorkCalendar()
    for day in _days(date(2024, 1, 1), date(2026, 12, 31)):
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
    assert list(cal.gaps) == []


@_PROPERTY
@given(start=_DATES, n=st.integers(min_value=0, max_value=40))
def test_add_working_days_properties(start: date, n: int) -> None:
    """The n-th working day after start is a working day, later, and n working days away."""
    end = _SHARED.add_working_days(start, n)
    assert _SHARED.working_days_between(start, end) == n
    if n == 0:
        assert end == start
    else:
        assert end > start
        assert _SHARED.is_working_day(end)
        # Minimal: the day before holds one working day fewer.
        assert _SHARED.working_days_between(start, end - timedelta(days=1)) == n - 1


@_PROPERTY
@given(a=_DATES, b=_DATES, c=_DATES)
def test_between_is_additive(a: date, b: date, c: date) -> None:
    """between(a, b) + between(b, c) == between(a, c) for a <= b <= c."""
    a, b, c = sorted((a, b, c))
    assert _SHARED.working_days_between(a, b) + _SHARED.working_days_between(
        b, c
    ) == _SHARED.working_days_between(a, c)


@_PROPERTY
@given(a=_DATES, b=_DATES)
def test_between_matches_day_count(a: date, b: date) -> None:
    """The bisection count equals a plain day-by-day count."""
    a, b = sorted((a, b))
    expected = sum(1 for d in _days(a + timedelta(days=1), b) if _SHARED.is_working_day(d))
    assert _SHARED.working_days_between(a, b) == expected
