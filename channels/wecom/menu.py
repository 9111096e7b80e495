"""The WeCom app's menu: the commands every role uses, as WeCom's menu holds them.

WeCom's menu belongs to the application, not to a member, so it offers what everybody may
ask (what a member's role does not allow is refused as when typed). At most three top
buttons of at most five sub-buttons each; a click sends a `click` event whose key is the
command's word, which the dispatcher reads as that word typed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final

from chat.commands import WECOM_COMMANDS

#: WeCom's limits on an application's menu.
MAX_TOP: Final = 3
MAX_SUB: Final = 5

#: (top button's label, its commands in order); a top button left with one command is that
#: command itself.
LAYOUT: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("报送", ("submit",)),
    ("查询", ("my", "unit", "rank", "pending", "bulletin")),
    ("更多", ("tasks", "help", "cancel")),
)


@dataclass(frozen=True, slots=True)
class MenuButton:
    """A menu button: a command's click (`key`) or a top button holding sub-buttons."""

    name: str
    key: str | None = None
    sub: tuple[MenuButton, ...] = ()

    def wire(self) -> dict[str, Any]:
        """The button as `menu/create` takes it."""
        if self.sub:
            return {"name": self.name, "sub_button": [b.wire() for b in self.sub]}
        return {"type": "click", "name": self.name, "key": self.key}


def app_menu(served: Collection[str]) -> tuple[MenuButton, ...]:
    """The menu of the commands WeCom serves, in `LAYOUT`'s order, within WeCom's limits."""
    menu: list[MenuButton] = []
    for label, commands in LAYOUT[:MAX_TOP]:
        subs = tuple(
            MenuButton(WECOM_COMMANDS.names[c], WECOM_COMMANDS.names[c])
            for c in commands
            if c in served
        )[:MAX_SUB]
        if len(subs) == 1:
            menu.append(subs[0])
        elif subs:
            menu.append(MenuButton(label, sub=subs))
    return tuple(menu)
