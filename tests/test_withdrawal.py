"""An author's 撤回 until the centre registers an item: from /my, shown back first, the next
signers or the editors told; through the real bot and the fake Bot API, checked in the
ledger and the figures."""

from __future__ import annotations

from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState
from storage import items
from storage.db import Database
from tests.flow import buttons, texts_of
from tests.test_flows import WINDOW, join, say, submit_quickly, tap


async def state(ledger: Database, item_id: int) -> tuple[ItemState, object]:
    """The item's state and the day it reached the centre."""
    async with ledger.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None
    return item.state, item.centre_on


async def crew(server: FakeBotApi, bot: BotApp) -> None:
    """The window's informant, head and leader, and an editor."""
    for uid, name, unit, role in (
        (101, "王芳", WINDOW, "informant"),
        (102, "李明", WINDOW, "window_head"),
        (103, "张伟", WINDOW, "leader"),
        (104, "赵敏", "综合科", "editor"),
    ):
        await join(server, bot, server.user(uid, name), unit, role)


async def withdraw_from_my(server: FakeBotApi, bot: BotApp, item_id: int) -> str:
    """王芳 opens /my, presses 撤回 #N and confirms; what she is told last."""
    informant = server.user(101, "王芳")
    await say(server, bot, informant, "/my")
    listing = informant.received()[-1]
    await tap(server, bot, informant, listing, buttons(listing)[f"🔙 撤回 #{item_id}"])
    confirm = informant.received()[-1]
    assert f"确定撤回信息 #{item_id}" in str(confirm["text"])
    await tap(server, bot, informant, confirm, buttons(confirm)["✅ 确认"])
    return texts_of(informant)[-1]


async def test_a_pending_item_is_taken_back_and_its_signer_told(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    await crew(server, bot)
    informant, head = server.user(101, "王芳"), server.user(102, "李明")
    await submit_quickly(server, bot, informant)
    request = head.received()[-1]
    assert "🔙 信息 #1 已撤回" in await withdraw_from_my(server, bot, 1)
    assert (await state(ledger, 1))[0] is ItemState.WITHDRAWN
    assert "信息 #1" in texts_of(head)[-1] and "无需再审签" in texts_of(head)[-1]
    # The old request's approve is refused; nothing changes.
    answer = await tap(server, bot, head, request, buttons(request)["✅ 同意"])
    assert "此按钮已失效" in str(answer.get("text"))
    assert (await state(ledger, 1))[0] is ItemState.WITHDRAWN
    # /my no longer offers it.
    await say(server, bot, informant, "/my")
    assert "🔙 撤回 #1" not in buttons(informant.received()[-1])


async def test_an_item_at_the_centre_stops_counting_and_the_editors_are_told(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    await crew(server, bot)
    informant, head, leader = (server.user(u, "") for u in (101, 102, 103))
    editor = server.user(104, "赵敏")
    await submit_quickly(server, bot, informant)
    for signer in (head, leader):
        request = signer.received()[-1]
        await tap(server, bot, signer, request, buttons(request)["✅ 同意"])
    assert (await state(ledger, 1))[0] is ItemState.SUBMITTED
    assert "已撤回" in await withdraw_from_my(server, bot, 1)
    assert await state(ledger, 1) == (ItemState.WITHDRAWN, None)
    assert "不再计入报送中心" in texts_of(editor)[-1]
    assert "目前没有待处理的信息" in await say(server, bot, editor, "/queue")


async def test_a_registered_item_cannot_be_taken_back_and_others_cannot_withdraw(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    await crew(server, bot)
    informant, head, leader = (server.user(u, "") for u in (101, 102, 103))
    editor = server.user(104, "赵敏")
    await submit_quickly(server, bot, informant)
    await say(server, bot, informant, "/my")
    listing = informant.received()[-1]
    for signer in (head, leader):
        request = signer.received()[-1]
        await tap(server, bot, signer, request, buttons(request)["✅ 同意"])
    notice = editor.received()[-1]
    await tap(server, bot, editor, notice, buttons(notice)["📋 登记"])
    refused = await tap(server, bot, informant, listing, buttons(listing)["🔙 撤回 #1"])
    assert "已由中心登记或处理，不能再撤回" in str(refused.get("text"))
    forged = await head.click(listing["message_id"], "it:wd:1:ok", chat_id=101, forged=True)
    answer = await server.wait_for_answer(forged["callback_query"]["id"])
    assert "只有报送人本人可以撤回" in str(answer.get("text"))
    assert (await state(ledger, 1))[0] is ItemState.REGISTERED
