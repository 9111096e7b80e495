"""The due-work sweep at frozen moments: bulletins on the first working day, reminders on
working days only (National Day off, make-up days on), nothing twice across restarts."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from telegram import Bot

from bot import jobs as jobs_module
from bot.jobs import sweep
from bot.wiring import centre_rules, telegram_options
from channels.telegram.adapter import drain
from channels.telegram.context import BotData
from delivery.courier import Courier
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import jobs, outbox, people, units
from storage.db import Database
from tests.conftest import FakeClock, tg_account
from tests.flow import TOKEN, flow_settings, load_units
from workflow import joining, submission, tasks
from workflow.figures import month_report
from workflow.rules import CentreRules

os.environ.setdefault("PTB_TIMEDELTA", "true")
WINDOW = "市人社局窗口"


def shanghai(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time, as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API."""
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(server: FakeBotApi) -> AsyncIterator[Bot]:
    """A Bot against the fake server."""
    async with Bot(TOKEN, base_url=server.base_url) as client:
        yield client


@pytest.fixture
async def services(server: FakeBotApi, bot: Bot, db: Database, tmp_path: Path) -> BotData:
    """The bot's services on the test ledger, with a bulletin chat and units loaded, and the
    outbox sent through `bot` (no Application)."""
    settings = flow_settings(server, tmp_path / "unused.db")
    bulletin = settings.bulletin.model_copy(update={"chat_ids": (-100,)})
    settings = settings.model_copy(update={"bulletin": bulletin})
    await load_units(db, settings)
    data = BotData()
    data.setup(db, centre_rules(settings), telegram_options(settings))
    data.use_courier(
        Courier(
            lambda: drain(bot, db, data.texts, data.rules),
            spawn=asyncio.get_running_loop().create_task,
        )
    )
    server.group(-100, "信息通报群")
    return data


async def person(db: Database, rules: CentreRules, tg: int, unit: str, role: Role) -> None:
    """Someone joined by invite."""
    invite, _ = await joining.create_invite(db, rules, unit_name=unit, role=role)
    await joining.redeem(db, invite.code, account=tg_account(tg), name=f"用户{tg}", username=None)


async def sent_purposes(db: Database) -> list[str]:
    """Every outbox purpose sent, in order."""
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT purpose, address FROM outbox WHERE state = 'sent'")
    return [f"{r['purpose']}→{r['address']}" for r in rows]


@pytest.mark.parametrize(
    ("before", "at", "period"),
    [
        (shanghai(2026, 11, 2, 8, 59), shanghai(2026, 11, 2, 9, 0), "2026-10"),
        (shanghai(2026, 10, 7, 23, 0), shanghai(2026, 10, 8, 9, 0), "2026-09"),
    ],
)
async def test_bulletin_on_the_first_working_day(
    services: BotData,
    bot: Bot,
    server: FakeBotApi,
    clock: FakeClock,
    before: datetime,
    at: datetime,
    period: str,
) -> None:
    db = services.db
    await person(db, services.rules, 102, WINDOW, Role.WINDOW_HEAD)
    server.user(102)
    holiday = shanghai(2026, 11, 1, 12) if period == "2026-10" else shanghai(2026, 10, 1, 12)
    for moment in (holiday, before):
        clock.now = moment
        await sweep(moment, services)
        assert not [p for p in await sent_purposes(db) if p.startswith("bulletin")]
    clock.now = at
    await sweep(at, services)
    sent = [p for p in await sent_purposes(db) if p.startswith("bulletin")]
    assert f"bulletin:{period}:0→-100" in sent
    assert f"bulletin:{period}:0→102" in sent
    group = server.sent_to(-100)
    group_text = str(group[0]["text"])
    assert any("photo" in m for m in group)
    documents = {m["document"]["file_name"]: m for m in group if "document" in m}
    assert sorted(documents) == [f"通报-{period}.docx", f"通报-{period}.xlsx"]
    document = documents[f"通报-{period}.xlsx"]
    book = load_workbook(io.BytesIO(server.file_bytes(document["document"]["file_id"])))
    assert book.sheetnames == ["本月", "全年累计", "采用明细", "迟报明细"]
    assert f"{period[:4]}年{int(period[5:])}月 信息报送情况通报" in group_text
    assert "👉" in str(server.sent_to(102)[0]["text"])  # the head's own unit is marked
    # A restart and another sweep: nothing new.
    count = len(server.sent_to(-100))
    await sweep(at, services)
    assert len(server.sent_to(-100)) == count
    async with db.reading() as tx:
        assert await jobs.is_done(tx, f"bulletin:{period}")


async def test_bulletin_missed_by_downtime_goes_out_later_that_month(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    clock.now = shanghai(2026, 11, 5, 14)
    await sweep(clock.now, services)
    assert "2026年10月" in str(server.sent_to(-100)[0]["text"])


async def signoff_waiting_since(services: BotData, clock: FakeClock, moment: datetime) -> None:
    """An item submitted at `moment`, waiting for the window head (tg 102)."""
    db, rules = services.db, services.rules
    await person(db, rules, 101, WINDOW, Role.INFORMANT)
    await person(db, rules, 102, WINDOW, Role.WINDOW_HEAD)
    await person(db, rules, 103, WINDOW, Role.LEADER)
    clock.now = moment
    async with db.reading() as tx:
        unit = await units.unit_by_name(tx, WINDOW)
        informant = await people.person_by_account(tx, tg_account(101))
    assert unit is not None
    assert informant is not None
    await submission.submit(
        db,
        rules,
        informant,
        submission.Draft(unit.id, "measures", "标题", "正文", rules.local_now(moment).date()),
    )
    async with db.transaction() as tx:  # the request itself was sent at submission
        await tx.execute("UPDATE outbox SET state = 'sent'")


async def reminders_at(
    services: BotData, bot: Bot, clock: FakeClock, moment: datetime
) -> list[str]:
    """Sweeps at a moment; returns the reminder purposes sent so far."""
    clock.now = moment
    await sweep(moment, services)
    return [p for p in await sent_purposes(services.db) if p.startswith("remind:signoff")]


async def test_reminders_skip_national_day_and_fire_on_make_up_days(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    for tg in (101, 102, 103):
        server.user(tg)
    await signoff_waiting_since(services, clock, shanghai(2026, 9, 30, 17))
    assert await reminders_at(services, bot, clock, shanghai(2026, 10, 3, 10)) == []
    assert await reminders_at(services, bot, clock, shanghai(2026, 10, 7, 10)) == []
    first = await reminders_at(services, bot, clock, shanghai(2026, 10, 8, 10))
    assert first == ["remind:signoff:1:0:0:2026-10-08→102"]
    # The make-up Saturday 2026-10-10 is a working day: two days waited, the leader is told.
    second = await reminders_at(services, bot, clock, shanghai(2026, 10, 10, 10))
    assert "remind:signoff:1:0:0:2026-10-10→102" in second
    assert "remind:signoff-up:1:0:0:2026-10-10→103" in second
    # Quiet hours: nothing at 22:00 the same day, and nothing twice.
    assert await reminders_at(services, bot, clock, shanghai(2026, 10, 10, 22)) == second


async def test_reminder_fires_on_the_make_up_sunday(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    server.user(102)
    await signoff_waiting_since(services, clock, shanghai(2026, 9, 18, 17))
    sent = await reminders_at(services, bot, clock, shanghai(2026, 9, 20, 10))
    assert sent == ["remind:signoff:1:0:0:2026-09-20→102"]


async def test_calendar_gap_told_to_admins_once(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    admin = server.user(900)
    for _ in range(2):
        clock.now = shanghai(2026, 11, 24, 10)
        await sweep(clock.now, services)
    gap = [str(m["text"]) for m in admin.received() if "2027" in str(m["text"])]
    assert len(gap) == 1
    assert "调休上班日和调休放假日未知" in gap[0]
    assert "calendar.extra_holidays" in gap[0]
    assert "calendar.complete_years" in gap[0]


async def test_calendar_gap_not_told_to_centre_leaders(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    db, rules = services.db, services.rules
    await person(db, rules, 106, "综合科", Role.CENTRE_LEADER)
    await person(db, rules, 107, "综合科", Role.MAIN_LEADER)
    await person(db, rules, 108, "综合科", Role.ADMIN)
    admin, leader, main_leader, role_admin = (server.user(t) for t in (900, 106, 107, 108))
    clock.now = shanghai(2026, 11, 24, 10)
    await sweep(clock.now, services)

    def gaps(user: FakeUser) -> list[str]:
        """The calendar-gap texts a user received."""
        return [str(m["text"]) for m in user.received() if "工作日历" in str(m.get("text"))]

    assert len(gaps(admin)) == 1
    assert len(gaps(role_admin)) == 1
    assert gaps(leader) == []
    assert gaps(main_leader) == []


async def test_calendar_gap_waits_for_working_hours(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    """Not at 21:30 on a working day, nor on a Saturday morning: the next working morning."""
    admin = server.user(900)
    for moment in (
        shanghai(2026, 11, 24, 21, 30),  # Tuesday evening, quiet hours
        shanghai(2026, 11, 25, 7, 55),  # Wednesday before quiet hours end
        shanghai(2026, 11, 28, 10),  # Saturday
        shanghai(2026, 11, 29, 10),  # Sunday
    ):
        clock.now = moment
        await sweep(moment, services)
        assert not [m for m in admin.received() if "2027" in str(m.get("text"))], moment
    clock.now = shanghai(2026, 11, 30, 9)  # Monday morning
    await sweep(clock.now, services)
    clock.now = shanghai(2026, 12, 1, 9)
    await sweep(clock.now, services)
    assert len([m for m in admin.received() if "2027" in str(m.get("text"))]) == 1


async def test_quota_reminder_five_working_days_before_month_end(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    db, rules = services.db, services.rules
    await person(db, rules, 101, WINDOW, Role.INFORMANT)
    server.user(101)
    server.user(900)
    day = rules.calendar.working_days_before_month_end(2026, 11, 5)
    assert day == date(2026, 11, 23)
    clock.now = shanghai(2026, 11, 23, 10)
    await sweep(clock.now, services)
    texts = [str(m.get("text") or "") for m in server.sent_to(101)]  # the bulletin has files too
    assert any("还差 2 条" in text and WINDOW in text for text in texts)
    async with db.reading() as tx:
        assert await outbox.undelivered(tx) == []


async def test_year_end_report_in_january(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    admin = server.user(900)
    clock.now = shanghai(2027, 1, 8, 10)  # the report waits for bulletin.annual_report_day (10)
    await sweep(clock.now, services)
    assert not [m for m in admin.received() if "年度信息工作考核" in str(m.get("text"))]
    clock.now = shanghai(2027, 1, 11, 10)  # Jan 10 is a Sunday: the next working day
    await sweep(clock.now, services)
    await sweep(clock.now, services)
    texts = [str(m.get("text") or "") for m in admin.received()]
    reports = [t for t in texts if "2026 年度信息工作考核" in t]
    assert len(reports) == 1
    assert "未完成调研文章的科室" in "\n".join(texts)
    (document,) = [m for m in admin.received() if "document" in m]
    book = load_workbook(io.BytesIO(server.file_bytes(document["document"]["file_id"])))
    assert book.sheetnames == ["年度考核", "调研文章"]


async def test_research_reminder_in_december(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    db, rules = services.db, services.rules
    await person(db, rules, 105, "综合科", Role.INFORMANT)
    head = server.user(105)
    for day in (1, 2):
        clock.now = shanghai(2026, 12, day, 10)
        await sweep(clock.now, services)
    reminders = [str(m.get("text")) for m in head.received() if "调研文章" in str(m.get("text"))]
    assert len(reminders) == 1
    assert "综合科" in reminders[0]


async def test_task_due_and_overdue_reminders_once(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    db, rules = services.db, services.rules
    await person(db, rules, 101, WINDOW, Role.INFORMANT)
    await person(db, rules, 104, "综合科", Role.EDITOR)
    informant, editor = server.user(101), server.user(104)
    async with db.reading() as tx:
        opener = await people.person_by_account(tx, tg_account(104))
    assert opener is not None
    clock.now = shanghai(2026, 10, 15, 10)
    task, _, _ = await tasks.open_task(db, rules, opener, unit_name=WINDOW, title="市领导视察")
    assert task.due_on == date(2026, 10, 19)
    for moment in (shanghai(2026, 10, 19, 10), shanghai(2026, 10, 19, 11)):
        clock.now = moment
        await sweep(moment, services)
    due = [m for m in informant.received() if "今天到期" in str(m.get("text"))]
    assert len(due) == 1
    for moment in (shanghai(2026, 10, 20, 10), shanghai(2026, 10, 21, 10)):
        clock.now = moment
        await sweep(moment, services)
    overdue = [m for m in editor.received() if "已逾期" in str(m.get("text"))]
    assert len(overdue) == 1


async def test_the_bulletin_reaches_everyone_it_concerns(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    """Informants and signers get it with their unit marked, the centre's editors and leaders
    the plain one; an audience of signers only (a setting) leaves the others out."""
    db, rules = services.db, services.rules
    cast: list[tuple[int, str | None, Role]] = [
        (101, WINDOW, Role.INFORMANT),
        (102, WINDOW, Role.WINDOW_HEAD),
        (104, "综合科", Role.EDITOR),
        (106, None, Role.MAIN_LEADER),
    ]
    for tg, unit, role in cast:
        if unit is None:
            await centre_person(db, rules, tg, role)
        else:
            await person(db, rules, tg, unit, role)
        server.user(tg)
    clock.now = shanghai(2026, 11, 2, 9, 0)
    await sweep(clock.now, services)
    for tg in (101, 102):
        first = str(server.sent_to(tg)[0]["text"])
        assert "信息报送情况通报" in first and "👉" in first
        assert any("document" in m for m in server.sent_to(tg))
    for tg in (104, 106):
        first = str(server.sent_to(tg)[0]["text"])
        assert "信息报送情况通报" in first and "👉" not in first
        assert any("photo" in m for m in server.sent_to(tg))


async def centre_person(db: Database, rules: CentreRules, tg: int, role: Role) -> None:
    """Someone of the centre itself (no unit), joined by invite."""
    invite, _ = await joining.create_invite(db, rules, unit_name=None, role=role)
    await joining.redeem(db, invite.code, account=tg_account(tg), name=f"用户{tg}", username=None)


async def test_a_signers_only_audience(
    services: BotData, bot: Bot, server: FakeBotApi, clock: FakeClock
) -> None:
    db, rules = services.db, services.rules
    plan = replace(services.schedule, bulletin_audience=frozenset({"signers"}))
    for tg, role in ((101, Role.INFORMANT), (102, Role.WINDOW_HEAD)):
        await person(db, rules, tg, WINDOW, role)
        server.user(tg)
    await jobs_module.post_bulletin(
        services, plan, await month_report(db, rules.policy, rules.zone, 2026, 10)
    )
    services.courier.wake()
    await services.courier.idle()
    assert server.sent_to(102) and not server.sent_to(101)
