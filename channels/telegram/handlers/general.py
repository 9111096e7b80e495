"""Catch-alls: /cancel outside a conversation, strangers, unknown input, and errors."""

from __future__ import annotations

import contextlib
import html
import logging
import sqlite3
import time

from telegram import Update
from telegram.error import BadRequest, TelegramError

from channels.telegram.context import Context
from channels.telegram.ratelimit import QueuedForLater
from chat import actions
from storage.models import TELEGRAM
from workflow.commands import hints

from . import dialogue
from .answers import send_answer
from .common import acknowledge, current, is_stale_query, telegram_account

log = logging.getLogger(__name__)
ADMIN_ALERT_EVERY = 60.0  # seconds between error messages to admins
_last_alert: dict[str, float] = {}


async def cancel(update: Update, context: Context) -> None:
    """/cancel when no /submit is open and no step of the engine answers it itself: drops the
    engine's dialogue (a typed answer awaited, a step held for ✅ 确认)."""
    message = update.effective_message
    if message is None:
        return
    texts = context.bot_data.texts
    dropped = await dialogue.cancel(update, context)
    await message.reply_text(texts("cancelled" if dropped else "nothing_to_cancel"))


async def fallback(update: Update, context: Context) -> None:
    """Anything no other handler took: strangers learn how to join; members are told what
    they can do now (`workflow.commands.hints`)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return  # stay quiet in groups
    typed = (message.text or "").strip()
    services = context.bot_data
    answer = await hints.stray(
        services.db,
        services.rules,
        telegram_account(user.id),
        command=typed.split()[0] if typed.startswith("/") else None,
    )
    await send_answer(update, context, answer, None)


async def on_error(update: object, context: Context) -> None:
    """Logs the error, apologises to the user, and tells the admins (at most once a minute)."""
    if isinstance(context.error, QueuedForLater):  # Telegram refused it; the outbox has it
        log.info("a reply went to the outbox after repeated 429s")
        return
    if isinstance(context.error, BadRequest) and is_stale_query(context.error):
        # a press handled before a restart came again and a handler answered it unguarded
        log.info("late button answer ignored: %s", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    texts = context.bot_data.texts
    if isinstance(update, Update) and update.effective_chat is not None:
        apology = texts(storage_trouble(context.error) or "error")
        if update.callback_query is not None:  # stop the button's spinner too
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(apology, show_alert=True)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, apology)
    kind = type(context.error).__name__
    now = time.monotonic()
    if now - _last_alert.get(kind, -ADMIN_ALERT_EVERY) < ADMIN_ALERT_EVERY:
        return
    _last_alert[kind] = now
    summary = html.escape(f"{kind}: {context.error}"[:300], quote=False)
    telegram_admins = [
        int(a.external_id) for a in context.bot_data.rules.admins if a.channel == TELEGRAM
    ]
    for admin in telegram_admins:
        try:
            await context.bot.send_message(admin, texts("admin_error", error=summary))
        except TelegramError:
            log.warning("could not tell admin %s about an error", admin)


def storage_trouble(error: object) -> str | None:
    """The text key for a database that is busy or full (nothing was saved), else None."""
    if not isinstance(error, sqlite3.OperationalError):
        return None
    message = str(error).lower()
    if "locked" in message or "busy" in message:
        return "error_busy"
    if "full" in message or "disk" in message:
        return "error_full"
    return None


async def stale_button(update: Update, context: Context) -> None:
    """A button no handler took: one of ours whose step or message has passed, pressed by a
    member, is stale (said so, with what to do); anything else is forged; nothing changes."""
    query = update.callback_query
    if query is not None:
        ours = actions.decode(query.data or "") is not None
        if ours:  # a stranger was never shown one: theirs is forged all the same
            person, _ = await current(update, context)
            ours = person is not None
        key = "refused.button_stale" if ours else "refused.forged"
        await acknowledge(query, context.bot_data.texts(key), alert=True)
