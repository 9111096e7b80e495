"""The sandbox's movable clock and the moments a trainer travels to (working-day calendar aware).

`SandboxClock` is what the sandbox's ledger (`Database.open(..., clock=...)`), and so the whole
bot, treats as "now": the real clock plus an offset. Time travel sets the offset; it may move
back as well as forward, but the ledger keeps what already happened (a bulletin posted "later"
stays posted, timestamps may then look out of order), so moving forward is what makes sense.

The target helpers take the current moment and return aware UTC datetimes, reckoned in the
centre's zone with its working-day calendar (`bot.wiring.centre_rules(settings).calendar`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scoring.workdays import WorkCalendar

Clock = Callable[[], datetime]

#: The weekday names shown on the page (Monday first, like `date.weekday()`).
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
#: Time of day of most targets: office hours, outside the reminders' quiet hours.
OFFICE_TIME = time(10, 0)
#: "Month end": late afternoon of the last working day.
MONTH_END_TIME = time(16, 0)
#: "First working day": just after the default bulletin time (09:00).
FIRST_DAY_TIME = time(9, 5)
#: How far ahead `after_holiday` looks for a weekday holiday before falling back to a weekend.
HOLIDAY_HORIZON_DAYS = 400


def real_now() -> datetime:
    """The wall clock in UTC."""
    return datetime.now(UTC)


class SandboxClock:
    """A callable clock: the real time plus an offset that time travel moves (either way)."""

    def __init__(self, real: Clock = real_now) -> None:
        self._real = real
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        """Now, as the sandbox sees it (aware, UTC)."""
        return (self._real() + self._offset).astimezone(UTC)

    @property
    def offset(self) -> timedelta:
        """How far the sandbox is ahead of (or, if negative, behind) the real clock."""
        return self._offset

    def travel_to(self, moment: datetime) -> None:
        """Makes `moment` (timezone-aware) the sandbox's now; the clock keeps ticking from there."""
        if moment.tzinfo is None:
            raise ValueError("the moment to travel to must be timezone-aware")
        self._offset = moment - self._real()

    def reset(self) -> None:
        """Back to the real time."""
        self._offset = timedelta(0)


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A local day and time of day as an aware UTC datetime."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _next_month(day: date) -> tuple[int, int]:
    """Year and month of the month after `day`'s."""
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def month_end(now: datetime, calendar: WorkCalendar, zone: ZoneInfo) -> datetime:
    """16:00 on this month's last working day (next month's, if that moment has passed)."""
    today = now.astimezone(zone).date()
    target = _at(calendar.last_working_day(today.year, today.month), MONTH_END_TIME, zone)
    if target <= now:
        year, month = _next_month(today)
        target = _at(calendar.last_working_day(year, month), MONTH_END_TIME, zone)
    return target


def first_working_day(
    now: datetime, calendar: WorkCalendar, zone: ZoneInfo, at: time = FIRST_DAY_TIME
) -> datetime:
    """`at` (default 09:05, after the bulletin) on the first working day of next month."""
    year, month = _next_month(now.astimezone(zone).date())
    return _at(calendar.first_working_day(year, month), at, zone)


def plus_working_days(now: datetime, n: int, calendar: WorkCalendar, zone: ZoneInfo) -> datetime:
    """10:00 on the n-th working day after today (n = 0: today, even if that is not one)."""
    today = now.astimezone(zone).date()
    return _at(calendar.add_working_days(today, n), OFFICE_TIME, zone)


def next_working_day(now: datetime, calendar: WorkCalendar, zone: ZoneInfo) -> datetime:
    """10:00 on the next working day."""
    return plus_working_days(now, 1, calendar, zone)


def after_holiday(now: datetime, calendar: WorkCalendar, zone: ZoneInfo) -> datetime:
    """10:00 on the first working day after the next days off that include a weekday holiday.

    Looks up to `HOLIDAY_HORIZON_DAYS` ahead, within years the calendar covers; when no such
    holiday is known (e.g. next year's holidays are not published yet) it takes the next
    weekend instead, so a deadline or reminder can still be shown counting over days off.
    """
    today = now.astimezone(zone).date()
    fallback: date | None = None
    day = today + timedelta(days=1)
    run_has_holiday = False
    in_run = False
    for _ in range(HOLIDAY_HORIZON_DAYS):
        if not calendar.covers(day.year):
            break
        if calendar.is_working_day(day):
            if in_run:
                if run_has_holiday:
                    return _at(day, OFFICE_TIME, zone)
                fallback = fallback or day
            in_run = run_has_holiday = False
        else:
            in_run = True
            run_has_holiday = run_has_holiday or day.weekday() < 5
        day += timedelta(days=1)
    if fallback is None:
        fallback = calendar.add_working_days(_next_saturday(today), 1)
    return _at(fallback, OFFICE_TIME, zone)


def _next_saturday(today: date) -> date:
    """The first Saturday after today."""
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def quota_warning(now: datetime, calendar: WorkCalendar, zone: ZoneInfo, days: int) -> datetime:
    """10:00 on the day units below quota are warned, `days` working days before month end.

    This month's, or next month's once this month's has passed.
    """
    today = now.astimezone(zone).date()
    target = _at(
        calendar.working_days_before_month_end(today.year, today.month, days), OFFICE_TIME, zone
    )
    if target <= now:
        year, month = _next_month(today)
        target = _at(calendar.working_days_before_month_end(year, month, days), OFFICE_TIME, zone)
    return target


#: The named targets of `resolve`, as the page sends them.
TARGETS = ("month_end", "first_working_day", "after_holiday", "next_working_day", "quota_warning")


def resolve(
    target: str,
    now: datetime,
    calendar: WorkCalendar,
    zone: ZoneInfo,
    *,
    bulletin_time: time = time(9, 0),
    quota_warning_days: int = 5,
) -> datetime:
    """The moment a named target (see `TARGETS`) or an ISO datetime (naive: local) stands for."""
    if target == "month_end":
        return month_end(now, calendar, zone)
    if target == "first_working_day":
        after_bulletin = datetime.combine(date(2000, 1, 1), bulletin_time) + timedelta(minutes=5)
        at = max(after_bulletin.time(), FIRST_DAY_TIME) if after_bulletin.day == 1 else time(23, 59)
        return first_working_day(now, calendar, zone, at)
    if target == "after_holiday":
        return after_holiday(now, calendar, zone)
    if target == "next_working_day":
        return next_working_day(now, calendar, zone)
    if target == "quota_warning":
        return quota_warning(now, calendar, zone, quota_warning_days)
    try:
        moment = datetime.fromisoformat(target)
    except ValueError:
        raise ValueError(
            f"不认识的目标 {target!r}：可用 {'、'.join(TARGETS)}，或 ISO 时间（如 2026-12-01T09:05）"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def describe(now: datetime, calendar: WorkCalendar, zone: ZoneInfo) -> dict[str, object]:
    """The clock as the page shows it: local ISO time, weekday, whether it is a working day."""
    local = now.astimezone(zone).replace(microsecond=0)
    return {
        "now": local.isoformat(),
        "weekday": WEEKDAYS[local.weekday()],
        "working_day": calendar.is_working_day(local.date()),
    }
