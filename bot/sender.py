"""Delivers the outbox through Telegram: renders notices, retries what may succeed, records all.

The one ambiguous case is a send whose request left but whose answer never came (a read or
write timeout, or a crash between sending and recording). Telegram may or may not have
delivered it and offers no way to ask. Baosong chooses at-most-once: such a message is marked
`uncertain` and listed in the admins' daily digest, never sent again — a bulletin twice costs
more trust than one an admin re-sends by hand. (A sign-off request is the exception, by a new
message: `workflow/reach.py` offers the step again, since its buttons are idempotent.) Failures where the request surely did not arrive (connect or
pool timeouts, 429, 5xx) are retried with backoff.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, ExtBot

from bot.cards import card, editor_keyboard, signoff_keyboard_for
from bot.ratelimit import NO_RETRY, PacedRateLimiter, refused, retry_after_seconds
from bot.request import at_most_once
from bot.texts import Raw, Texts
from storage import files, outbox
from storage.db import Database, Tx
from storage.models import TELEGRAM, OutboxMessage
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.views import load_item_view

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=1)
MAX_BACKOFF = timedelta(hours=1)
#: One drain at a time per ledger; a lock per ledger, not per module, so a lock never outlives
#: the event loop it was first contended on (each test, the sandbox's resets, a restart).
_locks: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()


def drain_lock(db: Database) -> asyncio.Lock:
    """The lock an outbox pass over this ledger holds."""
    return _locks.setdefault(db, asyncio.Lock())


#: Notices asking for a sign-off: rendered with the item's card and the step's buttons.
SIGNOFF_NOTICES = frozenset({"signoff_request", "signoff_again"})


@dataclass(slots=True)
class DrainReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    errors: list[str] = field(default_factory=list)


TIMER_SLACK = 0.05  # of one message's place in the pace


def smooth_rate_limiter(per_second: float = 29, max_retries: int = 3) -> AIORateLimiter:
    """PTB's limiter paced evenly (one message every 1/N s) instead of N-message bursts.

    Telegram counts messages over short windows; a burst of 30 at the start of a second plus
    a steady 30/s after it draws 429s. Outbox sends use its NO_RETRY lane (`_lane`).
    """
    # A bucket of 1.05 messages: a wake-up the event loop runs a millisecond late is made up
    # on the next message instead of lost (about 3% of the pace otherwise), and any one
    # second still holds at most per_second + 1 messages.
    return PacedRateLimiter(
        overall_max_rate=1 + TIMER_SLACK,
        overall_time_period=(1 + TIMER_SLACK) / per_second,
        max_retries=max_retries,
    )


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1 s, 2 s, 4 s, … up to an hour."""
    wait: timedelta = BASE_BACKOFF * 2 ** min(attempts, 20)
    return min(wait, MAX_BACKOFF)


def retry_after_of(error: RetryAfter) -> timedelta:
    """Telegram's requested wait, read once for the outbox and the limiter alike."""
    return timedelta(seconds=retry_after_seconds(error))


async def render(
    db: Database, texts: Texts, rules: CentreRules, message: OutboxMessage
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of an outbox row: a notice rendered now, or prepared text."""
    payload: dict[str, Any] = json.loads(message.payload)
    if "notice" not in payload:  # prepared text; a reminder of a step carries its buttons
        keyboard = payload.get("markup")
        if isinstance(keyboard, dict):  # a chat reply Telegram refused, with its own buttons
            return str(payload["text"]), InlineKeyboardMarkup.de_json(keyboard, None)
        step = payload.get("signoff")
        if step:
            item_no, round_no, step_no = (int(part) for part in step)
            return str(payload["text"]), signoff_keyboard_for(texts, item_no, round_no, step_no)
        return str(payload["text"]), None
    key = str(payload["notice"])
    params = dict(payload.get("params") or {})
    item_id = payload.get("item_id")
    markup: InlineKeyboardMarkup | None = None
    rows = params.pop("buttons", None)
    if rows:  # [[text key, callback data], …] per row: a service's own buttons (issues, news)
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(texts(str(k)), callback_data=str(d)) for k, d in row]
                for row in rows
            ]
        )
    if "role" in params:
        params["role"] = texts.role(str(params["role"]))
    if item_id is not None:
        params.setdefault("item", item_id)
        if key in SIGNOFF_NOTICES or key == "editor_new_item":
            view = await load_item_view(db, int(item_id))
            today = rules.local_now(db.clock()).date()  # a request shows the days left now
            params["card"] = Raw(card(texts, rules, view, today=today))
            if key in SIGNOFF_NOTICES:
                params["step_no"] = int(params.get("step", 0)) + 1
                markup = signoff_keyboard_for(
                    texts, int(item_id), int(params.get("round", 0)), int(params.get("step", 0))
                )
            else:
                markup = editor_keyboard(texts, view.item)
    return texts(f"notice.{key}", **params), markup


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


async def _send_file(bot: Bot, db: Database, message: OutboxMessage) -> Message:
    """Sends a stored file as a photo or a document, with its caption."""
    payload: dict[str, Any] = json.loads(message.payload)
    upload: InputFile | str
    if "telegram_file_id" in payload:  # queued before attachments were stored as bytes
        upload = str(payload["telegram_file_id"])
    else:
        upload = await telegram_upload(db, str(payload["file"]))
    caption = str(payload.get("caption") or "")[:1000] or None
    if caption and ("telegram_file_id" in payload or payload.get("plain_caption")):
        caption = html.escape(caption, quote=False)  # a plain file name, not prepared HTML
    if message.kind == "photo":
        return await bot.send_photo(
            _chat(message), upload, caption=caption, parse_mode=ParseMode.HTML, **_lane(bot)
        )
    return await bot.send_document(
        _chat(message), upload, caption=caption, parse_mode=ParseMode.HTML, **_lane(bot)
    )


def _chat(message: OutboxMessage) -> int:
    """The Telegram chat of an outbox row: its address, which for Telegram is the chat id."""
    return int(message.address)


def _lane(bot: Bot) -> dict[str, Any]:
    """Outbox sends go paced but unretried through the limiter: a 429 is the outbox's to handle."""
    if isinstance(bot, ExtBot) and isinstance(bot.rate_limiter, PacedRateLimiter):
        return {"rate_limit_args": NO_RETRY}
    return {}


async def _send(
    bot: Bot, db: Database, texts: Texts, rules: CentreRules, message: OutboxMessage
) -> Message:
    """One outbox row to Telegram, as a text or a file."""
    if message.kind == "text":
        text, markup = await render(db, texts, rules, message)
        return await bot.send_message(
            _chat(message), text, parse_mode=ParseMode.HTML, reply_markup=markup, **_lane(bot)
        )
    return await _send_file(bot, db, message)


async def drain(
    bot: Bot, db: Database, texts: Texts, rules: CentreRules, limit: int = 200
) -> DrainReport:
    """Sends every due outbox message on Telegram once; safe to call from many places (one at a time).

    One message at a time, so a crash leaves at most the one in flight `uncertain`. Each
    chat's messages go in the order they were queued: one that must wait holds back the
    chat's later ones (here, and in `outbox.due` on later passes).
    """
    report = DrainReport()
    held: set[str] = set()  # chats whose earlier message must wait
    limited = False  # the latest send drew a 429
    async with drain_lock(db):
        async with db.reading() as tx:
            batch = await outbox.due(tx, TELEGRAM, limit)
        for message in sorted(batch, key=lambda m: m.id):
            if message.address in held:
                continue
            async with db.transaction() as tx:  # claimed just before its send: a crash leaves
                if not await outbox.claim(tx, message.id):  # at most this one uncertain
                    continue
            outcome, pause = await _send_one(bot, db, texts, rules, message, report)
            if outcome == "later":
                held.add(message.address)
            if outcome == "sent":
                limited = False
            if pause is None:
                continue
            # One 429 may be that chat's own limit: only its messages wait. Two in a row are
            # the bot's overall limit: the rest of the batch waits too.
            if limited:
                async with db.transaction() as tx:
                    await outbox.postpone(tx, [m.id for m in batch], pause)
                break
            limited = True
    return report


async def _send_one(
    bot: Bot,
    db: Database,
    texts: Texts,
    rules: CentreRules,
    message: OutboxMessage,
    report: DrainReport,
) -> tuple[str, datetime | None]:
    """One claimed message: send, then record sent, retry, failed or uncertain.

    Returns the outcome (sent, later, or done for failed and uncertain) and, after a 429,
    when Telegram asked the bot to try again.
    """
    now: datetime = db.clock()
    try:
        with at_most_once():  # an ambiguous failure is recorded below, never retried blindly
            sent = await _send(bot, db, texts, rules, message)
    except RetryAfter as error:
        later = now + retry_after_of(error)
        async with db.transaction() as tx:
            await outbox.release(tx, message.id, str(error), later)
        report.retried += 1
        return "later", later
    except (Forbidden, BadRequest, Refused) as error:
        reason = error.key if isinstance(error, Refused) else str(error)
        async with db.transaction() as tx:
            await outbox.mark_failed(tx, message.id, reason)
        report.failed += 1
        report.errors.append(f"{message.address}: {reason}")
        return "done", None
    except (TimedOut, NetworkError) as error:
        # Not sent (no connection made), or Telegram answered with an error (no transport
        # failure behind it, e.g. a 5xx): safe to send again. Anything else may have arrived.
        if refused(error):
            async with db.transaction() as tx:
                if message.attempts + 1 >= MAX_ATTEMPTS:
                    await outbox.mark_failed(tx, message.id, f"gave up: {error}")
                    report.failed += 1
                    return "done", None
                await outbox.release(tx, message.id, str(error), now + backoff(message.attempts))
                report.retried += 1
            return "later", None
        async with db.transaction() as tx:
            await outbox.mark_failed(tx, message.id, f"uncertain: {error}", uncertain=True)
        report.uncertain += 1
        log.warning("outbox %s: delivery uncertain (%s); not resent", message.id, error)
        return "done", None
    async with db.transaction() as tx:
        await outbox.mark_sent(tx, message.id, sent.message_id)
        if message.kind != "text":  # a stored file uploaded now is sent by id from now on
            key = json.loads(message.payload).get("file")
            if key is not None:
                await remember_upload(tx, str(key), sent)
    report.sent += 1
    return "sent", None
