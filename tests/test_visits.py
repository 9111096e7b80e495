"""Visit write-ups (第七条) end to end: /visit opens the writing task for the right unit per kind,
due 2 working days after the visit (holidays skipped), and the unit's informants are told."""

from __future__ import annotations

from datetime import date

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import audit, people, tasks, units, visits
from storage.db import Database
from tests.conftest import tg_account
from tests.flow import (
    JSON,
    REPO,
    TOKEN,
    buttons,
    load_units,
    settle,
    texts_of,
)
from tests.test_flows import join, say, tap
from workflow import visits as flow
from workflow.outcomes import Refused
from workflow.visits import VisitKind

WINDOW = "市人社局窗口"
TOWNSHIP = "城关镇便民服务中心"


def carrier(user: FakeUser, data: str) -> JSON:
    """The user's newest message with this button."""
    return next(m for m in reversed(user.received()) if data in buttons(m).values())


async def press(server: FakeBotApi, bot: BotApp, user: FakeUser, data: str) -> str:
    """The user presses a button of their newest message carrying it; the alert, if any."""
    return str((await tap(server, bot, user, carrier(user, data), data)).get("text") or "")


async def unit_id(db: Database, name: str) -> int:
    """A unit's id."""
    async with db.reading() as tx:
        unit = await units.unit_by_name(tx, name)
    assert unit is not None
    return unit.id


async def test_city_visit_before_the_holiday_goes_to_the_office(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    editor = server.user(104, "赵敏")
    office = server.user(120, "办公室主任")
    await join(server, bot, editor, "综合科", "editor")
    await join(server, bot, office, "办公室", "informant")
    assert "只有中心信息员" in await say(server, bot, office, "/visit")
    assert "姓名和职务" in await say(server, bot, editor, "/visit")
    assert "哪一类来访" in await say(server, bot, editor, "张三 副市长")
    await press(server, bot, editor, "vi:k:city")
    asked = texts_of(editor)[-1]
    assert "张三 副市长 → 办公室" in asked
    assert "还没有到" in await say(server, bot, editor, "2026-10-16")
    assert "看不懂" in await say(server, bot, editor, "国庆前")
    summary = await say(server, bot, editor, "2026-09-30")  # Wednesday before National Day
    assert "2026-10-09" in summary  # Oct 1–7 off, 8 and 9 the two working days
    assert "张三 副市长到市政务服务中心视察调研" in summary
    assert "登记" in await press(server, bot, editor, "vi:ok")
    assert "已给 办公室 开写作任务 #1" in texts_of(editor)[-1]
    assert "新的写作任务：张三 副市长到市政务服务中心视察调研" in texts_of(office)[-1]
    assert "2026-10-09" in texts_of(office)[-1]

    confirmed = next(m for m in editor.received() if "请核对来访登记" in str(m.get("text")))
    again = await editor.click(confirmed, "vi:ok", forged=True)
    await settle(server, bot)
    answer = await server.wait_for_answer(again["callback_query"]["id"])
    assert "没有进行中的来访登记" in answer["text"]
    async with ledger.reading() as tx:
        task = await tasks.get_task(tx, 1)
        visit = await visits.get_visit(tx, 1)
        trail = [e.action for e in await audit.audit_trail(tx, "visit", 1)]
        assert await visits.get_visit(tx, 2) is None
    assert task is not None
    assert visit is not None
    assert (task.unit_id, task.event_date, task.due_on) == (
        await unit_id(ledger, "办公室"),
        date(2026, 9, 30),
        date(2026, 10, 9),
    )
    assert (visit.visitor, visit.kind, visit.task_id, visit.unit_id) == (
        "张三 副市长",
        "city",
        1,
        task.unit_id,
    )
    assert trail == ["visit.log"]


async def test_department_and_township_visits_go_to_the_chosen_unit(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    editor = server.user(104, "赵敏")
    window = server.user(101, "王芳")
    await join(server, bot, editor, "综合科", "editor")
    await join(server, bot, window, WINDOW, "informant")

    # A department leader at its window: the window chosen; yesterday (Wed) → due Fri.
    assert "哪一类来访" in await say(server, bot, editor, "/visit 李四 市人社局局长")
    await press(server, bot, editor, "vi:k:department")
    choice = editor.received()[-1]
    assert WINDOW in buttons(choice)
    assert TOWNSHIP not in buttons(choice)
    step = await editor.click(choice, "vi:d:0", forged=True)
    await settle(server, bot)
    assert "不适用" in (await server.wait_for_answer(step["callback_query"]["id"]))["text"]
    wrong = await editor.click(choice, f"vi:u:{await unit_id(ledger, TOWNSHIP)}", forged=True)
    await settle(server, bot)
    assert "不能撰写" in (await server.wait_for_answer(wrong["callback_query"]["id"]))["text"]
    await tap(server, bot, editor, choice, buttons(choice)[WINDOW])
    await press(server, bot, editor, "vi:d:1")
    assert "2026-10-16" in texts_of(editor)[-1]
    await press(server, bot, editor, "vi:ok")
    assert "通知其信息员 1 人" in texts_of(editor)[-1]
    assert "李四 市人社局局长到市人社局窗口调研指导" in texts_of(window)[-1]

    # Leaders at a township centre: township and town centres offered; today (Thu) → Mon.
    await say(server, bot, editor, "/visit")
    await say(server, bot, editor, "王五 副县长")
    await press(server, bot, editor, "vi:k:township")
    choice = editor.received()[-1]
    assert {TOWNSHIP, "小汉镇政务服务中心"} <= set(buttons(choice))
    assert WINDOW not in buttons(choice)
    await tap(server, bot, editor, choice, buttons(choice)[TOWNSHIP])
    await press(server, bot, editor, "vi:d:0")
    assert "请点击上面的按钮" in await say(server, bot, editor, "随便写")
    await press(server, bot, editor, "vi:ok")
    assert "还没有信息员" in texts_of(editor)[-1]

    async with ledger.reading() as tx:
        opened = await tasks.open_tasks_due_by(tx, date.max)
        logged = [await visits.get_visit(tx, n) for n in (1, 2)]
    assert [(t.unit_id, t.due_on) for t in opened] == [
        (await unit_id(ledger, WINDOW), date(2026, 10, 16)),
        (await unit_id(ledger, TOWNSHIP), date(2026, 10, 19)),
    ]
    assert [(v.kind, v.task_id) for v in logged if v] == [("department", 1), ("township", 2)]


async def test_cancel_leaves_nothing(server: FakeBotApi, bot: BotApp, ledger: Database) -> None:
    editor = server.user(104, "赵敏")
    await join(server, bot, editor, "综合科", "editor")
    await say(server, bot, editor, "/visit 张三 副市长")
    await press(server, bot, editor, "vi:x")
    assert "已取消来访登记" in texts_of(editor)[-1]
    await say(server, bot, editor, "/visit")
    assert "已取消" in await say(server, bot, editor, "/cancel")
    async with ledger.reading() as tx:
        assert await visits.recent_visits(tx) == []


async def test_the_same_visit_is_logged_once(db: Database) -> None:
    settings = load_settings(REPO / "config.yaml", {"BAOSONG_BOT_TOKEN": TOKEN})
    rules = centre_rules(settings)
    await load_units(db, settings)
    async with db.transaction() as tx:
        editor = await people.ensure_person(tx, tg_account(2), "editor")
        await people.grant_role(tx, editor.id, None, Role.EDITOR, None)
    logged = await flow.log_visit(
        db,
        rules,
        editor,
        visitor=" 张三  副市长 ",
        kind=VisitKind.CITY,
        unit_id=None,
        visit_date=date(2026, 10, 14),
    )
    assert logged.visit.visitor == "张三 副市长"
    assert logged.notices == []  # the office has no informant yet
    with pytest.raises(Refused, match="visit_duplicate"):
        await flow.log_visit(
            db,
            rules,
            editor,
            visitor="张三 副市长",
            kind=VisitKind.CITY,
            unit_id=None,
            visit_date=date(2026, 10, 14),
        )
    with pytest.raises(Refused, match="visit_unit_wrong"):
        await flow.log_visit(
            db,
            rules,
            editor,
            visitor="李四",
            kind=VisitKind.DEPARTMENT,
            unit_id=logged.unit.id,  # a section is not a window
            visit_date=date(2026, 10, 14),
        )
    with pytest.raises(Refused, match="visit_visitor_too_long"):
        flow.check_visitor("长" * 41)
    with pytest.raises(Refused, match="visit_visitor_empty"):
        flow.check_visitor("\u200b ")
