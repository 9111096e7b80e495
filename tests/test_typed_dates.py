"""Days as people type them (workflow/typed_dates.py): worked examples and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.outcomes import Refused
from workflow.typed_dates import parse_day, parse_month

FRIDAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", date(2026, 12, 4)),
        ("昨日", date(2026, 12, 3)),
        ("前天", date(2026, 12, 2)),
        ("大前天", date(2026, 12, 1)),
        ("上周五", date(2026, 11, 27)),
        ("上星期日", date(2026, 11, 29)),
        ("上上周一", date(2026, 11, 16)),
        ("周五", date(2026, 12, 4)),
        ("礼拜六", date(2026, 11, 28)),
        ("星期一", date(2026, 11, 30)),
        ("本周日", date(2026, 12, 6)),
        ("20号", date(2026, 11, 20)),
        ("3日", date(2026, 12, 3)),
        ("31号", date(2026, 10, 31)),
        ("11.20", date(2026, 11, 20)),
        ("11-20", date(2026, 11, 20)),
        ("11/20", date(2026, 11, 20)),
        ("11月20号", date(2026, 11, 20)),
        ("11月20", date(2026, 11, 20)),
        ("十一月二十日", date(2026, 11, 20)),
        ("二〇二六年十一月二十日", date(2026, 11, 20)),
        ("２０２６－１１－２０", date(2026, 11, 20)),
        ("2026.11.20", date(2026, 11, 20)),
        ("20261120", date(2026, 11, 20)),
        (" 11 月 20 日 ", date(2026, 11, 20)),
        ("20.11", date(2026, 11, 20)),  # day first is read when only it makes a date
    ],
)
def test_days_as_people_type_them(text: str, expected: date) -> None:
    assert parse_day(text, FRIDAY) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2月30日", "date_impossible"),
        ("13月1日", "date_impossible"),
        ("13.13", "date_impossible"),
        ("2026-02-30", "date_impossible"),
        ("昨天下午", "date_unreadable"),
        ("下周五", "date_unreadable"),
        ("一百二十三号", "date_unreadable"),
        ("", "date_unreadable"),
    ],
)
def test_what_names_no_day_is_refused(text: str, key: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_day(text, FRIDAY)
    assert refused.value.key == key


days = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31))


@given(today=days, back=st.integers(min_value=0, max_value=364))
def test_a_day_within_the_year_reads_back_in_every_short_form(today: date, back: int) -> None:
    """Month and day without a year name the latest such day not after today."""
    day = today - timedelta(days=back)
    forms = [f"{day.month}月{day.day}日", f"{day.month}.{day.day}", f"{day.month}-{day.day}"]
    for text in [*forms, day.isoformat(), f"{day.year}年{day.month}月{day.day}号"]:
        assert parse_day(text, today) == day, text


@given(today=days, back=st.integers(min_value=0, max_value=27))
def test_a_day_of_the_month_alone_is_the_latest_gone_by(today: date, back: int) -> None:
    day = today - timedelta(days=back)
    assert parse_day(f"{day.day}号", today) == day


@given(today=days, weekday=st.sampled_from("一二三四五六日"))
def test_weekdays_fall_in_their_week(today: date, weekday: str) -> None:
    monday = today - timedelta(days=today.weekday())
    last = parse_day(f"上周{weekday}", today)
    assert monday - timedelta(days=7) <= last < monday
    latest = parse_day(f"周{weekday}", today)
    assert today - timedelta(days=6) <= latest <= today
    assert latest.weekday() == last.weekday() == "一二三四五六日".index(weekday)


@pytest.mark.parametrize(
    ("text", "bare", "expected"),
    [
        ("2026-10", True, (2026, 10)),
        ("2026年10月", True, (2026, 10)),
        ("10月", False, (2026, 10)),
        ("十月", True, (2026, 10)),
        ("１２月", True, (2025, 12)),  # no year: the latest December not after today
        ("10", True, (2026, 10)),
        ("10", False, None),  # a number alone may be part of a unit's name
        ("13月", True, None),
        ("城关镇", True, None),
    ],
)
def test_months_as_people_type_them(
    text: str, bare: bool, expected: tuple[int, int] | None
) -> None:
    assert parse_month(text, date(2026, 11, 4), bare=bare) == expected


def test_months_said_by_how_far_back() -> None:
    today = date(2026, 1, 4)
    assert parse_month("上个月", today) == (2025, 12)
    assert parse_month("上月", today) == (2025, 12)
    assert parse_month("本月", today) == (2026, 1)
    assert parse_month("上上个月", today) == (2025, 11)
    assert parse_month("下个月", today) is None


def test_the_29th_of_february_typed_after_a_leap_year_is_that_leap_years() -> None:
    assert parse_day("2月29日", date(2001, 2, 1)) == date(2000, 2, 29)
    assert parse_day("2.29", date(2024, 3, 1)) == date(2024, 2, 29)
    with pytest.raises(Refused):  # no 29 February within the year before
        parse_day("2月29日", date(2003, 3, 1))
