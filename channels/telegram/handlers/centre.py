"""Centre editors on Telegram: the desk (/queue, paged and filtered), register (登记), archive
(归档) and its undo, record an adoption, the routing toggles; what is decided and said is
`workflow.commands.desk`'. A routing toggle only redraws the pressed message's buttons."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest, Forbidden

from channels.telegram.context import Context
from chat.actions import editor as ed
from workflow.commands import desk

from . import dialogue  # as a module, as `answers` takes it
from .answers import send_answer
from .common import acknowledge, current


async def queue(update: Update, context: Context) -> None:
    """/queue [unit] [month] [未登记|已登记]: the editors' desk, a page at a time."""
    if update.effective_message is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    typed = " ".join(context.args or [])
    answer = await desk.queue(services.db, services.rules, person, typed)
    await send_answer(update, context, answer, person)


async def on_button(update: Update, context: Context) -> None:
    """The editor's buttons; every tap re-checks the editor's role and the item's state. A
    routing toggle's redrawn suggestion changes only the pressed message's buttons."""
    query = update.callback_query
    if query is None:
        return
    services = context.bot_data
    pressed = ed.decode(query.data or "")
    person, _ = await current(update, context)
    answer = await desk.press(services.db, services.rules, person, pressed)
    redrawn = [reply for reply in answer.replies if reply.how == "edit"]
    if redrawn:  # a toggle: nothing stored, the buttons flip in place
        await acknowledge(query)
        with contextlib.suppress(BadRequest, Forbidden):  # unchanged, or chat gone
            await query.edit_message_reply_markup(dialogue.reply_keyboard(context, redrawn[0]))
        return
    await send_answer(update, context, answer, person)
