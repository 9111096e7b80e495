"""Where a person's notices go (`nt:`): one press per choice, `nt:telegram`, `nt:wecom` or
`nt:last` (the account they used last)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import fits

PATTERN: Final = r"^nt:"
#: The channels notices may be held to, and `last`: the account used last.
Choice = Literal["telegram", "wecom", "last"]
CHOICES: Final = get_args(Choice)
_DATA: Final = re.compile(rf"nt:({'|'.join(CHOICES)})")


@dataclass(frozen=True, slots=True)
class NoticesTo:
    """The person's notices go to this channel's account, or to the one used last."""

    choice: Choice


Press = NoticesTo


def encode(press: Press) -> str:
    """`nt:<choice>`."""
    if press.choice not in CHOICES:
        raise ValueError(f"no notices choice {press.choice!r}")
    return fits(f"nt:{press.choice}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    return None if match is None else NoticesTo(cast(Choice, match[1]))
