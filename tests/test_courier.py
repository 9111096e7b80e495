"""The outbox's background sender: passes run while there is work, one task at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import pytest

from bot.courier import Courier
from bot.sender import DrainReport


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
    with caplog.at_level(logging.ERROR, logger="bot.courier"):
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
