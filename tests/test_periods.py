"""Reporting periods in the centre's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from scoring import periods

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_month_bounds_and_leap_february() -> None:
    assert periods.month(2026, 10) == periods.Period(date(2026, 10, 1), date(2026, 10, 31))
    assert periods.month(2028, 2).last == date(2028, 2, 29)


def test_month_out_of_range() -> None:
    with pytest.raises(ValueError, match="1–12"):
        periods.month(2026, 13)


def test_month_closes_at_local_midnight() -> None:
    assert periods.month(2026, 10).closes_at(SHANGHAI) == datetime(2026, 10, 31, 16, tzinfo=UTC)


def test_previous_month_wraps_year() -> None:
    assert periods.previous_month(date(2026, 1, 5)) == (2025, 12)
    assert periods.previous_month(date(2026, 11, 2)) == (2026, 10)


def test_local_date_after_utc_evening() -> None:
    assert periods.local_date(datetime(2026, 10, 31, 17, tzinfo=UTC), SHANGHAI) == date(2026, 11, 1)


def test_contains() -> None:
    assert date(2026, 10, 31) in periods.month(2026, 10)
    assert date(2026, 11, 1) not in periods.month(2026, 10)
