"""Sign-off buttons (`so:`): approve or return one step of one round of an item, and confirm
or cancel a return once its reason is shown back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from ._wire import ID, ROUND, digits, fits

PATTERN: Final = r"^so:"
_DATA: Final = re.compile(rf"so:({ID}):({ROUND}):([0-9]{{1,3}}):([arcx])")


@dataclass(frozen=True, slots=True)
class Signoff:
    """Approve (`a`) or return (`r`) step `step` of round `round` of item `item_id`."""

    item_id: int
    round: int
    step: int
    decision: Literal["a", "r"]


@dataclass(frozen=True, slots=True)
class ConfirmReturn:
    """The return of a step, its reason shown back: confirmed (✅) or cancelled (✖️)."""

    item_id: int
    round: int
    step: int
    confirmed: bool


Press = Signoff | ConfirmReturn


def encode(press: Press) -> str:
    """`so:<item>:<round>:<step>:<a|r|c|x>`."""
    if isinstance(press, Signoff):
        if press.decision not in ("a", "r"):
            raise ValueError(f"no decision {press.decision!r}")
        code: str = press.decision
    else:
        code = "c" if press.confirmed else "x"
    item, round_, step = digits(press.item_id, 12), digits(press.round, 6), digits(press.step, 3)
    return fits(f"so:{item}:{round_}:{step}:{code}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    item, round_, step, code = int(match[1]), int(match[2]), int(match[3]), match[4]
    if code == "a":
        return Signoff(item, round_, step, "a")
    if code == "r":
        return Signoff(item, round_, step, "r")
    return ConfirmReturn(item, round_, step, code == "c")
