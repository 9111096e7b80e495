"""/announce buttons (`an:`): the audience toggles, the unit list, the preview's send and
change, cancel, and the delivery report of a sent announcement."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import ID, digits, fits, word

PATTERN: Final = r"^an:"
#: The routes of the /announce conversation's steps, as its handlers are registered.
AUDIENCE_PATTERN: Final = r"^an:(r:[a-z_]{1,20}|k:[a-z_]{1,20}|all|u|ub|pv)$"
UNIT_PATTERN: Final = rf"^an:u:{ID}$"
PREVIEW_PATTERN: Final = r"^an:(ok:[0-9a-f]{1,32}|ed)$"
CANCEL_PATTERN: Final = r"^an:x$"
REPORT_PATTERN: Final = r"^an:rp:"
#: all units, the unit list (u) and back (ub), preview (pv), change the audience (ed), cancel
StepName = Literal["all", "u", "ub", "pv", "ed", "x"]
_STEPS: Final = get_args(StepName)
_NAME: Final = "[a-z_]{1,20}"
_TOKEN: Final = "[0-9a-f]{1,32}"
_DATA: Final = re.compile(
    rf"an:(?:([rk]):({_NAME})|u:({ID})|ok:({_TOKEN})|rp:({ID})|({'|'.join(_STEPS)}))"
)


@dataclass(frozen=True, slots=True)
class Toggle:
    """Toggle a role (`r`) or a unit kind (`k`) in the audience; names as the ledger has them."""

    group: Literal["r", "k"]
    name: str


@dataclass(frozen=True, slots=True)
class PickUnit:
    """Toggle one unit in the audience."""

    unit_id: int


@dataclass(frozen=True, slots=True)
class Step:
    """A step of the dialogue that carries nothing else."""

    name: StepName


@dataclass(frozen=True, slots=True)
class Send:
    """Send the previewed draft; the token ties the button to that draft."""

    token: str


@dataclass(frozen=True, slots=True)
class Report:
    """The delivery report of announcement `announcement_id`."""

    announcement_id: int


Press = Toggle | PickUnit | Step | Send | Report


def encode(press: Press) -> str:
    """`an:r:<role>`, `an:k:<kind>`, `an:u:<unit>`, `an:ok:<token>`, `an:rp:<id>`, `an:<step>`."""
    if isinstance(press, Toggle):
        if press.group not in ("r", "k"):
            raise ValueError(f"no audience group {press.group!r}")
        return fits(f"an:{press.group}:{word(press.name, _NAME)}")
    if isinstance(press, PickUnit):
        return fits(f"an:u:{digits(press.unit_id, 12)}")
    if isinstance(press, Send):
        return fits(f"an:ok:{word(press.token, _TOKEN)}")
    if isinstance(press, Report):
        return fits(f"an:rp:{digits(press.announcement_id, 12)}")
    if press.name not in _STEPS:
        raise ValueError(f"no announcement step {press.name!r}")
    return f"an:{press.name}"


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    if match[1]:
        return Toggle("r" if match[1] == "r" else "k", match[2])
    if match[3]:
        return PickUnit(int(match[3]))
    if match[4]:
        return Send(match[4])
    if match[5]:
        return Report(int(match[5]))
    return Step(cast(StepName, match[6]))
