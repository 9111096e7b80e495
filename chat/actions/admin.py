"""The admin's revoke buttons (`ad:rv:`): a role grant to end, then its confirm or keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast

from ._wire import ID, digits, fits

PATTERN: Final = r"^ad:rv:"
_DATA: Final = re.compile(rf"ad:rv:({ID})(?::(ok|no))?")


@dataclass(frozen=True, slots=True)
class Revoke:
    """Revoke grant `grant_id`: shown back first (None), then confirmed (ok) or kept (no)."""

    grant_id: int
    step: Literal["ok", "no"] | None = None


Press = Revoke


def encode(press: Press) -> str:
    """`ad:rv:<grant>` or `ad:rv:<grant>:<ok|no>`."""
    if press.step not in (None, "ok", "no"):
        raise ValueError(f"no revoke step {press.step!r}")
    tail = f":{press.step}" if press.step else ""
    return fits(f"ad:rv:{digits(press.grant_id, 12)}{tail}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    return Revoke(int(match[1]), cast(Literal["ok", "no"] | None, match[2]))
