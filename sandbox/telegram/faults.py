"""Fault injection: failures on demand, random and network faults, Telegram's flood limits."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from sandbox.telegram.api import JSON, ApiError
from sandbox.telegram.store import ChatStore

#: Network faults `FakeBotApi(network_fault_rate=…)` injects, each as likely.
NETWORK_FAULTS: Final = ("429", "500", "slow", "drop_before", "drop_after")


@dataclass
class _Fault:
    """An injected failure for the next `times` calls of a method."""

    error: ApiError
    times: int


class FaultInjection(ChatStore):
    """Makes calls fail as Telegram and the network do, before the call takes effect."""

    def _init_faults(
        self, *, telegram_limits: bool, random_fault_rate: float, network_fault_rate: float
    ) -> None:
        """Keep the fault settings `FakeBotApi` was built with; no failure pending yet."""
        #: Enforce Telegram's flood limits on sends (30/s overall, 1/s per private chat,
        #: 20/min per group) by answering 429 with retry_after, as Telegram does.
        self.telegram_limits = telegram_limits
        #: Share of send calls that fail at random with a 429, 500 or 502 (before any effect).
        self.random_fault_rate = random_fault_rate
        #: Share of all calls but getUpdates hit by a network fault (`NETWORK_FAULTS`): a 429 or
        #: a 500 before any effect, a slow answer, or a connection dropped before or after the
        #: call took effect (the client cannot tell which). Counted in `network_faults`.
        self.network_fault_rate = network_fault_rate
        self.network_faults: dict[str, int] = {}
        self._sends: list[float] = []
        self._chat_sends: dict[int, list[float]] = {}
        self._faults: dict[str, list[_Fault]] = {}

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail (nothing is done for them)."""
        # The description defaults to Telegram's for the code, e.g. 429 → "Too Many
        # Requests: retry after N" with `parameters.retry_after`.
        if description is None:
            description = {
                400: "Bad Request",
                403: "Forbidden",
                409: "Conflict",
                429: f"Too Many Requests: retry after {retry_after or 0}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        canonical = self._methods.get(method.lower(), (method, None))[0]
        error = ApiError(error_code, description, retry_after)
        self._faults.setdefault(canonical.lower(), []).append(_Fault(error, times))

    def _network_fault(self, method: str) -> str | None:
        """Which network fault, if any, hits this call (see `network_fault_rate`)."""
        if method == "getUpdates" or not self.network_fault_rate:
            return None
        if self._random.random() >= self.network_fault_rate:
            return None
        fault = self._random.choice(NETWORK_FAULTS)
        self.network_faults[fault] = self.network_faults.get(fault, 0) + 1
        return fault

    def _police_sends(self, method: str, params: JSON) -> None:
        """Random faults and Telegram's flood limits, for send methods only."""
        if not method.startswith("send") or method == "sendChatAction":
            return
        if self.random_fault_rate and self._random.random() < self.random_fault_rate:
            code = self._random.choice([429, 500, 502])
            if code == 429:
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            raise ApiError(code, "Internal Server Error" if code == 500 else "Bad Gateway")
        if not self.telegram_limits:
            return
        now = time.monotonic()
        self._sends = [t for t in self._sends if now - t < 1.0]
        chat = int(params.get("chat_id") or 0)
        window, cap = (60.0, 20) if chat < 0 else (1.0, 1)
        recent = [t for t in self._chat_sends.get(chat, []) if now - t < window]
        if len(self._sends) >= 30 or len(recent) >= cap:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._sends.append(now)
        recent.append(now)
        self._chat_sends[chat] = recent

    def _raise_fault(self, method: str) -> None:
        """Raise the injected error for this method, if one is pending."""
        faults = self._faults.get(method.lower())
        if not faults:
            return
        fault = faults[0]
        fault.times -= 1
        if fault.times <= 0:
            faults.pop(0)
        raise fault.error
