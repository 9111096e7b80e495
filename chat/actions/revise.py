"""The revise buttons (`rv:`) of a returned item: 修改后重报 opens it as a /submit draft again,
and a revision's attachment is removed by its place in the list and a tag of its stored key
(so a stale button never removes another file)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ._wire import ID, digits, fits, word

PATTERN: Final = r"^rv:"
REMOVE_PATTERN: Final = r"^rv:rm:"
#: A file's tag: the first 8 hex digits of its stored key's SHA-256.
_TAG: Final = "[0-9a-f]{8}"
_DATA: Final = re.compile(rf"rv:(?:({ID})|rm:([0-9]{{1,2}}):({_TAG}))")


@dataclass(frozen=True, slots=True)
class Revise:
    """Revise and resubmit the returned item `item_id`."""

    item_id: int


@dataclass(frozen=True, slots=True)
class RemoveFile:
    """Removes the revision's attachment at `place` (from 0), if it is still the file `tag`."""

    place: int
    tag: str


Press = Revise | RemoveFile


def encode(press: Press) -> str:
    """`rv:<item>`, `rv:rm:<place>:<tag>`."""
    if isinstance(press, RemoveFile):
        return fits(f"rv:rm:{digits(press.place, 2)}:{word(press.tag, _TAG)}")
    return fits(f"rv:{digits(press.item_id, 12)}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    if match[1]:
        return Revise(int(match[1]))
    return RemoveFile(int(match[2]), match[3])
