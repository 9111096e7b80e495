"""The admin's buttons: revoke (`ad:rv:`: a role grant to end, then its confirm or keep) and
/invite's choices (`ad:iu:` a unit, 0 for the centre itself; `ad:ir:` a role)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast

from ._wire import ID, digits, fits, word

PATTERN: Final = r"^ad:"
ROLE: Final = "[a-z_]{1,24}"
_DATA: Final = re.compile(rf"ad:rv:({ID})(?::(ok|no))?")
_UNIT: Final = re.compile(rf"ad:iu:({ID})")
_ROLE: Final = re.compile(rf"ad:ir:({ROLE})")


@dataclass(frozen=True, slots=True)
class Revoke:
    """Revoke grant `grant_id`: shown back first (None), then confirmed (ok) or kept (no)."""

    grant_id: int
    step: Literal["ok", "no"] | None = None


@dataclass(frozen=True, slots=True)
class InviteUnit:
    """/invite: the unit the invite is for (0: the centre itself, for centre-wide roles)."""

    unit_id: int


@dataclass(frozen=True, slots=True)
class InviteRole:
    """/invite: the role the invite gives (a `Role` value)."""

    role: str


Press = Revoke | InviteUnit | InviteRole


def encode(press: Press) -> str:
    """`ad:rv:<grant>[:<ok|no>]`, `ad:iu:<unit>` or `ad:ir:<role>`."""
    if isinstance(press, InviteUnit):
        return fits(f"ad:iu:{digits(press.unit_id, 12)}")
    if isinstance(press, InviteRole):
        return fits(f"ad:ir:{word(press.role, ROLE)}")
    if press.step not in (None, "ok", "no"):
        raise ValueError(f"no revoke step {press.step!r}")
    tail = f":{press.step}" if press.step else ""
    return fits(f"ad:rv:{digits(press.grant_id, 12)}{tail}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    if match := _UNIT.fullmatch(data):
        return InviteUnit(int(match[1]))
    if match := _ROLE.fullmatch(data):
        return InviteRole(match[1])
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    return Revoke(int(match[1]), cast(Literal["ok", "no"] | None, match[2]))
