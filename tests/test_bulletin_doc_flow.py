"""The formal 通报 .docx as people get it: with the monthly bulletin (the sweep) and again by
/bulletin, through the real bot and the fake Bot API; its number kept in the ledger, the same
on every fetch and the next for a new month; off when the centre switches it off."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import docx
import pytest

from bot.jobs import post_bulletin, sweep
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from storage import audit, document_numbers
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import JSON, button_data, buttons, settle
from tests.test_flows import join, say, tap
from workflow import periods as closing

SECTION = "综合科"
ON_TIME = "综合科推行“一窗通办”"
LATE = "综合科延时服务"


def shanghai(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


async def submit(server: FakeBotApi, app: BotApp, user: FakeUser, title: str, day: str) -> None:
    """The user submits an item about the work of `day`."""
    await say(server, app, user, "/submit")
    await tap(server, app, user, user.received()[-1], "sub:cat:measures")
    await say(server, app, user, title)
    await say(server, app, user, "正文。")
    await tap(server, app, user, user.received()[-1], "sub:body:done")
    await say(server, app, user, day)
    await tap(server, app, user, user.received()[-1], "sub:files:done")
    await tap(server, app, user, user.received()[-1], "sub:ok")


async def adopt(server: FakeBotApi, app: BotApp, editor: FakeUser, item: JSON, outlet: int) -> None:
    """The editor records an adoption of the item at the outlet offered `outlet`-th (from 0)."""
    await tap(server, app, editor, item, button_data(item, "ed:adopt:"))
    outlets = editor.received()[-1]
    (data,) = [
        d for d in buttons(outlets).values() if d.startswith("ed:out:") and d.endswith(f":{outlet}")
    ]
    await tap(server, app, editor, outlets, data)


async def sweep_at(app: BotApp, clock: FakeClock, server: FakeBotApi, moment: datetime) -> None:
    """The scheduler's sweep at a moment (the bot's clock moved there first)."""
    clock.now = moment.astimezone(UTC)
    await sweep(clock.now, app.bot_data)
    await settle(server, app)


def notices(messages: list[JSON], period: str) -> list[JSON]:
    """The formal 通报 documents among these messages."""
    return [m for m in messages if m.get("document", {}).get("file_name") == f"通报-{period}.docx"]


def opened(server: FakeBotApi, message: JSON) -> docx.document.Document:
    """A delivered .docx, opened."""
    return docx.Document(BytesIO(server.file_bytes(message["document"]["file_id"])))


def lines(document: docx.document.Document) -> list[str]:
    """A document's non-empty paragraphs."""
    return [p.text for p in document.paragraphs if p.text.strip()]


def table_rows(document: docx.document.Document) -> list[list[str]]:
    """The cell texts of the document's table, row by row."""
    (table,) = document.tables
    return [[cell.text for cell in row.cells] for row in table.rows]


async def test_the_bulletin_and_bulletin_command_deliver_the_numbered_notice(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    await join(server, bot, informant, SECTION, "informant")  # a section head: no chain
    await join(server, bot, editor, "办公室", "editor")
    await submit(server, bot, informant, ON_TIME, "2026-10-14")
    item = editor.received()[-1]
    await adopt(server, bot, editor, item, 0)  # 市政务服务中心网站, level 1
    await adopt(server, bot, editor, item, 3)  # 省政务服务中心, level 3
    await submit(
        server, bot, informant, LATE, "2026-10-09"
    )  # due by the 12th (the 10th a make-up working day)

    await sweep_at(bot, clock, server, shanghai(2026, 11, 2, 9))
    (sent,) = notices(informant.received(), "2026-10")
    assert sent["document"]["mime_type"].endswith("wordprocessingml.document")
    october = opened(server, sent)
    said = lines(october)
    assert said[:3] == ["市政务服务中心文件", "〔2026〕1号", "关于2026年10月份信息报送情况的通报"]
    assert said[-2:] == ["2026年11月2日", "市政务服务中心\t2026年11月2日印发"]
    row = next(r for r in table_rows(october) if r[1] == SECTION)
    assert row == ["1", SECTION, "2", "1", "1", "1", "0", "1", "0", "4.0"]
    assert f"1. {ON_TIME}（市政务服务中心网站，一级；省政务服务中心，三级）" in said
    late = next(line for line in said if line.startswith(f"1. {LATE}"))
    assert "10月9日的工作，10月15日报送中心，迟报3个工作日" in late
    assert notices(editor.received(), "2026-10")  # the centre's editors get it too

    # /bulletin fetches the month again: the same document, the same number.
    before = len(informant.received())
    await say(server, bot, informant, "/bulletin 2026-10")
    (again,) = notices(informant.received()[before:], "2026-10")
    assert server.file_bytes(again["document"]["file_id"]) == server.file_bytes(
        sent["document"]["file_id"]
    )

    # November's bulletin is the year's next number, dated when it went out.
    await sweep_at(bot, clock, server, shanghai(2026, 12, 1, 9))
    before = len(informant.received())
    await say(server, bot, informant, "/bulletin 2026-11")
    (november,) = notices(informant.received()[before:], "2026-11")
    said = lines(opened(server, november))
    assert said[1] == "〔2026〕2号" and "2026年12月1日" in said
    assert "本月无采用信息。" in said and "本月无迟报信息。" in said
    before = len(informant.received())
    await say(server, bot, informant, "/bulletin 2026-10")
    (october_again,) = notices(informant.received()[before:], "2026-10")
    assert lines(opened(server, october_again))[1] == "〔2026〕1号"
    async with ledger.reading() as tx:
        kept = [await document_numbers.find(tx, "bulletin", p) for p in ("2026-10", "2026-11")]
    assert [(n.year, n.number, n.issued_on) for n in kept if n] == [
        (2026, 1, date(2026, 11, 2)),
        (2026, 2, date(2026, 12, 1)),
    ]


async def test_switched_off_no_notice_and_no_number(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, SECTION, "informant")
    services = bot.bot_data
    rules = services.rules
    clock.now = shanghai(2026, 11, 2, 9).astimezone(UTC)
    report = await closing.bulletin_report(ledger, rules.policy, rules.zone, 2026, 10)
    plan = replace(services.schedule, bulletin_document=False)
    assert await post_bulletin(services, plan, report)
    assert not await post_bulletin(services, services.schedule, report)  # posted: no number
    services.courier.wake()
    await settle(server, bot)
    names = [m["document"]["file_name"] for m in informant.received() if "document" in m]
    assert names == ["通报-2026-10.xlsx"]
    async with ledger.reading() as tx:
        assert await document_numbers.find(tx, "bulletin", "2026-10") is None


async def test_numbers_count_per_year_and_are_kept(ledger: Database) -> None:
    async with ledger.transaction() as tx:
        november = await document_numbers.number_for(tx, "bulletin", "2026-11", date(2026, 12, 1))
        december = await document_numbers.number_for(tx, "bulletin", "2026-12", date(2027, 1, 4))
        same = await document_numbers.number_for(tx, "bulletin", "2026-11", date(2026, 12, 9))
        january = await document_numbers.number_for(tx, "bulletin", "2027-01", date(2027, 2, 1))
    assert (november.year, november.number) == (2026, 1)
    assert (december.year, december.number, january.number) == (2027, 1, 2)
    assert same == november
    async with ledger.reading() as tx:
        assert await audit.audit_count(tx, "document.numbered") == 3
    for statement in (
        "UPDATE document_numbers SET number = 9 WHERE period = '2026-11'",
        "DELETE FROM document_numbers WHERE period = '2026-11'",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            async with ledger.transaction() as tx:
                await tx.execute(statement)
