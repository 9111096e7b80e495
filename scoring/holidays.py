"""Statutory public holidays of 《全国年节及纪念日放假办法》, computed for any year (lunar dates too).

These are the days the law itself gives off, under the revision in force since 2025 (春节 from
除夕 to 初三, 劳动节 May 1–2).  They are what the working-day calendar can still be sure of for a
year whose official schedule (dates moved around weekends, make-up working days 调休) is not
yet known.  Lunar dates and the 清明 solar term come from the ``lunar_python`` package, which
computes them astronomically rather than from a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from lunar_python import Lunar, Solar

__all__ = ["LAW_IN_FORCE_FROM", "StatutoryHoliday", "statutory_holidays"]

#: First year the present rules apply to (the 2024 revision took effect on 2025-01-01).
LAW_IN_FORCE_FROM: Final = 2025


@dataclass(frozen=True, slots=True)
class StatutoryHoliday:
    """One statutory day off: its date and the festival's Chinese name (e.g. 春节)."""

    day: date
    name: str


def _from_lunar(year: int, month: int, day: int) -> date:
    """Gregorian date of lunar `month`/`day` (not a leap month) of lunar year `year`."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    """Gregorian date of the 清明 solar term in `year` (always early April)."""
    term = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    found = date(term.getYear(), term.getMonth(), term.getDay())
    if (found.year, found.month) != (year, 4):
        raise ValueError(f"清明 of {year} computed as {found.isoformat()}, not in April")
    return found


def statutory_holidays(year: int) -> tuple[StatutoryHoliday, ...]:
    """Every statutory day off of Gregorian `year` under the present rules, in date order."""
    new_year = _from_lunar(year, 1, 1)  # 正月初一: always between Jan 21 and Feb 20
    spring = [new_year + timedelta(days=offset) for offset in range(-1, 3)]  # 除夕 … 初三
    days = [
        StatutoryHoliday(date(year, 1, 1), "元旦"),
        *(StatutoryHoliday(day, "春节") for day in spring),
        StatutoryHoliday(_qingming(year), "清明节"),
        StatutoryHoliday(date(year, 5, 1), "劳动节"),
        StatutoryHoliday(date(year, 5, 2), "劳动节"),
        StatutoryHoliday(_from_lunar(year, 5, 5), "端午节"),
        StatutoryHoliday(_from_lunar(year, 8, 15), "中秋节"),
        *(StatutoryHoliday(date(year, 10, d), "国庆节") for d in (1, 2, 3)),
    ]
    # 中秋 can fall on Oct 1–3 (e.g. 2028-10-03): one entry for the date, both names.
    names: dict[date, list[str]] = {}
    for holiday in sorted(days, key=lambda h: h.day):
        names.setdefault(holiday.day, []).append(holiday.name)
    return tuple(StatutoryHoliday(day, "、".join(both)) for day, both in names.items())
