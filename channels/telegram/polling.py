"""The Telegram bot served: the application polls the configured Bot API while the composition
root's timed work runs, until told to stop. No PTB type crosses its signature."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Protocol

from channels.telegram.app import OnError, build_application, scheduler_for
from channels.telegram.context import BotData
from channels.telegram.options import TelegramOptions
from channels.telegram.ratelimit import PacedRateLimiter
from chat.channel import Channel
from storage.db import Database
from workflow.rules import CentreRules

log = logging.getLogger(__name__)


class TimedWork(Protocol):
    """What the composition root runs beside the bot (its scheduler): started once the
    application runs, stopped before it stops."""

    def start(self) -> None:
        """Starts the timed jobs."""

    async def stop(self) -> None:
        """Stops them, letting a run in progress finish."""


async def serve(
    options: TelegramOptions,
    db: Database,
    rules: CentreRules,
    *,
    token: str,
    stop: asyncio.Event,
    timed_work: Callable[[BotData, OnError], TimedWork],
    channels: Mapping[str, Channel] | None = None,
    beside: Callable[[Callable[[], None]], AbstractAsyncContextManager[object]] | None = None,
) -> None:
    """Polls the Bot API until `stop` is set, with `timed_work` built on the bot's services;
    `channels` join the courier's, and `beside` (given the courier's wake-up) runs with it."""
    app = build_application(options, db, rules, token=token, channels=channels)
    scheduler = scheduler_for(app, timed_work)
    async with app:
        if app.post_init is not None:  # PTB runs post_init only inside run_polling
            await app.post_init(app)
        await app.start()
        scheduler.start()  # the sweep and outbox retries, once the application runs
        try:
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=["message", "callback_query"])
            log.info("polling %s", options.api_base_url)
            async with beside(app.bot_data.courier.wake) if beside else nullcontext():
                await stop.wait()
            if isinstance(app.bot.rate_limiter, PacedRateLimiter):
                app.bot.rate_limiter.stop()  # no wait for a long retry_after holds the stop
        finally:
            await scheduler.stop()  # a sweep in progress finishes first
        await app.updater.stop()
        await app.stop()
