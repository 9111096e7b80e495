"""PTB's rate limiter, paced as Telegram counts, with a no-retry lane for outbox sends."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, Final

from aiolimiter import AsyncLimiter
from telegram._utils.types import JSONDict
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

from channels.telegram.transport import surely_not_sent
from channels.telegram.updates import BUSY_LANE

#: `rate_limit_args` of an outbox send: paced like every request, but a 429 comes back at once
#: instead of pausing every request of the bot; the outbox reschedules just that message and
#: pauses everything only if 429s keep coming (see `delivery.outbox.drain`).
NO_RETRY: Final = -1

#: Per-chat limiters kept for busy lanes before the idle ones are dropped.
BUSY_CHATS_KEPT: Final = 1000

#: Answers a busy chat may get at once before its pace of one a second applies.
BUSY_CHAT_BURST: Final = 10


class SendPace(AsyncLimiter):
    """Telegram's overall limit as Telegram counts it: at most `per_second` messages in any
    one second, and at most `burst` of them back to back; waiters go in arrival order.

    A strict even spacing (one message every 1/N s) lost every place whose wake-up the event
    loop ran late and queued answers behind one another even at a third of the limit; a short
    burst absorbs both. A message counts in the window from when it is sent until one window
    after its answer came back: Telegram counts a message when it arrives, which the bot only
    knows to be before the answer, so a slow first request cannot crowd a later second."""

    __slots__ = (
        "_bucket",
        "_cap",
        "_freed",
        "_mine",
        "_sent",
        "_turn",
        "burst",
        "per_second",
        "window",
    )

    def __init__(self, per_second: float, burst: float = 5, window: float = 1.0) -> None:
        super().__init__(burst, burst / per_second)
        self.per_second = per_second
        self.burst = burst
        self.window = window
        self._cap = max(1, int(per_second * window))  # messages the window may hold
        # per message, when it last counted: sent, then answered
        self._sent: list[list[float]] = []
        self._mine: ContextVar[list[float] | None] = ContextVar("send_pace_ticket", default=None)
        self._bucket = 0.0  # messages sent back to back, leaking at per_second
        self._turn = asyncio.Lock()  # FIFO: the first to ask is the first to send
        self._freed = asyncio.Event()

    def _wait(self, now: float) -> float:
        """Seconds until one more message fits both the burst and the window."""
        self._bucket = max(0.0, self._bucket - (now - self._last_check) * self.per_second)
        self._last_check = now
        self._sent = [ticket for ticket in self._sent if now - ticket[0] < self.window]
        wait = max(0.0, (self._bucket + 1 - self.burst) / self.per_second)
        if len(self._sent) >= self._cap:
            wait = max(wait, min(ticket[0] for ticket in self._sent) + self.window - now)
        return wait

    def has_capacity(self, amount: float = 1) -> bool:
        """Whether a message could go now."""
        return self._wait(time.monotonic()) <= 0

    async def acquire(self, amount: float = 1) -> None:
        """Waits for this message's place (after everyone who asked before), then takes it."""
        async with self._turn:
            while (wait := self._wait(time.monotonic())) > 0:
                self._freed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._freed.wait(), wait)
            self._bucket += 1
            ticket = [time.monotonic()]
            self._sent.append(ticket)
            self._mine.set(ticket)

    async def __aexit__(self, *exc_info: object) -> None:
        """The request is answered: its place counts from now (Telegram has it by now)."""
        ticket = self._mine.get()
        if ticket is not None:
            ticket[0] = time.monotonic()

    def refund(self, amount: float = 1.0) -> None:
        """Gives back the place of this task's message, which Telegram refused; wakes the next."""
        self._wait(time.monotonic())
        self._bucket = max(0.0, self._bucket - amount)
        ticket = self._mine.get()
        if ticket is not None and ticket in self._sent:
            self._sent.remove(ticket)
            self._mine.set(None)
        self._freed.set()


def retry_after_seconds(error: RetryAfter) -> float:
    """Telegram's requested wait in seconds, read as PTB's own limiter reads it (the public
    attribute warns while PTB moves from seconds to a timedelta)."""
    value: object = getattr(error, "_retry_after", None)
    if value is None:  # not where PTB 22 keeps it: the public attribute, whatever it warns
        value = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(str(value))


def refused(error: BaseException) -> bool:
    """Whether Telegram surely did not take the message: it answered with an error (a 429, a
    5xx, a 400), or no connection was made (refused, or a pool or connect timeout).

    Such an attempt delivered nothing: it need not cost a place in the overall pace
    (Telegram's limit is on messages sent), and the outbox may send it again. A read timeout
    or a dropped answer may have arrived.
    """
    if isinstance(error, RetryAfter) or surely_not_sent(error):
        return True
    return (
        isinstance(error, NetworkError)
        and not isinstance(error, TimedOut)
        and error.__cause__ is None  # an answer, not a transport failure
    )


#: Queues a chat reply Telegram kept refusing in the outbox; True if it was queued.
Fallback = Callable[[JSONDict], Coroutine[Any, Any, bool]]


class QueuedForLater(TelegramError):
    """A reply Telegram kept refusing (429s) was put in the outbox: it arrives later."""


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter whose NO_RETRY requests neither retry nor stop other requests on a 429,
    and give their place in the pace back when Telegram refused them. A chat reply that still
    meets 429s after its retries goes to the outbox (`fallback`) instead of being lost, and
    `stop()` ends every wait for a `retry_after` at once (a shutdown never waits one out)."""

    def __init__(self, pace: SendPace, max_retries: int):
        super().__init__(
            overall_max_rate=pace.burst,
            overall_time_period=pace.burst / pace.per_second,
            max_retries=max_retries,
        )
        self._base_limiter = self._pace = pace
        self._busy_chats: dict[object, AsyncLimiter] = {}
        self._retries = max_retries
        self._stopping = asyncio.Event()
        self.fallback: Fallback | None = None

    def stop(self) -> None:
        """The bot is stopping: no request waits for a `retry_after` any longer."""
        self._stopping.set()
        self._retry_after_event.set()

    async def _retrying(
        self,
        chat_id: object,
        group: int | str | bool,
        data: dict[str, Any],
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        retries: int,
    ) -> bool | JSONDict | list[JSONDict]:
        """PTB's retry loop, except that the wait after a 429 ends when the bot stops (with no
        retries, a 429 is raised at once and pauses nobody)."""
        paused = False  # whether this request holds everyone else back (after its own 429)
        for attempt in range(retries + 1):
            try:
                return await self._run_request(
                    chat=chat_id is not None,
                    group=group,
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except RetryAfter as error:
                if attempt == retries or self._stopping.is_set():
                    raise
                wait = retry_after_seconds(error) + 0.1
                self._retry_after_event.clear()  # nobody else sends meanwhile, as in PTB
                paused = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), wait)
                if self._stopping.is_set():
                    raise  # stopping: no further attempt (a reply goes to the outbox)
            finally:
                if paused:  # only the request that paused the others resumes them
                    self._retry_after_event.set()
                    paused = False
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _busy_chat_pace(self, chat_id: object) -> AsyncLimiter:
        """One message a second to a chat whose person keeps many updates waiting (Telegram's
        advice for one chat), after a short burst, so their answers leave the shared pace to
        others (and draw no 429, which would pause every chat)."""
        limiter = self._busy_chats.get(chat_id)
        if limiter is None:
            if len(self._busy_chats) >= BUSY_CHATS_KEPT:
                self._busy_chats.clear()  # idle limiters hold nothing worth keeping
            limiter = self._busy_chats[chat_id] = AsyncLimiter(BUSY_CHAT_BURST, BUSY_CHAT_BURST)
        return limiter

    @property
    def pace(self) -> SendPace:
        """The overall pace every request to a chat waits for."""
        return self._pace

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """As PTB's, except for NO_RETRY requests (one paced attempt, errors raised as they are)."""
        chat_id: object = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[call-overload]
        group: int | str | bool = False
        if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
            group = chat_id
        if rate_limit_args != NO_RETRY:
            if BUSY_LANE.get()():
                await self._busy_chat_pace(data.get("chat_id")).acquire()
            retries = rate_limit_args if isinstance(rate_limit_args, int) else self._retries
            try:
                return await self._retrying(chat_id, group, data, callback, args, kwargs, retries)
            except RetryAfter:
                private = isinstance(chat_id, int) and chat_id > 0
                queue = self.fallback if endpoint == "sendMessage" and private else None
                if queue is not None and await queue(data):
                    raise QueuedForLater("the reply went to the outbox") from None
                raise
        try:  # one attempt: a 429 is the outbox's to handle, and pauses nobody else
            return await self._retrying(chat_id, group, data, callback, args, kwargs, 0)
        except (RetryAfter, NetworkError) as error:
            if chat_id is not None and refused(error):
                self._pace.refund()  # the outbox's two-429s-in-a-row pause still guards the pace
            raise
