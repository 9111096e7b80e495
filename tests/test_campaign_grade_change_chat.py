"""A grade changed under review, over the fake Bot API: a leading-group member opens the
preliminary grades (🔍 查看等次), changes a unit's grade by its button with a typed reason held
for ✅ 确认; the card then shows the change, who made it and why, the group's next member and
the office are told, and the next request lists it before they approve. A unit's people, the
office and another campaign's group cannot change a grade; a grade the template lacks and an
empty reason are refused; what the ledger keeps is checked."""

from __future__ import annotations

from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from storage import campaign_decisions
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import buttons, settle, texts_of
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from tests.test_campaigns_chat import forged, press
from tests.test_flows import say
from workflow import campaign_grades as cg


async def test_a_grade_changed_under_review_in_chat(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    life = await approved(ledger, clock, "county")
    await self_checked(life)
    await scored(life)
    cast, cid, window = life.cast, life.campaign_id, life.cast.window
    await cg.propose_grades(ledger, cast.office, cid)
    office = server.user(5001, "办公室")
    first = server.user(5002, "分管领导")
    second = server.user(5003, "主要领导")
    outsider = server.user(5006, "考核员丙")
    window_staff = server.user(5007, "窗口信息员")
    bot.bot_data.courier.wake()
    await settle(server, bot)

    # The request carries the review card; the card a button per unit for the member.
    request = texts_of(first)[-1]
    assert "请审定考核等次" in request and "已调整" not in request
    assert f"ca:gr:{cid}" in buttons(first.received()[-1]).values()
    await press(server, bot, first, f"ca:gr:{cid}")
    card = texts_of(first)[-1]
    assert "初步考核等次（审定中）" in card and "市人社局窗口：" in card and "→" not in card
    assert f"ca:gc:{cid}:{window}" in buttons(first.received()[-1]).values()

    # Nobody outside the leading group changes a grade (the office proposes, not decides).
    for user in (window_staff, outsider, office):
        await say(server, bot, user, "/campaigns")
        assert "没有权限" in await forged(server, bot, user, f"ca:gc:{cid}:{window}")
    assert "没有权限" in await forged(server, bot, window_staff, f"ca:gr:{cid}")

    # The change: a grade the template lacks, an empty reason, then the reason and ✅.
    await press(server, bot, first, f"ca:gc:{cid}:{window}")
    asked = texts_of(first)[-1]
    assert "调整等次" in asked and "初步等次 优良" in asked
    names = list(buttons(first.received()[-1]))
    assert names[:4] == ["优良", "合格", "基本合格", "不合格"]
    assert "没有“优秀”这个等次" in await say(server, bot, first, "优秀")
    await press(server, bot, first, f"ca:gk:{cid}:{window}:1")
    assert "调整为 合格。请输入调整理由" in texts_of(first)[-1]
    assert "调整理由不能为空" in await say(server, bot, first, "   ")
    shown = await say(server, bot, first, "佐证材料不全")
    assert "市人社局窗口：优良 → 合格" in shown and "理由：佐证材料不全" in shown
    async with ledger.reading() as tx:
        assert (await campaign_decisions.grades(tx, cid))[window].final is None  # not before ✅
    await press(server, bot, first, f"ca:gx:{cid}:{window}:c")
    card = texts_of(first)[-1]
    assert "优良 → 合格（分管领导 调整，理由：佐证材料不全）" in card
    async with ledger.reading() as tx:
        row = (await campaign_decisions.grades(tx, cid))[window]
        audit = await tx.fetchall(
            "SELECT actor_id FROM audit_log WHERE action = 'campaign.grade_changed'"
        )
    assert (row.final, row.reason, row.changed_by) == ("合格", "佐证材料不全", cast.leaders[0].id)
    assert [r[0] for r in audit] == [cast.leaders[0].id]

    # The others are told; the next member's request lists the change before they approve.
    bot.bot_data.courier.wake()
    await settle(server, bot)
    for user in (second, office):
        told = texts_of(user)[-1]
        assert "市人社局窗口 的考核等次由 优良 调整为 合格（分管领导）" in told
        assert "理由：佐证材料不全" in told
    await press(server, bot, first, f"ca:d:g:{cid}:1:1:a")
    bot.bot_data.courier.wake()
    await settle(server, bot)
    request = texts_of(second)[-1]
    assert "请审定考核等次" in request and "第 2 步" in request
    assert "市人社局窗口：优良 → 合格（分管领导，理由：佐证材料不全）" in request
    await press(server, bot, second, f"ca:gr:{cid}")
    assert "（分管领导 调整，理由：佐证材料不全）" in texts_of(second)[-1]
    await press(server, bot, second, f"ca:d:g:{cid}:1:2:a")

    # Decided: the card no longer offers a change, and a stale ✏️ is refused.
    await forged(server, bot, first, f"ca:gr:{cid}")  # the request's buttons are gone
    assert "（已审定）" in texts_of(first)[-1]
    assert not buttons(first.received()[-1])
    assert "不能做这一步" in await forged(server, bot, first, f"ca:gc:{cid}:{window}")
    sheet = await cg.results(ledger, cast.office, cid)
    line = next(u for u in sheet["units"] if u["unit_id"] == window)
    assert (line["grade"], line["grade_reason"]) == ("合格", "佐证材料不全")
