"""An item's own buttons (`it:`), for whoever may act on it as a reader or its author: its
full text (`it:full:<item>`), where a card shows only the start, and the author's 撤回
(`it:wd:<item>`, shown back first, then `:ok` to confirm or `:no` to keep it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast

from ._wire import ID, digits, fits

PATTERN: Final = r"^it:"
_FULL: Final = re.compile(rf"it:full:({ID})")
_WITHDRAW: Final = re.compile(rf"it:wd:({ID})(?::(ok|no))?")


@dataclass(frozen=True, slots=True)
class FullText:
    """Show item `item_id` whole (its text across messages, its files)."""

    item_id: int


@dataclass(frozen=True, slots=True)
class Withdraw:
    """The author takes item `item_id` back: asked first (None), then confirmed or kept."""

    item_id: int
    step: Literal["ok", "no"] | None = None


Press = FullText | Withdraw


def encode(press: Press) -> str:
    """`it:full:<item>` or `it:wd:<item>[:ok|:no]`."""
    if isinstance(press, FullText):
        return fits(f"it:full:{digits(press.item_id, 12)}")
    if press.step not in (None, "ok", "no"):
        raise ValueError(f"no withdraw step {press.step!r}")
    tail = f":{press.step}" if press.step else ""
    return fits(f"it:wd:{digits(press.item_id, 12)}{tail}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    if match := _FULL.fullmatch(data):
        return FullText(int(match[1]))
    if match := _WITHDRAW.fullmatch(data):
        return Withdraw(int(match[1]), cast(Literal["ok", "no"] | None, match[2]))
    return None
