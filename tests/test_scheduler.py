"""The scheduler the composition root owns: the sweep and the outbox's retries run on their
intervals without a PTB Application (here through a channel that is not Telegram), never two
runs of a job at once, missed runs coalesced, a clean stop; and a process that dies at any
moment of a sweep sends nothing twice once it is back."""

from __future__ import annotations

import asyncio
import json
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import jobs as sweeping
from bot import scheduler as timing
from bot.runner import recover_outbox
from bot.scheduler import Job, Scheduler, timed_work
from bot.settings.loader import load_settings
from bot.settings.schema import Settings
from bot.wiring import centre_rules, telegram_options
from channels.telegram.app import build_application, scheduler_for
from channels.telegram.context import BotData
from channels.telegram.handlers import general
from delivery.courier import Courier
from delivery.outbox import DrainReport
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import jobs, outbox, people, units
from storage.db import Database
from storage.models import TELEGRAM
from tests.conftest import FakeClock, tg_account
from tests.flow import ADMIN, REPO, TOKEN, flow_settings, load_units, running
from workflow import joining, submission
from workflow.schedule import post_once

WINDOW = "市人社局窗口"
BULLETIN_CHAT = -100
INFORMANT, HEAD, LEADER = 101, 102, 103


def shanghai(month: int, day: int, hour: int = 10) -> datetime:
    """A Shanghai wall-clock time in 2026."""
    return datetime(2026, month, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


class Killed(Exception):
    """The process died here: nothing after this point of its life happens."""


class FakeChannel:
    """A chat network that is not Telegram: each outbox row claimed is delivered into a list
    (what people's phones show); it may put one message off once, or die at a delivery."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.delivered: list[tuple[str, str, str]] = []  # address, purpose, payload
        self.passes = 0
        self.put_off: str | None = None  # purpose of a message whose first attempt fails
        self.die_before: int | None = None  # dies claiming the n-th delivery, before sending
        self.die_after: int | None = None  # dies after the n-th delivery, before recording it

    async def drain(self) -> DrainReport:
        """One pass over what is due, one message at a time, as the Telegram sender does."""
        self.passes += 1
        report = DrainReport()
        async with self.db.reading() as tx:
            batch = await outbox.due(tx, TELEGRAM, 200)  # where these people's accounts are
        for message in batch:
            async with self.db.transaction() as tx:
                if not await outbox.claim(tx, message.id):
                    continue
            if message.purpose == self.put_off and message.attempts == 0:
                later = self.db.clock() + timedelta(minutes=1)
                async with self.db.transaction() as tx:
                    await outbox.release(tx, message.id, "busy", later)
                report.retried += 1
                continue
            if self.die_before == len(self.delivered) + 1:
                raise Killed
            self.delivered.append((message.address, message.purpose, message.payload))
            if self.die_after == len(self.delivered):
                raise Killed
            async with self.db.transaction() as tx:
                await outbox.mark_sent(tx, message.id, len(self.delivered))
            report.sent += 1
        return report

    def purposes(self) -> list[str]:
        """Each delivery as purpose→chat, in order."""
        return [f"{purpose}→{chat}" for chat, purpose, _ in self.delivered]


def services_on(db: Database, server: FakeBotApi, tmp_path: Path, channel: FakeChannel) -> BotData:
    """The bot's services on a ledger, sending through the fake channel: no Application, no Bot."""
    settings = flow_settings(server, tmp_path / "unused.db")
    bulletin = settings.bulletin.model_copy(update={"chat_ids": (BULLETIN_CHAT,)})
    settings = settings.model_copy(update={"bulletin": bulletin})
    data = BotData()
    data.setup(db, centre_rules(settings), telegram_options(settings))
    data.use_courier(Courier(channel.drain, spawn=asyncio.get_running_loop().create_task))
    return data


async def person(db: Database, services: BotData, tg: int, role: Role) -> None:
    """Someone of the window, joined by invite."""
    invite, _ = await joining.create_invite(db, services.rules, unit_name=WINDOW, role=role)
    await joining.redeem(db, invite.code, account=tg_account(tg), name=f"用户{tg}", username=None)


async def waiting_items(services: BotData, clock: FakeClock, count: int) -> None:
    """The window's people, and `count` items submitted on 2026-10-28 waiting for the head
    (their requests already delivered)."""
    db = services.db
    await load_units(db, load_settings(REPO / "config.yaml", {}))  # the shipped units
    for tg, role in ((INFORMANT, Role.INFORMANT), (HEAD, Role.WINDOW_HEAD), (LEADER, Role.LEADER)):
        await person(db, services, tg, role)
    clock.now = shanghai(10, 28, 17)
    async with db.reading() as tx:
        unit = await units.unit_by_name(tx, WINDOW)
        informant = await people.person_by_account(tx, tg_account(INFORMANT))
    assert unit is not None
    assert informant is not None
    for number in range(count):
        draft = submission.Draft(unit.id, "measures", f"标题{number}", "正文", clock.now.date())
        await submission.submit(db, services.rules, informant, draft)
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET state = 'sent'")


async def outbox_rows(db: Database) -> dict[str, str]:
    """Every outbox row, purpose→chat, with its state."""
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT purpose, address, state FROM outbox")
    return {f"{row['purpose']}→{row['address']}": str(row["state"]) for row in rows}


async def done_keys(db: Database) -> list[str]:
    """The scheduled work recorded as done."""
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT key FROM job_runs ORDER BY key")
    return [str(row["key"]) for row in rows]


async def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Polls `check` until it holds (or fails the test after `timeout` seconds)."""
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 (the fake channel signals nothing)
            await asyncio.sleep(0.02)


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API: only the settings point at it; nothing here talks to it."""
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's intervals shortened: outbox every 0.05 s, the sweep every 0.2 s."""
    monkeypatch.setattr(timing, "OUTBOX_INTERVAL", 0.05)
    monkeypatch.setattr(timing, "OUTBOX_FIRST", 0.01)
    monkeypatch.setattr(timing, "SWEEP_INTERVAL", 0.2)
    monkeypatch.setattr(timing, "SWEEP_FIRST", 0.02)


async def test_the_scheduler_sweeps_and_retries_without_an_application(
    db: Database, server: FakeBotApi, tmp_path: Path, clock: FakeClock, quick: None
) -> None:
    channel = FakeChannel(db)
    services = services_on(db, server, tmp_path, channel)
    await waiting_items(services, clock, 1)
    clock.now = shanghai(11, 3)  # the head is reminded, the leader told; October's bulletin
    async with db.transaction() as tx:  # is posted already (nothing rendered here)
        await jobs.record(tx, "bulletin:2026-10")
    channel.put_off = "remind:signoff-up:1:0:0:2026-11-03"  # the leader's: a busy first try
    scheduler = timed_work(services)
    scheduler.start()
    try:
        await wait_until(lambda: "remind:signoff:1:0:0:2026-11-03→102" in channel.purposes())
        assert "remind:signoff-up:1:0:0:2026-11-03→103" not in channel.purposes()
        clock.now += timedelta(minutes=2)  # the retry falls due; only a timed pass sends it
        await wait_until(lambda: "remind:signoff-up:1:0:0:2026-11-03→103" in channel.purposes())
        passes = channel.passes
        await wait_until(lambda: channel.passes >= passes + 6)  # more sweeps and passes
    finally:
        await scheduler.stop()
    assert "remind:signoff:1:0:0:2026-11-03" in await done_keys(db)
    assert sorted(p for p in channel.purposes() if p.startswith("remind:")) == [
        "remind:signoff-up:1:0:0:2026-11-03→103",
        "remind:signoff:1:0:0:2026-11-03→102",
    ]
    assert len(set(channel.delivered)) == len(channel.delivered)  # each once, over many sweeps
    stopped = channel.passes
    await asyncio.sleep(0.3)  # stopped: no more passes
    assert channel.passes == stopped


async def test_the_bot_runs_nothing_on_ptbs_job_queue(
    db: Database, server: FakeBotApi, tmp_path: Path
) -> None:
    settings = flow_settings(server, tmp_path / "unused.db")
    app = build_application(
        telegram_options(settings), db, centre_rules(settings), token=TOKEN, rate_limit=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that no JobQueue is set up: none is
        assert app.job_queue is None


async def test_a_failed_sweep_reaches_the_bots_error_handler(
    settings: Settings,
    ledger: Database,
    server: FakeBotApi,
    quick: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failures = 0

    async def broken(now: datetime, services: object) -> None:
        """A sweep that fails (the ledger is locked, say)."""
        nonlocal failures
        failures += 1
        raise RuntimeError("sweep broke")

    monkeypatch.setattr(timing, "sweep", broken)
    monkeypatch.setattr(general, "_last_alert", {})  # no alert of another test holds this one
    admin = server.user(ADMIN, "管理员")
    async with running(settings, ledger) as app:
        scheduler = scheduler_for(app, timed_work)
        scheduler.start()
        try:
            told = await server.wait_for_bot_message(ADMIN, 0, timeout=20)
            await wait_until(lambda: failures >= 3)
        finally:
            await scheduler.stop()
    assert "机器人出错：RuntimeError: sweep broke" in str(told["text"])
    assert len(admin.received()) == 1  # told once (a minute apart at most), though it kept failing


async def test_runs_of_a_job_never_overlap() -> None:
    running = 0
    most = 0
    runs = 0

    async def slow() -> None:
        """A run that takes six of its intervals."""
        nonlocal running, most, runs
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.3)
        running -= 1
        runs += 1

    scheduler = Scheduler([Job("slow", 0.05, 0.0, slow)])
    scheduler.start()
    await asyncio.sleep(0.05)
    await asyncio.gather(scheduler.run_now("slow"), scheduler.run_now("slow"))  # e.g. time travel
    await asyncio.sleep(0.5)
    await scheduler.stop()
    assert most == 1
    assert running == 0  # the stop let the run in progress finish
    assert 4 <= runs <= 6  # about 1.2 s of 0.3 s runs (with the two asked for), not 24 runs
    assert not scheduler.running


async def test_runs_missed_during_a_long_run_coalesce_into_one() -> None:
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    slow_end = 0.0

    async def first_slow() -> None:
        """The first run takes ten intervals; the others are instant."""
        nonlocal slow_end
        starts.append(loop.time())
        if len(starts) == 1:
            await asyncio.sleep(0.5)
            slow_end = loop.time()

    scheduler = Scheduler([Job("work", 0.05, 0.0, first_slow)])
    scheduler.start()
    await asyncio.sleep(0.7)
    await scheduler.stop()
    after = [start - slow_end for start in starts[1:]]
    assert len([gap for gap in after if gap < 0.045]) == 1  # one catch-up run, not ten
    assert 2 <= len(after) <= 6  # then every 0.05 s again


async def test_a_failed_run_is_reported_and_the_job_goes_on() -> None:
    reported: list[Exception] = []
    attempts = 0

    async def flaky() -> None:
        """Fails on its first run only."""
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("ledger busy")

    async def report(error: Exception) -> None:
        reported.append(error)

    scheduler = Scheduler([Job("flaky", 0.02, 0.0, flaky)], on_error=report)
    scheduler.start()
    await wait_until(lambda: attempts >= 3)
    await scheduler.stop()
    assert [str(error) for error in reported] == ["ledger busy"]


#: Where a sweep's process dies: after the n-th piece of work was recorded (its messages
#: queued), before the n-th message was sent, or after it was sent and before it was recorded.
KILLS = [("recorded", 1), ("recorded", 3), ("before_send", 1), ("before_send", 4), ("sent", 4)]


@pytest.mark.parametrize(("where", "n"), KILLS)
async def test_a_restart_mid_sweep_sends_nothing_twice(
    server: FakeBotApi,
    tmp_path: Path,
    clock: FakeClock,
    quick: None,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    n: int,
) -> None:
    path = tmp_path / "bot.db"
    db = await Database.open(path, clock=clock)
    await db.migrate()
    channel = FakeChannel(db)
    services = services_on(db, server, tmp_path, channel)
    await waiting_items(services, clock, 3)
    clock.now = shanghai(11, 3)  # October's bulletin, and reminders for three items
    earlier = await outbox_rows(db)  # the requests at submission, delivered then
    if where == "recorded":
        recorded = 0

        async def dies_after_recording(*args: object, **kwargs: object) -> bool:
            """The work is recorded with its messages; the process dies if it is the n-th."""
            nonlocal recorded
            done = await post_once(*args, **kwargs)  # type: ignore[arg-type]
            recorded += 1
            if recorded == n:
                raise Killed
            return done

        monkeypatch.setattr(sweeping, "post_once", dies_after_recording)
        with pytest.raises(Killed):
            await sweeping.sweep(clock.now, services)
        monkeypatch.setattr(sweeping, "post_once", post_once)
    else:
        if where == "before_send":
            channel.die_before = n
        else:
            channel.die_after = n
        await sweeping.sweep(clock.now, services)  # the channel died in the sweep's last step
        assert len(channel.delivered) == n - (where == "before_send")
    before = list(channel.delivered)
    await db.close()

    # The process is back: the ledger reopened, recovered as at every start, and scheduled.
    ledger = await Database.open(path, clock=clock)
    try:
        recovered = await recover_outbox(ledger)
        assert recovered == (0 if where == "recorded" else 1)
        channel.db, channel.die_before, channel.die_after = ledger, None, None
        services = services_on(ledger, server, tmp_path, channel)
        scheduler = timed_work(services)
        scheduler.start()
        try:
            await wait_until(lambda: len(channel.delivered) > len(before))
            passes = channel.passes
            await wait_until(lambda: channel.passes >= passes + 6)  # sweeps and passes after
        finally:
            await scheduler.stop()
        queued = {p: s for p, s in (await outbox_rows(ledger)).items() if p not in earlier}
        keys = await done_keys(ledger)
    finally:
        await ledger.close()
    delivered = channel.purposes()
    assert [p for p, times in Counter(delivered).items() if times > 1] == []
    texts = Counter(
        (chat, json.loads(payload)["text"])
        for chat, _, payload in channel.delivered
        if "text" in json.loads(payload)
    )
    assert [text for text, times in texts.items() if times > 1] == []
    # Nothing lost either: every piece of work done once, every message delivered but the one
    # a death left in doubt (uncertain: never resent, even if it never left).
    assert "bulletin:2026-10" in keys
    assert [k for k in keys if k.startswith("remind:signoff:")] == [
        f"remind:signoff:{item}:0:0:2026-11-03" for item in (1, 2, 3)
    ]
    assert f"bulletin:2026-10:0→{BULLETIN_CHAT}" in queued
    assert {f"remind:signoff:{item}:0:0:2026-11-03→{HEAD}" for item in (1, 2, 3)} <= set(queued)
    doubtful = [p for p, state in queued.items() if state == "uncertain"]
    assert len(doubtful) == (0 if where == "recorded" else 1)
    assert set(queued.values()) <= {"sent", "uncertain"}
    left = set(doubtful) if where == "before_send" else set()
    assert set(delivered) == set(queued) - left
