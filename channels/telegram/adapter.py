"""Telegram as a channel: PTB's `Bot` behind the adapter protocol of `chat/channel.py`.

It renders neutral content as today's HTML and inline keyboards, sends through the bot's
transport and paced limiter (outbox sends in the limiter's no-retry lane: a 429 is the
outbox's to handle), and sorts PTB's errors into the outbox's retry rules.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, ExtBot

from channels.telegram.ratelimit import (
    NO_RETRY,
    PacedRateLimiter,
    SendPace,
    refused,
    retry_after_seconds,
)
from channels.telegram.render import phrase, render_card, stored_keyboard
from channels.telegram.request import at_most_once
from chat.capabilities import TELEGRAM as TELEGRAM_CAPABILITIES
from chat.capabilities import Capabilities
from chat.cards import Card
from chat.channel import (
    Content,
    Fail,
    File,
    Prepared,
    PressRef,
    Retry,
    SentRef,
    Text,
    Uncertain,
    Verdict,
)
from chat.texts import Texts
from delivery import outbox as delivery
from delivery.outbox import DrainReport
from storage import files
from storage.db import Database, Tx
from storage.models import TELEGRAM
from workflow.outcomes import Refused
from workflow.rules import CentreRules

#: Messages the bot may send back to back before the pace spaces them (see `SendPace`).
PACE_BURST = 5


def paced_rate_limiter(per_second: float = 30, max_retries: int = 3) -> AIORateLimiter:
    """PTB's limiter with Telegram's overall limit as Telegram counts it: at most N messages
    in any one second, a few of them back to back (`SendPace`), instead of PTB's bucket of
    N at once plus N a second, which draws 429s. N is Telegram's 30 itself: each message
    counts from its answer, after Telegram has it, so no headroom is needed for the way
    there. Outbox sends use its NO_RETRY lane."""
    return PacedRateLimiter(SendPace(per_second, burst=PACE_BURST), max_retries=max_retries)


def retry_after_of(error: RetryAfter) -> timedelta:
    """Telegram's requested wait, read once for the outbox and the limiter alike."""
    return timedelta(seconds=retry_after_seconds(error))


async def telegram_upload(db: Database, key: str) -> InputFile | str:
    """What Telegram is sent for a stored file: its Telegram id when it has one (received on
    Telegram, or uploaded once), else its bytes."""
    async with db.reading() as tx:
        known = await files.remote_id(tx, key, TELEGRAM)
        stored = None if known else await files.get(tx, key)
    if known:
        return known
    if stored is None or not stored.data:
        raise Refused("file_missing")
    return InputFile(stored.data, filename=stored.name)


def telegram_id_of(sent: Message) -> str | None:
    """The id Telegram gave a photo or document it was sent (to send it by id next time)."""
    if sent.photo:
        return sent.photo[-1].file_id
    return sent.document.file_id if sent.document is not None else None


async def remember_upload(tx: Tx, key: str, sent: Message) -> None:
    """Keeps the Telegram id of a stored file just uploaded, so it is never uploaded again."""
    remote = telegram_id_of(sent)
    if remote is not None:
        await files.remember_remote_id(tx, key, TELEGRAM, remote)


async def remember_sent_file(db: Database, key: str, sent: Message) -> None:
    """After a chat reply uploaded a stored file: keeps its Telegram id (a transaction)."""
    if telegram_id_of(sent) is None:
        return
    async with db.transaction() as tx:
        await remember_upload(tx, key, sent)


class TelegramChannel:
    """The Telegram adapter: one PTB bot, the ledger (for stored files), the catalogue in
    Telegram's HTML."""

    name = TELEGRAM
    capabilities: Capabilities = TELEGRAM_CAPABILITIES

    def __init__(self, bot: Bot, db: Database, texts: Texts) -> None:
        self.bot = bot
        self.db = db
        self.texts = texts

    async def start(self) -> None:
        """Initializes the bot (PTB does nothing when it already is)."""
        await self.bot.initialize()

    async def stop(self) -> None:
        """Shuts the bot's connections down."""
        await self.bot.shutdown()

    def _lane(self) -> dict[str, Any]:
        """Outbox sends go paced but unretried through the limiter: a 429 is the outbox's."""
        bot = self.bot
        if isinstance(bot, ExtBot) and isinstance(bot.rate_limiter, PacedRateLimiter):
            return {"rate_limit_args": NO_RETRY}
        return {}

    async def send(self, address: str, content: Content, *, again: bool = False) -> SentRef:
        """One message, at most once (an ambiguous failure is the outbox's to record); a
        message is one Bot API call, so nothing of it can have arrived before (`again`)."""
        with at_most_once():
            sent = await self._send(int(address), content)
        remote = telegram_id_of(sent) if isinstance(content, File) and content.key else None
        return SentRef(TELEGRAM, address, sent.message_id, remote)

    async def _send(self, chat: int, content: Content) -> Message:
        """Renders the content as Telegram shows it and sends it."""
        if isinstance(content, File):
            return await self._send_file(chat, content)
        text: str
        markup: InlineKeyboardMarkup | None
        if isinstance(content, Card):
            text, markup = render_card(self.texts, content)
        else:
            text, markup = self._text(content)
        return await self.bot.send_message(
            chat, text, parse_mode=ParseMode.HTML, reply_markup=markup, **self._lane()
        )

    def _text(self, content: Text) -> tuple[str, InlineKeyboardMarkup | None]:
        """A text message's HTML and keyboard."""
        text: str
        if isinstance(content.text, Prepared):
            text = content.text.text
        else:
            text = phrase(self.texts, content.text)
        if content.native is not None:
            return text, InlineKeyboardMarkup.de_json(dict(content.native), None)
        return text, stored_keyboard(self.texts, content.buttons) if content.buttons else None

    async def _send_file(self, chat: int, content: File) -> Message:
        """A stored file as a photo or a document, with its caption."""
        upload: InputFile | str
        if content.remote_id is not None:
            upload = content.remote_id
        elif content.key is not None:
            upload = await telegram_upload(self.db, content.key)
        else:
            raise Refused("file_missing")
        caption = content.caption
        if caption and content.plain_caption:
            caption = html.escape(caption, quote=False)  # a plain file name, not prepared HTML
        send = self.bot.send_photo if content.photo else self.bot.send_document
        return await send(chat, upload, caption=caption, parse_mode=ParseMode.HTML, **self._lane())

    async def settle(self, sent: SentRef, card: Card) -> None:
        """Edits a sent card to show it as it now stands (no buttons: `card.rows` empty)."""
        text, markup = render_card(self.texts, card)
        await self.bot.edit_message_text(
            text,
            chat_id=int(sent.address),
            message_id=sent.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )

    async def answer(self, press: PressRef, text: str | None = None) -> None:
        """Answers the callback query (a toast when there is text)."""
        await self.bot.answer_callback_query(press.id, text=text)

    def classify(self, error: BaseException) -> Verdict | None:
        """Telegram's errors as the outbox treats them: a 429 waits as asked; 403 and 400
        fail; no connection made or an error answer (5xx) is retried; anything else on the
        way (a read timeout, a dropped connection) may have arrived."""
        if isinstance(error, RetryAfter):
            return Retry(retry_after_of(error))
        if isinstance(error, (Forbidden, BadRequest)):
            return Fail(str(error))
        if isinstance(error, (TimedOut, NetworkError)):
            return Retry() if refused(error) else Uncertain(str(error))
        return None

    async def download(self, remote_file: str) -> bytes:
        """A file people sent, by its Telegram file id (getFile, then the download)."""
        found = await self.bot.get_file(remote_file)
        return bytes(await found.download_as_bytearray())


async def drain(
    bot: Bot, db: Database, texts: Texts, rules: CentreRules, limit: int = 200
) -> DrainReport:
    """Sends every due Telegram outbox message once, through the bot given."""
    channel = TelegramChannel(bot, db, texts)
    return await delivery.drain({TELEGRAM: channel}, db, rules, limit)


async def send_outbox(
    token: str,
    api_base_url: str,
    file_base_url: str,
    db: Database,
    texts: Texts,
    rules: CentreRules,
) -> DrainReport:
    """One outbox pass through a bot of its own, for a command run beside (or without) the
    polling bot."""
    async with Bot(token, base_url=api_base_url, base_file_url=file_base_url) as bot:
        return await drain(bot, db, texts, rules)
