"""The outbox sent on Telegram: `delivery.outbox` with the Telegram adapter for the bot.

The drain, its ordering, claims, backoff and at-most-once rule are channel-neutral and live
in `delivery/`; what is Telegram's (PTB's bot, uploads, the limiter's no-retry lane, which
errors retry) is `channels/telegram/`. This module keeps the names the bot's callers use.
"""

from __future__ import annotations

from telegram import Bot

from bot.texts import Texts
from channels.telegram.adapter import (
    TelegramChannel,
    remember_sent_file,
    remember_upload,
    retry_after_of,
    smooth_rate_limiter,
    telegram_id_of,
    telegram_upload,
)
from delivery import outbox as delivery
from delivery.outbox import SIGNOFF_NOTICES, DrainReport, backoff, drain_lock
from storage.db import Database
from storage.models import TELEGRAM
from workflow.rules import CentreRules

__all__ = [
    "SIGNOFF_NOTICES",
    "DrainReport",
    "backoff",
    "drain",
    "drain_lock",
    "remember_sent_file",
    "remember_upload",
    "retry_after_of",
    "smooth_rate_limiter",
    "telegram_id_of",
    "telegram_upload",
]


async def drain(
    bot: Bot, db: Database, texts: Texts, rules: CentreRules, limit: int = 200
) -> DrainReport:
    """Sends every due Telegram outbox message once, through the bot given."""
    channel = TelegramChannel(bot, db, texts)
    return await delivery.drain({TELEGRAM: channel}, db, rules, limit)
