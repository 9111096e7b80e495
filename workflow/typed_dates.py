"""Days as people in a Chinese office type them: 今天, 前天, 大前天, 上周五, 周三, 20号,
11.20, 11-20, 11月20号, 十一月二十日, 2026-11-20 … (month before day, as Chinese writes it).

A day without a year (or without a month) is the latest such day not after today: events,
adoptions and visits lie in the past, so "12月30日" typed in early January is last December
and "28号" typed on the 3rd is last month's 28th. A weekday alone (周五) is the latest such
day not after today; 上周五 is Friday of the previous calendar week (weeks start on Monday),
本周五 / 这周五 this week's.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date, timedelta
from typing import Final

from .outcomes import Refused

#: Days people name instead of a date, and how many days back each lies.
DAYS_BACK = {
    "今天": 0,
    "今日": 0,
    "昨天": 1,
    "昨日": 1,
    "前天": 2,
    "前日": 2,
    "大前天": 3,
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_WEEK = re.compile(r"(上上|上|本|这|这个|)(?:周|星期|礼拜)([一二三四五六日天七])")
_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = re.compile(r"[〇零一二两三四五六七八九十]+")
_END = r"(?:日|号)?"
#: Forms with their parts in order (y year, m month, d day), and whether day-first is read
#: when only it makes a date (20.11: some people write the day first; 13月1日 is no date).
_FORMS: tuple[tuple[re.Pattern[str], tuple[str, ...], bool], ...] = (
    (re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})" + _END), ("y", "m", "d"), False),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), ("y", "m", "d"), False),
    (re.compile(r"(\d{1,2})月(\d{1,2})" + _END), ("m", "d"), False),
    (re.compile(r"(\d{1,2})[-/.](\d{1,2})"), ("m", "d"), True),
    (re.compile(r"(\d{1,2})(?:日|号)"), ("d",), False),
)


def _numeral(text: str) -> str:
    """A Chinese numeral up to 99 (二十一, 十一, 二〇二六 digit by digit) as Arabic digits."""
    if "十" not in text:
        return "".join(str(_DIGITS[ch]) for ch in text)
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return text  # not a number a date holds: left for the reader to refuse
    return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))


def _plain(text: str) -> str:
    """The text in half-width forms (full-width digits become ASCII), blanks and invisible
    format characters (zero-width spaces, direction marks) gone."""
    value = unicodedata.normalize("NFKC", text)
    kept = (ch for ch in value if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return "".join(kept).replace("。", ".")


def _weekday(value: str, today: date) -> date | None:
    """上周五, 本周三, 周日 … as a day (None if the text is no weekday)."""
    match = _WEEK.fullmatch(value)
    if match is None:
        return None
    which, day = match.group(1), _WEEKDAYS[match.group(2)]
    monday = today - timedelta(days=today.weekday())
    if which == "上上":
        return monday - timedelta(days=14) + timedelta(days=day)
    if which == "上":
        return monday - timedelta(days=7) + timedelta(days=day)
    if which:  # 本周, 这周: this week's, even ahead (the caller refuses a future event)
        return monday + timedelta(days=day)
    this_week = monday + timedelta(days=day)
    return this_week if this_week <= today else this_week - timedelta(days=7)


def _latest(parts: dict[str, int], today: date) -> date:
    """The day the parts name: missing year or month filled with the latest not after today."""
    if "y" in parts:
        return date(parts["y"], parts["m"], parts["d"])
    if "m" in parts:  # this year's if gone by, else last year's (2月29日: a leap year's)
        for year in (today.year, today.year - 1):
            with contextlib.suppress(ValueError):  # no such day that year
                if (day := date(year, parts["m"], parts["d"])) <= today:
                    return day
        raise ValueError(parts)
    year, month = today.year, today.month
    for _ in range(12):  # the 31st typed in a 30-day month: the last month that has it
        with contextlib.suppress(ValueError):  # that month has no such day
            if (day := date(year, month, parts["d"])) <= today:
                return day
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    raise ValueError(parts)


def parse_day(text: str, today: date) -> date:
    """The day a typed text names (see the module's forms); refused `date_unreadable` for a
    text that names none, `date_impossible` for one like 2月30日."""
    shown = text.strip()[:40]
    value = _plain(text)
    if value in DAYS_BACK:
        return today - timedelta(days=DAYS_BACK[value])
    weekday = _weekday(value, today)
    if weekday is not None:
        return weekday
    value = _NUMERAL.sub(lambda match: _numeral(match.group()), value)
    for pattern, order, day_first in _FORMS:
        match = pattern.fullmatch(value)
        if match is None:
            continue
        parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
        try:
            return _latest(parts, today)
        except ValueError:
            if day_first and parts["m"] > 12 and parts["d"] <= 12:
                try:
                    return _latest({"m": parts["d"], "d": parts["m"]}, today)
                except ValueError:
                    pass
            raise Refused("date_impossible", text=shown) from None
    raise Refused("date_unreadable", text=shown)


_MONTH = re.compile(r"(?:(\d{4})[-/.年])?(\d{1,2})(月?)")


#: Months named by how far back they are: 本月, 上个月 …
MONTHS_BACK: Final = {"本月": 0, "这个月": 0, "上月": 1, "上个月": 1, "上上月": 2, "上上个月": 2}


def parse_month(text: str, today: date, *, bare: bool = True) -> tuple[int, int] | None:
    """The month a typed text names — 2026-10, 2026年10月, 10月, 十月 (the latest such month
    not after today's), 本月, 上个月 — as (year, month); None if it names none. `bare`: whether a number
    alone (10) is taken as a month."""
    relative = MONTHS_BACK.get(_plain(text).strip())
    if relative is not None:
        back = today.year * 12 + today.month - 1 - relative
        return back // 12, back % 12 + 1
    value = _NUMERAL.sub(lambda match: _numeral(match.group()), _plain(text))
    match = _MONTH.fullmatch(value)
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    if match[1] is None and not match[3] and not bare:
        return None
    if match[1] is not None:
        return int(match[1]), int(match[2])
    month = int(match[2])
    return (today.year, month) if month <= today.month else (today.year - 1, month)


def said_day(day: date) -> str:
    """A day as the bot says it back after a date typed in words: 11月27日（星期五）."""
    return f"{day.month}月{day.day}日（星期{'一二三四五六日'[day.weekday()]}）"
