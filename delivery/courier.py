"""The outbox's background sender: a handler queues its notices, wakes the courier, moves on.

Until now each handler drained the outbox itself before finishing, so a person's next tap
waited for notices to other people, and, at month start, for a whole bulletin going out at
Telegram's pace. The courier sends in a task of its own instead (one pass after another while
there is work, through `delivery.outbox.drain`, which keeps one message in flight at a time); PTB
awaits that task when the application stops, so a shutdown finishes the pass it is in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from delivery.outbox import DrainReport

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]

#: The longest the courier naps until a message's next attempt; later ones are the sweep's.
MAX_NAP = 300.0


class Courier:
    """Runs outbox passes in the background whenever woken, one task at a time."""

    def __init__(
        self,
        drain: Callable[[], Awaitable[DrainReport]],
        spawn: Spawn,
        next_retry: Callable[[], Awaitable[float | None]] | None = None,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self._drain = drain
        self._spawn = spawn
        self._next_retry = next_retry  # seconds until a message's next attempt is due
        self._alive = alive  # whether passes may still be spawned (the application runs)
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._again = False
        self._closed = False

    def wake(self) -> None:
        """Something was queued: send it soon (starts a pass unless one is running); while the
        bot stops, it stays queued for the next start."""
        if self._closed or not self._alive():
            return
        self._again = True
        if self._task is None or self._task.done():
            self._task = self._spawn(self._run())

    def close(self) -> None:
        """The bot is stopping: no more passes, no pending wake-up."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def idle(self) -> None:
        """Waits until every pass asked for so far is done."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def _run(self) -> None:
        """Passes until one finds nothing to do; a failed pass is left to the periodic one."""
        while self._again:
            self._again = False
            try:
                report = await self._drain()
            except Exception:
                log.exception("outbox pass failed; the periodic pass will try again")
                return
            if report.sent or report.retried or report.failed or report.uncertain:
                self._again = True  # more may have become due meanwhile
        await self._nap()

    async def _nap(self) -> None:
        """Wakes again when a message put off by a failed attempt (a 5xx, no connection, a
        429) is due, on its own backoff rather than at the next sweep."""
        if self._next_retry is None or self._closed:
            return
        try:
            delay = await self._next_retry()
        except Exception:
            log.exception("could not tell when the outbox's next retry is due")
            return
        if delay is None or delay > MAX_NAP:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(max(delay, 0.01), self._wake_on_time)

    def _wake_on_time(self) -> None:
        """The nap is over: a pass, unless the bot is stopping meanwhile."""
        self._timer = None
        self.wake()
