"""Closed periods (REGULATION.md "Periods are closed"): a month closes with its bulletin and a
year with its report; what was published never changes; corrections and reopening."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.cli import main
from bot.documents.bulletin import bulletin_text
from bot.jobs import sweep
from bot.wiring import centre_rules
from channels.telegram.app import BotApp
from chat.texts import Texts
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from storage import periods
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import ADMIN, JSON, button_data, flow_settings, load_units
from tests.test_flows import join, say, submit_quickly, tap
from workflow import periods as closing
from workflow.figures import MonthReport, month_report
from workflow.outcomes import Refused

SECTION = "综合科"


def shanghai(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


async def sweep_at(app: BotApp, clock: FakeClock, server: FakeBotApi, moment: datetime) -> None:
    """The scheduler's sweep at a moment (the bot's clock moved there first)."""
    clock.now = moment.astimezone(UTC)
    await sweep(clock.now, app.bot_data)
    await server.wait_idle()


async def adopt(server: FakeBotApi, app: BotApp, editor: FakeUser, item: JSON, level: int) -> JSON:
    """The editor records an adoption at the first outlet of a level; returns its card."""
    await tap(server, app, editor, item, "ed:adopt:1")
    outlets = editor.received()[-1]
    await tap(server, app, editor, outlets, button_data(outlets, f"ed:out:1:{level}"))
    return editor.received()[-1]


def section_score(report: MonthReport, unit: str = SECTION) -> Decimal:
    """A unit's score in a month's lines."""
    return next(line.score for line in report.lines if line.counts.name == unit)


def section_ytd(report: MonthReport, unit: str = SECTION) -> Decimal:
    """A unit's year-to-date score."""
    return next(line.score for line in report.year_to_date if line.counts.name == unit)


async def test_a_posted_month_is_closed_refuses_changes_and_takes_corrections(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    admin = server.user(ADMIN, "管理员")
    await join(server, bot, informant, SECTION, "informant")  # a section head: no chain
    await join(server, bot, editor, "办公室", "editor")
    await submit_quickly(server, bot, informant)
    item = editor.received()[-1]
    first = await adopt(server, bot, editor, item, 1)  # 2026-10-15, 1 point in October

    await sweep_at(bot, clock, server, shanghai(2026, 11, 2, 9))
    rules = bot.bot_data.rules
    october = await closing.published_month(ledger, 2026, 10)
    assert october is not None and october.version == 1
    assert section_score(october) == Decimal(1)
    async with ledger.reading() as tx:
        assert await periods.is_closed(tx, "2026-10")
        assert not await periods.is_closed(tx, "2026-11")

    # November: the editor can no longer move an adoption into October, nor withdraw one there.
    clock.now = shanghai(2026, 11, 5).astimezone(UTC)
    second = await adopt(server, bot, editor, item, 3)  # dated today, November: allowed
    assert "3 级" in str(second["text"])
    await tap(server, bot, editor, second, button_data(second, "ed:day:"))
    refused = await say(server, bot, editor, "2026-10-30")
    assert "2026年10月已通报结算" in refused
    assert "/correct" in refused
    await tap(server, bot, editor, first, button_data(first, "ed:wd:"))
    assert "已通报结算" in await say(server, bot, editor, "录错了")  # refused before confirming

    # The admin records the late October adoption as a correction, with its reason.
    usage = await say(server, bot, admin, "/correct")
    assert "用法" in usage
    assert "只有管理员" in await say(server, bot, editor, "/correct 1 市委、市政府 2026-10-30 漏登")
    assert "尚未结算" in await say(server, bot, admin, "/correct 1 市委、市政府 2026-11-03 漏登")
    done = await say(server, bot, admin, "/correct 1 市委、市政府 2026-10-30 月末采用漏登")
    assert "已更正" in done and "2026年10月的通报保持原样" in done

    # October's sheet stays as published; the live figures and the year count the correction.
    again = await closing.published_month(ledger, 2026, 10)
    assert again == october
    live = await month_report(ledger, rules.policy, rules.zone, 2026, 10)
    assert section_score(live) == Decimal(3)

    # November's bulletin lists the correction once; the year to date includes it.
    await sweep_at(bot, clock, server, shanghai(2026, 12, 1, 9))
    november = await closing.published_month(ledger, 2026, 11)
    assert november is not None
    assert [(c.period, c.unit, c.points, c.reason) for c in november.corrections] == [
        ("2026-10", SECTION, 2, "月末采用漏登")
    ]
    assert section_score(november) == Decimal(3)  # the 3-level adoption of November 5
    assert section_ytd(november) == Decimal(1 + 3 + 2)
    async with ledger.reading() as tx:
        assert await periods.unshown_corrections(tx) == []
        trail = await tx.fetchall("SELECT action FROM audit_log WHERE action LIKE 'correction.%'")
    assert [r["action"] for r in trail] == ["correction.adoption"]
    posted = "\n".join(bulletin_text(Texts("zh"), november))
    assert "<b>更正</b>" in posted
    assert "2026年10月：综合科 #1 市委、市政府 +2 分（月末采用漏登）" in posted

    # December's bulletin does not list it again.
    await sweep_at(bot, clock, server, shanghai(2027, 1, 4, 9))
    december = await closing.published_month(ledger, 2026, 12)
    assert december is not None and december.corrections == ()


async def test_reopening_keeps_the_old_version_and_closing_again_writes_a_new_one(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    admin = server.user(ADMIN, "管理员")
    await join(server, bot, informant, SECTION, "informant")
    await join(server, bot, editor, "办公室", "editor")
    await submit_quickly(server, bot, informant)
    await adopt(server, bot, editor, editor.received()[-1], 1)
    await sweep_at(bot, clock, server, shanghai(2026, 11, 2, 9))
    clock.now = shanghai(2026, 11, 3).astimezone(UTC)
    await say(server, bot, admin, "/correct 1 市委、市政府 2026-10-30 漏登")
    rules = bot.bot_data.rules

    with pytest.raises(Refused) as no_reason:
        await closing.reopen(ledger, "2026-10", "  ")
    assert no_reason.value.key == "reopen_needs_reason"
    assert await closing.reopen(ledger, "2026-10", "省中心通知补录十月采用") == 1
    async with ledger.reading() as tx:
        assert not await periods.is_closed(tx, "2026-10")
    assert await closing.published_month(ledger, 2026, 10) is None
    assert await closing.close(ledger, rules, "2026-10") == 2
    async with ledger.reading() as tx:
        old, new = await periods.versions(tx, "2026-10")
    assert old.reopen_reason == "省中心通知补录十月采用"
    assert not old.in_force and new.in_force
    reclosed = await closing.published_month(ledger, 2026, 10)
    assert reclosed is not None and reclosed.version == 2
    assert section_score(reclosed) == Decimal(3)  # the correction is part of version 2
    with pytest.raises(Refused) as twice:
        await closing.close(ledger, rules, "2026-10")
    assert twice.value.key == "period_already_closed"
    async with ledger.transaction() as tx:  # a published sheet cannot be edited in place
        with pytest.raises(Exception, match="never changes"):
            await tx.execute("UPDATE period_sheets SET sheet = '{}' WHERE period = '2026-10'")


def _config(tmp_path: Path, name: str, target: int) -> Path:
    """A copy of the shipped config whose 综合科 has another annual target."""
    config = yaml.safe_load((Path(__file__).resolve().parent.parent / "config.yaml").read_text())
    for unit in config["units"]:
        if unit["name"] == SECTION:
            unit["annual_target"] = target
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


async def test_the_year_closes_with_its_report_and_next_years_config_leaves_it(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock, tmp_path: Path
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    admin = server.user(ADMIN, "管理员")
    await join(server, bot, informant, SECTION, "informant")
    await join(server, bot, editor, "办公室", "editor")
    await submit_quickly(server, bot, informant)
    await adopt(server, bot, editor, editor.received()[-1], 4)
    for month in (11, 12):
        await sweep_at(bot, clock, server, shanghai(2026, month, 1 if month == 12 else 2, 9))
    await sweep_at(bot, clock, server, shanghai(2027, 1, 4, 9))  # December's bulletin
    assert await closing.published_year(ledger, 2026) is None  # the report waits for Jan 10
    # December's late adoption, recorded in January: a correction the year still counts.
    done = await say(server, bot, admin, "/correct 1 市委、市政府 12月30日 省里通知晚到")
    assert "已更正" in done and "2026-12-30" in done
    await sweep_at(bot, clock, server, shanghai(2027, 1, 11, 9))  # the year-end report
    year = await closing.published_year(ledger, 2026)
    assert year is not None and year.version == 1
    line = next(x for x in year.lines if x.counts.name == SECTION)
    assert line.score == Decimal(4 + 2)
    assert "年度已考核结算" in await say(
        server, bot, admin, "/correct 1 省政务服务中心 12月31日 再补一条"
    )

    env = {"BAOSONG_DB": str(tmp_path / "bot.db")}
    out = io.StringIO()
    annual = ["--config", str(_config(tmp_path, "a.yaml", 20)), "annual", "--year", "2026"]
    assert await asyncio.to_thread(main, annual, env, out) == 0
    before = out.getvalue()
    assert "已结算" in before and "第 1 版" in before
    # Next year's config (a new target for 综合科), loaded in January: the 2026 sheet stays.
    out = io.StringIO()
    next_year = ["--config", str(_config(tmp_path, "b.yaml", 2)), "init", "--from", "2027-01"]
    assert await asyncio.to_thread(main, next_year, env, out) == 0, out.getvalue()
    for _ in range(2):
        out = io.StringIO()
        annual[1] = str(_config(tmp_path, "b.yaml", 2))
        await asyncio.to_thread(main, annual, env, out)
        assert out.getvalue() == before
    async with ledger.reading() as tx:
        terms = await tx.fetchall(
            "SELECT t.from_month, t.annual_target FROM unit_terms t JOIN units u ON u.id = t.unit_id"
            " WHERE u.name = ? ORDER BY from_month",
            (SECTION,),
        )
    bulletins = []
    for _ in range(2):
        out = io.StringIO()
        bulletin = ["--config", annual[1], "bulletin", "--month", "2026-12"]
        assert await asyncio.to_thread(main, bulletin, env, out) == 0
        bulletins.append(out.getvalue())
    assert bulletins[0] == bulletins[1]
    assert "已结算：2026-12 第 1 版" in bulletins[0] and "预览" not in bulletins[0]
    assert [(r["from_month"], r["annual_target"]) for r in terms] == [
        ("0000-01", "20"),
        ("2027-01", "2"),
    ]


async def test_upgrading_closes_the_months_already_posted(
    tmp_path: Path, clock: FakeClock, server: FakeBotApi
) -> None:
    db = await Database.open(tmp_path / "old.db", clock=clock)
    try:
        await db.migrate(target=10)
        settings = flow_settings(server, tmp_path / "old.db")
        async with db.transaction() as tx:
            for key in ("bulletin:2026-08", "bulletin:2026-09"):
                await tx.execute(
                    "INSERT INTO job_runs (key, done_at) VALUES (?, ?)", (key, tx.stamp)
                )
        await db.migrate()
        await load_units(db, settings)
        closed = await closing.close_posted(db, centre_rules(settings))
        assert closed == ["2026-08", "2026-09"]
        assert await closing.close_posted(db, centre_rules(settings)) == []
        async with db.reading() as tx:
            closed_now = [
                p for p in await periods.all_periods(tx) if await periods.is_closed(tx, p)
            ]
            assert closed_now == ["2026-08", "2026-09"]
    finally:
        await db.close()
