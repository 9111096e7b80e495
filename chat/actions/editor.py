"""The centre editor's buttons (`ed:`): an item's register / edit / adopt / route, the outlet
chosen for an adoption, an adoption's follow-ups, and the routing toggles (第六条)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import ID, digits, fits

PATTERN: Final = r"^ed:"
ItemVerb = Literal["reg", "edit", "adopt", "route"]
AdoptionVerb = Literal["wd", "wdok", "wdno", "day", "ref"]
_ITEM_VERBS: Final = get_args(ItemVerb)
_ADOPTION_VERBS: Final = get_args(AdoptionVerb)
_ACTION: Final = re.compile(rf"ed:({'|'.join(_ITEM_VERBS + _ADOPTION_VERBS)}):({ID})")
_OUTLET: Final = re.compile(rf"ed:out:({ID}):([0-9]{{1,3}})")
_ROUTE: Final = re.compile(rf"ed:rt:({ID}):([0-9]{{1,15}}):([0-9]{{1,3}}|ok)")


@dataclass(frozen=True, slots=True)
class ItemAction:
    """On an item: register it, edit its text, adopt it (choose an outlet), or route it."""

    verb: ItemVerb
    item_id: int


@dataclass(frozen=True, slots=True)
class AdoptionAction:
    """On an adoption: withdraw (and confirm or keep), change its date, add its reference."""

    verb: AdoptionVerb
    adoption_id: int


@dataclass(frozen=True, slots=True)
class Outlet:
    """Record an adoption of the item at the configured outlet number `index`."""

    item_id: int
    index: int


@dataclass(frozen=True, slots=True)
class RouteToggle:
    """Routing so far as a bit mask; `index` toggles that outlet, None confirms (确认去向)."""

    item_id: int
    mask: int
    index: int | None


Press = ItemAction | AdoptionAction | Outlet | RouteToggle


def encode(press: Press) -> str:
    """`ed:<verb>:<id>`, `ed:out:<item>:<index>`, `ed:rt:<item>:<mask>:<index|ok>`."""
    if isinstance(press, ItemAction | AdoptionAction):
        if press.verb not in _ITEM_VERBS + _ADOPTION_VERBS:
            raise ValueError(f"no editor action {press.verb!r}")
        number = press.item_id if isinstance(press, ItemAction) else press.adoption_id
        return fits(f"ed:{press.verb}:{digits(number, 12)}")
    if isinstance(press, Outlet):
        return fits(f"ed:out:{digits(press.item_id, 12)}:{digits(press.index, 3)}")
    last = "ok" if press.index is None else digits(press.index, 3)
    return fits(f"ed:rt:{digits(press.item_id, 12)}:{digits(press.mask, 15)}:{last}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    if match := _ACTION.fullmatch(data):
        verb, number = match[1], int(match[2])
        if verb in _ITEM_VERBS:
            return ItemAction(cast(ItemVerb, verb), number)
        return AdoptionAction(cast(AdoptionVerb, verb), number)
    if match := _OUTLET.fullmatch(data):
        return Outlet(int(match[1]), int(match[2]))
    if match := _ROUTE.fullmatch(data):
        index = None if match[3] == "ok" else int(match[3])
        return RouteToggle(int(match[1]), int(match[2]), index)
    return None
