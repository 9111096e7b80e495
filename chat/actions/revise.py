"""The revise button (`rv:`) of a returned item: its text becomes a /submit draft again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ._wire import ID, digits, fits

PATTERN: Final = rf"^rv:{ID}$"
_DATA: Final = re.compile(rf"rv:({ID})")


@dataclass(frozen=True, slots=True)
class Revise:
    """Revise and resubmit the returned item `item_id`."""

    item_id: int


Press = Revise


def encode(press: Press) -> str:
    """`rv:<item>`."""
    return fits(f"rv:{digits(press.item_id, 12)}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    return Revise(int(match[1])) if match else None
