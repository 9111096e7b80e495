"""Telegram refusing for long (429s): a command's answer is kept in the outbox and arrives
later, and stopping the bot never waits out a long retry_after."""

from __future__ import annotations

import asyncio
import os
import time

from bot.settings.schema import Settings
from bot.wiring import centre_rules, telegram_options
from channels.telegram.app import build_application
from channels.telegram.ratelimit import PacedRateLimiter
from sandbox.telegram.server import FakeBotApi
from storage.db import Database
from tests.flow import ADMIN, TOKEN, polling, texts_of

os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter's wait as a timedelta, no warning


async def test_an_answer_refused_again_and_again_arrives_later(
    server: FakeBotApi, settings: Settings, ledger: Database
) -> None:
    app = build_application(telegram_options(settings), ledger, centre_rules(settings), token=TOKEN)
    async with polling(app):
        admin = server.user(ADMIN, "管理员")
        server.fail_next("sendMessage", 429, retry_after=1, times=4)  # 1 try + 3 retries
        before = server.sent_count(ADMIN)
        await admin.send_text("/help")
        answer = await server.wait_for_bot_message(ADMIN, before, timeout=20)
        assert "您可以使用以下命令" in str(answer["text"])
        await app.bot_data.courier.idle()
    assert not any("出错" in text for text in texts_of(admin))  # no apology: it arrived
    async with ledger.reading() as tx:
        rows = await tx.fetchall("SELECT state FROM outbox WHERE purpose LIKE 'reply:%'")
    assert [row["state"] for row in rows] == ["sent"]


async def test_stopping_does_not_wait_out_a_long_retry_after(
    server: FakeBotApi, settings: Settings, ledger: Database
) -> None:
    app = build_application(telegram_options(settings), ledger, centre_rules(settings), token=TOKEN)
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, PacedRateLimiter)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        admin = server.user(ADMIN, "管理员")
        server.fail_next("sendMessage", 429, retry_after=600, times=5)  # Telegram says wait
        await admin.send_text("/help")
        await server.wait_until(lambda: any(c.status == 429 for c in server.calls), 10)
        began = time.monotonic()
        limiter.stop()  # what `baosong run` does on SIGTERM, before stopping
        await app.updater.stop()
        await asyncio.wait_for(app.stop(), timeout=5)
        assert time.monotonic() - began < 5
    async with ledger.reading() as tx:
        rows = await tx.fetchall("SELECT state, payload FROM outbox WHERE purpose LIKE 'reply:%'")
    assert [row["state"] for row in rows] == ["pending"]  # kept for the next start
    assert "您可以使用以下命令" in rows[0]["payload"]
