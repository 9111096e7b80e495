"""End-to-end: a section's research article (第十二条) submitted in chat counts toward its duty,
shows in every form of the year-end report, and stops the December reminder for that section."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.cli import annual_files
from bot.documents.bulletin import annual_text
from bot.documents.workbook import year_workbook
from bot.jobs import sweep
from bot.report import format_year
from bot.settings.schema import Settings
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState
from storage import items
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import button_data, settle, texts_of
from tests.test_flows import join, say, tap
from workflow import schedule
from workflow.figures import year_report

SECTION = "综合科"
OTHER = "办公室"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def submit_research(server: FakeBotApi, app: BotApp, author: FakeUser) -> None:
    """The author submits a research article through /submit, choosing the research category."""
    await say(server, app, author, "/submit")
    categories = author.received()[-1]
    await tap(server, app, author, categories, button_data(categories, "sub:cat:research"))
    await say(server, app, author, "关于窗口“一件事”办理堵点的调研")
    await say(server, app, author, "近期，综合科对窗口办件情况开展调研，发现三个堵点，原因如下。")
    await tap(server, app, author, author.received()[-1], "sub:body:done")
    await say(server, app, author, "2026-10-14")
    await tap(server, app, author, author.received()[-1], "sub:files:done")
    assert "调研报告" in texts_of(author)[-1]  # the category label in the preview
    await tap(server, app, author, author.received()[-1], "sub:ok")


async def test_section_research_article_meets_the_duty(
    server: FakeBotApi,
    bot: BotApp,
    ledger: Database,
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    staff = server.user(120, "陈静")  # section staff: the section head signs first
    head = server.user(121, "周丽")  # 综合科's head, its informant
    office_head = server.user(122, "吴刚")  # 办公室's informant, no article this year
    editor = server.user(104, "赵敏")
    await join(server, bot, staff, SECTION, "section_staff")
    await join(server, bot, head, SECTION, "informant")
    await join(server, bot, office_head, OTHER, "informant")
    await join(server, bot, editor, OTHER, "editor")

    await submit_research(server, bot, staff)
    assert "已报送，编号 #1" in "\n".join(texts_of(staff)[-2:])
    request = head.received()[-1]
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:a"))
    assert "新信息报送到中心" in str(editor.received()[-1]["text"])
    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
    assert item is not None
    assert (item.state, item.category) == (ItemState.SUBMITTED, "research")

    # The year-end lines: 综合科 has met the duty, 办公室 has not, windows are not concerned.
    rules = bot.bot_data.rules
    lines = {
        line.counts.name: line for line in await year_report(ledger, rules.policy, rules.zone, 2026)
    }
    assert lines[SECTION].counts.research_articles == 1
    assert lines[SECTION].research_duty_met is True
    assert lines[OTHER].research_duty_met is False
    assert lines["市人社局窗口"].research_duty_met is None
    table = format_year(2026, list(lines.values()))
    owing = table.split("未完成调研文章的科室: ", 1)[1]
    assert OTHER in owing
    assert SECTION not in owing
    annual = "\n".join(annual_text(bot.bot_data.texts, 2026, list(lines.values())))
    assert OTHER in annual.split("调研文章", 1)[1]
    assert SECTION not in annual.split("调研文章", 1)[1]
    sheet = load_workbook(io.BytesIO(year_workbook(2026, list(lines.values()))))["调研文章"]
    status = {row[0]: (row[1], row[2]) for row in sheet.iter_rows(values_only=True) if row[0]}
    assert status[SECTION] == (1, "已完成")
    assert status[OTHER] == (0, "未完成")

    # `baosong annual` reads the same ledger file and writes the same workbook.
    out, xlsx = io.StringIO(), tmp_path / "annual.xlsx"
    assert await asyncio.to_thread(annual_files, settings, 2026, xlsx, out) == 0
    assert OTHER in out.getvalue().split("未完成调研文章的科室: ", 1)[1]
    assert SECTION not in out.getvalue().split("未完成调研文章的科室: ", 1)[1]
    cli_sheet = load_workbook(xlsx)["调研文章"]
    assert any(row[:3] == (SECTION, 1, "已完成") for row in cli_sheet.iter_rows(values_only=True))

    # December: only 办公室's informant is reminded, once.
    before = {u.id: u.sent_count() for u in (head, staff, office_head)}
    for day in (1, 2):
        clock.now = datetime(2026, 12, day, 10, tzinfo=SHANGHAI)
        owing_units = await schedule.research_owing(ledger, rules, bot.bot_data.schedule, clock.now)
        assert [p.name for _, informants in owing_units for p in informants] == ["吴刚"]
        await sweep(clock.now, bot.bot_data)
        await settle(server, bot)
    reminders = [t for t in texts_of(office_head)[before[office_head.id] :] if "调研文章" in t]
    assert len(reminders) == 1
    assert OTHER in reminders[0]
    for user in (head, staff):
        assert not [t for t in texts_of(user)[before[user.id] :] if "调研文章" in t]
