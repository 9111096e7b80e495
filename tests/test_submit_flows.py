"""/submit end to end over the fake Bot API, the paths the other flow tests leave: the unit
asked of someone in two units, a document attached, a field changed from the preview, and the
draft standing while other commands and another dialogue's typed answer come between."""

from __future__ import annotations

from datetime import timedelta

from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState
from storage import items, sessions
from storage.db import Database
from tests.flow import ADMIN, button_data, buttons, settle, texts_of
from tests.test_flows import WINDOW, join, say, submit_quickly, tap

TOWNSHIP = "城关镇便民服务中心"
PDF = b"%PDF-1.4 a short report"


async def test_two_units_a_document_and_a_changed_day(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, informant, TOWNSHIP, "informant")
    assert "以哪个单位的名义" in await say(server, bot, informant, "/submit")
    units = informant.received()[-1]
    assert list(buttons(units)) == [WINDOW, TOWNSHIP]
    await tap(server, bot, informant, units, buttons(units)[TOWNSHIP])
    assert "选择信息类别" in texts_of(informant)[-1]
    await tap(server, bot, informant, informant.received()[-1], "sub:cat:measures")
    await say(server, bot, informant, "城关镇推行帮办代办")
    assert "共 16 字" in await say(server, bot, informant, "城关镇便民服务中心推行帮办代办。")
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    assert buttons(informant.received()[-2]) == {}  # 完成 is gone from the body's message
    await tap(server, bot, informant, informant.received()[-1], "sub:date:1")
    assert "请发送照片或文件" in await say(server, bot, informant, "没有附件")
    await informant.send_document("汇报.pdf", "application/pdf", PDF)
    await settle(server, bot)
    assert "已添加附件 1 个" in texts_of(informant)[-1]
    await tap(server, bot, informant, informant.received()[-1], "sub:files:done")
    preview = texts_of(informant)[-1]
    assert TOWNSHIP in preview and "附件：1 个" in preview
    await tap(server, bot, informant, informant.received()[-1], "sub:chg")
    fields = informant.received()[-1]
    assert list(buttons(fields)) == ["类别", "标题", "正文", "日期", "附件"]
    await tap(server, bot, informant, fields, "sub:chg:date")
    assert "哪天发生" in texts_of(informant)[-1]
    await tap(server, bot, informant, informant.received()[-1], "sub:date:0")
    assert "请核对" in texts_of(informant)[-1]  # straight back to the preview
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")
    assert "已报送，编号 #1" in texts_of(informant)[-1]
    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
        files = await items.files_of(tx, 1)
        assert await sessions.load(tx, 1, "telegram:submit") is None
    assert item is not None
    today = bot.bot_data.rules.local_now(ledger.clock()).date()
    assert (item.event_date, item.state) == (today, ItemState.PENDING)
    assert item.event_date != today - timedelta(days=1)
    assert [f.file_name for f in files] == ["汇报.pdf"]


async def test_the_draft_stands_while_other_things_come_between(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await join(server, bot, head, WINDOW, "informant")
    await submit_quickly(server, bot, informant)
    await say(server, bot, head, "/submit")
    await tap(server, bot, head, head.received()[-1], "sub:cat:measures")
    assert "还没有报送过信息" in await say(server, bot, head, "/my")  # answered, draft kept
    request = next(m for m in reversed(head.received()) if "so:1:0:0:r" in str(m))
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:r"))
    assert "退回信息 #1 的原因" in texts_of(head)[-1]
    shown = await say(server, bot, head, "请补充数字")  # the reason, not the title
    assert "请确认退回信息 #1" in shown
    assert "请输入正文" in await say(server, bot, head, "负责人自己的标题")  # the draft goes on
    assert "已取消，草稿已删除" in await say(server, bot, head, "/cancel")
    assert "/help" in await say(server, bot, head, "还有吗")  # nothing waits now
    confirm = next(m for m in reversed(head.received()) if "so:1:0:0:c" in str(m))
    await tap(server, bot, head, confirm, button_data(confirm, "so:1:0:0:c"))
    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
    assert item is not None and item.state is ItemState.RETURNED


async def test_an_announcement_waits_for_the_draft(server: FakeBotApi, bot: BotApp) -> None:
    """/announce in the middle of /submit is refused (its steps would take the texts), until
    the draft is cancelled."""
    admin = server.user(ADMIN, "管理员")
    await join(server, bot, admin, WINDOW, "informant")
    await say(server, bot, admin, "/submit")
    assert "正在填写的信息报送" in await say(server, bot, admin, "/announce")
    await say(server, bot, admin, "/cancel")
    assert "发布通知" in await say(server, bot, admin, "/announce")
