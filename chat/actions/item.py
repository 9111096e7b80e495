"""An item's own buttons (`it:`), for whoever may read it: its full text (`it:full:<item>`),
where a card shows only the start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ._wire import ID, digits, fits

PATTERN: Final = r"^it:"
_DATA: Final = re.compile(rf"it:full:({ID})")


@dataclass(frozen=True, slots=True)
class FullText:
    """Show item `item_id` whole (its text across messages, its files)."""

    item_id: int


Press = FullText


def encode(press: Press) -> str:
    """`it:full:<item>`."""
    return fits(f"it:full:{digits(press.item_id, 12)}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    return FullText(int(match[1])) if match else None
