"""The bot's HTTP layer: the aiohttp transport, retrying the failures a person should not see.

A reply in a chat (a prompt, a button's answer, an edited keyboard) that meets a dropped
connection, a 5xx or a timeout is tried again a few times: at least once, since a repeated
prompt costs little and a missing one strands the person. Outbox sends opt out (`at_most_once`):
their ambiguous failures are the outbox's to record (see `delivery.outbox`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from channels.telegram.transport import AiohttpRequest, surely_not_sent

log = logging.getLogger(__name__)
ATTEMPTS: Final = 4
FIRST_WAIT: Final = 0.25  # seconds; doubled after each failed attempt
_at_most_once: ContextVar[bool] = ContextVar("at_most_once", default=False)


@contextmanager
def at_most_once() -> Iterator[None]:
    """Within this block, requests that may have reached Telegram are not tried again."""
    token = _at_most_once.set(True)
    try:
        yield
    finally:
        _at_most_once.reset(token)


class RetryingRequest(AiohttpRequest):
    """AiohttpRequest that retries dropped connections, timeouts and 5xx answers with backoff."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One Bot API call, tried up to ATTEMPTS times while it fails in a retryable way."""
        name = url.rsplit("/", 1)[-1]
        careful = _at_most_once.get() or name.lower() == "getupdates"  # PTB polls again itself
        wait = FIRST_WAIT
        for attempt in range(1, ATTEMPTS + 1):
            last = attempt == ATTEMPTS
            try:
                code, payload = await super().do_request(
                    url,
                    method,
                    request_data,
                    read_timeout,
                    write_timeout,
                    connect_timeout,
                    pool_timeout,
                )
            except (TimedOut, NetworkError) as error:
                if last or (careful and not surely_not_sent(error)):
                    raise
                log.info("%s failed (%s): trying again (%d/%d)", name, error, attempt, ATTEMPTS)
            else:
                if code < 500 or careful or last:
                    return code, payload
                log.info("%s answered %d: trying again (%d/%d)", name, code, attempt, ATTEMPTS)
            await asyncio.sleep(wait)
            wait *= 2
        raise AssertionError("unreachable")  # pragma: no cover
