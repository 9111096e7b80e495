"""The editors' desk on WeCom: 「待处理」 with its filters (a unit's name, a month, 未登记 /
已登记) and its pages, and every editor button on an item card (登记 and where it goes, 归档
and 撤销归档, 登记采用 with its outlets, the routing toggles and 确认去向), answered by
`workflow.commands.desk` as Telegram's are. 修改 and an adoption's 撤销, date and reference are
the engine's flows, which WeCom runs too; their presses reach here only when stale.

WeCom cannot redraw a sent card's buttons, so a routing toggle sends the suggestion again
with the outlet flipped and settles the pressed card; with more outlets than a card holds the
toggles are numbered replies (the adapter's), each answer a fresh menu."""

from __future__ import annotations

from typing import Final, TypeGuard

from chat.actions import editor as ed
from chat.dialogue import Reply
from storage.db import Database
from storage.models import Person
from workflow.commands import Answer
from workflow.commands import desk as neutral
from workflow.rules import CentreRules

#: The editor's presses the desk answers (the engine takes a rewrite's and an adoption's).
PRESSES: Final = (ed.ItemAction, ed.AdoptionAction, ed.Outlet, ed.RouteToggle, ed.DeskPage)


def takes(press: object) -> TypeGuard[ed.Press]:
    """Whether the press is an editor's button (the desk's to answer)."""
    return isinstance(press, PRESSES)


async def queue(db: Database, rules: CentreRules, person: Person, typed: str) -> Answer:
    """「待处理」 and the words after it (a unit's name, a month, 未登记 / 已登记)."""
    return await neutral.queue(db, rules, person, typed)


async def press(db: Database, rules: CentreRules, person: Person, pressed: ed.Press) -> Answer:
    """An editor's button; a redrawn suggestion (a toggle) is a message of its own and the
    pressed card is settled, so only the newest choice stays pressable."""
    answer = await neutral.press(db, rules, person, pressed)
    replies: list[Reply] = []
    for reply in answer.replies:
        if reply.how != "edit":
            replies.append(reply)
            continue
        replies.append(Reply(reply.key, reply.params, reply.buttons, also=reply.also))
        replies.append(Reply("", how="clear"))
    return Answer(replies, answer.queued, answer.menu)
