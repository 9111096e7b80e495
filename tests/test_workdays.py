"""Tests for scoring.workdays and scoring.holidays: real 2026 dates from chinese_calendar,
statutory holidays of uncovered years, gaps, overrides, sources, properties."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from unittest.mock import patch

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.holidays import LAW_IN_FORCE_FROM, statutory_holidays
from scoring.workdays import CalendarGap, DaySource, SpecialDay, WorkCalendar

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
    """2027 falls back to Mon–Fri minus statutory holidays, with one gap, warning and callback."""
    seen: list[CalendarGap] = []
    cal = WorkCalendar(on_gap=seen.append)
    assert cal.covers(2026)
    assert not cal.covers(2027)
    assert list(cal.gaps) == []  # covers() only asks, it records nothing

    with caplog.at_level(logging.WARNING, logger="scoring.workdays"):
        assert cal.is_working_day(date(2026, 12, 31))
        assert list(cal.gaps) == []
        # 2027-01-01 is a Friday but 元旦: the next working day is Monday 01-04.
        assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
        statutory = {h.day for h in statutory_holidays(2027)}
        for day in _days(date(2027, 1, 1), date(2027, 3, 31)):
            assert cal.is_working_day(day) == (day.weekday() < 5 and day not in statutory)
        assert cal.working_days_between(date(2026, 12, 31), date(2027, 1, 8)) == 5
        cal.first_working_day(2027, 5)
        cal.deadline(date(2027, 6, 1), 5)

    assert len(cal.gaps) == 1
    gap = cal.gaps[0]
    assert gap.year == 2027
    assert "Monday–Friday minus the statutory holidays" in gap.message
    assert "调休" in gap.message
    assert "UNKNOWN" in gap.message
    assert "calendar.extra_holidays" in gap.message
    assert "calendar.complete_years" in gap.message
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


def test_one_listed_date_does_not_cover_a_year() -> None:
    """Overrides in 2027 apply, but without complete_years the year is still a gap."""
    seen: list[CalendarGap] = []
    cal = WorkCalendar(
        extra_holidays=[date(2027, 2, 9), date(2027, 2, 10)],
        extra_workdays=[date(2027, 2, 20)],
        on_gap=seen.append,
    )
    assert not cal.covers(2027)
    assert cal.covered_by(2027) is None
    assert not cal.is_working_day(date(2027, 2, 8))  # 初三, statutory
    assert not cal.is_working_day(date(2027, 2, 9))  # listed
    assert not cal.is_working_day(date(2027, 2, 10))  # listed
    assert cal.is_working_day(date(2027, 2, 20))  # listed make-up Saturday
    assert not cal.is_working_day(date(2027, 2, 21))  # Sunday
    assert cal.is_working_day(date(2027, 2, 11))
    assert not cal.is_working_day(date(2027, 1, 1))  # Friday, 元旦: off although not listed
    assert cal.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 11)
    assert [g.year for g in cal.gaps] == [2027]
    assert "lists 3 date(s) in 2027 but does not declare the year complete" in seen[0].message


def test_complete_years_cover_a_year() -> None:
    """complete_years declares the overrides complete: covered, no gap, statutory days still off."""
    seen: list[CalendarGap] = []
    cal = WorkCalendar(
        extra_holidays=[date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 11)],
        extra_workdays=[date(2027, 2, 20)],
        complete_years=[2027],
        on_gap=seen.append,
    )
    assert cal.covers(2027)
    assert cal.covered_by(2027) is DaySource.CONFIG
    assert cal.covered_by(2026) is DaySource.PACKAGE
    assert cal.is_working_day(date(2027, 2, 20))
    assert not cal.is_working_day(date(2027, 2, 8))  # statutory, whether listed or not
    assert cal.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)
    assert list(cal.gaps) == []
    assert seen == []
    # A later year not declared complete still records its own gap.
    cal.is_working_day(date(2028, 1, 3))
    assert [g.year for g in cal.gaps] == [2028]


def test_complete_year_without_overrides_is_still_statutory() -> None:
    """A year declared complete with nothing listed is Mon–Fri minus the statutory holidays."""
    cal = WorkCalendar(complete_years=[2029])
    assert cal.covers(2029)
    for holiday in statutory_holidays(2029):
        assert not cal.is_working_day(holiday.day)
    assert list(cal.gaps) == []


def test_statutory_holiday_as_extra_workday_raises() -> None:
    """Listing a statutory holiday as a working day is refused, naming date and festival."""
    with pytest.raises(ValueError, match=r"2027-02-06 \(春节\)"):
        WorkCalendar(extra_workdays=[date(2027, 2, 6), date(2027, 2, 20)])
    with pytest.raises(ValueError, match=r"2026-10-01 \(国庆节\)"):
        WorkCalendar(extra_workdays=[date(2026, 10, 1)])
    # Before the present rules (2025) 除夕 was no statutory holiday: 2024-02-09 may be listed.
    assert WorkCalendar(extra_workdays=[date(2024, 2, 9)]).is_working_day(date(2024, 2, 9))


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


# --------------------------------------------------------------------- statutory holidays


def _named(year: int, name: str) -> list[date]:
    """The statutory days of `year` carrying `name`."""
    return [h.day for h in statutory_holidays(year) if name in h.name.split("、")]


def test_statutory_holidays_2027() -> None:
    """2027: 春节 Feb 6 (除夕 Feb 5), 清明 Apr 5, 端午 Jun 9, 中秋 Sep 15 (published calendars)."""
    assert _named(2027, "元旦") == [date(2027, 1, 1)]
    assert _named(2027, "春节") == _days(date(2027, 2, 5), date(2027, 2, 8))
    assert _named(2027, "清明节") == [date(2027, 4, 5)]
    assert _named(2027, "劳动节") == [date(2027, 5, 1), date(2027, 5, 2)]
    assert _named(2027, "端午节") == [date(2027, 6, 9)]
    assert _named(2027, "中秋节") == [date(2027, 9, 15)]
    assert _named(2027, "国庆节") == _days(date(2027, 10, 1), date(2027, 10, 3))
    assert len(statutory_holidays(2027)) == 13


def test_statutory_holidays_2028_mid_autumn_on_national_day() -> None:
    """2028: 春节 Jan 26 (除夕 Jan 25), 清明 Apr 4, 端午 May 28; 中秋 is Oct 3, a 国庆 day."""
    assert _named(2028, "春节") == _days(date(2028, 1, 25), date(2028, 1, 28))
    assert _named(2028, "清明节") == [date(2028, 4, 4)]
    assert _named(2028, "端午节") == [date(2028, 5, 28)]
    assert _named(2028, "中秋节") == [date(2028, 10, 3)]
    assert _named(2028, "国庆节") == _days(date(2028, 10, 1), date(2028, 10, 3))
    days = [h.day for h in statutory_holidays(2028)]
    assert days == sorted(set(days))  # one entry per date, in order
    assert [h.name for h in statutory_holidays(2028) if h.day == date(2028, 10, 3)] == [
        "中秋节、国庆节"
    ]


def test_new_years_eve_after_a_29_or_30_day_twelfth_month() -> None:
    """除夕 is the day before 正月初一, whether 腊月 has 29 days (2027) or 30 (2030)."""
    assert _named(2027, "春节")[0] == date(2027, 2, 5)  # 腊月廿九
    assert _named(2030, "春节")[0] == date(2030, 2, 2)  # 腊月三十; 春节 2030-02-03


def test_statutory_holidays_agree_with_package_2015_to_2026() -> None:
    """Every computed statutory day is a holiday in chinese_calendar (除夕 and May 2 only from
    2025 on, when the present rules made them statutory)."""
    for year in range(2015, 2027):
        for holiday in statutory_holidays(year):
            day = holiday.day
            if year < LAW_IN_FORCE_FROM and (
                day == _named(year, "春节")[0] or day == date(year, 5, 2)
            ):
                continue
            assert chinese_calendar.is_holiday(day), (year, holiday)


def test_statutory_holidays_are_off_in_package_years() -> None:
    """2025 and 2026 (package years under the present rules): every statutory day is off."""
    cal = WorkCalendar()
    for year in (2025, 2026):
        for holiday in statutory_holidays(year):
            assert not chinese_calendar.is_workday(holiday.day), holiday
            assert not cal.is_working_day(holiday.day), holiday


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    year=st.integers(min_value=2027, max_value=2035),
    listed=st.lists(st.dates(date(2027, 1, 1), date(2035, 12, 31)), max_size=6),
    complete=st.booleans(),
)
def test_statutory_holiday_is_never_a_working_day(
    year: int, listed: list[date], complete: bool
) -> None:
    """2027–2035: no statutory holiday is a working day, whatever config lists as holidays,
    whether the year is declared complete or not, and whether the package covers it or not."""
    statutory = [h.day for h in statutory_holidays(year)]
    assert len(statutory) >= 12
    years = [year] if complete else []
    plain = WorkCalendar(extra_holidays=listed, complete_years=years)
    for cal in (plain, _package_covering_everything(listed, years)):
        for day in statutory:
            assert not cal.is_working_day(day), (year, day)


def _package_covering_everything(
    extra_holidays: list[date], complete_years: list[int]
) -> WorkCalendar:
    """A calendar whose every year is a 'package' year in which the package calls every
    weekday, statutory holidays included, a working day: the statutory rule must still win."""
    cal = WorkCalendar(extra_holidays=extra_holidays, complete_years=complete_years)
    with (
        patch("scoring.workdays._official_covers", return_value=True),
        patch("scoring.workdays.chinese_calendar.is_workday", lambda d: d.weekday() < 5),
    ):
        for year in range(2027, 2036):
            assert cal.covered_by(year) is DaySource.PACKAGE
            cal.is_working_day(date(year, 1, 1))  # builds the year's table under the patch
    return cal


# --------------------------------------------------------------------- sources


def test_special_days_of_a_package_year() -> None:
    """2026: 春节 weekdays off and its 调休 Saturdays on, named by the package; config on top."""
    cal = WorkCalendar(extra_holidays=[date(2026, 3, 2)], extra_workdays=[date(2026, 3, 7)])
    found = {s.day: s for s in cal.special_days(2026)}
    assert found[date(2026, 2, 16)] == SpecialDay(
        date(2026, 2, 16), False, DaySource.PACKAGE, "春节"
    )
    assert found[date(2026, 2, 14)] == SpecialDay(
        date(2026, 2, 14), True, DaySource.PACKAGE, "春节"
    )
    assert found[date(2026, 3, 2)] == SpecialDay(
        date(2026, 3, 2), False, DaySource.CONFIG, "calendar.extra_holidays"
    )
    assert found[date(2026, 3, 7)] == SpecialDay(
        date(2026, 3, 7), True, DaySource.CONFIG, "calendar.extra_workdays"
    )
    assert date(2026, 2, 15) not in found  # a Sunday off is ordinary
    assert date(2026, 2, 13) not in found  # a Friday on is ordinary
    for special in found.values():
        assert cal.is_working_day(special.day) == special.working
        assert special.working == (special.day.weekday() >= 5)


def test_special_days_of_a_fallback_year() -> None:
    """2027: statutory weekdays off (named), config days, nothing else; weekend holidays omitted."""
    cal = WorkCalendar(extra_workdays=[date(2027, 2, 20)], extra_holidays=[date(2027, 2, 9)])
    special = cal.special_days(2027)
    assert [s.day for s in special] == sorted(s.day for s in special)
    statutory_weekdays = [h.day for h in statutory_holidays(2027) if h.day.weekday() < 5]
    assert [s.day for s in special if s.source is DaySource.STATUTORY] == statutory_weekdays
    assert [(s.day, s.working) for s in special if s.source is DaySource.CONFIG] == [
        (date(2027, 2, 9), False),
        (date(2027, 2, 20), True),
    ]
    assert not [s for s in special if s.source is DaySource.PACKAGE]
    assert special[0] == SpecialDay(date(2027, 1, 1), False, DaySource.STATUTORY, "元旦")
