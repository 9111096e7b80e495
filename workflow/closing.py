"""What a closed period refuses (第十、十一条: money is paid from published sheets): changes
dated in a closed month or year. Kept apart from `workflow.periods`, which closes and corrects
periods through the centre's own services, so those services can ask it too."""

from __future__ import annotations

from datetime import date

from storage import periods
from storage.db import Tx
from workflow.outcomes import Refused


def month_period(year: int, month: int) -> str:
    """A month's period key: '2026-10'."""
    return f"{year:04d}-{month:02d}"


def year_period(year: int) -> str:
    """A year's period key: '2026'."""
    return f"{year:04d}"


async def ensure_open(tx: Tx, day: date) -> None:
    """Refuses a change dated in a closed month (or year) with what to do instead."""
    if await periods.is_closed(tx, year_period(day.year)):
        raise Refused("year_closed", year=day.year)
    if await periods.is_closed(tx, month_period(day.year, day.month)):
        raise Refused("month_closed", year=day.year, month=day.month)
