"""PTB's rate limiter, paced evenly, with a no-retry lane for outbox sends."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, Final

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

#: `rate_limit_args` of an outbox send: paced like every request, but a 429 comes back at once
#: instead of pausing every request of the bot; the outbox reschedules just that message and
#: pauses everything only if 429s keep coming (see `bot.sender.drain`).
NO_RETRY: Final = -1


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter whose NO_RETRY requests neither retry nor stop other requests on a 429."""

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
        if rate_limit_args != NO_RETRY:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        chat_id: object = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[call-overload]
        group: int | str | bool = False
        if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
            group = chat_id
        return await self._run_request(
            chat=chat_id is not None,
            group=group,
            allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
            callback=callback,
            args=args,
            kwargs=kwargs,
        )
