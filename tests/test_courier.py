"""The outbox's background sender: passes run while there is work, one task at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import pytest

from channels.telegram.app import BotApp
from delivery.courier import Courier
from delivery.outbox import DrainReport
from sandbox.telegram.server import FakeBotApi
from storage import outbox
from storage.db import Database
from tests.conftest import FakeClock, tg_chat
from tests.flow import settle


class Outbox:
    """A stand-in for `drain`: hands out queued messages, a pass at a time, on request."""

    def __init__(self) -> None:
        self.queued = 0
        self.passes = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail = False

    async def drain(self) -> DrainReport:
        """One pass: sends everything queued so far (after the gate opens)."""
        self.passes += 1
        await self.gate.wait()
        if self.fail:
            raise OSError("disk I/O error")
        sent, self.queued = self.queued, 0
        return DrainReport(sent=sent)


def spawn(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """What Application.create_task does, minus the bookkeeping."""
    return asyncio.get_running_loop().create_task(coroutine)


async def test_a_wake_during_a_pass_gets_a_pass_of_its_own() -> None:
    outbox = Outbox()
    courier = Courier(outbox.drain, spawn)
    outbox.gate.clear()
    outbox.queued = 1
    courier.wake()
    await asyncio.sleep(0)  # the first pass is under way, waiting at the gate
    outbox.queued += 1  # a handler queues more and wakes the courier again
    courier.wake()
    outbox.gate.set()
    await courier.idle()
    assert outbox.queued == 0
    # pass 1 sent both; pass 2 (asked for while pass 1 ran) found nothing and ended it
    assert outbox.passes == 2


async def test_wakes_while_running_share_one_task() -> None:
    outbox = Outbox()
    courier = Courier(outbox.drain, spawn)
    outbox.gate.clear()
    for _ in range(5):
        outbox.queued += 1
        courier.wake()
    outbox.gate.set()
    await courier.idle()
    assert outbox.queued == 0 and outbox.passes == 2


async def test_a_failed_pass_is_logged_and_the_next_wake_tries_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = Outbox()
    courier = Courier(outbox.drain, spawn)
    outbox.fail, outbox.queued = True, 3
    with caplog.at_level(logging.ERROR, logger="delivery.courier"):
        courier.wake()
        await courier.idle()
    assert "outbox pass failed" in caplog.text and outbox.queued == 3
    outbox.fail = False
    courier.wake()
    await courier.idle()
    assert outbox.queued == 0


async def test_idle_returns_at_once_when_nothing_was_asked() -> None:
    courier = Courier(Outbox().drain, spawn)
    await asyncio.wait_for(courier.idle(), 1)


async def test_a_failed_attempt_is_retried_on_its_own_backoff() -> None:
    """A pass that put a message off for later naps until it is due, not until the sweep."""
    attempts: list[float] = []
    loop = asyncio.get_running_loop()

    async def drain() -> DrainReport:
        attempts.append(loop.time())
        if len(attempts) == 1:
            return DrainReport(retried=1)  # a 5xx: the row's next attempt is 0.1 s away
        return DrainReport(sent=1) if len(attempts) == 3 else DrainReport()

    async def next_retry() -> float | None:
        return 0.1 if len(attempts) < 3 else None

    courier = Courier(drain, spawn, next_retry)
    courier.wake()
    for _ in range(100):
        await asyncio.sleep(0.02)
        if len(attempts) >= 4:
            break
    await courier.idle()
    assert len(attempts) >= 3
    assert attempts[2] - attempts[0] >= 0.09  # the third pass came after the nap
    courier.close()


async def test_the_bot_delivers_after_a_5xx_without_waiting_for_the_sweep(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    member = server.user(900, "管理员")
    await member.send_text("/help")  # opens the chat
    await settle(server, bot)
    before = server.sent_count(900)
    server.fail_next("sendMessage", 502)
    async with ledger.transaction() as tx:
        await outbox.enqueue(tx, "test:5xx", tg_chat(900), {"text": "稍后送达"})
    bot.bot_data.courier.wake()
    await bot.bot_data.courier.idle()  # the first attempt met the 502; 1 s of backoff
    clock.now += timedelta(seconds=1)  # the ledger's clock moves on as the real one does
    reply = await server.wait_for_bot_message(900, before, timeout=5)
    assert reply["text"] == "稍后送达"
    await bot.bot_data.courier.idle()  # the pass records the send after Telegram's answer
    async with ledger.reading() as tx:
        (row,) = await tx.fetchall("SELECT state, attempts FROM outbox WHERE purpose = 'test:5xx'")
    assert (row["state"], row["attempts"]) == ("sent", 2)
