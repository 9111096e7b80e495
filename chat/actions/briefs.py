"""Issue buttons (`bf:`, 第八条): the draft's menu, reopening a draft, the review and signing
decisions with a return's confirm or cancel, and the issued document sent again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import ID, ROUND, digits, fits

PATTERN: Final = r"^bf:"
OPEN_PATTERN: Final = r"^bf:open:"
MENU_PATTERN: Final = r"^bf:d:"
DECISION_PATTERN: Final = r"^bf:[ar]:"
CONFIRM_PATTERN: Final = r"^bf:[cx]:"
GET_PATTERN: Final = r"^bf:get:"
#: Menu actions on the whole draft, and those on one of its entries (they carry the item).
DraftVerb = Literal["menu", "add", "date", "view", "send", "drop", "dropok", "close"]
EntryVerb = Literal["h", "b", "up", "dn", "rm"]
Step = Literal["review", "sign"]  # by a centre leader, then by a main leader
#: A step as the data carries it.
_CODES: Final[dict[str, Step]] = {"rv": "review", "sg": "sign"}
_DRAFT_VERBS: Final = get_args(DraftVerb)
_ENTRY_VERBS: Final = get_args(EntryVerb)
_MENU: Final = re.compile(
    rf"bf:d:({ID}):(?:({'|'.join(_DRAFT_VERBS)})|({'|'.join(_ENTRY_VERBS)}):({ID}))"
)
_OPEN: Final = re.compile(rf"bf:open:({ID})")
_GET: Final = re.compile(rf"bf:get:({ID})")
_DECISION: Final = re.compile(rf"bf:([arcx]):({ID}):({ROUND}):(rv|sg)")


@dataclass(frozen=True, slots=True)
class DraftMenu:
    """A menu action on draft `brief_id`; entry actions name the entry's item."""

    brief_id: int
    verb: DraftVerb | EntryVerb
    item_id: int | None = None


@dataclass(frozen=True, slots=True)
class OpenBrief:
    """Reopen a draft or returned issue."""

    brief_id: int


@dataclass(frozen=True, slots=True)
class GetBrief:
    """The issued document, sent again."""

    brief_id: int


@dataclass(frozen=True, slots=True)
class Decide:
    """Approve (`a`) or return (`r`) the review or signing step of one round of an issue."""

    brief_id: int
    round: int
    step: Step
    decision: Literal["a", "r"]


@dataclass(frozen=True, slots=True)
class ConfirmReturn:
    """A return of an issue's step, its reason shown back: confirmed or cancelled."""

    brief_id: int
    round: int
    step: Step
    confirmed: bool


Press = DraftMenu | OpenBrief | GetBrief | Decide | ConfirmReturn


def encode(press: Press) -> str:
    """`bf:d:<issue>:<verb>[:<item>]`, `bf:open:<issue>`, `bf:get:<issue>`,
    `bf:<a|r|c|x>:<issue>:<round>:<rv|sg>`."""
    if isinstance(press, DraftMenu):
        entry = press.verb in _ENTRY_VERBS
        if (press.verb not in _DRAFT_VERBS and not entry) or entry != (press.item_id is not None):
            raise ValueError(f"cannot encode {press!r}")
        tail = f":{digits(press.item_id, 12)}" if press.item_id is not None else ""
        return fits(f"bf:d:{digits(press.brief_id, 12)}:{press.verb}{tail}")
    if isinstance(press, OpenBrief | GetBrief):
        verb = "open" if isinstance(press, OpenBrief) else "get"
        return fits(f"bf:{verb}:{digits(press.brief_id, 12)}")
    step = next((code for code, name in _CODES.items() if name == press.step), None)
    if step is None:
        raise ValueError(f"no issue step {press.step!r}")
    if isinstance(press, Decide):
        if press.decision not in ("a", "r"):
            raise ValueError(f"no decision {press.decision!r}")
        code: str = press.decision
    else:
        code = "c" if press.confirmed else "x"
    return fits(f"bf:{code}:{digits(press.brief_id, 12)}:{digits(press.round, 6)}:{step}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    if match := _MENU.fullmatch(data):
        if match[2]:
            return DraftMenu(int(match[1]), cast(DraftVerb, match[2]))
        return DraftMenu(int(match[1]), cast(EntryVerb, match[3]), int(match[4]))
    if match := _OPEN.fullmatch(data):
        return OpenBrief(int(match[1]))
    if match := _GET.fullmatch(data):
        return GetBrief(int(match[1]))
    if match := _DECISION.fullmatch(data):
        code, brief, round_, step = match[1], int(match[2]), int(match[3]), _CODES[match[4]]
        if code in "ar":
            return Decide(brief, round_, step, "a" if code == "a" else "r")
        return ConfirmReturn(brief, round_, step, code == "c")
    return None
