"""/submit buttons (`sub:`): the unit and category, body and attachments done, the day, the
preview's confirm, change (with the field) and cancel; and what an open draft asks first: a
second /submit's continue or start again, a cancel's confirm or keep writing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import ID, digits, fits, word

PATTERN: Final = r"^sub:"
#: The routes of the /submit conversation's steps, as its handlers are registered.
UNIT_PATTERN: Final = r"^sub:unit:"
CATEGORY_PATTERN: Final = r"^sub:cat:"
BODY_DONE_PATTERN: Final = r"^sub:body:done$"
DAY_PATTERN: Final = r"^sub:date:[01]$"
FILES_DONE_PATTERN: Final = r"^sub:files:done$"
PREVIEW_PATTERN: Final = r"^sub:(ok|cancel|chg(:\w+)?)$"
CANCEL_PATTERN: Final = r"^sub:cancel$"
StepName = Literal["body:done", "files:done", "ok", "cancel", "resume", "restart", "drop", "keep"]
#: A category key as the configuration allows it (a-z and _), within the 64-byte limit.
_CATEGORY: Final = "[a-z_]{1,56}"
_FIELD: Final = "[a-z_]{1,20}"
_DATA: Final = re.compile(
    rf"sub:(?:unit:({ID})|cat:({_CATEGORY})|date:([01])|chg:({_FIELD})"
    r"|(body:done|files:done|ok|cancel|resume|restart|drop|keep|chg))"
)


@dataclass(frozen=True, slots=True)
class PickUnit:
    """The unit the item is submitted for (asked only of people in several)."""

    unit_id: int


@dataclass(frozen=True, slots=True)
class PickCategory:
    """The item's category, by its configured key."""

    key: str


@dataclass(frozen=True, slots=True)
class PickDay:
    """The event happened today (0) or yesterday (1)."""

    days_ago: Literal[0, 1]


@dataclass(frozen=True, slots=True)
class Change:
    """变更: offers the fields (None), or goes back to the step of one field."""

    field: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """A step that carries nothing else: body or attachments done, confirm, cancel; an open
    draft continued (resume) or dropped for a fresh start (restart); a cancel confirmed
    (drop) or taken back (keep)."""

    name: StepName


Press = PickUnit | PickCategory | PickDay | Change | Step


def encode(press: Press) -> str:
    """`sub:unit:<unit>`, `sub:cat:<key>`, `sub:date:<0|1>`, `sub:chg[:<field>]`, `sub:<step>`."""
    if isinstance(press, PickUnit):
        return fits(f"sub:unit:{digits(press.unit_id, 12)}")
    if isinstance(press, PickCategory):
        return fits(f"sub:cat:{word(press.key, _CATEGORY)}")
    if isinstance(press, PickDay):
        return f"sub:date:{word(str(press.days_ago), '[01]')}"
    if isinstance(press, Change):
        return "sub:chg" if press.field is None else fits(f"sub:chg:{word(press.field, _FIELD)}")
    if press.name not in get_args(StepName):
        raise ValueError(f"no submit step {press.name!r}")
    return f"sub:{press.name}"


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    if match[1]:
        return PickUnit(int(match[1]))
    if match[2]:
        return PickCategory(match[2])
    if match[3]:
        return PickDay(1 if match[3] == "1" else 0)
    if match[4]:
        return Change(match[4])
    name = match[5]
    if name == "chg":
        return Change()
    return Step(cast(StepName, name))
