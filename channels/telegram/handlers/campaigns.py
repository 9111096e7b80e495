"""Assessment campaigns (考核) on Telegram, thin: /campaign and a campaign's dialogues are the
conversation engine's (`workflow.dialogues`, `channels/telegram/handlers/dialogue.py`); here
/campaigns, the `ca:` presses that finish at once (同意, 签字确认, 重新送审, 自查进度), a
photo or file sent as evidence or report (downloaded, stored, handed to the engine), and what
the engine did not take (answered by `workflow.commands.campaigns`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from channels.telegram.context import Context
from chat.actions import campaign as ca
from chat.dialogue import Inbound
from chat.dialogue.session import FileIn
from storage.models import TELEGRAM
from workflow.campaign_common import check_upload
from workflow.commands import campaigns as campaign_commands
from workflow.outcomes import Refused

from . import survey
from .answers import send_answer
from .common import current, explain, keep_telegram_file
from .dialogue import engine, send_replies

#: The flows whose steps take a photo or a file.
FILE_FLOWS = frozenset({"campaign_selfcheck", "campaign_upload", "campaign_rectify"})


async def start_campaign(update: Update, context: Context) -> None:
    """/campaign from someone the engine does not know: the office only."""
    await explain(update, context, Refused("not_allowed"))


async def list_campaigns(update: Update, context: Context) -> None:
    """/campaigns: the office's campaigns, or the unit's self-checks to do."""
    person, _ = await current(update, context)
    services = context.bot_data
    answer = await campaign_commands.list_campaigns(services.db, services.rules, person)
    await send_answer(update, context, answer, person)


async def on_button(update: Update, context: Context) -> None:
    """A `ca:` press the engine did not take: one that finishes at once, or a stale step."""
    query = update.callback_query
    if query is None:
        return
    press = ca.decode(query.data or "")
    person, _ = await current(update, context)
    services = context.bot_data
    answer = await campaign_commands.press(services.db, services.rules, person, press)
    await send_answer(update, context, answer, person)
    if answer.queued:
        await survey.started(update, context, press)  # the office's QR codes once it runs


async def on_file(update: Update, context: Context) -> None:
    """A photo or document sent while a campaign step takes files: checked (size, kind)
    before it is fetched, stored in the ledger and handed to the engine as the step's answer.
    Anything else is left to the engine's router."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    person, _ = await current(update, context)
    if person is None:
        return
    dialogues = engine(context)
    session = await dialogues.store.load(person.id, TELEGRAM)
    if (
        session is None
        or session.flow not in FILE_FLOWS
        or not session.live(dialogues.clock(), dialogues.typed_answer)
    ):
        return
    if message.photo:
        photo = message.photo[-1]
        file_id, name, mime, size, kind = (
            photo.file_id,
            "photo.jpg",
            "image/jpeg",
            photo.file_size,
            "photo",
        )
    elif message.document is not None:
        document = message.document
        file_id, name, mime, size, kind = (
            document.file_id,
            document.file_name or "file",
            document.mime_type or "",
            document.file_size,
            "document",
        )
    else:
        return
    try:
        check_upload(mime, size)
    except Refused as refused:
        await explain(update, context, refused)
        raise ApplicationHandlerStop from None
    key = await keep_telegram_file(context, file_id, name, mime)
    event = Inbound(
        person.id,
        TELEGRAM,
        str(update.update_id),
        file=FileIn(key, name, mime, size, kind),
    )
    handled = await dialogues.handle(event)
    await send_replies(update, context, handled.replies, person)
    context.bot_data.courier.wake()
    raise ApplicationHandlerStop
