"""A closed campaign's consequences in chat, over the fake Bot API, for both shipped
templates: the office opens the results, records the 诫勉谈话 with the failing unit (typed
date, held for ✅ 确认); the unit is reminded past its deadline, writes its rectification
report over several messages with a photo and a file, submits it; the office opens the
materials, returns it with a reason, the unit writes it again, the office accepts it. Who may
do what, stale taps, what each person sees and what the ledger keeps are checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.jobs import campaign_reminders
from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from storage import audit, campaign_outcomes, campaign_reports
from storage.db import Database
from tests.campaign_cast import TEMPLATE_KEYS
from tests.conftest import FakeClock
from tests.flow import buttons, settle, texts_of
from tests.test_campaign_grades import closed
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from tests.test_campaigns_chat import forged, press
from tests.test_flows import say


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
async def test_talk_and_rectification_in_chat(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock, key: str
) -> None:
    life = await approved(ledger, clock, key)
    await self_checked(life)
    await scored(life)
    published = await closed(life)
    cid, window, town = life.campaign_id, life.cast.window, life.cast.township
    office = server.user(5001, "办公室")
    leader = server.user(5002, "分管领导")
    window_staff = server.user(5007, "窗口信息员")
    town_staff = server.user(5009, "镇信息员")
    town_leader = server.user(5010, "镇领导")
    bot.bot_data.courier.wake()  # what the services queued so far goes out first
    await settle(server, bot)

    # The results view: the office's and the leading group's, nobody else's.
    listed = await say(server, bot, office, "/campaigns")
    assert "（已结束）" in listed
    assert f"ca:rv:{cid}" in buttons(office.received()[-1]).values()
    await press(server, bot, office, f"ca:rv:{cid}")
    view = texts_of(office)[-1]
    assert "考核结果（第 1 版）" in view and "诫勉谈话 未记录" in view
    assert f"整改期限 {published.due.isoformat()}，⏳ 整改中" in view
    assert set(buttons(office.received()[-1]).values()) == {
        f"ca:tk:{cid}:{town}",
        f"ca:fu:{cid}",
        f"ca:cr:{cid}",
    }
    assert "没有权限" in await forged(server, bot, window_staff, f"ca:rv:{cid}")
    await say(server, bot, leader, "/start")
    assert "没有权限" not in await forged(server, bot, leader, f"ca:rv:{cid}")
    assert "考核结果（第 1 版）" in texts_of(leader)[-1]
    assert buttons(leader.received()[-1]) == {}  # the leading group only reads

    # 诫勉谈话: only the office, only with the failing unit; a day ahead is refused.
    assert "没有权限" in await forged(server, bot, town_staff, f"ca:tk:{cid}:{town}")
    assert "不是不合格" in await forged(server, bot, office, f"ca:tk:{cid}:{window}")
    await press(server, bot, office, f"ca:tk:{cid}:{town}")
    assert "请输入谈话人" in texts_of(office)[-1]
    await say(server, bot, office, "县纪委书记 张三")
    assert "谈话日期" in await say(server, bot, office, "镇长 李四、分管副镇长 王五")
    assert "还没到" in await say(server, bot, office, f"{clock.now.year + 1}-01-05")
    assert "简要记录" in await say(server, bot, office, "昨天")
    assert "跳过" in buttons(office.received()[-1])
    await press(server, bot, office, f"ca:tn:{cid}:{town}")
    shown = texts_of(office)[-1]
    assert "县纪委书记 张三" in shown and "记录：—" in shown
    await press(server, bot, office, f"ca:tc:{cid}:{town}:c")
    assert "已记录" in str(office.received()[-1].get("text"))
    assert "已失效" in await forged(server, bot, office, f"ca:tc:{cid}:{town}:c")
    today = (clock.now + timedelta(hours=8)).date()
    async with ledger.reading() as tx:
        talks = await campaign_outcomes.talks(tx, cid)
    assert [(t.unit_id, t.talker, t.held_on) for t in talks] == [
        (town, "县纪委书记 张三", today - timedelta(days=1))
    ]
    await press(server, bot, office, f"ca:rv:{cid}")
    assert "县纪委书记 张三 与 镇长 李四、分管副镇长 王五" in texts_of(office)[-1]

    # Past the deadline: the unit is reminded each day, the office told once.
    clock.now += timedelta(days=(published.due - today).days + 1)
    await campaign_reminders(bot.bot_data)
    bot.bot_data.courier.wake()
    await settle(server, bot)
    late = texts_of(town_staff)[-1]
    assert f"整改期限 {published.due.isoformat()} 已过 1 天" in late
    assert buttons(town_staff.received()[-1]) == {"✍️ 提交整改报告": f"ca:rf:{cid}:{town}"}
    assert "已过，整改报告尚未提交" in texts_of(office)[-1]

    # The report: another unit may not write it; text over several messages and evidence.
    assert "没有权限" in await forged(server, bot, window_staff, f"ca:rf:{cid}:{town}")
    assert "整改任务" in await say(server, bot, town_staff, "/campaigns")
    assert f"ca:rf:{cid}:{town}" in buttons(town_staff.received()[-1]).values()
    await press(server, bot, town_staff, f"ca:rf:{cid}:{town}")
    assert f"整改期限：{published.due.isoformat()}" in texts_of(town_staff)[-1]
    await press(server, bot, town_staff, f"ca:rd:{cid}:{town}")
    assert "还是空的" in texts_of(town_staff)[-1]
    assert "文字 6 字" in await say(server, bot, town_staff, "一、建立台账")
    await say(server, bot, town_staff, "二、补设公开栏")
    await town_staff.send_photo()
    await settle(server, bot)
    await town_staff.send_document("会议纪要.zip", "application/zip", b"PK zipped")
    await settle(server, bot)
    assert "不能接收这种文件" in texts_of(town_staff)[-1]
    await town_staff.send_document("整改台账.pdf", "application/pdf", b"%PDF ledger")
    await settle(server, bot)
    assert "佐证材料 2 件" in texts_of(town_staff)[-1]
    await press(server, bot, town_staff, f"ca:rd:{cid}:{town}")
    summary = texts_of(town_staff)[-1]
    assert "一、建立台账\n二、补设公开栏" in summary and "整改台账.pdf" in summary
    await press(server, bot, town_staff, f"ca:ru:{cid}:{town}:c")
    assert "已提交办公室验收" in str(town_staff.received()[-1].get("text"))
    assert "正在等待审核" in await forged(server, bot, town_leader, f"ca:rf:{cid}:{town}")

    # The office is asked, opens the materials; only the office decides.
    asked = texts_of(office)[-1]
    assert "请验收整改报告" in asked and "第 1 次提交" in asked and "佐证材料 2 件" in asked
    assert set(buttons(office.received()[-1]).values()) == {
        f"ca:rk:{cid}:{town}:1:a",
        f"ca:rk:{cid}:{town}:1:r",
        f"ca:rm:{cid}:{town}:1",
    }
    before = len(office.received())
    await press(server, bot, office, f"ca:rm:{cid}:{town}:1")
    opened = office.received()[before:]
    assert sum(1 for m in opened if m.get("photo")) == 1
    assert [m["document"]["file_name"] for m in opened if m.get("document")] == ["整改台账.pdf"]
    assert "没有权限" in await forged(server, bot, window_staff, f"ca:rm:{cid}:{town}:1")
    assert "没有权限" in await forged(server, bot, town_leader, f"ca:rk:{cid}:{town}:1:a")
    assert "没有权限" in await forged(server, bot, town_leader, f"ca:rk:{cid}:{town}:1:r")

    # 退回 with a typed reason held for ✅ 确认; the unit told and asked again.
    await press(server, bot, office, f"ca:rk:{cid}:{town}:1:r")
    assert "退回" in texts_of(office)[-1]
    assert "缺少整改台账原件" in await say(server, bot, office, "缺少整改台账原件")
    await press(server, bot, office, f"ca:rc:{cid}:{town}:1:c")
    returned = texts_of(town_staff)[-1]
    assert "整改报告被退回" in returned and "缺少整改台账原件" in returned
    assert buttons(town_staff.received()[-1]) == {"✍️ 重新提交整改报告": f"ca:rf:{cid}:{town}"}
    assert "已经审核过了" in await forged(server, bot, office, f"ca:rk:{cid}:{town}:1:a")
    await press(server, bot, town_staff, f"ca:rf:{cid}:{town}")
    assert "上次退回原因：缺少整改台账原件" in texts_of(town_staff)[-1]
    await say(server, bot, town_staff, "已补充台账原件")
    await press(server, bot, town_staff, f"ca:rd:{cid}:{town}")
    await press(server, bot, town_staff, f"ca:ru:{cid}:{town}:c")
    assert "第 2 次提交" in texts_of(office)[-1]
    assert "已经审核过了" in await forged(server, bot, office, f"ca:rk:{cid}:{town}:1:a")

    # 验收通过 closes the task and tells the unit; taps after that say it is done.
    await press(server, bot, office, f"ca:rk:{cid}:{town}:2:a")
    assert "验收通过，整改完成" in str(office.received()[-1].get("text"))
    assert "整改完成" in texts_of(town_leader)[-1]
    assert "已经审核过了" in await forged(server, bot, office, f"ca:rk:{cid}:{town}:2:a")
    assert "已经验收通过" in await forged(server, bot, town_staff, f"ca:rf:{cid}:{town}")
    await press(server, bot, office, f"ca:rv:{cid}")
    assert "✅ 已验收" in texts_of(office)[-1]

    async with ledger.reading() as tx:
        task = await campaign_outcomes.rectification(tx, cid, town)
        rounds = await campaign_reports.reports(tx, cid, town)
        first = await campaign_reports.evidence(tx, cid, town, 1)
        trail = [e.action for e in await audit.audit_trail(tx, "campaign", cid)]
    assert task is not None and task.state == "accepted"
    assert [(r.round, r.text, r.verdict, r.reason) for r in rounds] == [
        (1, "一、建立台账\n二、补设公开栏", "returned", "缺少整改台账原件"),
        (2, "已补充台账原件", "accepted", None),
    ]
    assert [e.kind for e in first] == ["photo", "document"]
    assert trail.count("campaign.rectification_round") == 2
    assert trail.count("campaign.rectification_reviewed") == 2
    assert "campaign.talk" in trail
