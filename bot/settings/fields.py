"""Field types of config.yaml: numbers, clock times, dates, slugs, addresses, and how a
validator names a problem below its own key.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from scoring.vocab import Role
from storage.models import TELEGRAM, Account, Room

#: Error type whose ctx["at"] continues the key path (read back by `errors.problem_lines`).
PROBLEM_AT: Final = "config_problem"


def problem(message: str, *at: str | int) -> PydanticCustomError:
    """A validation error whose key path continues with `at` below the validator's location."""
    return PydanticCustomError(PROBLEM_AT, message, {"at": at})


def not_bool(value: object) -> object:
    """Refuse true/false where a number is meant (pydantic alone would read true as 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "must be a number, not true/false")
    return value


_HHMM: Final = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _clock_time(value: object) -> object:
    """Read "HH:MM" (24-hour) into a time, so 25:00 or 9am is an error rather than a guess."""
    if isinstance(value, time):
        return value
    if isinstance(value, str) and (match := _HHMM.fullmatch(value.strip())):
        return time(int(match[1]), int(match[2]))
    raise PydanticCustomError("clock_time", "must be a time like 09:00 (24-hour HH:MM)")


def _iso_date(value: object) -> object:
    """Read "YYYY-MM-DD" into a date; pydantic alone would take 0 as 1970-01-01."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("iso_date", "must be a date like 2026-10-01")


def _slug(value: str) -> str:
    """Category keys are short ASCII identifiers, stable in the database and callback data."""
    if not re.fullmatch(r"[a-z_]+", value):
        raise PydanticCustomError("slug", "must be lowercase letters a-z and _ only, like research")
    return value


def non_empty_path(value: object) -> object:
    """An empty path would silently mean the current directory."""
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("empty_path", "must not be empty")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[int, BeforeValidator(not_bool), Field(ge=0)]
Points = Annotated[Decimal, BeforeValidator(not_bool), Field(ge=0)]


def _address(value: object) -> object:
    """An account or a chat: an integer (a Telegram id, as always) or "channel:id"."""
    value = not_bool(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)  # a quoted number is still a Telegram id
    if isinstance(value, str):
        channel, sep, rest = value.strip().partition(":")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", channel) or not rest.strip():
            raise PydanticCustomError(
                "address",
                "must be a whole number (a Telegram id) or channel:id, like wecom:zhangwei",
            )
        if channel == TELEGRAM:  # telegram:123 is the plain number
            return int(rest) if re.fullmatch(r"-?[0-9]+", rest.strip()) else value.strip()
        if channel == "wecom":  # WeCom's userids are case-insensitive; callbacks lower-case them
            return f"{channel}:{rest.strip().lower()}"
        return f"{channel}:{rest.strip()}"
    return value


def _user_address(value: object) -> object:
    """An account in settings: a Telegram user id is above zero."""
    value = _address(value)
    if isinstance(value, int) and value <= 0:
        raise PydanticCustomError("user_id", "must be > 0")
    return value


def account_of(value: int | str) -> Account:
    """The account a settings entry names: a plain number is a Telegram user id."""
    if isinstance(value, int):
        return Account(TELEGRAM, str(value))
    channel, _, external_id = value.partition(":")
    return Account(channel, external_id)


def room_of(value: int | str) -> Room:
    """The chat a settings entry names: a plain number is a Telegram chat id."""
    account = account_of(value)
    return Room(account.channel, account.external_id)


UserId = Annotated[int | str, BeforeValidator(_user_address)]
ChatId = Annotated[int | str, BeforeValidator(_address)]
ClockTime = Annotated[time, BeforeValidator(_clock_time)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_slug)]
HttpUrl = Annotated[str, StringConstraints(strip_whitespace=True)]

#: Roles that may sign an item off before it reaches the centre (第三条); `informant` is the
#: section head signing for section staff.
SignoffRole = Literal[Role.WINDOW_HEAD, Role.LEADER, Role.INFORMANT]


def first_duplicate(values: Iterable[Hashable]) -> tuple[int, int] | None:
    """Indexes (first, second) of the first value that repeats, or None when all differ."""
    seen: dict[Hashable, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            return seen[value], index
        seen[value] = index
    return None
