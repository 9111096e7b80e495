"""A correction (更正) carries the consequences by grade, over the fake Bot API and in the
ledger: moving a unit out of 不合格 withdraws its 通报批评 and closes its open 限期整改 task
(the unit and the office told, a recorded 诫勉谈话 kept, a stale review button refused);
moving one into 不合格 opens them as closing would have (its people told with the deadline and
the rectify button, the office asked to record the talk); the 通报表扬 list follows the top;
each corrected 通报 lists praise and criticism as corrected."""

from __future__ import annotations

import io
from datetime import date, timedelta

from docx import Document

from bot.jobs import campaign_results
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import campaign_outcomes, campaign_sheets, files, people
from storage.db import Database
from tests.campaign_cast import ZONE
from tests.conftest import FakeClock, tg_account
from tests.flow import buttons, settle, texts_of
from tests.test_campaign_grades import closed
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from tests.test_campaigns_chat import forged, press
from tests.test_flows import say
from workflow import campaign_consequences as cc
from workflow import campaign_notices as cn
from workflow import campaign_results as cr
from workflow.campaign_common import local_today

GRADES = ("优良", "合格", "基本合格", "不合格")


async def correct_grade(
    server: FakeBotApi, bot: BotApp, user: FakeUser, cid: int, unit: int, grade: str, why: str
) -> str:
    """The office corrects a unit's grade in chat, from /campaigns to ✅; the reply's text."""
    await say(server, bot, user, "/campaigns")
    await press(server, bot, user, f"ca:rv:{cid}")
    await press(server, bot, user, f"ca:cr:{cid}")
    await press(server, bot, user, f"ca:u:{unit}")
    await press(server, bot, user, f"ca:cg:{cid}:{unit}")
    await press(server, bot, user, f"ca:gk:{cid}:{unit}:{GRADES.index(grade)}")
    await say(server, bot, user, why)
    await press(server, bot, user, f"ca:ck:{cid}:{unit}:c")
    bot.bot_data.courier.wake()
    await settle(server, bot)
    return next(t for t in reversed(texts_of(user)) if "已发布第" in t)


async def notice_text(db: Database, bot: BotApp, server: FakeBotApi, cid: int) -> list[str]:
    """The latest version's 通报, made by the sweep: its paragraphs."""
    assert await campaign_results(bot.bot_data) > 0
    bot.bot_data.courier.wake()
    await settle(server, bot)
    async with db.reading() as tx:
        latest = await campaign_sheets.sheet(tx, cid)
        assert latest is not None
        stored = await files.get(tx, cr.doc_key(cid, latest.version))
    assert stored is not None
    return [p.text for p in Document(io.BytesIO(stored.data)).paragraphs]


async def test_a_correction_withdraws_and_opens_the_consequences(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    life = await approved(ledger, clock, "county")
    await self_checked(life)
    await scored(life)
    await closed(life)
    cast, cid, window, town = life.cast, life.campaign_id, life.cast.window, life.cast.township
    async with ledger.transaction() as tx:  # a second editor corrects; the first ran it
        editor = await people.ensure_person(tx, tg_account(5020), "编辑乙")
        await people.grant_role(tx, editor.id, cast.section, Role.EDITOR, None)
    office = server.user(5001, "办公室")
    corrector = server.user(5020, "编辑乙")
    window_staff = server.user(5007, "窗口信息员")
    town_staff = server.user(5009, "镇信息员")
    await notice_text(ledger, bot, server, cid)  # version 1 out

    # Version 1: the township failed; its talk is recorded and its report waits for review.
    await cc.record_talk(
        ledger,
        cast.office,
        cid,
        town,
        held_on=date(2026, 12, 1),
        talker="县纪委书记",
        with_whom="镇长",
    )
    await cc.submit_rectification(ledger, cast.township_staff, cid, town, text="已补齐目录")
    bot.bot_data.courier.wake()
    await settle(server, bot)
    review = next(m for m in reversed(office.received()) if "请验收整改报告" in str(m.get("text")))
    accept = next(iter(buttons(review).values()))

    # Out of 不合格: criticism withdrawn, the task closed, the talk kept; all told.
    reply = await correct_grade(server, bot, corrector, cid, town, "基本合格", "复核后上调")
    assert "已发布第 2 版" in reply
    assert "随之：城关镇便民服务中心撤销通报批评，限期整改任务关闭" in reply
    told = texts_of(town_staff)[-2:]
    assert "等次由 不合格 更正为 基本合格" in told[0]
    assert "不再列入通报批评，限期整改任务已关闭，无需再提交整改报告" in told[1]
    to_office = texts_of(office)[-2:]
    assert "等次由 不合格 更正为 基本合格" in to_office[0]
    assert "通报批评撤销，限期整改任务已关闭" in to_office[1]
    assert "已记录的 1 次诫勉谈话存档备查" in to_office[1]
    assert "没有整改任务" in await forged(server, bot, office, accept)
    async with ledger.reading() as tx:
        in_force = await campaign_outcomes.outcomes(tx, cid)
        kept = await tx.fetchall(
            "SELECT kind, withdrawn_version FROM campaign_outcomes WHERE unit_id = ? ORDER BY kind",
            (town,),
        )
        task = await tx.fetchone(
            "SELECT state, withdrawn_version FROM campaign_rectifications WHERE unit_id = ?",
            (town,),
        )
        talks = await campaign_outcomes.talks(tx, cid)
        trail = await tx.fetchall(
            "SELECT action FROM audit_log WHERE action LIKE 'campaign.%_withdrawn' ORDER BY id"
        )
    assert town not in in_force and in_force[window] == {"praise"}
    assert [tuple(r) for r in kept] == [("criticism", 2), ("reported", 2)]
    assert task is not None and tuple(task) == ("submitted", 2)
    assert [(t.unit_id, t.talker) for t in talks] == [(town, "县纪委书记")]
    assert [r[0] for r in trail] == [
        "campaign.criticism_withdrawn",
        "campaign.reported_withdrawn",
        "campaign.rectification_withdrawn",
    ]
    assert not await cc.my_tasks(ledger, cast.township_staff)
    assert not [t for t in await cn.reminders(ledger, ZONE) if t.params.get("unit") == town]
    said = await notice_text(ledger, bot, server, cid)
    assert "本次考核没有不合格单位。" in said
    assert any("撤销通报批评，限期整改任务关闭" in p and p.startswith("（第2版") for p in said)

    # Into 不合格: the praised window loses its praise and gets criticism and a task.
    clock.now += timedelta(days=3)
    reply = await correct_grade(server, bot, corrector, cid, window, "不合格", "材料造假")
    due = local_today(clock.now, ZONE) + timedelta(days=life.template.rectification_days)
    assert (
        f"市人社局窗口列入通报批评，结果抄送目标考核办公室，限期至 {due.isoformat()} 整改" in reply
    )
    assert "市人社局窗口不再列入通报表扬" in reply
    window_told = window_staff.received()[-3:]
    assert "等次由 优良 更正为 不合格" in str(window_told[0]["text"])
    assert f"请于 {due.isoformat()} 前完成整改" in str(window_told[1]["text"])
    assert "不再列入“2026年度政务公开工作考核”通报表扬名单" in str(window_told[2]["text"])
    rectify = buttons(window_told[1])["✍️ 提交整改报告"]
    asked = await press(server, bot, window_staff, rectify)
    assert f"整改期限：{due.isoformat()}" in (asked or texts_of(window_staff)[-1])
    await say(server, bot, window_staff, "/cancel")
    office_told = office.received()[-1]
    assert "请记录对其主要负责人、分管领导的诫勉谈话" in str(office_told["text"])
    await press(server, bot, office, buttons(office_told)["🗣 记录诫勉谈话"])
    assert "记录诫勉谈话" in texts_of(office)[-1] and "市人社局窗口" in texts_of(office)[-1]
    await say(server, bot, office, "/cancel")
    async with ledger.reading() as tx:
        in_force = await campaign_outcomes.outcomes(tx, cid)
        task_now = await campaign_outcomes.rectification(tx, cid, window)
    assert in_force == {window: {"criticism", "reported"}}
    assert task_now is not None and (task_now.state, task_now.due_on) == ("open", due)
    said = await notice_text(ledger, bot, server, cid)
    assert "本次考核没有等次为优良的单位。" in said
    criticised = next(p for p in said if p.startswith("市人社局窗口考核等次为不合格，予以通报批评"))
    assert "在限期整改通知的期限内完成整改" in criticised  # each unit keeps its own deadline

    # Back to the top: the praise is in force again, the new task closed.
    reply = await correct_grade(server, bot, corrector, cid, window, "优良", "复核属实")
    assert "市人社局窗口列入通报表扬" in reply and "撤销通报批评" in reply
    assert "列入“2026年度政务公开工作考核”通报表扬名单" in texts_of(window_staff)[-1]
    async with ledger.reading() as tx:
        assert await campaign_outcomes.outcomes(tx, cid) == {window: {"praise"}}
        assert await campaign_outcomes.rectification(tx, cid, window) is None
    said = await notice_text(ledger, bot, server, cid)
    assert any(p.startswith("市人社局窗口政务公开工作扎实") for p in said)
