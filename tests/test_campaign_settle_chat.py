"""Settling differing scores and the score workbook in chat, over the fake Bot API, for both
shipped templates: a member fetches the workbook, a bad cell refuses the whole file, the filled
one is recorded; the office sees each member's score and comment where they differ, accepts
the rule for one and settles another with a typed score and reason held for ✅ 确认; grades
wait until then; each unit is told its own check-by-check result, and the results documents
go to the distribution. Who may do what is checked on the way."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.jobs import campaign_results
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.assessment import Scope
from storage import campaign_accepts, campaign_scores, people
from storage.db import Database
from storage.models import Person
from tests.campaign_cast import TEMPLATE_KEYS, TODAY, ZONE
from tests.conftest import tg_account
from tests.flow import buttons, settle, texts_of
from tests.test_campaigns_chat import OFFICE, TOWNSHIP, WINDOW, forged, press, unit_id
from tests.test_flows import join, say
from workflow import campaign_scoring as sc
from workflow import campaigns as cs
from workflow.dialogues.campaign_steps import templates

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def person(db: Database, user: FakeUser) -> Person:
    """The person behind a Telegram user."""
    async with db.reading() as tx:
        found = await people.person_by_account(tx, tg_account(user.id))
    assert found is not None
    return found


def filled(blank: bytes, scores: dict[str, list[str]], comment: tuple[str, int, str]) -> bytes:
    """The blank workbook with each unit's 得分 filled in check by check, and one comment."""
    book = load_workbook(io.BytesIO(blank))
    for page in book.worksheets:
        assert isinstance(page, Worksheet)
        for offset, points in enumerate(scores[page.title]):
            page.cell(5 + offset, 5, points)
        if page.title == comment[0]:
            page.cell(5 + comment[1], 6, comment[2])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def number(value: Decimal) -> str:
    """A score as the bot prints it."""
    return f"{value.normalize():f}"


@pytest.mark.parametrize("key", TEMPLATE_KEYS)
async def test_settling_and_the_score_workbook_in_chat(
    server: FakeBotApi, bot: BotApp, ledger: Database, key: str
) -> None:
    office = server.user(104, "赵敏")
    leader = server.user(120, "分管领导")
    first = server.user(122, "考核员甲")
    second = server.user(123, "考核员乙")
    informant = server.user(101, "王芳")
    township = server.user(103, "镇信息员")
    await join(server, bot, office, "综合科", "editor")
    await join(server, bot, leader, OFFICE, "centre_leader")
    await join(server, bot, first, "审批服务科", "leader")
    await join(server, bot, second, "审批服务科", "section_staff")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, township, TOWNSHIP, "informant")
    window, town = await unit_id(ledger, WINDOW), await unit_id(ledger, TOWNSHIP)
    template = templates()[key]
    checks, maxima = template.check_ids(), [c.max_points for c in template.checks()]
    the_office, the_leader = await person(ledger, office), await person(ledger, leader)
    members = [await person(ledger, first), await person(ledger, second)]
    onsite = cs.earliest_onsite(TODAY, template)
    planned = await cs.plan(
        ledger,
        the_office,
        templates(),
        ZONE,
        template_key=key,
        title="2026年度政务公开工作考核",
        year=2026,
        scope=Scope.FOCUS,
        onsite={window: onsite, town: onsite},
        leading=[the_leader.id],
        assessors=[m.id for m in members],
    )
    await cs.submit_plan(ledger, the_office, ZONE, planned.id)
    await cs.decide_plan(ledger, the_leader, ZONE, planned.id, round_=1, step=1, approve=True)
    await settle(server, bot)
    c = planned.id

    # The first member scores in chat's service: the window full marks, the township 0 but 1
    # point on the second check.
    for index, check in enumerate(checks):
        await sc.score(ledger, members[0], c, window, check, maxima[index])
        await sc.score(ledger, members[0], c, town, check, Decimal(1 if index == 1 else 0))

    # Nobody outside the office and the group gets the workbook (it shows every unit).
    assert "没有权限" in await forged(server, bot, informant, f"ca:ws:{c}")
    assert "没有权限" in await forged(server, bot, informant, f"ca:wu:{c}")

    # The second member fetches the workbook from /campaigns and sends it back filled.
    assert "待评分的单位" in await say(server, bot, second, "/campaigns")
    await press(server, bot, second, f"ca:ws:{c}")
    (sent,) = [m for m in second.received() if "document" in m]
    assert sent["document"]["file_name"] == "2026年度政务公开工作考核考核评分表.xlsx"
    blank = server.file_bytes(sent["document"]["file_id"])
    assert load_workbook(io.BytesIO(blank)).sheetnames == [WINDOW, TOWNSHIP]
    assert "填好后点“上传评分表”发回" in texts_of(second)[-1]
    await press(server, bot, second, f"ca:wu:{c}")
    assert "请发送 考核员乙 填好的" in texts_of(second)[-1]
    good = {
        WINDOW: [number(m - (1 if i == 0 else 0)) for i, m in enumerate(maxima)],
        TOWNSHIP: ["0"] * len(checks),
    }
    bad = {**good, TOWNSHIP: ["99", *good[TOWNSHIP][1:]]}
    await second.send_document("评分表.xlsx", XLSX, filled(blank, bad, (WINDOW, 0, "会议记录不全")))
    await settle(server, bot)
    refusal = texts_of(second)[-1]
    assert f"评分表读不懂：{TOWNSHIP}!E5 得分须在 0 到 {number(maxima[0])} 之间" in refusal
    async with ledger.reading() as tx:
        assert {s.member_id for s in await campaign_scores.scores(tx, c)} == {members[0].id}
    await second.send_document(
        "评分表.xlsx", XLSX, filled(blank, good, (WINDOW, 0, "会议记录不全"))
    )
    await settle(server, bot)
    assert f"已记录 考核员乙 的评分表：{2 * len(checks)} 项" in texts_of(second)[-1]

    # Grades wait while two checks differ; a member cannot settle, nor a unit look.
    await say(server, bot, office, "/campaigns")
    assert "还有 2 项考核小组评分不一致" in await press(server, bot, office, f"ca:gp:{c}")
    for user in (first, informant):
        assert "没有权限" in await forged(server, bot, user, f"ca:sl:{c}")
        assert "没有权限" in await forged(server, bot, user, f"ca:ar:{c}:{window}:0")
        assert "没有权限" in await forged(server, bot, user, f"ca:sv:{c}:{window}:0")

    # The office's list: each member's score and comment, the rule's result.
    await press(server, bot, office, f"ca:sl:{c}")
    listed = texts_of(office)[-1]
    average = maxima[0] - Decimal("0.5")
    assert "待核定 2 项" in listed and "规则：取平均分" in listed
    assert (
        f"考核员甲 {number(maxima[0])}；考核员乙 {number(maxima[0] - 1)}（会议记录不全）" in listed
    )
    assert f"⏳ 待核定，按规则为 {number(average)}" in listed
    assert f"{TOWNSHIP} · 第 2 项" in listed
    offered = set(buttons(office.received()[-1]).values())
    assert {f"ca:ar:{c}:{window}:0", f"ca:sv:{c}:{town}:1", f"ca:aa:{c}"} <= offered
    assert "没有分歧" in await forged(server, bot, office, f"ca:ar:{c}:{window}:2")

    # The rule taken for the window's check; the township's settled with a reason.
    await press(server, bot, office, f"ca:ar:{c}:{window}:0")
    assert f"✅ 已按规则取 {number(average)}" in texts_of(office)[-1]
    await press(server, bot, office, f"ca:sv:{c}:{town}:1")
    assert "考核小组评分：考核员甲 1；考核员乙 0；按规则为 0.5" in texts_of(office)[-1]
    assert "不是分数" in await say(server, bot, office, "一分")
    assert "最多一位小数" in await say(server, bot, office, "99")
    assert "请输入核定理由" in await say(server, bot, office, "0.8")
    assert "核定理由不能为空" in await say(server, bot, office, "  ")
    shown = await say(server, bot, office, "现场核实：制度已建立但未印发")
    assert "核定得分：0.8" in shown and "理由：现场核实" in shown
    async with ledger.reading() as tx:
        assert await campaign_scores.settlements(tx, c, 0) == {}  # nothing before ✅
    await press(server, bot, office, f"ca:sk:{c}:{town}:1:c")
    assert "✍️ 已核定 0.8（理由：现场核实：制度已建立但未印发）" in texts_of(office)[-1]
    assert "待核定 0 项" in texts_of(office)[-1]
    async with ledger.reading() as tx:
        settled = await campaign_scores.settlements(tx, c, 0)
        accepted = await campaign_accepts.accepted(tx, c)
        audit = await tx.fetchall(
            "SELECT action FROM audit_log WHERE action IN"
            " ('campaign.accept_rule', 'campaign.settle') ORDER BY id"
        )
    assert settled[(town, checks[1])].points == Decimal("0.8")
    assert set(accepted) == {(window, checks[0])}
    assert [row[0] for row in audit] == ["campaign.accept_rule", "campaign.settle"]

    # Grades go; the leading group approves; each unit is told its own lines only.
    await say(server, bot, office, "/campaigns")
    await press(server, bot, office, f"ca:gp:{c}")
    await press(server, bot, leader, f"ca:d:g:{c}:1:1:a")
    mine = texts_of(informant)[-1]
    title0 = template.check(checks[0]).title  # type: ignore[union-attr]
    assert "各项得分" in mine
    assert f"一.1 {title0}：{number(average)}/{number(maxima[0])}（评语：会议记录不全）" in mine
    theirs = texts_of(township)[-1]
    assert "核定理由：现场核实：制度已建立但未印发" in theirs and "0.8/" in theirs
    assert "会议记录不全" not in theirs and WINDOW not in theirs

    if key != "county":
        return
    # The sweep sends the 通报 and the workbook to the distribution, once.
    assert await campaign_results(bot.bot_data) == 4  # two files to the leader and the office
    assert await campaign_results(bot.bot_data) == 0
    bot.bot_data.courier.wake()
    await settle(server, bot)
    for user in (office, leader):
        names = [m["document"]["file_name"] for m in user.received() if "document" in m]
        assert "2026年度政务公开工作考核考核结果通报.docx" in names
        assert "2026年度政务公开工作考核考核结果（第1版）.xlsx" in names
