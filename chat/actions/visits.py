"""/visit buttons (`vi:`): the kind of visit, the unit visited, the day, confirm and cancel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import ID, digits, fits, word

PATTERN: Final = r"^vi:"
Kind = Literal["city", "department", "township"]
_KINDS: Final = get_args(Kind)
_DATA: Final = re.compile(rf"vi:(?:k:({'|'.join(_KINDS)})|u:({ID})|d:([01])|(ok)|(x))")


@dataclass(frozen=True, slots=True)
class PickKind:
    """Who visited where (第七条)."""

    kind: Kind


@dataclass(frozen=True, slots=True)
class PickUnit:
    """The unit visited."""

    unit_id: int


@dataclass(frozen=True, slots=True)
class PickDay:
    """Today (0) or yesterday (1)."""

    days_ago: Literal[0, 1]


@dataclass(frozen=True, slots=True)
class Confirm:
    """确认登记."""


@dataclass(frozen=True, slots=True)
class Cancel:
    """取消."""


Press = PickKind | PickUnit | PickDay | Confirm | Cancel


def encode(press: Press) -> str:
    """`vi:k:<kind>`, `vi:u:<unit>`, `vi:d:<0|1>`, `vi:ok`, `vi:x`."""
    if isinstance(press, PickKind):
        if press.kind not in _KINDS:
            raise ValueError(f"no visit kind {press.kind!r}")
        return f"vi:k:{press.kind}"
    if isinstance(press, PickUnit):
        return fits(f"vi:u:{digits(press.unit_id, 12)}")
    if isinstance(press, PickDay):
        return f"vi:d:{word(str(press.days_ago), '[01]')}"
    return "vi:ok" if isinstance(press, Confirm) else "vi:x"


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    if match[1]:
        return PickKind(cast(Kind, match[1]))
    if match[2]:
        return PickUnit(int(match[2]))
    if match[3]:
        return PickDay(1 if match[3] == "1" else 0)
    return Confirm() if match[4] else Cancel()
