"""Pacing for WeCom: never more than WeCom delivers or takes, each person's order kept.

WeCom drops an app's messages to one member beyond 30 a minute and 1,000 an hour without an
error, and answers 45009 to a corp's calls of one API beyond 10,000 a minute, so the sender
must hold back itself. `Pacer.reserve(person, now)` answers when the next message to that
person may go and books that moment; a person's bookings never go backwards, so messages
booked in order leave in order. Windows are sliding: in any `span` seconds starting at a send,
at most `limit` sends (plus `slack` seconds of margin, for the difference between our clock
and WeCom's). The corp's window counts every person's bookings together: a booking goes where
no `span` around it holds `limit` others, so it stays within the limit whatever was booked
before or after it. Pure: times are plain seconds the caller supplies, from a clock that never
goes back (a monotonic one), since bookings older than the longest window are forgotten.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` sends (to one person, or by the corp) in any `span` seconds."""

    limit: int
    span: float


#: WeCom's per-member limits for one app: 30 a minute, 1,000 an hour.
WECOM_WINDOWS: Final = (Window(30, 60.0), Window(1000, 3600.0))
#: WeCom's per-corp limit on one API (message/send): 10,000 calls a minute.
CORP_WINDOW: Final = Window(10_000, 60.0)
#: Margin added to each window's span, seconds.
SLACK: Final = 1.0


class Pacer:
    """Booked send times per person, within every person's window and the corp's."""

    def __init__(
        self,
        windows: tuple[Window, ...] = WECOM_WINDOWS,
        slack: float = SLACK,
        corp: Window | None = CORP_WINDOW,
    ) -> None:
        every = (*windows, *(() if corp is None else (corp,)))
        if not windows or any(w.limit < 1 or w.span <= 0 for w in every) or slack < 0:
            raise ValueError("each window needs a positive limit and span; slack ≥ 0")
        self._windows = windows
        self._slack = slack
        self._corp = corp
        self._keep = max(w.span for w in windows) + slack
        self._booked: dict[Hashable, deque[float]] = {}
        self._sends: list[float] = []  # every person's bookings, sorted: the corp's window

    def earliest(self, person: Hashable, now: float, count: int = 1) -> float:
        """When the next `count` messages to `person` may go together (≥ now, ≥ their last
        booking, within the corp's window too); more than a window holds wait for that window
        to be empty."""
        booked = self._booked.get(person)
        at = now
        if booked:
            at = max(now, booked[-1])
            for window in self._windows:
                room = window.limit - min(max(count, 1), window.limit)  # earlier it may hold
                if len(booked) > room:
                    # the window's oldest booking beyond `room` must leave the span at `at`
                    at = max(at, booked[len(booked) - room - 1] + window.span + self._slack)
        return self._corp_earliest(at, count)

    def _corp_earliest(self, at: float, count: int) -> float:
        """The first moment from `at` where `count` more sends leave every corp window that
        could hold them (any `span` around that moment) within the corp's limit."""
        if self._corp is None:
            return at
        reach = self._corp.span + self._slack
        need = min(max(count, 1), self._corp.limit)
        sends = self._sends
        while True:
            first = bisect_right(sends, at - reach)
            over = bisect_left(sends, at + reach) - first + need - self._corp.limit
            if over <= 0:
                return at
            # the `over` oldest of those around `at` must fall out of reach
            at = max(sends[first + over - 1] + reach, math.nextafter(at, math.inf))

    def reserve(self, person: Hashable, now: float) -> float:
        """Books the next send to `person` and returns its time (see `earliest`)."""
        at = self.earliest(person, now)
        booked = self._booked.setdefault(person, deque())
        booked.append(at)
        if self._corp is not None:
            insort(self._sends, at)
            self._forget_corp(now)
        self._forget(person, booked, now)
        return at

    def pending(self, person: Hashable, now: float) -> int:
        """How many of `person`'s bookings are still to come after `now`."""
        booked = self._booked.get(person)
        if not booked:
            return 0
        return len(booked) - bisect_right(booked, now)

    def corp_pending(self, now: float) -> int:
        """How many bookings of anyone are still to come after `now`."""
        return len(self._sends) - bisect_right(self._sends, now)

    def prune(self, now: float) -> None:
        """Forgets bookings too old to matter to any window, and people with none left."""
        for person in list(self._booked):
            self._forget(person, self._booked[person], now)
        self._forget_corp(now)

    def _forget_corp(self, now: float) -> None:
        """Drops the corp's bookings no window from `now` on can count."""
        if self._corp is not None:
            del self._sends[: bisect_right(self._sends, now - self._corp.span - self._slack)]

    def _forget(self, person: Hashable, booked: deque[float], now: float) -> None:
        """Drops bookings older than the longest window, keeping at most what the windows
        can still count."""
        horizon = now - self._keep
        while booked and booked[0] < horizon:
            booked.popleft()
        if not booked:
            del self._booked[person]


def wecom_pacer(corp_per_minute: int = CORP_WINDOW.limit) -> Pacer:
    """WeCom's per-member windows and a corp's `message/send` calls a minute (the setting
    `wecom.corp_sends_per_minute`: lower when other apps of the corp share WeCom's 10,000)."""
    return Pacer(WECOM_WINDOWS, SLACK, Window(corp_per_minute, CORP_WINDOW.span))
