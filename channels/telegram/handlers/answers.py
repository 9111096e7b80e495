"""The commands outside dialogues on Telegram: their channel-neutral answers
(`workflow.commands`) sent as the engine's replies are, plus what only they say (a stored
file on its own, a month's bulletin in the wording the root hands the adapter)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from channels.telegram.context import Context
from chat.dialogue import Reply
from storage.models import Person
from workflow.commands import Answer
from workflow.outcomes import Refused

from . import dialogue  # as a module: dialogue imports the handlers that import this
from .common import press_chat, reply_stored_file, send_stored_file


async def send_answer(
    update: Update, context: Context, answer: Answer, person: Person | None
) -> None:
    """Sends a command's answer in order: texts, cards and buttons as the engine's replies,
    files and the bulletin in between; wakes the courier if something was queued."""
    said: list[Reply] = []
    for reply in answer.replies:
        if reply.how not in ("file", "bulletin"):
            said.append(reply)
            continue
        if said:
            await dialogue.send_replies(update, context, said, person)
            said = []
        await _special(update, context, reply, person)
    if said:
        await dialogue.send_replies(update, context, said, person)
    if answer.queued:
        context.bot_data.courier.wake()


async def _special(update: Update, context: Context, reply: Reply, person: Person | None) -> None:
    """A stored file on its own (none kept: nothing sent), or a month's bulletin in parts; as
    replies to a command (quoted in groups, as PTB's replies are), to the chat of a press."""
    query, message = update.callback_query, update.effective_message
    if reply.how == "bulletin":
        parts = context.bot_data.options.bulletin_parts(
            reply.params["report"], reply.params["mine"]
        )
        for part in parts:
            if query is None and message is not None:
                await message.reply_text(part, parse_mode=ParseMode.HTML)
            elif query is not None and (chat_id := press_chat(query, person)) is not None:
                await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML)
        return
    kind, key = str(reply.params["file"]["kind"]), str(reply.params["file"]["key"])
    try:
        if query is None and message is not None:
            await reply_stored_file(context, message, kind, key)
        elif query is not None and (chat_id := press_chat(query, person)) is not None:
            await send_stored_file(context, chat_id, kind, key)
    except Refused:  # posted before files were kept, or neither bytes nor an id
        return
