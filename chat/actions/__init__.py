"""Buttons, one codec per family: a press is a typed value, and its family's module is the
only place its wire form (the callback data, at most 64 bytes) is written or read.

Families by prefix: `so:` sign-off, `ed:` editor, `sub:` /submit, `rv:` revise, `tk:` tasks,
`ad:` admin, `an:` announcements, `bf:` issues, `wn:` website news, `vi:` visits, `it:` an
item's own (its full text), `ca:` assessment campaigns, `nt:` where a person's notices go. Decoding returns None for data no
button of ours carries (forged or garbled); whether a well-formed press is still allowed
is for the services to say, on every press.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from . import (
    admin,
    announce,
    briefs,
    campaign,
    editor,
    item,
    notify,
    revise,
    signoff,
    submit,
    tasks,
    visits,
    webnews,
)
from ._wire import LIMIT

__all__ = [
    "LIMIT",
    "Button",
    "Press",
    "Rows",
    "admin",
    "announce",
    "briefs",
    "campaign",
    "decode",
    "editor",
    "encode",
    "item",
    "notify",
    "revise",
    "signoff",
    "stored_rows",
    "submit",
    "tasks",
    "visits",
    "webnews",
]

Press = (
    signoff.Press
    | editor.Press
    | submit.Press
    | revise.Press
    | tasks.Press
    | admin.Press
    | announce.Press
    | briefs.Press
    | webnews.Press
    | visits.Press
    | item.Press
    | campaign.Press
    | notify.Press
)

#: Each family's prefix and codec; a prefix is never the start of another's.
FAMILIES: Final[dict[str, Any]] = {
    "so:": signoff,
    "ed:": editor,
    "sub:": submit,
    "rv:": revise,
    "tk:": tasks,
    "ad:": admin,
    "an:": announce,
    "bf:": briefs,
    "wn:": webnews,
    "vi:": visits,
    "it:": item,
    "ca:": campaign,
    "nt:": notify,
}
_BY_TYPE: Final[dict[type, Callable[[Any], str]]] = {
    press_type: module.encode
    for module in FAMILIES.values()
    for press_type in getattr(module.Press, "__args__", (module.Press,))
}


@dataclass(frozen=True, slots=True)
class Button:
    """A button as services describe it: the text key of its label and what pressing it asks.
    `params` fill the label's fields (a menu's entry number); only a dialogue's reply carries
    them, a queued notice's buttons take none."""

    label: str
    press: Press
    params: Mapping[str, object] = field(default_factory=dict)


Rows = tuple[tuple[Button, ...], ...]


def encode(press: Press) -> str:
    """The press's callback data, by its family's codec."""
    return _BY_TYPE[type(press)](press)


def decode(data: str) -> Press | None:
    """The press any family reads in the data, or None when none does."""
    for prefix, module in FAMILIES.items():
        if data.startswith(prefix):
            press: Press | None = module.decode(data)
            return press
    return None


def stored_rows(rows: Sequence[Sequence[Button]]) -> list[list[list[str]]]:
    """Buttons as a queued message keeps them: `[[label key, callback data], …]` per row."""
    for row in rows:
        for button in row:
            if not isinstance(button, Button):  # a string here would bypass the codecs
                raise TypeError(f"not a Button: {button!r}")
    return [[[button.label, encode(button.press)] for button in row] for row in rows]
