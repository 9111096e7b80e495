"""Announcements in chat (第八条): /announce's Telegram side, /announced, and /guide.

/announce itself runs on the conversation engine (`workflow.dialogues.announce`, drawn by
`dialogue.py`); what is Telegram's stays here: what the flow is handed (the limits of the
channels served, the caption's heading, whether /submit is under way), a photo or document
sent at the text's step downloaded into the ledger before the engine sees it, a configured admin who never
joined made a person so their draft has a session, and the answers to /announce and its
buttons from outside the dialogue. /announced and /guide say what
`workflow.commands.admin` decides."""

from __future__ import annotations

import contextlib
import html

from telegram import Update

from channels.telegram.context import Context
from chat.actions import announce as an
from chat.dialogue import SessionStore, aside_channel
from chat.dialogue.session import FileIn
from storage.models import TELEGRAM
from storage.sessions import LedgerSessions
from workflow import announce
from workflow.commands import admin as admin_commands
from workflow.dialogues import Announcing
from workflow.outcomes import Refused

from .answers import send_answer
from .common import acknowledge, current, explain, keep_telegram_file, telegram_account
from .submit import OCTET, PHOTO_NAME
from .submit import open_for as submit_open_for

FLOW = "announce"  # the engine's flow, kept aside


# ----------------------------------------------------------------------------- the flow's side


def announcing(context: Context) -> Announcing:
    """What /announce's flow is handed on Telegram: the narrowest limits of the channels the
    bot serves (one text reaches readers on each), the caption's plain-text heading, and
    whether the person is in the middle of /submit (its session on the engine)."""
    services = context.bot_data

    async def submitting(person_id: int) -> bool:
        """Whether /submit's draft is open (its texts would be taken by /submit)."""
        return await submit_open_for(LedgerSessions(services.db), person_id)

    return Announcing(
        capabilities=services.capabilities,
        caption_head=html.unescape(services.texts("ann.heading")),
        submitting=submitting,
    )


async def incoming_file(
    update: Update, context: Context, store: SessionStore, person_id: int
) -> FileIn | None:
    """A photo or document sent while /announce asks for its text (or a file), its bytes
    stored in the ledger; None for anything else (the flow says what it awaits)."""
    message = update.effective_message
    if message is None or not (message.photo or message.document is not None):
        return None
    session = await store.load(person_id, aside_channel(TELEGRAM, FLOW))
    if session is None or session.step != "text":
        return None
    if message.photo:
        photo = message.photo[-1]
        key = await keep_telegram_file(context, photo.file_id, PHOTO_NAME, "image/jpeg")
        return FileIn(key, None, "image/jpeg", photo.file_size, kind="photo")
    document = message.document
    if document is None:
        return None
    key = await keep_telegram_file(
        context, document.file_id, document.file_name or "file", document.mime_type or OCTET
    )
    return FileIn(key, document.file_name, document.mime_type, document.file_size)


async def enrol(update: Update, context: Context) -> None:
    """Before the engine's turn (never stopping the update): /announce from a configured admin
    who never joined makes them a person, so the engine can keep their draft."""
    user = update.effective_user
    if user is None:
        return
    services = context.bot_data
    with contextlib.suppress(Refused):  # anyone else: the engine or `start` answers
        await announce.enrol(
            services.db,
            services.rules,
            telegram_account(user.id),
            name=user.full_name,
            username=user.username,
        )


async def start(update: Update, context: Context) -> None:
    """/announce from someone the engine does not know: only admins and editors announce."""
    await explain(update, context, Refused("ann_not_allowed"))


async def stale(update: Update, context: Context) -> None:
    """An announcement button outside its step (sent, cancelled, an old message): no change."""
    if update.callback_query is not None:
        await acknowledge(update.callback_query, context.bot_data.texts("ann.stale"), alert=True)


# ----------------------------------------------------------------------------- /announced, /guide


async def announced(update: Update, context: Context) -> None:
    """/announced: recent announcements with their counts; /announced N: one report."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    typed = " ".join(context.args or [])
    answer = await admin_commands.announced(
        services.db, services.rules, telegram_account(user.id), typed
    )
    await send_answer(update, context, answer, person)


async def report_button(update: Update, context: Context) -> None:
    """The 查看发送情况 / 刷新 button: the report, rights re-checked."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    press = an.decode(query.data or "")
    if not isinstance(press, an.Report):
        await explain(update, context, Refused("forged"))
        return
    services = context.bot_data
    person, _ = await current(update, context)
    answer = await admin_commands.report(
        services.db, services.rules, telegram_account(user.id), press.announcement_id
    )
    await send_answer(update, context, answer, person)


async def guide(update: Update, context: Context) -> None:
    """/guide: what to report, how to write it, by when, who signs, how it scores."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    services = context.bot_data
    person, grants = await current(update, context)
    answer = await admin_commands.guide(
        services.db, services.rules, telegram_account(user.id), person, grants
    )
    await send_answer(update, context, answer, person)
