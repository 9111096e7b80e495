"""Per-corp pacing for WeCom: a burst to many members stays within the corp's calls of
message/send a minute (here 50), spread over minutes with no 45009, each member's order kept and
nothing dropped, across a restart too; the emulator answers 45009 past its corp limit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.settings.loader import load_settings
from bot.wiring import centre_rules, wecom_config
from channels.wecom.adapter import WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.errors import RateLimited
from channels.wecom.pacing import SLACK, WECOM_WINDOWS, Pacer, Window, wecom_pacer
from channels.wecom.payloads import Text as TextMessage
from channels.wecom.render import wecom_texts
from delivery import outbox as delivery
from sandbox.wecom.server import FakeWeComApi
from storage import outbox, people
from storage.db import Database
from storage.models import Account
from tests.conftest import FakeClock
from tests.flow import REPO
from tests.test_wecom_settings import ENV, config_file, problems_of
from workflow.rules import CentreRules

WECOM = "wecom"
#: The corp's calls of message/send a minute in these tests.
CORP = 50


def most_in_any_window(times: Sequence[float], span: float) -> int:
    """The most sends in any half-open window [t, t + span)."""
    ordered = sorted(times)
    most = 0
    end = 0
    for start, first in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end] < first + span:
            end += 1
        most = max(most, end - start)
    return most


@pytest.fixture
def rules() -> CentreRules:
    """The sample configuration's rules."""
    return centre_rules(load_settings(REPO / "config.yaml", {}))


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[FakeWeComApi]:
    """The emulator on the ledger's clock, taking 50 calls of an API a minute from the corp."""
    async with FakeWeComApi(clock=lambda: clock.now.timestamp(), corp_limit=CORP) as api:
        yield api


@pytest.fixture
async def client(wecom: FakeWeComApi) -> AsyncIterator[WeComClient]:
    """A client pointed at the emulator."""
    client = WeComClient(wecom.corp_id, wecom.secret, wecom.agent_id, base_url=wecom.base_url)
    try:
        yield client
    finally:
        await client.close()


def channel_of(client: WeComClient, db: Database) -> WeComChannel:
    """The adapter paced to the corp's 50 sends a minute."""
    return WeComChannel(client, db, wecom_texts("zh"), wecom_pacer(CORP))


async def queue_burst(db: Database, members: int, each: int, tag: str) -> list[str]:
    """`each` texts to each of `members` members, queued member by member; their userids."""
    userids = [f"m{n:02d}" for n in range(members)]
    async with db.transaction() as tx:
        for userid in userids:
            person = await people.ensure_person(tx, Account(WECOM, userid), userid)
            for k in range(each):
                await outbox.enqueue(tx, f"{tag}:{userid}:{k}", person.id, {"text": f"{tag} {k}"})
    return userids


async def drain_until_done(
    channel: WeComChannel, db: Database, rules: CentreRules, clock: FakeClock, passes: int = 200
) -> None:
    """Passes of the outbox, the clock moved to each next due row, until nothing waits."""
    for _ in range(passes):
        await delivery.drain({WECOM: channel}, db, rules)
        async with db.reading() as tx:
            due = await outbox.next_retry(tx)
        if due is None:
            return
        clock.now = max(clock.now, due)
    raise AssertionError("the outbox never emptied")


def assert_within_corp_limit(wecom: FakeWeComApi) -> None:
    """No 45009, and the sends themselves never over 50 in any minute."""
    assert wecom.rate_limited == 0
    sends = [c.at for c in wecom.calls if c.api == "message/send"]
    assert most_in_any_window(sends, 60.0) <= CORP


async def test_a_burst_to_many_members_is_spread_over_minutes_in_order_none_dropped(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, client: WeComClient, clock: FakeClock
) -> None:
    """40 members, 4 texts each: 160 sends at a corp limit of 50 a minute go over four
    minutes (each minute's 50 as soon as the last minute's leave it), no 45009, none dropped,
    each member's texts in the order queued."""
    channel = channel_of(client, db)
    await channel.start()
    userids = await queue_burst(db, 40, 4, "通报")
    start = clock.now.timestamp()
    await drain_until_done(channel, db, rules, clock)

    assert_within_corp_limit(wecom)
    sends = sorted(c.at - start for c in wecom.calls if c.api == "message/send")
    assert len(sends) == 160
    assert sends[49] < 60 <= sends[50]  # the corp's first minute holds 50
    assert 3 * (60 + SLACK) <= sends[-1] <= 3 * (60 + SLACK) + 5  # then 50 a minute, no later
    for userid in userids:
        assert [d.text for d in wecom.inbox(userid)] == [f"通报 {k}" for k in range(4)]
        assert wecom.dropped(userid) == []
    async with db.reading() as tx:
        states = await tx.fetchall("SELECT state, count(*) AS n FROM outbox GROUP BY state")
    assert {(str(r["state"]), int(r["n"])) for r in states} == {("sent", 160)}


async def test_a_restart_mid_burst_keeps_the_corps_window(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, client: WeComClient, clock: FakeClock
) -> None:
    """The bot restarts after the first 30 sends of a minute: the new adapter counts them
    (refilled from the outbox), so the rest of the burst still gets no 45009."""
    first = channel_of(client, db)
    await first.start()
    userids = await queue_burst(db, 30, 1, "一")
    await delivery.drain({WECOM: first}, db, rules)
    assert sum(1 for c in wecom.calls if c.api == "message/send") == 30

    clock.now += timedelta(seconds=10)
    restarted = channel_of(client, db)
    await restarted.start()
    await queue_burst(db, 30, 3, "二")
    await drain_until_done(restarted, db, rules, clock)

    assert_within_corp_limit(wecom)
    assert sum(1 for c in wecom.calls if c.api == "message/send") == 120
    for userid in userids:
        assert [d.text for d in wecom.inbox(userid)] == ["一 0", "二 0", "二 1", "二 2"]
        assert wecom.dropped(userid) == []


async def test_without_the_refill_a_restart_would_be_answered_45009(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, client: WeComClient, clock: FakeClock
) -> None:
    """The check above can fail: an adapter that forgot the minute's 30 sends runs into the
    emulator's corp limit (45009), which the outbox retries a minute later."""
    first = channel_of(client, db)
    await first.start()
    await queue_burst(db, 30, 1, "一")
    await delivery.drain({WECOM: first}, db, rules)
    forgetful = channel_of(client, db)  # never started: nothing refilled
    await queue_burst(db, 30, 1, "二")
    report = await delivery.drain({WECOM: forgetful}, db, rules)
    assert wecom.rate_limited >= 1
    assert report.retried >= 1


async def test_the_emulator_answers_45009_past_its_corp_limit(
    wecom: FakeWeComApi, client: WeComClient, clock: FakeClock
) -> None:
    """50 sends in a minute go; the 51st is refused (and not counted); a minute after the
    first, there is room again. Other APIs have windows of their own."""
    for n in range(CORP):
        await client.send([f"m{n}"], TextMessage("通知"))
    with pytest.raises(RateLimited):
        await client.send(["late"], TextMessage("通知"))
    assert wecom.inbox("late") == []
    clock.now += timedelta(seconds=59)
    with pytest.raises(RateLimited):
        await client.send(["late"], TextMessage("通知"))
    clock.now += timedelta(seconds=1)
    await client.send(["late"], TextMessage("通知"))
    assert [d.text for d in wecom.inbox("late")] == ["通知"]
    assert wecom.rate_limited == 2


def test_the_emulator_refuses_a_limit_of_nothing() -> None:
    """A corp limit needs a positive count and span."""
    with pytest.raises(ValueError, match="positive"):
        FakeWeComApi(corp_limit=0)


#: Requests: (member, seconds since the previous request, how many at once).
requests = st.lists(
    st.tuples(
        st.integers(0, 30),
        st.one_of(st.just(0.0), st.floats(0, 2), st.floats(0, 90)),
        st.integers(1, 12),
    ),
    min_size=1,
    max_size=150,
)


@settings(max_examples=60, deadline=None)
@given(requests, st.sampled_from([0.0, 1.0]), st.integers(5, 60))
def test_the_corps_window_holds_whatever_is_booked(
    asks: list[tuple[int, float, int]], slack: float, limit: int
) -> None:
    """Any arrival pattern, bookings in the future included: never more than the corp's limit
    in any window, each member's windows and order kept, nothing booked before it was asked."""
    pacer = Pacer(WECOM_WINDOWS, slack, Window(limit, 60.0))
    now = 0.0
    booked: dict[int, list[float]] = defaultdict(list)
    for member, gap, burst in asks:
        now += gap
        for _ in range(burst):
            at = pacer.reserve(member, now)
            assert at >= now
            booked[member].append(at)
    everyone = [at for times in booked.values() for at in times]
    assert most_in_any_window(everyone, 60.0) <= limit
    for times in booked.values():
        assert times == sorted(times)
        for window in WECOM_WINDOWS:
            assert most_in_any_window(times, window.span) <= window.limit


def test_the_corps_window_goes_as_fast_as_allowed() -> None:
    """120 members asked at once with a corp limit of 50: 50 now, 50 a minute (and a second)
    later, 20 after that; a row of several messages waits until all of them fit."""
    pacer = Pacer(WECOM_WINDOWS, SLACK, Window(50, 60.0))
    times = [pacer.reserve(n, 0.0) for n in range(120)]
    assert times == [0.0] * 50 + [61.0] * 50 + [122.0] * 20
    assert pacer.corp_pending(0.0) == 70
    assert pacer.earliest("someone", 122.0) == 122.0
    assert pacer.earliest("someone", 122.0, count=31) == 183.0
    assert pacer.earliest("someone", 122.0, count=200) == 183.0  # more than a window: empty


def test_the_corps_old_bookings_are_forgotten() -> None:
    """Bookings older than the corp's window stop counting and are dropped."""
    pacer = Pacer(WECOM_WINDOWS, SLACK, Window(3, 60.0))
    for n in range(3):
        pacer.reserve(n, 0.0)
    assert pacer.earliest("x", 10.0) == 61.0
    pacer.prune(61.0)
    assert pacer.corp_pending(0.0) == 0
    assert pacer.earliest("x", 61.0) == 61.0


def test_the_setting_reaches_the_wecom_side(tmp_path: Path) -> None:
    """`wecom.corp_sends_per_minute`: WeCom's 10,000 unless set, at most that, handed to the
    WeCom side's config; its pacer holds a member beyond it."""
    assert load_settings(config_file(tmp_path), ENV).wecom.corp_sends_per_minute == 10_000
    path = config_file(tmp_path, "wecom:\n  corp_sends_per_minute: 3000\n")
    config = wecom_config(load_settings(path, ENV))
    assert config is not None and config.corp_sends_per_minute == 3000
    for wrong in ("0", "20000", "true"):
        path = config_file(tmp_path, f"wecom:\n  corp_sends_per_minute: {wrong}\n")
        assert any("corp_sends_per_minute" in line for line in problems_of(path, ENV))
    pacer = wecom_pacer(2)
    assert [pacer.reserve(n, 0.0) for n in range(3)] == [0.0, 0.0, 61.0]
