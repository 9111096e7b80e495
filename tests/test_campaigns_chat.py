"""Assessment campaigns (考核) in chat, end to end over the fake Bot API: the office plans by
/campaign, the leading group returns and approves, the units get their notices, a unit answers
its self-check check by check with evidence, submits its report and its leader signs; the
office sees who has not. What each person sees and what the ledger holds are both checked."""

from __future__ import annotations

from datetime import date, timedelta

from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from storage import campaign_scores, campaigns, people, units
from storage.db import Database
from tests.conftest import FakeClock, tg_account
from tests.flow import buttons, settle, texts_of
from tests.test_flows import join, say, tap
from workflow.dialogues.campaign_steps import templates

WINDOW = "市人社局窗口"
TOWNSHIP = "城关镇便民服务中心"
OFFICE = "办公室"


def carrier(user: FakeUser, data: str) -> dict[str, object]:
    """The user's newest message with this button."""
    return next(m for m in reversed(user.received()) if data in buttons(m).values())


async def press(server: FakeBotApi, bot: BotApp, user: FakeUser, data: str) -> str:
    """The user presses a button of their newest message carrying it; the answer's text."""
    return str((await tap(server, bot, user, carrier(user, data), data)).get("text") or "")


async def forged(server: FakeBotApi, bot: BotApp, user: FakeUser, data: str) -> str:
    """The user sends a press no message of theirs carries; the alert they get."""
    update = await user.click(user.received()[-1], data, forged=True)
    await settle(server, bot)
    return str((await server.wait_for_answer(update["callback_query"]["id"])).get("text") or "")


async def unit_id(db: Database, name: str) -> int:
    """A unit's id."""
    async with db.reading() as tx:
        unit = await units.unit_by_name(tx, name)
    assert unit is not None
    return unit.id


async def person_id(db: Database, tg: int) -> int:
    """The id of the person behind a Telegram user."""
    async with db.reading() as tx:
        person = await people.person_by_account(tx, tg_account(tg))
    assert person is not None
    return person.id


async def test_a_county_campaign_from_plan_to_signed_self_check(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    office = server.user(104, "赵敏")
    leader = server.user(120, "分管领导")
    chief = server.user(121, "主要领导")
    assessor = server.user(122, "考核员")
    informant = server.user(101, "王芳")
    window_leader = server.user(102, "窗口负责人")
    township = server.user(103, "镇信息员")
    await join(server, bot, office, "综合科", "editor")
    await join(server, bot, leader, OFFICE, "centre_leader")
    await join(server, bot, chief, OFFICE, "main_leader")
    await join(server, bot, assessor, "审批服务科", "leader")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, window_leader, WINDOW, "leader")
    welcome = await join(server, bot, township, TOWNSHIP, "informant")
    assert "/campaigns" in welcome and "/campaign " not in welcome
    window, town = await unit_id(ledger, WINDOW), await unit_id(ledger, TOWNSHIP)
    ids = {tg: await person_id(ledger, tg) for tg in (120, 121, 122)}

    # Only the office plans.
    assert "没有权限" in await say(server, bot, informant, "/campaign")

    # The plan, step by step: template, title, scope, units, dates, groups.
    assert "请选择考核模板" in await say(server, bot, office, "/campaign")
    await press(server, bot, office, "ca:t:county")
    assert "请输入考核名称" in texts_of(office)[-1]
    assert "考核范围" in await say(server, bot, office, "2026年度政务公开工作考核")
    await press(server, bot, office, "ca:sc:focus")
    assert "请点击上面的按钮" in await say(server, bot, office, WINDOW)
    await press(server, bot, office, f"ca:u:{window}")
    await press(server, bot, office, f"ca:u:{town}")
    assert "已选 2 个" in texts_of(office)[-1]
    assert f"✅ {WINDOW}" in buttons(office.received()[-1])
    await press(server, bot, office, "ca:ok")
    assert "最早 2026-10-25" in texts_of(office)[-1]
    too_soon = await say(server, bot, office, "2026-10-24")  # 9 calendar days' notice
    assert "须提前 10 天通知，最早可定在 2026-10-25" in too_soon
    assert "看不懂" in await say(server, bot, office, "下周")
    asked = await say(server, bot, office, "10月26日")  # without a year: the next such day
    assert TOWNSHIP in asked
    await press(server, bot, office, "ca:same")
    assert "领导小组成员" in texts_of(office)[-1]
    await press(server, bot, office, f"ca:p:{ids[120]}")
    await press(server, bot, office, f"ca:p:{ids[121]}")
    assert "1. 分管领导" in buttons(office.received()[-1])
    await press(server, bot, office, "ca:ok")
    await press(server, bot, office, f"ca:p:{ids[122]}")
    await press(server, bot, office, "ca:ok")
    summary = texts_of(office)[-1]
    assert f"{WINDOW}：2026-10-26" in summary and f"{TOWNSHIP}：2026-10-26" in summary
    assert "分管领导 → 主要领导" in summary and "考核员" in summary
    await press(server, bot, office, "ca:go")
    assert "已保存并送领导小组审批（先由 分管领导 审批）" in texts_of(office)[-1]
    async with ledger.reading() as tx:
        planned = await campaigns.get(tx, 1)
    assert planned is not None
    assert (planned.state, planned.template_key, planned.scope) == (
        "plan_review",
        "county",
        "focus",
    )

    # The leading group: a return with its reason (held for ✅ 确认), then approval in order.
    assert "请审批考核方案" in texts_of(leader)[-1]
    assert "没有权限" in await forged(server, bot, chief, "ca:d:p:1:1:1:a")
    await press(server, bot, leader, "ca:d:p:1:1:1:r")
    assert "退回" in texts_of(leader)[-1]
    shown = await say(server, bot, leader, "请与各单位协调日期")
    assert "请与各单位协调日期" in shown
    await press(server, bot, leader, "ca:dc:p:1:1:1:c")
    assert "被退回" in texts_of(office)[-1] and "请与各单位协调日期" in texts_of(office)[-1]
    await press(server, bot, office, "ca:od:1")  # 改日期: the township's date moves
    await press(server, bot, office, f"ca:u:{town}")
    assert "太近" in await say(server, bot, office, "10月20日")
    assert "已改为 2026-10-28" in await say(server, bot, office, "2026-10-28")
    await press(server, bot, office, "ca:rs:1")
    assert "已重新送审" in str(office.received()[-1].get("text"))
    assert "已经处理过了" in await forged(server, bot, leader, "ca:d:p:1:1:1:a")
    await press(server, bot, leader, "ca:d:p:1:2:1:a")
    assert "请审批考核方案" in texts_of(chief)[-1]
    assert "第 2 轮，第 2 步" in texts_of(chief)[-1]
    await press(server, bot, chief, "ca:d:p:1:2:2:a")
    notice = texts_of(informant)[-1]
    assert "考核通知" in notice and "2026-10-26" in notice and WINDOW in notice
    assert TOWNSHIP in texts_of(township)[-1] and "2026-10-28" in texts_of(township)[-1]
    assert "考核小组成员" in texts_of(assessor)[-1]
    assert any("已审批通过" in text for text in texts_of(office)[-3:])  # then the QR codes

    # A unit never opens another's self-check.
    assert "没有权限" in await forged(server, bot, township, f"ca:s:1:{window}")

    # The window's self-check: each check answered, evidence as text, photo and file.
    checks = templates()["county"].check_ids()
    await press(server, bot, informant, f"ca:s:1:{window}")
    assert f"自查 1/{len(checks)}" in texts_of(informant)[-1]
    assert "请点击上面的按钮" in await say(server, bot, informant, "符合")
    await press(server, bot, informant, f"ca:v:1:{window}:0:m")
    assert "佐证材料" in texts_of(informant)[-1]
    assert "1 件" in await say(server, bot, informant, "已成立政务公开领导小组")
    await informant.send_photo()
    await settle(server, bot)
    assert "2 件" in texts_of(informant)[-1]
    await informant.send_document("会议纪要.zip", "application/zip", b"PK zipped")
    await settle(server, bot)
    assert "不能接收这种文件" in texts_of(informant)[-1]
    await informant.send_document("大文件.pdf", "application/pdf", b"%" * (20 * 1024 * 1024 + 1))
    await settle(server, bot)
    assert "文件太大：最多 20 MB" in texts_of(informant)[-1]
    await informant.send_document("会议纪要.pdf", "application/pdf", b"%PDF minutes")
    await settle(server, bot)
    assert "3 件" in texts_of(informant)[-1]
    await press(server, bot, informant, f"ca:n:1:{window}:0")
    await press(server, bot, informant, f"ca:e:1:{window}")  # paused: the answer is kept
    assert "已暂停" in texts_of(informant)[-1]
    await press(server, bot, informant, f"ca:s:1:{window}")  # on from the first unanswered
    assert f"自查 2/{len(checks)}" in texts_of(informant)[-1]
    for index in range(1, len(checks)):
        await press(server, bot, informant, f"ca:v:1:{window}:{index}:p")
        await press(server, bot, informant, f"ca:n:1:{window}:{index}")
    assert "自查汇报材料" in texts_of(informant)[-1]
    await informant.send_document(
        "自查报告.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK report",
    )
    await settle(server, bot)
    assert "已请 1 位单位负责人签字确认" in texts_of(informant)[-1]

    # The leader signs; the informant cannot.
    assert "📎 自查报告.docx" in texts_of(window_leader)[-1]
    assert "没有权限" in await forged(server, bot, informant, f"ca:sg:1:{window}")
    await press(server, bot, window_leader, f"ca:sg:1:{window}")
    assert "已由 窗口负责人 签字确认" in str(window_leader.received()[-1].get("text"))
    assert "已提交并签字确认" in texts_of(office)[-1]

    # The office's who-has-not list: the township has not started.
    listed = await say(server, bot, office, "/campaigns")
    assert "2026年度政务公开工作考核（进行中）" in listed
    await press(server, bot, office, "ca:pg:1")
    progress = texts_of(office)[-1]
    assert "1 个单位未完成" in progress
    assert f"{TOWNSHIP}：⏳ 未提交，已答 0/{len(checks)}，实地考核 2026-10-28" in progress
    assert f"{WINDOW}：✅ 已签字，已答 {len(checks)}/{len(checks)}" in progress
    assert "没有权限" in await forged(server, bot, informant, "ca:pg:1")
    assert "本单位的考核" in await say(server, bot, township, "/campaigns")
    assert list(buttons(township.received()[-1]).values()) == [f"ca:s:1:{town}"]

    # On site: the assessment group scores check by check, the self-check beside each.
    assert "待评分的单位" in await say(server, bot, assessor, "/campaigns")
    assert set(buttons(assessor.received()[-1]).values()) == {
        f"ca:sf:1:{window}",
        f"ca:sf:1:{town}",
        "ca:ws:1",  # the score workbook, and sending it back filled
        "ca:wu:1",
    }
    assert "不是这次考核的考核小组成员" in await forged(server, bot, informant, f"ca:sf:1:{town}")
    await press(server, bot, assessor, f"ca:sf:1:{window}")
    first = texts_of(assessor)[-1]
    assert f"评分 1/{len(checks)}" in first and "单位自查：符合；佐证材料 3 件" in first
    assert "不是分数" in await say(server, bot, assessor, "满分")
    assert "最多一位小数" in await say(server, bot, assessor, "6.05")
    maxima = [str(check.max_points) for check in templates()["county"].checks()]
    for points in maxima:
        said = await say(server, bot, assessor, points)
    assert f"{len(checks)} 项已全部评分" in said
    await press(server, bot, assessor, f"ca:sf:1:{town}")
    for _ in maxima:
        said = await say(server, bot, assessor, "0")
    assert "已全部评分" in said

    # The office proposes the grades; the leading group approves them in order; results.
    await say(server, bot, office, "/campaigns")
    await press(server, bot, office, "ca:gp:1")
    assert "请审定考核等次" in texts_of(leader)[-1]
    await press(server, bot, leader, "ca:d:g:1:1:1:a")
    await press(server, bot, chief, "ca:d:g:1:1:2:a")
    assert "等次 优良" in texts_of(informant)[-1]
    failed = texts_of(township)[-1]
    assert "等次 不合格" in failed and "整改" in failed
    closed = texts_of(office)[-1]
    assert f"通报表扬：{WINDOW}" in closed and f"不合格：{TOWNSHIP}" in closed

    async with ledger.reading() as tx:
        answers = await campaign_scores.selfchecks(tx, 1, window)
        evidence = await campaign_scores.evidence(tx, 1, window)
        line = await campaigns.unit_of(tx, 1, window)
        others = await campaign_scores.selfchecks(tx, 1, town)
        found = await campaigns.get(tx, 1)
    closed_state = found.state if found else ""
    assert {a.check_id: a.verdict for a in answers} == {
        check: "met" if n == 0 else "partly" for n, check in enumerate(checks)
    }
    assert [(e.check_id, e.kind) for e in evidence] == [
        (checks[0], "text"),
        (checks[0], "photo"),
        (checks[0], "document"),
    ]
    assert line is not None and line.report_file is not None and line.signed_at is not None
    assert others == []
    assert closed_state == "closed"


async def test_a_bureau_campaign_over_every_unit(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    office = server.user(104, "赵敏")
    leader = server.user(120, "分管领导")
    informant = server.user(101, "王芳")
    await join(server, bot, office, "综合科", "editor")
    await join(server, bot, leader, OFFICE, "centre_leader")
    await join(server, bot, informant, WINDOW, "informant")
    me = await person_id(ledger, 120)
    async with ledger.reading() as tx:
        everyone = await units.list_units(tx)
    window = await unit_id(ledger, WINDOW)

    await say(server, bot, office, "/campaign")
    await press(server, bot, office, "ca:t:bureau")
    await say(server, bot, office, "2026年度考核评议")
    await press(server, bot, office, "ca:sc:general")  # every unit: no choice of units
    assert f"{everyone[0].name}" in texts_of(office)[-1]
    assert "须提前 15 天通知" in await say(server, bot, office, "2026-10-29")
    await say(server, bot, office, "2026-10-31")
    for _ in everyone[1:]:
        await press(server, bot, office, "ca:same")
    await press(server, bot, office, f"ca:p:{me}")
    await press(server, bot, office, "ca:ok")
    await press(server, bot, office, f"ca:p:{me}")
    await press(server, bot, office, "ca:ok")
    assert "普遍考核" in texts_of(office)[-1]
    await press(server, bot, office, "ca:go")

    # Two days later the first date lies inside the notice period: approval is refused.
    clock.now += timedelta(days=2)
    assert "太近" in await press(server, bot, leader, "ca:d:p:1:1:1:a")
    clock.now -= timedelta(days=2)
    await press(server, bot, leader, "ca:d:p:1:1:1:a")
    assert "2026-10-31" in texts_of(informant)[-1]

    checks = templates()["bureau"].check_ids()
    await press(server, bot, informant, f"ca:s:1:{window}")
    for index in range(len(checks)):
        await press(server, bot, informant, f"ca:v:1:{window}:{index}:n")
        await press(server, bot, informant, f"ca:n:1:{window}:{index}")
    assert "已请 0 位" in await say(server, bot, informant, "本单位自查汇报：尚需整改。")
    async with ledger.reading() as tx:
        lines = await campaigns.units_of(tx, 1)
        line = await campaigns.unit_of(tx, 1, window)
    assert len(lines) == len(everyone)
    assert {ln.onsite_on for ln in lines} == {date(2026, 10, 31)}
    assert line is not None and line.report_text == "本单位自查汇报：尚需整改。"
    assert line.signed_at is None
