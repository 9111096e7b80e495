"""Per-person pacing for WeCom: never more than WeCom delivers, each person's order kept.

WeCom drops an app's messages to one member beyond 30 a minute and 1,000 an hour without an
error, so the sender must hold back itself. `Pacer.reserve(person, now)` answers when the next
message to that person may go and books that moment; a person's bookings never go backwards,
so messages booked in order leave in order. Windows are sliding: in any `span` seconds
starting at a send, at most `limit` sends (plus `slack` seconds of margin, for the difference
between our clock and WeCom's). Pure: times are plain seconds the caller supplies, from a clock
that never goes back (a monotonic one), since bookings older than the longest window are
forgotten.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` sends to one person in any `span` seconds."""

    limit: int
    span: float


#: WeCom's per-member limits for one app: 30 a minute, 1,000 an hour.
WECOM_WINDOWS: Final = (Window(30, 60.0), Window(1000, 3600.0))
#: Margin added to each window's span, seconds.
SLACK: Final = 1.0


class Pacer:
    """Booked send times per person, within every window."""

    def __init__(self, windows: tuple[Window, ...] = WECOM_WINDOWS, slack: float = SLACK) -> None:
        if not windows or any(w.limit < 1 or w.span <= 0 for w in windows) or slack < 0:
            raise ValueError("each window needs a positive limit and span; slack ≥ 0")
        self._windows = windows
        self._slack = slack
        self._keep = max(w.span for w in windows) + slack
        self._booked: dict[Hashable, deque[float]] = {}

    def earliest(self, person: Hashable, now: float, count: int = 1) -> float:
        """When the next `count` messages to `person` may go together (≥ now, ≥ their last
        booking); more than a window holds wait for that window to be empty."""
        booked = self._booked.get(person)
        if not booked:
            return now
        at = max(now, booked[-1])
        for window in self._windows:
            room = window.limit - min(max(count, 1), window.limit)  # earlier ones it may hold
            if len(booked) > room:
                # the window's oldest booking beyond `room` must fall out of the span at `at`
                at = max(at, booked[len(booked) - room - 1] + window.span + self._slack)
        return at

    def reserve(self, person: Hashable, now: float) -> float:
        """Books the next send to `person` and returns its time (see `earliest`)."""
        at = self.earliest(person, now)
        booked = self._booked.setdefault(person, deque())
        booked.append(at)
        self._forget(person, booked, now)
        return at

    def pending(self, person: Hashable, now: float) -> int:
        """How many of `person`'s bookings are still to come after `now`."""
        booked = self._booked.get(person)
        if not booked:
            return 0
        return len(booked) - bisect_right(booked, now)

    def prune(self, now: float) -> None:
        """Forgets bookings too old to matter to any window, and people with none left."""
        for person in list(self._booked):
            self._forget(person, self._booked[person], now)

    def _forget(self, person: Hashable, booked: deque[float], now: float) -> None:
        """Drops bookings older than the longest window, keeping at most what the windows
        can still count."""
        horizon = now - self._keep
        while booked and booked[0] < horizon:
            booked.popleft()
        if not booked:
            del self._booked[person]
