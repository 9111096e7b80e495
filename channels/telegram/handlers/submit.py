"""/submit on Telegram: the dialogue is the conversation engine's (`workflow/dialogues/
submit.py`, run by `dialogue.route`); what stays here is Telegram's part of it, a photo or
document downloaded into the ledger before the engine sees it as a `FileIn`."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from telegram import Update
from telegram.constants import ParseMode

from channels.telegram.context import Context
from chat.actions import revise as rv
from chat.actions import submit as sub
from chat.dialogue import SessionStore, aside_channel
from chat.dialogue.session import FileIn
from storage import people
from storage.models import TELEGRAM
from storage.sessions import LedgerSessions
from workflow import submission
from workflow.dialogues.submit import MAX_FILE_BYTES, MAX_FILES, file_refusal
from workflow.outcomes import Refused

from .common import acknowledge, explain, keep_telegram_file, telegram_account

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "OCTET",
    "PHOTO_NAME",
    "garbled",
    "incoming_file",
    "no_unit",
    "open_for",
    "stranger_revise",
]

FLOW: Final = "submit"  # the engine's flow
PHOTO_NAME: Final = "photo.jpg"  # what a stored photo is called (Telegram gives photos no name)
OCTET: Final = "application/octet-stream"


async def open_for(store: SessionStore, person_id: int) -> bool:
    """Whether the person is in the middle of /submit on Telegram."""
    return await store.load(person_id, aside_channel(TELEGRAM, FLOW)) is not None


async def incoming_file(
    update: Update, context: Context, store: SessionStore, person_id: int
) -> FileIn | None:
    """A photo (its largest size) or document sent while /submit asks for files, stored in the
    ledger if the flow would take it (else left undownloaded, with no key, for the flow to
    refuse); None for anything else."""
    message = update.effective_message
    if message is None or not (message.photo or message.document is not None):
        return None
    session = await store.load(person_id, aside_channel(TELEGRAM, FLOW))
    if session is None or session.step != "files":
        return None
    count = len(session.draft.get("files", []))
    if message.photo:
        photo = message.photo[-1]
        caption = submission.clean_caption(message.caption)
        file = FileIn("", None, "image/jpeg", photo.file_size, kind="photo", caption=caption)
        if file_refusal(file, count) is not None:
            return file
        key = await keep_telegram_file(context, photo.file_id, PHOTO_NAME, "image/jpeg")
        return replace(file, key=key)
    document = message.document
    assert document is not None
    file = FileIn(
        "",
        document.file_name,
        document.mime_type,
        document.file_size,
        caption=submission.clean_caption(message.caption),
    )
    if file_refusal(file, count) is not None:
        return file
    name = submission.clean_file_name(document.file_name) or "file"  # no direction overrides
    key = await keep_telegram_file(context, document.file_id, name, document.mime_type or OCTET)
    return replace(file, key=key)


async def no_unit(update: Update, context: Context) -> None:
    """/submit the engine did not take (from someone the ledger does not know): no unit."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(
            context.bot_data.texts("submit.no_unit"), parse_mode=ParseMode.HTML
        )


async def stranger_revise(update: Update, context: Context) -> None:
    """修改后重报 pressed by someone the ledger does not know: no such item for them (garbled
    data, or a revision's button they were never shown: a forged button)."""
    query = update.callback_query
    readable = query is not None and isinstance(rv.decode(query.data or ""), rv.Revise)
    await explain(update, context, Refused("item_unknown" if readable else "forged"))


async def garbled(update: Update, context: Context) -> None:
    """A /submit button the engine did not take: garbled data is refused as the step it
    pretends to answer refuses; a well-formed one is stale (another step's, or of a draft
    that was sent, cancelled or timed out); anything else is forged."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    async with context.bot_data.db.reading() as tx:
        person = await people.person_by_account(tx, telegram_account(user.id))
    step = None
    if person is not None:
        session = await LedgerSessions(context.bot_data.db).load(
            person.id, aside_channel(TELEGRAM, FLOW)
        )
        step = session.step if session is not None else None
    data = query.data or ""
    if person is None:  # a stranger was never shown one of ours
        await explain(update, context, Refused("forged"))
    elif step == "category" and data.startswith("sub:cat:"):
        await explain(update, context, Refused("category_unknown"))
    elif step == "unit" and data.startswith("sub:unit:"):
        await acknowledge(query)
        await explain(update, context, Refused("not_allowed"))
    elif sub.decode(data) is not None:  # well-formed: another step's, or a draft's gone
        await explain(update, context, Refused("button_stale" if step else "submit_step_passed"))
    else:
        await explain(update, context, Refused("forged"))
