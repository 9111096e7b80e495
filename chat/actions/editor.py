"""The centre editor's buttons (`ed:`): an item's register / edit / adopt / route / archive /
undo the archive, the outlet chosen for an adoption, an adoption's follow-ups, the routing
toggles (第六条), and the desk's pages and filters (`ed:q:`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import ID, digits, fits

PATTERN: Final = r"^ed:"
ItemVerb = Literal["reg", "edit", "adopt", "route", "arc", "unarc", "edok"]
DeskState = Literal["a", "s", "r"]
AdoptionVerb = Literal["wd", "wdok", "wdno", "day", "ref"]
_ITEM_VERBS: Final = get_args(ItemVerb)
_ADOPTION_VERBS: Final = get_args(AdoptionVerb)
_ACTION: Final = re.compile(rf"ed:({'|'.join(_ITEM_VERBS + _ADOPTION_VERBS)}):({ID})")
_OUTLET: Final = re.compile(rf"ed:out:({ID}):([0-9]{{1,3}})")
_ROUTE: Final = re.compile(rf"ed:rt:({ID}):([0-9]{{1,15}}):([0-9]{{1,3}}|ok)")
_DESK: Final = re.compile(rf"ed:q:([0-9]{{1,4}}):({ID}):([asr]):(0|[0-9]{{6}})")


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


@dataclass(frozen=True, slots=True)
class DeskPage:
    """A page of the editors' desk: its number (from 0), the unit (0: all), the state (a all,
    s not registered, r registered) and the month YYYYMM (0: all)."""

    page: int
    unit_id: int = 0
    state: DeskState = "a"
    month: int = 0


Press = ItemAction | AdoptionAction | Outlet | RouteToggle | DeskPage


def encode(press: Press) -> str:
    """`ed:<verb>:<id>`, `ed:out:<item>:<index>`, `ed:rt:<item>:<mask>:<index|ok>`."""
    if isinstance(press, ItemAction | AdoptionAction):
        if press.verb not in _ITEM_VERBS + _ADOPTION_VERBS:
            raise ValueError(f"no editor action {press.verb!r}")
        number = press.item_id if isinstance(press, ItemAction) else press.adoption_id
        return fits(f"ed:{press.verb}:{digits(number, 12)}")
    if isinstance(press, Outlet):
        return fits(f"ed:out:{digits(press.item_id, 12)}:{digits(press.index, 3)}")
    if isinstance(press, DeskPage):
        if press.state not in ("a", "s", "r"):
            raise ValueError(f"no desk state {press.state!r}")
        if press.month and not (100001 <= press.month <= 999912 and 1 <= press.month % 100 <= 12):
            raise ValueError(f"no month {press.month}")
        month = digits(press.month, 6)
        return fits(
            f"ed:q:{digits(press.page, 4)}:{digits(press.unit_id, 12)}:{press.state}:{month}"
        )
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
    if match := _DESK.fullmatch(data):
        month = int(match[4])
        if month and not (month >= 100001 and 1 <= month % 100 <= 12):
            return None
        return DeskPage(int(match[1]), int(match[2]), cast(DeskState, match[3]), month)
    if match := _ROUTE.fullmatch(data):
        index = None if match[3] == "ok" else int(match[3])
        return RouteToggle(int(match[1]), int(match[2]), index)
    return None
