"""Per-person pacing for WeCom: never over 30 in any minute or 1,000 in any hour per person,
each person's order kept, no one held up by another; and paced sends are never dropped by the
emulator's own count of WeCom's limits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.wecom.pacing import WECOM_WINDOWS, Pacer, Window
from sandbox.wecom.store import Recent


def most_in_any_window(times: Sequence[float], span: float) -> int:
    """The most sends in any half-open window [t, t + span) (the worst one starts at a send)."""
    ordered = sorted(times)
    most = 0
    end = 0
    for start, first in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end] < first + span:
            end += 1
        most = max(most, end - start)
    return most


#: Requests: (person, seconds since the previous request, how many at once), a busy month
#: start's worth: bursts (a bulletin, reminders) and lulls.
requests = st.lists(
    st.tuples(
        st.sampled_from(["editor", "informant", "leader"]),
        st.one_of(st.just(0.0), st.floats(0, 1), st.floats(0, 600)),
        st.integers(1, 40),
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=60, deadline=None)
@given(requests, st.sampled_from([0.0, 1.0]))
def test_never_over_a_limit_and_order_kept(
    asks: list[tuple[str, float, int]], slack: float
) -> None:
    """Any arrival pattern: each person's booked times stay within both windows and never go
    back, and nothing is booked before it was asked for."""
    pacer = Pacer(slack=slack)
    now = 0.0
    booked: dict[str, list[float]] = defaultdict(list)
    for person, gap, burst in asks:
        now += gap
        for _ in range(burst):
            at = pacer.reserve(person, now)
            assert at >= now
            booked[person].append(at)
    for times in booked.values():
        assert times == sorted(times)
        for window in WECOM_WINDOWS:
            assert most_in_any_window(times, window.span) <= window.limit


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.floats(0.5, 20), st.integers(1, 200))
def test_never_over_small_windows(limit: int, span: float, count: int) -> None:
    """The same holds for any window, bursts included (all asked at once)."""
    pacer = Pacer((Window(limit, span),), slack=0.0)
    times = [pacer.reserve("p", 0.0) for _ in range(count)]
    assert most_in_any_window(times, span) <= limit
    # and no slower than needed: the n-th send waits exactly its whole windows
    assert times[-1] == pytest.approx(((count - 1) // limit) * span)


def test_a_month_start_burst_goes_as_fast_as_allowed() -> None:
    """A bulletin plus reminders: 45 messages to an editor who is also an informant go 30 at
    once and 15 a minute (and a second) later; another person is not held up."""
    pacer = Pacer()
    times = [pacer.reserve("editor", 0.0) for _ in range(45)]
    assert times[:30] == [0.0] * 30
    assert times[30:] == [61.0] * 15
    assert pacer.reserve("leader", 0.0) == 0.0
    assert pacer.pending("editor", 0.0) == 15
    assert pacer.earliest("editor", 0.0) == 61.0


def test_the_hour_limit_holds_beyond_the_minute() -> None:
    """1,000 an hour: the 1,001st waits for the first to leave the hour."""
    pacer = Pacer()
    times = [pacer.reserve("p", 0.0) for _ in range(1001)]
    assert max(times[:1000]) < 3600
    assert times[1000] == 3601.0


def test_old_bookings_are_forgotten() -> None:
    """Past the longest window a person's bookings are dropped (memory stays bounded)."""
    pacer = Pacer()
    pacer.reserve("p", 0.0)
    pacer.prune(10_000.0)
    assert pacer.earliest("p", 10_000.0) == 10_000.0
    assert pacer.pending("p", 10_000.0) == 0


def test_bad_windows_are_refused() -> None:
    """A window needs a positive limit and span."""
    with pytest.raises(ValueError, match="positive"):
        Pacer((Window(0, 60.0),))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 5), min_size=1, max_size=400))
def test_paced_sends_are_never_dropped_by_the_emulator(gaps: list[float]) -> None:
    """The emulator's count of WeCom's limits drops none of what the pacer lets through."""
    pacer = Pacer()
    recent = Recent()
    now = 0.0
    for gap in gaps:
        now += gap
        at = pacer.reserve("p", now)
        assert not recent.over(at)
        recent.add(at)
