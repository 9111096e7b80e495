"""Shared glue: who is writing, explaining refusals, item cards and buttons, sending notices."""

from __future__ import annotations

import contextlib
import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from channels.telegram.adapter import remember_sent_file, telegram_upload
from channels.telegram.context import Context
from channels.telegram.render import keyboard
from chat.actions import Button, Press
from chat.capabilities import TELEGRAM as TELEGRAM_CAPS
from chat.render import TELEGRAM_HTML
from chat.split import split_text, within
from chat.texts import Texts
from storage.models import TELEGRAM, Account, Person, RoleGrant
from workflow import attachments, joining
from workflow.outcomes import Notice, Refused

log = logging.getLogger(__name__)
BODY_PREVIEW = 1500


async def current(update: Update, context: Context) -> tuple[Person | None, list[RoleGrant]]:
    """The person behind the update and the roles they hold now."""
    user = update.effective_user
    if user is None:
        return None, []
    return await joining.whoami(context.bot_data.db, telegram_account(user.id))


def confirm_keyboard(texts: Texts, yes: Press, no: Press) -> InlineKeyboardMarkup:
    """✅ 确认 / ✖️ 取消 under a destructive step shown back, with the presses they ask for."""
    return keyboard(texts, ((Button("btn.confirm_yes", yes), Button("btn.confirm_no", no)),))


def telegram_account(tg_user_id: int) -> Account:
    """The account of a Telegram user, as the ledger knows it."""
    return Account(TELEGRAM, str(tg_user_id))


def press_chat(query: CallbackQuery, person: Person | None) -> int | None:
    """Where to answer a press: the pressed message's chat, else the person's own."""
    if query.message is not None:
        return query.message.chat.id
    return query.from_user.id if person is not None else None


async def keep_telegram_file(context: Context, file_id: str, name: str, mime_type: str) -> str:
    """Downloads a file someone sent on Telegram and stores its bytes in the ledger (with its
    Telegram id, so Telegram is sent the id again); the stored file's key."""
    received = await context.bot.get_file(file_id)
    data = bytes(await received.download_as_bytearray())
    return await attachments.receive(
        context.bot_data.db,
        data=data,
        name=name,
        mime_type=mime_type,
        channel=TELEGRAM,
        remote_id=file_id,
        actor_id=None,
    )


async def reply_stored_file(
    context: Context, message: Message, kind: str, key: str, caption: str | None = None
) -> None:
    """Replies with a stored file as a photo or document: by its Telegram id, else uploaded
    (and its new id kept)."""
    upload = await telegram_upload(context.bot_data.db, key)
    if kind == "photo":
        sent = await message.reply_photo(upload, caption=caption)
    else:
        sent = await message.reply_document(upload, caption=caption)
    if not isinstance(upload, str):
        await remember_sent_file(context.bot_data.db, key, sent)


async def send_stored_file(
    context: Context, chat_id: int, kind: str, key: str, caption: str | None = None
) -> None:
    """Sends a stored file to a chat as a photo or document: by its Telegram id, else uploaded
    (and its new id kept)."""
    upload = await telegram_upload(context.bot_data.db, key)
    if kind == "photo":
        sent = await context.bot.send_photo(chat_id, upload, caption=caption)
    else:
        sent = await context.bot.send_document(chat_id, upload, caption=caption)
    if not isinstance(upload, str):
        await remember_sent_file(context.bot_data.db, key, sent)


def is_stale_query(error: BaseException) -> bool:
    """Whether Telegram refused an answer because the press was answered already or expired."""
    message = str(error).lower()
    return isinstance(error, BadRequest) and (
        "query is too old" in message or "query id is invalid" in message
    )


async def acknowledge(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """Answers a button press; a press answered before a restart and delivered again is no
    error, so the handler goes on and the user still gets the step's reply."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        if not is_stale_query(error):
            raise
        log.info("button press %s answered before (delivered again): going on", query.id)


async def explain(update: Update, context: Context, refused: Refused) -> None:
    """Tells the user why a request was refused, as an alert on a button or as a reply."""
    texts = context.bot_data.texts
    key = f"refused.{refused.key}"
    params = {  # quote what the user typed, but never at a length Telegram refuses
        key: (value[:60] + "…" if isinstance(value, str) and len(value) > 60 else value)
        for key, value in refused.params.items()
    }
    if params.get("role"):
        params["role"] = texts.role(str(params["role"]))
    text = texts(key, **params) if texts.has(key) else texts("refused.not_allowed")
    if update.callback_query is not None:
        await acknowledge(update.callback_query, text, alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


async def deliver(context: Context, notices: list[Notice]) -> None:
    """Has what the services queued in the outbox sent, without holding up the handler."""
    del notices  # queued by the service in its own transaction
    context.bot_data.courier.wake()


async def mark_decided(context: Context, message: object | None, note: str) -> None:
    """Notes a decision under the pressed request and removes its buttons (a request already
    edited, or a chat gone, is left as it is)."""
    if not isinstance(message, Message) or message.text is None:
        return
    with contextlib.suppress(BadRequest, Forbidden):
        await context.bot.edit_message_text(
            message.text_html + "\n\n" + note,
            chat_id=message.chat.id,
            message_id=message.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=None,
        )


def split_message(text: str, limit: int | None = None) -> list[str]:
    """Telegram-sized pieces of an HTML text, cut at line breaks (`chat.split`); `limit` asks
    for pieces shorter than a message holds."""
    if limit is None:
        return TELEGRAM_CAPS.split(text, TELEGRAM_HTML.cut)
    return split_text(text, within(limit), TELEGRAM_HTML.cut)
