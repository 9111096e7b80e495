"""第五条 end to end: the deadline is for reaching the centre, so sign-off time counts; what the
informant, the signers and the author see, and what the ledger records (late_days).

The clock starts on Thu 2026-10-15 10:00 Shanghai; an event on Wed 10-14 is due Fri 10-16.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.jobs import sweep
from bot.settings.loader import load_settings
from bot.settings.schema import Settings
from bot.wiring import centre_rules
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState
from storage import items
from storage.db import Database
from storage.models import Item
from tests.conftest import FakeClock
from tests.flow import REPO, button_data, running, settle, texts_of
from tests.test_flows import join, say, tap
from workflow.rules import JudgedAt
from workflow.schedule import events_due_on

WINDOW = "市人社局窗口"


def shanghai(month: int, day: int, hour: int = 10) -> datetime:
    """A Shanghai wall-clock time in 2026."""
    return datetime(2026, month, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


async def submit_item(
    server: FakeBotApi, app: BotApp, user: FakeUser, category: str, event: str
) -> str:
    """The user submits an item of a category about an event day; returns the preview text."""
    await say(server, app, user, "/submit")
    await tap(server, app, user, user.received()[-1], f"sub:cat:{category}")
    await say(server, app, user, "市人社局窗口推行“一窗通办”")
    await say(server, app, user, "正文。")
    await tap(server, app, user, user.received()[-1], "sub:body:done")
    await say(server, app, user, event)
    await tap(server, app, user, user.received()[-1], "sub:files:done")
    preview = texts_of(user)[-1]
    await tap(server, app, user, user.received()[-1], "sub:ok")
    return preview


async def sign(server: FakeBotApi, app: BotApp, signer: FakeUser, data: str) -> str:
    """The signer approves the step of their newest request; returns that request's text."""
    request = signer.received()[-1]
    await tap(server, app, signer, request, button_data(request, data))
    return str(request["text"])


async def stored(ledger: Database, item_id: int = 1) -> Item:
    """An item as the ledger holds it."""
    async with ledger.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None
    return item


async def window_people(server: FakeBotApi, app: BotApp) -> tuple[FakeUser, FakeUser, FakeUser]:
    """The window's informant, head and leader, joined."""
    informant, head, leader = server.user(101, "王芳"), server.user(102, "李明"), server.user(103)
    await join(server, app, informant, WINDOW, "informant")
    await join(server, app, head, WINDOW, "window_head")
    await join(server, app, leader, WINDOW, "leader")
    return informant, head, leader


async def test_submitted_on_time_but_signed_after_the_deadline_is_late(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant, head, leader = await window_people(server, bot)
    preview = await submit_item(server, bot, informant, "measures", "2026-10-14")
    assert "报送时限至 2026-10-16（需在此前完成审签送达中心），还剩 1 个工作日" in preview
    assert "按时报送" not in preview  # sign-offs remain: nothing can be promised yet
    done = "\n".join(texts_of(informant)[-2:])
    assert "还剩 1 个工作日" in done
    assert "时限 10-16，还剩 1 个工作日" in await sign(server, bot, head, "so:1:0:0:a")
    assert (await stored(ledger)).late_days == 0  # not judged before it reaches the centre
    clock.now = shanghai(10, 19)  # Monday: one working day past Friday's deadline
    assert "时限 10-16，还剩 1 个工作日" in await sign(server, bot, leader, "so:1:0:1:a")
    arrived = texts_of(informant)[-1]
    assert "报送到市政务服务中心" in arrived
    assert "已超过报送时限（2026-10-16）1 个工作日" in arrived
    item = await stored(ledger)
    assert (item.state, item.centre_on, item.late_days) == (
        ItemState.SUBMITTED,
        date(2026, 10, 19),
        1,
    )
    assert "迟报 1 个工作日" in await say(server, bot, informant, "/item 1")


async def test_judged_at_submission_the_same_item_is_on_time(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> None:
    at_submission = settings.model_copy(update={"timeliness_judged_at": JudgedAt.SUBMISSION})
    async with running(at_submission, ledger) as app:
        informant, head, leader = await window_people(server, app)
        preview = await submit_item(server, app, informant, "measures", "2026-10-14")
        assert "现在报送属按时报送" in preview
        assert "按时报送（时限至 2026-10-16）" in "\n".join(texts_of(informant)[-2:])
        request = await sign(server, app, head, "so:1:0:0:a")
        assert "时限" not in request  # the sign-offs do not count: no deadline to show
        clock.now = shanghai(10, 19)
        await sign(server, app, leader, "so:1:0:1:a")
        arrived = texts_of(informant)[-1]
    assert "报送到市政务服务中心" in arrived
    assert "超过报送时限" not in arrived
    item = await stored(ledger)
    assert (item.state, item.late_days) == (ItemState.SUBMITTED, 0)


async def test_returned_and_resubmitted_item_is_judged_on_its_final_arrival(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant, head, leader = await window_people(server, bot)
    await submit_item(server, bot, informant, "measures", "2026-10-14")
    request = head.received()[-1]
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:r"))
    await say(server, bot, head, "请补充办件数量")
    await tap(server, bot, head, head.received()[-1], "so:1:0:0:c")
    clock.now = shanghai(10, 19)
    await say(server, bot, informant, "/my")
    await tap(server, bot, informant, informant.received()[-1], "rv:1")
    preview = texts_of(informant)[-1]
    assert "报送时限为 2026-10-16，已超过 1 个工作日" in preview
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")
    resubmitted = "\n".join(texts_of(informant)[-2:])
    assert "已修改并重新送审" in resubmitted
    assert "已超过报送时限 1 个工作日（时限至 2026-10-16），送达中心后将在通报中标注为迟报" in (
        resubmitted
    )
    assert "时限 10-16，已超时 1 个工作日" in await sign(server, bot, head, "so:1:1:0:a")
    assert (await stored(ledger)).late_days == 0
    clock.now = shanghai(10, 20)
    assert "已超时 1 个工作日" in await sign(server, bot, leader, "so:1:1:1:a")  # sent 10-19
    assert "已超过报送时限（2026-10-16）2 个工作日" in texts_of(informant)[-1]
    item = await stored(ledger)
    assert (item.chain_round, item.centre_on, item.late_days) == (1, date(2026, 10, 20), 2)


async def test_a_research_report_has_no_deadline(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant, head, leader = await window_people(server, bot)
    preview = await submit_item(server, bot, informant, "research", "2026-10-09")
    assert "调研报告不设 2 个工作日的报送时限" in preview
    assert "已超过" not in preview
    assert "调研报告不设 2 个工作日的报送时限" in "\n".join(texts_of(informant)[-2:])
    assert "时限" not in await sign(server, bot, head, "so:1:0:0:a")
    clock.now = shanghai(11, 2)
    await sign(server, bot, leader, "so:1:0:1:a")
    assert "超过报送时限" not in texts_of(informant)[-1]
    item = await stored(ledger)
    assert (item.state, item.late_days) == (ItemState.SUBMITTED, 0)


async def test_signers_are_reminded_once_on_the_due_day(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant, head, leader = await window_people(server, bot)
    await submit_item(server, bot, informant, "measures", "2026-10-14")  # #1, due 10-16
    await sign(server, bot, head, "so:1:0:0:a")  # now at the leader's step
    await submit_item(server, bot, informant, "research", "2026-10-14")  # #2, no deadline

    def due_reminders(user: FakeUser) -> list[str]:
        return [text for text in texts_of(user) if "报送时限是今天" in text]

    for moment in (shanghai(10, 15, 16), shanghai(10, 16, 7), shanghai(10, 16, 10)):
        clock.now = moment  # the day before, then quiet hours, then the due day's morning
        await sweep(moment, bot.bot_data)
        await settle(server, bot)
    (reminder,) = due_reminders(leader)
    assert "信息 #1（市人社局窗口）的报送时限是今天（2026-10-16）" in reminder
    assert "时限 10-16，今天截止" in reminder
    assert due_reminders(head) == []  # not their step any more; #2 has no deadline
    clock.now = shanghai(10, 16, 11)
    await sweep(clock.now, bot.bot_data)
    await settle(server, bot)
    assert len(due_reminders(leader)) == 1
    async with ledger.reading() as tx:
        runs = await tx.fetchall("SELECT key FROM job_runs WHERE key LIKE 'remind:due:%'")
    assert [row["key"] for row in runs] == ["remind:due:1:0:1"]


def test_due_day_span_walks_over_holidays() -> None:
    """Every event day in the span is due that day and its neighbours are not (National Day,
    make-up Saturday 10-10, weekends); a day off has none."""
    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    calendar = rules.calendar
    day = date(2026, 9, 20)
    while day < date(2026, 10, 31):
        span = events_due_on(rules, day)
        if span is None:
            assert not calendar.is_working_day(day)
        else:
            first, last = span
            assert calendar.deadline(first - timedelta(days=1), 2) < day
            assert calendar.deadline(last + timedelta(days=1), 2) > day
            for n in range((last - first).days + 1):
                assert calendar.deadline(first + timedelta(days=n), 2) == day
        day += timedelta(days=1)
