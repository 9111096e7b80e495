"""The core journeys run on both emulators (issue 13): the same people, the same presses, the
same words seen and the same ledger, whether everyone is on Telegram or on WeCom (cards, their
clicks' ResponseCodes, numbered replies, plain texts). The driver is `tests/people.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings.schema import Settings
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState, Role
from storage import adoptions, audit, items, outbox, sessions
from storage.db import Database
from tests.conftest import FakeClock
from tests.people import CHANNELS, TELEGRAM, WECOM, Centre, centre_running

WINDOW = "市人社局窗口"
SECTION = "综合科"
TITLE = "市人社局窗口推行“一窗通办”"
BODY = "10月14日，市人社局窗口推行“一窗通办”改革。"
MORE = "补充：当天办件 3000 余件。"


@pytest.fixture
async def centre(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot serving both emulators."""
    async with centre_running(server, settings, ledger, clock) as found:
        yield found


@pytest.mark.parametrize("channel", CHANNELS)
async def test_submit_return_resubmit_sign_adopt_and_look_up(centre: Centre, channel: str) -> None:
    """Submit with a photo; the window head returns it with a reason; the informant revises
    the body from /my and resubmits; both steps sign; the editor records two adoptions
    (registering the item); /my, /unit and /rank say so; the ledger agrees."""
    informant = centre.person(channel, "wangfang", "王芳")
    head = centre.person(channel, "liming", "李明")
    leader = centre.person(channel, "zhangwei", "张伟")
    editor = centre.person(channel, "zhaomin", "赵敏")
    welcome = await informant.join(WINDOW, Role.INFORMANT)
    assert "欢迎" in welcome and WINDOW in welcome and "信息员" in welcome
    assert ("/submit" if channel == TELEGRAM else "「报送」") in welcome
    await head.join(WINDOW, Role.WINDOW_HEAD)
    await leader.join(WINDOW, Role.LEADER)
    await editor.join(SECTION, Role.EDITOR)

    # Submit with a photo.
    assert "请选择信息类别" in await informant.command("submit")
    assert "主要措施和创新做法" in informant.labels()
    assert "请输入标题" in await informant.press("主要措施和创新做法")
    assert "请输入正文" in await informant.say(TITLE)
    assert "共 24 字" in await informant.say(BODY)
    assert "哪天发生" in await informant.press("完成")
    asked = await informant.say("2026-10-14")
    assert "可以发送照片或文件" in asked
    # a WeCom member is told the app takes photos, not files; Telegram's prompt is as it was
    assert ("企业微信不能向应用发送文件，请拍照发送" in asked) == (informant.channel == WECOM)
    assert "已添加附件 1 个" in await informant.photo()
    preview = await informant.press("完成")
    assert "请核对" in preview and TITLE in preview and "附件：1 个" in preview
    assert "已报送，编号 #1" in await informant.press("确认报送")

    # The window head returns it with a reason, confirmed.
    request = "\n".join(head.received()[-2:])
    assert "请审签（第 1 步，窗口负责人）" in request and TITLE in request and BODY in request
    assert head.labels() == ["✅ 同意", "↩️ 退回"]
    assert "退回信息 #1 的原因" in await head.press("退回")
    assert "请确认退回信息 #1" in await head.say("请补充办件数量")
    assert "已退回，并通知了作者" in await head.press("确认")
    told = informant.last()
    assert "您的信息 #1 被" in told and "退回" in told and "原因：请补充办件数量" in told

    # The informant revises the body from /my and resubmits.
    listing = await informant.command("my")
    assert "#1 市人社局窗口推行“一窗通办” — 已退回" in listing
    assert "此前被" in await informant.press("修改后重报")
    assert "要修改哪一项" in await informant.press("修改")
    await informant.press("正文")  # WeCom may keep back a prompt it showed within 30 minutes
    assert "共 16 字" in await informant.say(MORE)
    revised = await informant.press("完成")
    assert "修改了" in revised and "正文（原 24 字）" in revised and MORE in revised
    assert "已修改并重新送审" in await informant.press("确认报送")

    # Both steps sign the second round.
    assert "请审签" in "\n".join(head.received()[-2:])
    assert "转交下一步" in await head.press("同意")
    assert "报送到市政务服务中心" in await leader.press("同意")
    assert "审签完毕，报送到市政务服务中心" in informant.last()

    # The editor records two adoptions, which registers the item.
    arrived = "\n".join(editor.received()[-2:])
    assert "新信息报送到中心" in arrived and "正文（原 24 字）" in arrived
    assert "被哪里采用" in await editor.press("登记采用")
    assert "该信息累计 1 分" in await editor.press("市政务服务中心网站")
    assert "累计 4 分" in await editor.press("省政务服务中心")
    assert informant.last() == "🎉 信息 #1 被“省政务服务中心”采用（3 级，3 分）。该信息累计 4 分。"

    # What the informant looks up.
    assert "#1 市人社局窗口推行“一窗通办” — 中心已登记，4 分" in await informant.command("my")
    unit = await informant.command("unit")
    assert "市人社局窗口 2026年10月" in unit and "得分 4.0" in unit and "第 1 名" in unit
    rank = await informant.command("rank")
    assert "2026年10月排名" in rank and "1. 市人社局窗口 4.0 分" in rank

    # The ledger.
    async with centre.db.reading() as tx:
        item = await items.get_item(tx, 1)
        adopted = await adoptions.adoptions_of(tx, 1)
        trail = [entry.action for entry in await audit.audit_trail(tx, "item", 1)]
        kept = await items.files_of(tx, 1)
        undelivered = await outbox.undelivered(tx)
        draft = await sessions.load(tx, 1, f"{channel}:submit")
    assert item is not None and item.title == TITLE and item.body == MORE
    assert (item.state, item.chain_round) == (ItemState.REGISTERED, 1)
    assert [(a.outlet, a.points) for a in adopted] == [
        ("市政务服务中心网站", 1),
        ("省政务服务中心", 3),
    ]
    assert trail.count("signoff.return") == 1 and trail.count("signoff.approve") == 2
    assert trail.count("adoption.record") == 2
    assert len(kept) == 1 and draft is None
    assert undelivered == []
