"""A stale or repeated tap says the step has passed and what to do, never "按钮数据无效" (kept
for data no button of ours carries); through the real bot and the fake Bot API."""

from __future__ import annotations

from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from storage import items
from storage.db import Database
from tests.flow import buttons, settle, texts_of
from tests.test_flows import WINDOW, join, say, tap


async def test_an_old_category_button_after_cancel_says_the_draft_is_gone(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    await say(server, bot, informant, "/submit")
    menu = informant.received()[-1]
    assert "已取消" in await say(server, bot, informant, "/cancel")
    answer = await tap(server, bot, informant, menu, buttons(menu)["文化建设"])
    assert "这份草稿已经提交、取消或超时" in str(answer["text"])
    assert "/submit" in str(answer["text"])
    async with ledger.reading() as tx:
        assert await items.get_item(tx, 1) is None


async def test_another_steps_button_is_stale_a_gone_drafts_says_so_and_junk_is_forged(
    server: FakeBotApi, bot: BotApp
) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    await say(server, bot, informant, "/submit")
    menu = informant.received()[-1]
    before = len(texts_of(informant))

    async def press(data: str) -> str:
        update = await informant.click(menu, data, forged=True)
        await settle(server, bot)
        return str((await server.wait_for_answer(update["callback_query"]["id"]))["text"])

    # the preview's 提交, pressed while a category is being chosen
    assert "这个按钮已失效" in await press("sub:ok")
    assert "按钮数据无效" in await press("sub:nonsense:1")
    assert len(texts_of(informant)) == before  # nothing said in the chat, the draft kept
    await say(server, bot, informant, "/cancel")
    assert "这份草稿已经提交、取消或超时" in await press("sub:ok")
