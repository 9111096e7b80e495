"""/visit: an editor logs a leader's visit step by step (visitor, kind, unit, date, confirm);
buttons `vi:k:<kind>`, `vi:u:<unit>`, `vi:d:<0|1>`, `vi:ok`, `vi:x`. The dialogue is the
conversation engine's (`workflow.dialogues`, `channels/telegram/handlers/dialogue.py`), which takes /visit and
its buttons from people it knows; what is left here answers the rest."""

from __future__ import annotations

from telegram import Update

from channels.telegram.context import Context
from chat.actions import visits as vi
from workflow.outcomes import Refused

from .common import current, explain


async def start_visit(update: Update, context: Context) -> None:
    """/visit from someone the engine does not know: editors only."""
    await explain(update, context, Refused("not_editor"))


async def on_button(update: Update, context: Context) -> None:
    """A /visit button the engine did not take: no visit is being logged (or it expired)."""
    query = update.callback_query
    if query is None:
        return
    person, _ = await current(update, context)
    if vi.decode(query.data or "") is None:
        refused = Refused("forged")
    elif person is None:
        refused = Refused("not_editor")
    else:
        refused = Refused("visit_stale")
    await explain(update, context, refused)
