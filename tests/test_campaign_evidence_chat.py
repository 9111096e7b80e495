"""A unit's evidence opened beside on-site scoring, over the fake Bot API: a group member
scoring check by check opens a check's texts and photo (📎 查看材料) and goes on at the same
check; the unit's own people may look, another unit's people and another campaign's group
may not; what the ledger records of the scores is checked."""

from __future__ import annotations

from decimal import Decimal

from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from storage import campaign_scores
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import buttons, settle, texts_of
from tests.test_campaign_plan import approved
from tests.test_campaign_selfcheck import self_checked
from tests.test_campaigns_chat import forged, press
from tests.test_flows import say

PHOTO = b"\xff\xd8 a photo of the board"


async def test_evidence_opened_while_scoring(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    life = await approved(ledger, clock, "county")
    await self_checked(life)
    cid, window, member = life.campaign_id, life.cast.window, life.cast.assessors[0]
    assessor = server.user(5004, "考核员甲")
    outsider = server.user(5006, "考核员丙")  # the other campaign's group
    window_staff = server.user(5007, "窗口信息员")
    town_staff = server.user(5009, "镇信息员")
    bot.bot_data.courier.wake()
    await settle(server, bot)

    # The first check has a text as evidence: its button says so.
    await say(server, bot, assessor, "/campaigns")
    await press(server, bot, assessor, f"ca:sf:{cid}:{window}")
    asked = texts_of(assessor)[-1]
    assert "评分 1/" in asked and "佐证材料 1 件" in asked
    first = buttons(assessor.received()[-1])
    assert first["📎 查看材料（1）"] == f"ca:ev:{cid}:{window}:0"
    await say(server, bot, assessor, "3")

    # The second check's photo, opened: sent, then the same check asked again.
    assert "评分 2/" in texts_of(assessor)[-1]
    seen = len(assessor.received())
    await press(server, bot, assessor, f"ca:ev:{cid}:{window}:1")
    opened = assessor.received()[seen:]
    assert "第 2 项" in str(opened[0].get("text")) and "佐证材料 1 件" in str(opened[0]["text"])
    (photo,) = [m for m in opened if m.get("photo")]
    assert server.file_bytes(photo["photo"][-1]["file_id"]) == PHOTO
    assert "评分 2/" in texts_of(assessor)[-1]  # the place kept
    assert "已结束" not in " ".join(texts_of(assessor)[-3:])
    await say(server, bot, assessor, "2")
    assert "评分 3/" in texts_of(assessor)[-1]

    # An older button: the first check's text, then the third check asked again.
    await press(server, bot, assessor, f"ca:ev:{cid}:{window}:0")
    assert any("领导小组成立文件" in t for t in texts_of(assessor)[-3:])
    assert "评分 3/" in texts_of(assessor)[-1]
    checks = life.template.check_ids()
    async with ledger.reading() as tx:
        mine = {
            s.check_id: s.points
            for s in await campaign_scores.scores(tx, cid)
            if s.member_id == member.id and s.unit_id == window
        }
    assert mine == {checks[0]: Decimal(3), checks[1]: Decimal(2)}

    # The unit's own people may look; another unit's and another campaign's group may not.
    await say(server, bot, window_staff, "/campaigns")
    seen = len(window_staff.received())
    assert "不能查看" not in await forged(server, bot, window_staff, f"ca:ev:{cid}:{window}:1")
    assert any(m.get("photo") for m in window_staff.received()[seen:])
    for user in (town_staff, outsider):
        await say(server, bot, user, "/campaigns")
        seen = len(user.received())
        refusal = await forged(server, bot, user, f"ca:ev:{cid}:{window}:1")
        assert "不能查看这个单位的自查材料" in refusal
        assert not any(m.get("photo") for m in user.received()[seen:])
    # A check the template does not have is a forged press.
    assert "按钮数据无效" in await forged(server, bot, assessor, f"ca:ev:{cid}:{window}:99")
