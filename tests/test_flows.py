"""End-to-end: people using the real bot over HTTP against the fake Bot API, checked in the DB."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings.schema import Settings
from bot.settings.sections import Language
from channels.telegram.app import BotApp
from delivery import outbox as sender
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState
from storage import adoptions, audit, items
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import (
    ADMIN,
    JSON,
    button_data,
    buttons,
    flow_settings,
    invite_code,
    load_units,
    running,
    settle,
    texts_of,
)

WINDOW = "市人社局窗口"


async def say(server: FakeBotApi, app: BotApp, user: FakeUser, text: str) -> str:
    """The user writes; returns the bot's newest message text in their chat."""
    await user.send_text(text)
    await settle(server, app)
    return texts_of(user)[-1]


async def tap(server: FakeBotApi, app: BotApp, user: FakeUser, message: JSON, data: str) -> JSON:
    """The user presses a button; returns the bot's answer to the press."""
    update = await user.click(message, data)
    await settle(server, app)
    return await server.wait_for_answer(update["callback_query"]["id"])


async def join(server: FakeBotApi, app: BotApp, user: FakeUser, unit: str, role: str) -> str:
    """The admin makes an invite and the user opens it; returns the welcome text."""
    admin = server.user(ADMIN, "管理员")
    reply = await say(server, app, admin, f"/invite {unit} {role}")
    return await say(server, app, user, f"/start {invite_code(reply)}")


async def test_stranger_gets_an_explanation(server: FakeBotApi, bot: BotApp) -> None:
    stranger = server.user(5, "路人")
    assert "还没有加入任何单位" in await say(server, bot, stranger, "/start")
    assert "还没有加入任何单位" in await say(server, bot, stranger, "你好")
    assert "邀请码无效" in await say(server, bot, stranger, "/start not-a-real-code")
    assert "邀请码无效" in await say(server, bot, stranger, "/start <b>!</b>")


async def test_invite_binds_once_and_sets_commands(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    admin = server.user(ADMIN, "管理员")
    reply = await say(server, bot, admin, f"/invite {WINDOW} informant")
    code = invite_code(reply)
    welcome = await say(server, bot, informant, f"/start {code}")
    assert WINDOW in welcome
    assert "信息员" in welcome
    assert "/submit" in welcome
    scoped = server.commands({"type": "chat", "chat_id": 101})
    assert [c["command"] for c in scoped][:2] == ["submit", "my"]
    intruder = server.user(102, "李四")
    assert "已被使用" in await say(server, bot, intruder, f"/start {code}")
    assert "只有管理员" in await say(server, bot, informant, f"/invite {WINDOW} leader")


async def test_whole_path_submit_sign_adopt_unit(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    leader = server.user(103, "张伟")
    editor = server.user(104, "赵敏")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await join(server, bot, leader, WINDOW, "leader")
    await join(server, bot, editor, "综合科", "editor")

    # The informant submits.
    assert "选择信息类别" in await say(server, bot, informant, "/submit")
    categories = informant.received()[-1]
    await tap(server, bot, informant, categories, "sub:cat:measures")
    assert "请输入标题" in texts_of(informant)[-1]
    assert "请输入正文" in await say(server, bot, informant, "市人社局窗口推行“一窗通办”")
    await say(server, bot, informant, "10月14日，市人社局窗口推行“一窗通办”改革。")
    more = await say(server, bot, informant, "当天办件 3000 余件。")
    assert "共" in more
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    assert "哪天发生" in texts_of(informant)[-1]
    await say(server, bot, informant, "2026-10-14")
    await informant.send_photo()
    await settle(server, bot)
    assert "已添加附件 1 个" in texts_of(informant)[-1]
    await tap(server, bot, informant, informant.received()[-1], "sub:files:done")
    preview = texts_of(informant)[-1]
    assert "请核对" in preview
    assert "报送时限至 2026-10-16（需在此前完成审签送达中心），还剩 1 个工作日" in preview
    assert "当天办件 3000 余件" in preview
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")
    done = "\n".join(texts_of(informant)[-2:])
    assert "已报送，编号 #1" in done
    assert "窗口负责人" in done

    # Two sign-offs; the signer sees the photo just before the item.
    assert "photo" in head.received()[-2]
    request = head.received()[-1]
    assert "请审签" in str(request["text"])
    assert "时限 10-16，还剩 1 个工作日" in str(request["text"])
    answer = await tap(server, bot, head, request, button_data(request, "so:1:0:0:a"))
    assert "转交下一步" in answer["text"]
    assert "已同意（李明）" in str(head.received()[-1]["text"])  # the request, edited in place
    assert buttons(head.received()[-1]) == {}
    request = leader.received()[-1]
    await tap(server, bot, leader, request, button_data(request, "so:1:0:1:a"))
    assert "报送到市政务服务中心" in texts_of(informant)[-1]

    # The centre editor records two adoptions.
    new_item = editor.received()[-1]
    assert "新信息报送到中心" in str(new_item["text"])
    await tap(server, bot, editor, new_item, "ed:adopt:1")
    outlets = editor.received()[-1]
    await tap(server, bot, editor, outlets, button_data(outlets, "ed:out:1:0"))
    assert "累计 1 分" in texts_of(editor)[-1]
    await tap(server, bot, editor, outlets, button_data(outlets, "ed:out:1:2"))
    assert "累计 3 分" in texts_of(editor)[-1]
    assert "累计 3 分" in texts_of(informant)[-1]

    await say(server, bot, editor, "/item 1")
    assert "photo" in editor.received()[-1]  # the attachment comes with the item

    # The informant sees the points.
    summary = await say(server, bot, informant, "/unit")
    assert "得分 3" in summary
    assert WINDOW in summary

    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
        adopted = await adoptions.adoptions_of(tx, 1)
        trail = [entry.action for entry in await audit.audit_trail(tx, "item", 1)]
    assert item is not None
    assert item.state is ItemState.REGISTERED
    assert [a.points for a in adopted] == [1, 2]
    assert trail.count("signoff.approve") == 2
    assert trail.count("adoption.record") == 2


async def test_second_tap_and_forged_buttons_change_nothing(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    other = server.user(110, "外单位")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await join(server, bot, other, "城关镇便民服务中心", "leader")
    await submit_quickly(server, bot, informant)
    request = head.received()[-1]
    data = button_data(request, "so:1:0:0:a")
    await tap(server, bot, head, request, data)
    replay = await head.click(request, data, forged=True)
    await settle(server, bot)
    answer = await server.wait_for_answer(replay["callback_query"]["id"])
    assert "已经审签过" in answer["text"]
    forged = await other.click(request, "so:1:0:1:a", forged=True)
    await settle(server, bot)
    assert (
        "没有这一步的审签权限"
        in (await server.wait_for_answer(forged["callback_query"]["id"]))["text"]
    )
    junk = await head.click(request, "so:1:0:0:x' OR 1=1", forged=True)
    await settle(server, bot)
    assert "按钮数据无效" in (await server.wait_for_answer(junk["callback_query"]["id"]))["text"]
    async with ledger.reading() as tx:
        assert len(await items.signoffs_of(tx, 1)) == 1


async def test_return_with_reason_then_revise(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await submit_quickly(server, bot, informant)
    request = head.received()[-1]
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:r"))
    assert "退回信息 #1 的原因" in texts_of(head)[-1]
    shown = await say(server, bot, head, "请补充办件数量")
    assert "请确认退回信息 #1" in shown
    assert "请补充办件数量" in shown
    await tap(
        server, bot, head, head.received()[-1], button_data(head.received()[-1], "so:1:0:0:c")
    )
    assert "请补充办件数量" in texts_of(informant)[-1]
    listing = await say(server, bot, informant, "/my")
    assert "已退回" in listing
    await tap(server, bot, informant, informant.received()[-1], "rv:1")
    assert "请核对" in texts_of(informant)[-1]
    await tap(server, bot, informant, informant.received()[-1], "sub:chg")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg:body")
    await say(server, bot, informant, "补充：当天办件 3000 余件。")
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    assert "请核对" in texts_of(informant)[-1]
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")
    assert "已修改并重新送审" in texts_of(informant)[-2] + texts_of(informant)[-1]
    request = head.received()[-1]
    assert "so:1:1:0:a" in button_data(request, "so:1:1:0:a")
    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
    assert item is not None
    assert item.body == "补充：当天办件 3000 余件。"
    assert (item.state, item.chain_round) == (ItemState.PENDING, 1)


async def test_draft_survives_restart(
    server: FakeBotApi, settings: Settings, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    async with running(settings, ledger) as app:
        await join(server, app, informant, WINDOW, "informant")
        await say(server, app, informant, "/submit")
        await tap(server, app, informant, informant.received()[-1], "sub:cat:culture")
        await say(server, app, informant, "重启前的标题")
    async with running(settings, ledger) as app:
        reply = await say(server, app, informant, "重启后写的正文。")
        assert "共 8 字" in reply
        await tap(server, app, informant, informant.received()[-1], "sub:body:done")
        await tap(server, app, informant, informant.received()[-1], "sub:date:0")
        await tap(server, app, informant, informant.received()[-1], "sub:files:done")
        preview = texts_of(informant)[-1]
    assert "重启前的标题" in preview
    assert "重启后写的正文" in preview


async def test_bad_input_in_submit_is_explained(server: FakeBotApi, bot: BotApp) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    await say(server, bot, informant, "/submit")
    assert "点击上面的按钮" in await say(server, bot, informant, "随便写点")
    await tap(server, bot, informant, informant.received()[-2], "sub:cat:measures")
    assert "标题太长" in await say(server, bot, informant, "长" * 120)
    assert "请输入正文" in await say(server, bot, informant, "<b>标题</b> *未闭合_")
    await say(server, bot, informant, "正文")
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    assert "还没有到" in await say(server, bot, informant, "2026-12-01")
    assert "看不懂" in await say(server, bot, informant, "上周")
    assert "不是有效的日期" in await say(server, bot, informant, "2026-02-30")
    await say(server, bot, informant, "14.10")
    await informant.send_document("病毒.exe", "application/octet-stream", b"MZ")
    await settle(server, bot)
    assert "不支持这种文件" in texts_of(informant)[-1]
    assert "已取消" in await say(server, bot, informant, "/cancel")
    assert "当前没有进行中的操作" in await say(server, bot, informant, "/cancel")


async def submit_quickly(server: FakeBotApi, app: BotApp, user: FakeUser) -> None:
    """The user submits a plain item for the event day 2026-10-14."""
    await say(server, app, user, "/submit")
    await tap(server, app, user, user.received()[-1], "sub:cat:measures")
    await say(server, app, user, "市人社局窗口推行“一窗通办”")
    await say(server, app, user, "正文。")
    await tap(server, app, user, user.received()[-1], "sub:body:done")
    await say(server, app, user, "2026-10-14")
    await tap(server, app, user, user.received()[-1], "sub:files:done")
    await tap(server, app, user, user.received()[-1], "sub:ok")


async def test_editor_edits_amends_and_withdraws(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    await join(server, bot, informant, "综合科", "informant")  # a section head: no chain
    await join(server, bot, editor, "办公室", "editor")
    await submit_quickly(server, bot, informant)
    new_item = editor.received()[-1]
    await tap(server, bot, editor, new_item, "ed:edit:1")
    assert "第一行是标题" in texts_of(editor)[-1]
    assert "格式" in await say(server, bot, editor, "只有一行")
    assert "已收到正文" in await say(server, bot, editor, "编辑后的标题\n编辑后的正文。")
    await say(server, bot, editor, "第二部分。")  # a long text comes in parts
    more = editor.received()[-1]
    await tap(server, bot, editor, more, button_data(more, "ed:edok:"))
    edited = texts_of(editor)[-1]
    assert "办公室" in edited
    await tap(server, bot, editor, new_item, "ed:adopt:1")
    outlets = editor.received()[-1]
    await tap(server, bot, editor, outlets, button_data(outlets, "ed:out:1:3"))
    recorded = editor.received()[-1]
    assert "3 级" in str(recorded["text"])
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:day:"))
    assert "还没有到" in await say(server, bot, editor, "2026-10-16")
    assert "不能早于" in await say(server, bot, editor, "2026-10-01")
    assert "日期 2026-10-15" in await say(server, bot, editor, "10月15日")
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:ref:"))
    assert "第12期" in await say(server, bot, editor, "第12期")
    # 第九条 credits a section for rewriting windows' and townships' items, not another
    # section's: 办公室 edited 综合科's item, so no share is shown or counted.
    assert "修改此信息" not in await say(server, bot, editor, "/item 1")
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:wd:"))
    assert "请确认撤销信息 #1" in await say(server, bot, editor, "录错了渠道")
    await tap(
        server, bot, editor, editor.received()[-1], button_data(editor.received()[-1], "ed:wdok:")
    )
    assert "累计 0 分" in texts_of(editor)[-1]
    assert "累计 0 分" in texts_of(informant)[-1]
    async with ledger.reading() as tx:
        (adoption,) = await adoptions.adoptions_of(tx, 1, include_withdrawn=True)
        item = await items.get_item(tx, 1)
        trail = [e.action for e in await audit.audit_trail(tx, "item", 1)]
    assert adoption.reference == "第12期"
    assert adoption.withdraw_reason == "录错了渠道"
    assert item is not None
    assert item.title == "编辑后的标题"
    assert trail.count("adoption.amend") == 2
    assert "item.edit" in trail


async def test_admin_revokes_a_role(server: FakeBotApi, bot: BotApp, ledger: Database) -> None:
    informant = server.user(101, "王芳")
    admin = server.user(ADMIN, "管理员")
    await join(server, bot, informant, WINDOW, "informant")
    assert "点击要撤销的身份" in await say(server, bot, admin, "/revoke")
    menu = admin.received()[-1]
    await tap(server, bot, admin, menu, button_data(menu, "ad:rv:"))
    confirm = admin.received()[-1]
    assert "请确认撤销 王芳" in str(confirm["text"])
    await tap(server, bot, admin, confirm, button_data(confirm, "ad:rv:1:ok"))
    assert "已撤销：王芳" in texts_of(admin)[-1]
    again = await admin.click(confirm, "ad:rv:1:ok", forged=True)  # the old button again
    await settle(server, bot)
    assert "已经撤销过" in (await server.wait_for_answer(again["callback_query"]["id"]))["text"]
    assert "不是任何单位的信息员" in await say(server, bot, informant, "/submit")
    intruder = await informant.click(menu["message_id"], "ad:rv:1", chat_id=ADMIN, forged=True)
    await settle(server, bot)
    assert "只有管理员" in (await server.wait_for_answer(intruder["callback_query"]["id"]))["text"]


async def test_other_units_items_stay_hidden(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    outsider = server.user(120, "外单位信息员")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, outsider, "城关镇便民服务中心", "informant")
    await submit_quickly(server, bot, informant)
    assert "找不到这条信息" in await say(server, bot, outsider, "/item 1")
    assert "没有找到" in await say(server, bot, outsider, "/find 一窗通办")
    assert "市人社局窗口推行" in await say(server, bot, informant, "/item 1")
    assert "用法" in await say(server, bot, informant, "/item abc")


async def test_groups_stay_quiet(server: FakeBotApi, bot: BotApp) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    group = server.group(-1001, "工作群")
    await group.send_text(informant, "/submit")
    await group.send_text(informant, "大家好")
    await settle(server, bot)
    assert server.sent_to(-1001) == []


async def test_english_texts(server: FakeBotApi, settings: Settings, ledger: Database) -> None:
    english = settings.model_copy(update={"language": Language.EN})
    async with running(english, ledger) as app:
        stranger = server.user(5, "Visitor")
        assert "ask an administrator" in (await say(server, app, stranger, "/start")).lower()


async def test_restart_in_the_middle_of_a_sign_off_chain(
    server: FakeBotApi, settings: Settings, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    leader = server.user(103, "张伟")
    async with running(settings, ledger) as app:
        await join(server, app, informant, WINDOW, "informant")
        await join(server, app, head, WINDOW, "window_head")
        await join(server, app, leader, WINDOW, "leader")
        await submit_quickly(server, app, informant)
        request = head.received()[-1]
        await tap(server, app, head, request, button_data(request, "so:1:0:0:a"))
    async with running(settings, ledger) as app:
        request = leader.received()[-1]
        answer = await tap(server, app, leader, request, button_data(request, "so:1:0:1:a"))
        assert "报送到市政务服务中心" in answer["text"]
    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
    assert item is not None
    assert item.state is ItemState.SUBMITTED


async def test_a_tap_is_answered_while_the_outbox_is_busy(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    """A sign-off during a long outbox pass (a bulletin going out at Telegram's pace): the
    signer gets the answer and the edited request at once; the notices follow the pass."""
    informant, head, leader = server.user(101, "王芳"), server.user(102, "李明"), server.user(103)
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await join(server, bot, leader, WINDOW, "leader")
    await submit_quickly(server, bot, informant)
    request = head.received()[-1]
    before = len(leader.received())
    async with sender.drain_lock(ledger):  # another outbox pass holds the sender
        update = await head.click(request, button_data(request, "so:1:0:0:a"))
        answer = await server.wait_for_answer(update["callback_query"]["id"])
        assert "转交下一步" in answer["text"]
        await server.wait_until(lambda: "已同意（李明）" in str(head.received()[-1]["text"]))
        await server.wait_idle()
        await asyncio.wait_for(bot.update_queue.join(), 5)  # the handler is done, not waiting
        assert len(leader.received()) == before  # the leader's request waits for the pass
    await settle(server, bot)
    assert "请审签" in str(leader.received()[-1]["text"])


async def test_admin_lists_units_and_missing_informants(server: FakeBotApi, bot: BotApp) -> None:
    informant = server.user(101, "王芳")
    admin = server.user(ADMIN, "管理员")
    await join(server, bot, informant, WINDOW, "informant")
    units_text = await say(server, bot, admin, "/units")
    assert "王芳（信息员）" in units_text
    missing = await say(server, bot, admin, "/noinformant")
    assert "城关镇便民服务中心" in missing
    assert WINDOW not in missing


async def test_an_error_is_apologised_for_and_reported_to_admins(
    server: FakeBotApi, bot: BotApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("workflow.views.my_items", broken)
    assert "出错了" in await say(server, bot, informant, "/my")
    admin_texts = texts_of(server.user(ADMIN))
    assert any("RuntimeError: disk on fire" in text for text in admin_texts)
    assert "disk on fire" not in texts_of(informant)[-1]


async def test_writing_task_opened_reminded_and_done(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, editor, "综合科", "editor")
    assert "用法" in await say(server, bot, editor, "/task 不存在的单位 标题")
    opened = await say(server, bot, editor, f"/task {WINDOW} 市领导视察市人社局窗口")
    assert "2026-10-19" in opened  # Thu 10-15 + 2 working days (Fri, Mon)
    assert "新的写作任务：市领导视察市人社局窗口" in texts_of(informant)[-1]
    assert "只有中心信息员" in await say(server, bot, informant, f"/task {WINDOW} 我也想开")
    await say(server, bot, informant, "/tasks")
    listing = informant.received()[-1]
    refused = await tap(server, bot, informant, listing, button_data(listing, "tk:done:"))
    assert "请先报送" in str(refused["text"])  # done means: the item that answers it
    await submit_quickly(server, bot, informant)
    await tap(server, bot, informant, listing, button_data(listing, "tk:done:"))
    choice = informant.received()[-1]
    assert "点选回应它的信息" in str(choice["text"])
    await tap(server, bot, informant, choice, button_data(choice, "tk:link:"))
    assert "已完成，回应信息 #1" in texts_of(informant)[-1]
    assert "已由 王芳 完成：信息 #1" in texts_of(editor)[-1]
    assert "没有未完成" in await say(server, bot, editor, "/tasks")
    async with ledger.reading() as tx:
        linked = await items.get_item(tx, 1)
    assert linked is not None and linked.task_id is not None


async def test_submit_after_an_unanswered_return_is_not_taken_as_the_reason(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await join(server, bot, head, WINDOW, "informant")
    await submit_quickly(server, bot, informant)
    request = head.received()[-1]
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:r"))
    before = len(texts_of(head))
    await say(server, bot, head, "/submit")
    said = texts_of(head)[before:]  # the wait's end first, then /submit's own question
    assert "已取消等待输入（退回原因）" in said[0] and "类别" in said[-1]
    await tap(server, bot, head, head.received()[-1], "sub:cat:measures")
    assert "请输入正文" in await say(server, bot, head, "负责人自己的标题")
    async with ledger.reading() as tx:
        assert await items.signoffs_of(tx, 1) == []


@pytest.fixture
async def impatient(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Database]:
    """A ledger that gives up on a lock after 0.3 s (so a busy database shows quickly)."""
    db = await Database.open(tmp_path / "bot.db", clock=clock, busy_timeout_ms=300)
    await db.migrate()
    try:
        yield db
    finally:
        await db.close()


async def test_busy_database_says_so_and_loses_nothing(
    server: FakeBotApi, impatient: Database, tmp_path: Path
) -> None:
    config = flow_settings(server, tmp_path / "bot.db")
    await load_units(impatient, config)
    informant = server.user(101, "王芳")
    admin = server.user(ADMIN, "管理员")
    async with running(config, impatient) as app:
        code = invite_code(await say(server, app, admin, f"/invite {WINDOW} informant"))
        other = sqlite3.connect(tmp_path / "bot.db", timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the database
            assert "系统正忙" in await say(server, app, informant, f"/start {code}")
        finally:
            other.rollback()
            other.close()
        assert WINDOW in await say(server, app, informant, f"/start {code}")  # code still valid


async def test_full_disk_says_so_and_keeps_the_ledger_whole(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    await say(server, bot, informant, "/submit")
    await tap(server, bot, informant, informant.received()[-1], "sub:cat:measures")
    await say(server, bot, informant, "标题")
    for _ in range(5):
        await say(server, bot, informant, "长" * 3900)
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    await say(server, bot, informant, "2026-10-14")
    await tap(server, bot, informant, informant.received()[-1], "sub:files:done")
    async with ledger.reading() as tx:
        pages = await tx.fetchone("PRAGMA page_count")
        assert pages is not None
        await tx.fetchone(f"PRAGMA max_page_count = {int(pages[0])}")  # no room to grow
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")
    assert "存储空间不足" in texts_of(informant)[-1]
    async with ledger.reading() as tx:
        assert await items.get_item(tx, 1) is None
        check = await tx.fetchone("PRAGMA integrity_check")
        assert check is not None
        assert check[0] == "ok"
        await tx.fetchone("PRAGMA max_page_count = 1073741823")
    await tap(server, bot, informant, informant.received()[-2], "sub:ok")
    assert "已报送，编号 #1" in "\n".join(texts_of(informant)[-3:])


async def test_a_refused_body_part_leaves_no_hole(server: FakeBotApi, bot: BotApp) -> None:
    """A part that would take the text over the limit is not kept, and the bot says where the
    text stands, so the person sends it again shorter instead of going on with the next."""
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    limit = bot.bot_data.rules.body_max
    await say(server, bot, informant, "/submit")
    await tap(server, bot, informant, informant.received()[-1], "sub:cat:measures")
    await say(server, bot, informant, "标题")
    parts: list[str] = []
    while len("\n".join(parts)) < limit - 4100:  # Telegram's messages hold 4,096 characters
        parts.append("甲" * 3990)
        assert f"共 {len(chr(10).join(parts))} 字" in await say(server, bot, informant, parts[-1])
    kept = len("\n".join(parts))
    refused = await say(server, bot, informant, "乙" * (limit - kept + 10))
    assert "没有收下" in refused
    assert f"已收下的正文共 {kept} 字" in refused
    assert "不要接着发下一段" in refused
    shorter = "乙" * (limit - kept - 1)
    assert f"共 {limit} 字" in await say(server, bot, informant, shorter)
