"""The authorization matrix over WeCom (issue 13) for the presses WeCom serves (sign-off, the
editor's adoption, tasks): a member without the right, a click naming another person's card,
a forged task id or key, and a replayed or reused ResponseCode are each answered safely, and
nothing is recorded; the real signer's click still works once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings.schema import Settings
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import adoptions, items
from storage.db import Database
from tests.conftest import FakeClock
from tests.people import WECOM, Centre, WeComPerson, centre_running

WINDOW = "市人社局窗口"


@pytest.fixture
async def centre(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot serving both emulators."""
    async with centre_running(server, settings, ledger, clock) as found:
        yield found


def member(centre: Centre, userid: str) -> WeComPerson:
    """A WeCom member."""
    found = centre.person(WECOM, userid, userid)
    assert isinstance(found, WeComPerson)
    return found


async def click(centre: Centre, who: WeComPerson, task_id: str, key: str, code: str) -> str:
    """A click callback as any client could forge it; what the clicker was shown after."""
    seen = len(who.received())
    assert await centre.post(centre.click_fields(who.userid, task_id, key, code)) == 200
    await centre.settle()
    return "\n".join(who.received()[seen:])


async def recorded(centre: Centre) -> tuple[int, int, int]:
    """Sign-offs and adoptions of item 1, and audit rows in all."""
    async with centre.db.reading() as tx:
        signed = len(await items.signoffs_of(tx, 1))
        adopted = len(await adoptions.adoptions_of(tx, 1))
        row = await tx.fetchone("SELECT count(*) AS n FROM audit_log")
    return signed, adopted, int(row["n"]) if row is not None else 0


async def test_presses_without_the_right_forged_or_replayed_record_nothing(
    centre: Centre,
) -> None:
    informant, head = member(centre, "wangfang"), member(centre, "liming")
    outsider, editor = member(centre, "waidanwei"), member(centre, "zhaomin")
    await informant.join(WINDOW, Role.INFORMANT)
    await head.join(WINDOW, Role.WINDOW_HEAD)
    await outsider.join("城关镇便民服务中心", Role.LEADER)
    await editor.join("综合科", Role.EDITOR)
    await informant.say("报送")
    await informant.press("主要措施和创新做法")
    await informant.say("窗口推行“一窗通办”")
    await informant.say("正文。")
    await informant.press("完成")
    await informant.say("2026-10-14")
    await informant.press("跳过")
    assert "已报送，编号 #1" in await informant.press("确认报送")
    card = head.card_of("同意")
    task = str(card.content["task_id"])
    approve = next(str(b["key"]) for b in card.content["button_list"] if "同意" in b["text"])
    before = await recorded(centre)

    # Another unit's leader and the informant click the head's card (its task id, its key).
    assert "没有这一步的审签权限" in await click(centre, outsider, task, approve, "rc-forged-1")
    assert "没有这一步的审签权限" in await click(centre, informant, task, approve, "rc-forged-2")
    # A forged task id with a garbled key, and the editor's and a task's presses by a stranger.
    assert "按钮数据无效" in await click(centre, head, "bs-forged", "so:1:0:0:x' OR 1=1", "rc-3")
    assert "只有中心信息员" in await click(centre, informant, task, "ed:adopt:1", "rc-4")
    refused = await click(centre, outsider, "bs-forged-2", "tk:done:1", "rc-5")
    assert "权限" in refused or "找不到" in refused, refused
    signed, adopted, _ = await recorded(centre)
    assert (signed, adopted) == (0, 0)

    # The head's real click signs once; its callback replayed (same ResponseCode) is taken
    # once; a fresh click on the same card is told it is done.
    assert "转交下一步" in await head.press("同意")
    last_code = next(c for c in reversed(list(centre.wecom.codes.values())) if c.task_id == task)
    shown = len(head.received())
    replay = centre.click_fields(head.userid, task, approve, last_code.code)
    assert await centre.post(replay) == 200
    await centre.settle()
    assert len(head.received()) == shown  # answered the same, nothing handled again
    assert "已经审签过" in await click(centre, head, task, approve, "rc-fresh-6")
    signed, adopted, audited = await recorded(centre)
    assert (signed, adopted) == (1, 0)
    assert audited > before[2]
