"""Update processing: different people in parallel, each person's updates strictly in order,
and nobody's backlog holds up anyone else.

PTB's default handles one update at a time, so one person's slow send holds up everyone.
Plain `concurrent_updates` would let two updates of the same person race through /submit.
This processor keeps a lane per user (or chat, for updates without a user), which gives the
ConversationHandler the ordering it needs while unrelated people are served concurrently.

A person's queued updates wait in their own lane *without* taking one of the shared slots
(PTB's own semaphore only bounds how many updates may be pending): the slot is taken once it
is the update's turn. A person with more than `backlog` updates waiting is flooding: further
updates are dropped, unread, until the lane drains, and the person is told once per burst.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

#: PTB's semaphore around every update: a cap on pending updates only (memory), not on work.
PENDING_CAP = 10_000

FloodNotice = Callable[[Update], Awaitable[None]]

#: Whether the update being handled comes from a busy lane (several of the person's updates
#: waiting when an answer is sent): its answers then take a per-chat pace (`channels.telegram.ratelimit`),
#: so the shared 29 msg/s stays free for everyone else.
BUSY_LANE: ContextVar[Callable[[], bool]] = ContextVar("busy_lane", default=lambda: False)

#: How many of a person's updates waiting make their lane busy.
BUSY_AT = 3


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Runs updates concurrently across users, in arrival order within each user."""

    def __init__(
        self,
        max_concurrent_updates: int = 32,
        *,
        backlog: int = 200,
        on_flood: FloodNotice | None = None,
    ) -> None:
        super().__init__(PENDING_CAP)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._backlog = backlog
        self.on_flood = on_flood
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._flooding: set[int] = set()
        self.dropped = 0  # updates shed from flooding lanes since start (for logs and tests)

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Waits for the same person's earlier updates without a slot, then handles this one."""
        key = _key(update)
        if key and self._waiting.get(key, 0) >= self._backlog:
            await self._shed(key, update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                BUSY_LANE.set(lambda: self.busy(key))
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]
                self._flooding.discard(key)

    def busy(self, key: int) -> bool:
        """Whether a person's lane has several updates waiting (or is being shed) right now."""
        return key != 0 and (self._waiting.get(key, 0) >= BUSY_AT or key in self._flooding)

    async def _shed(self, key: int, update: object, coroutine: Awaitable[object]) -> None:
        """Drops an update of a flooding lane; the person is told once per burst."""
        if inspect.iscoroutine(coroutine):
            coroutine.close()  # never started: nothing of it ran
        self.dropped += 1
        if key in self._flooding:
            return
        self._flooding.add(key)
        log.warning("lane %s floods: more than %d updates waiting, dropping", key, self._backlog)
        if self.on_flood is not None and isinstance(update, Update):
            BUSY_LANE.set(lambda: True)  # the notice takes the flooding chat's own pace
            try:
                await self.on_flood(update)
            except Exception:  # the notice is a courtesy; shedding must not fail
                log.exception("could not tell lane %s it was flooding", key)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""


def _key(update: object) -> int:
    """Whose update this is: the user, else the chat, else one shared lane."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return 0
