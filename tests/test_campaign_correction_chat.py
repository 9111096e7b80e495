"""A correction (更正) of a closed campaign in chat, over the fake Bot API: the office picks
the unit, a check's score (then, again, the grade), types the value and the reason, held for
✅ 确认; each publishes the next version, whose 通报 and workbook the sweep makes, the unit is
told what changed, and version 1's .docx and workbook stay byte for byte as they were. Only
the office corrects, only a closed campaign; bad values and an empty reason are refused."""

from __future__ import annotations

from bot.jobs import campaign_results
from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from storage import campaign_sheets, files
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import buttons, settle, texts_of
from tests.test_campaign_grades import closed
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from tests.test_campaigns_chat import forged, press
from tests.test_flows import say
from workflow import campaign_grades as cg
from workflow import campaign_results as cr


async def test_a_correction_publishes_the_next_version(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    life = await approved(ledger, clock, "county")
    await self_checked(life)
    await scored(life)
    # A running campaign has nothing to correct.
    office = server.user(5001, "办公室")
    await say(server, bot, office, "/campaigns")
    cid = life.campaign_id
    assert "不能做这一步" in await forged(server, bot, office, f"ca:cr:{cid}")
    await closed(life)
    cast, window, town = life.cast, life.cast.window, life.cast.township
    leader = server.user(5002, "分管领导")
    window_staff = server.user(5007, "窗口信息员")
    town_staff = server.user(5009, "镇信息员")
    assert await campaign_results(bot.bot_data) > 0  # version 1's 通报 and workbook
    bot.bot_data.courier.wake()
    await settle(server, bot)
    async with ledger.reading() as tx:
        doc1 = await files.get(tx, cr.doc_key(cid, 1))
    assert doc1 is not None
    book1 = await cg.workbook(ledger, cast.office, cid, 1)

    # Only the office corrects.
    for user in (leader, window_staff):
        await say(server, bot, user, "/campaigns")
        assert "没有权限" in await forged(server, bot, user, f"ca:cr:{cid}")

    # A check's score: the unit, the check, a bad value, an empty reason, then ✅.
    await say(server, bot, office, "/campaigns")
    await press(server, bot, office, f"ca:rv:{cid}")
    await press(server, bot, office, f"ca:cr:{cid}")
    assert "更正考核结果" in texts_of(office)[-1] and "第 1 版" in texts_of(office)[-1]
    await press(server, bot, office, f"ca:u:{window}")
    assert "请选择要更正的检查项得分，或等次" in texts_of(office)[-1]
    offered = set(buttons(office.received()[-1]).values())
    assert {f"ca:cc:{cid}:{window}:0", f"ca:cg:{cid}:{window}"} <= offered
    await press(server, bot, office, f"ca:cc:{cid}:{window}:1")
    assert "第 2 项" in texts_of(office)[-1]
    assert "不是分数" in await say(server, bot, office, "十分")
    assert "最多一位小数" in await say(server, bot, office, "999")
    assert "请输入更正理由" in await say(server, bot, office, "0")
    assert "更正理由不能为空" in await say(server, bot, office, " ")
    shown = await say(server, bot, office, "复核发现公开栏未更新")
    assert "第 2 版" in shown and "→ 0" in shown
    async with ledger.reading() as tx:
        assert (await campaign_sheets.sheet(tx, cid)).version == 1  # type: ignore[union-attr]
    await press(server, bot, office, f"ca:ck:{cid}:{window}:c")
    assert "已发布第 2 版" in texts_of(office)[-1]

    # The unit is told; the other unit is not; the new version is made and sent.
    bot.bot_data.courier.wake()
    await settle(server, bot)
    told = texts_of(window_staff)[-1]
    assert "考核结果更正（第 2 版）" in told and "更正为 0" in told
    assert "复核发现公开栏未更新" in told
    assert not any("更正" in t for t in texts_of(town_staff))
    assert await campaign_results(bot.bot_data) > 0
    bot.bot_data.courier.wake()
    await settle(server, bot)
    names = [m["document"]["file_name"] for m in leader.received() if "document" in m]
    assert "2026年度政务公开工作考核考核结果通报（第2版）.docx" in names

    # The grade: a grade the template lacks is refused, then the township's grade corrected.
    await press(server, bot, office, f"ca:rv:{cid}")
    await press(server, bot, office, f"ca:cr:{cid}")
    await press(server, bot, office, f"ca:u:{town}")
    await press(server, bot, office, f"ca:cg:{cid}:{town}")
    assert "没有“优秀”这个等次" in await say(server, bot, office, "优秀")
    await press(server, bot, office, f"ca:gk:{cid}:{town}:2")
    await say(server, bot, office, "整改前已补齐制度")
    await press(server, bot, office, f"ca:ck:{cid}:{town}:c")
    assert "已发布第 3 版" in texts_of(office)[-1]
    bot.bot_data.courier.wake()
    await settle(server, bot)
    last = texts_of(town_staff)[-2:]  # the correction, then what it closed
    assert "等次由 不合格 更正为 基本合格" in last[0]
    assert "不再列入通报批评，限期整改任务已关闭" in last[1]

    # Each version kept: v1 as published, v2 with the score, v3 with the grade.
    assert await campaign_results(bot.bot_data) > 0
    async with ledger.reading() as tx:
        again = await files.get(tx, cr.doc_key(cid, 1))
        versions = [await campaign_sheets.sheet(tx, cid, v) for v in (1, 2, 3)]
        audit = await tx.fetchall(
            "SELECT action FROM audit_log WHERE action IN"
            " ('campaign.settle', 'campaign.grade_corrected') ORDER BY id"
        )
    assert again is not None and again.data == doc1.data
    assert await cg.workbook(ledger, cast.office, cid, 1) == book1
    lines = [{u["unit_id"]: u for u in v.sheet["units"]} for v in versions if v is not None]
    checks = life.template.check_ids()
    assert lines[0][window]["checks"][checks[1]]["final"] != "0"
    assert lines[1][window]["checks"][checks[1]]["final"] == "0"
    assert (lines[1][town]["grade"], lines[2][town]["grade"]) == ("不合格", "基本合格")
    assert lines[2][window]["checks"][checks[1]]["final"] == "0"
    assert [r[0] for r in audit][-2:] == ["campaign.settle", "campaign.grade_corrected"]
