"""The sandbox serving both channels over HTTP, as its page uses it: a WeCom informant submits
with a photo, a Telegram leader signs, the informant sees the outcome on WeCom; a Telegram
informant's item reaches the WeCom editor; the app's menu set and clicked; the page's WeCom
endpoints."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.settings.loader import load_settings
from bot.wiring import wecom_config
from channels.wecom.api import WeComClient
from channels.wecom.callback import serving
from channels.wecom.crypto import MsgCrypt
from channels.wecom.errors import WeComError
from channels.wecom.menu import MenuButton, app_menu
from chat.commands import WECOM_COMMANDS
from sandbox.telegram.images import make_png
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import CallbackEvent
from sandbox.wecom_push import CallbackPusher, sandbox_secrets
from tests.test_sandbox import REPO, Page
from tests.test_sandbox import page as page  # the running sandbox, as its page uses it
from tests.test_sandbox import settings as settings

JSON = dict[str, Any]
WECOM_INFORMANT, WECOM_EDITOR = 2001, 2002
TELEGRAM_INFORMANT, TOWNSHIP_LEADER = 1004, 1005
TITLE = "沙盒演示：城关镇开展“帮办代办”进村"


async def chat(page: Page, person: int) -> JSON:
    """A person's chat as the page gets it."""
    return dict(await page.get(f"api/chats/{person}"))


async def wait_wecom(
    page: Page, person: int, found: Callable[[JSON], bool], after: int, what: str
) -> JSON:
    """The newest message from the app (index `after` on) that satisfies `found`."""
    for _ in range(200):
        messages = (await chat(page, person))["messages"]
        for message in reversed(messages[after:]):
            if message["from_bot"] and found(message):
                return dict(message)
        await asyncio.sleep(0.05)
    shown = [m["text"] or (m["card"] or {}).get("title") for m in messages[after:]]
    raise AssertionError(f"no {what!r} in WeCom chat {person}: {shown}")


async def wecom_text(page: Page, person: int, part: str, after: int) -> JSON:
    """The newest text (or card title) from the app containing `part`."""
    return await wait_wecom(page, person, lambda m: part in _words(m), after, part)


def _words(message: JSON) -> str:
    """A message's text, or its card's title."""
    return str(message["text"] or (message["card"] or {}).get("title") or "")


async def wecom_card(page: Page, person: int, key: str, after: int) -> JSON:
    """The newest card with a button whose key starts with `key`."""

    def has(message: JSON) -> bool:
        """Whether the message is a card offering that button."""
        card = message["card"] or {}
        return any(b["key"].startswith(key) for b in card.get("buttons", []))

    return await wait_wecom(page, person, has, after, key)


async def say(page: Page, person: int, text: str) -> int:
    """The member types a text; returns the chat's length before."""
    before = len((await chat(page, person))["messages"])
    assert await page.post(f"api/chats/{person}/send", {"text": text}) == (200, {"ok": True})
    return before


async def click(page: Page, person: int, message: JSON, key: str) -> int:
    """The member clicks a card's button whose key starts with `key`; the length before."""
    before = len((await chat(page, person))["messages"])
    card = message["card"]
    (found,) = [b["key"] for b in card["buttons"] if b["key"].startswith(key)]
    body = {"task_id": card["task_id"], "key": found}
    assert await page.post(f"api/chats/{person}/click", body) == (200, {"ok": True})
    return before


async def send_photo(page: Page, person: int, data: bytes, caption: str | None = None) -> Any:
    """The member sends a photo through the page; the status and answer."""
    form = aiohttp.FormData()
    form.add_field("photo", data, filename="现场.png", content_type="image/png")
    if caption is not None:
        form.add_field("caption", caption)
    async with page.session.post(page.url + f"api/chats/{person}/photo", data=form) as answer:
        return answer.status, await answer.json()


async def test_a_wecom_informant_submits_a_telegram_leader_signs(page: Page) -> None:
    people = {p["id"]: p for p in await page.get("api/people")}
    assert people[WECOM_INFORMANT] | {"role": ""} == {
        "id": WECOM_INFORMANT,
        "name": "黄晓燕",
        "role": "",
        "channel": "wecom",
        "userid": "huangxiaoyan",
    }
    assert "企业微信" in people[WECOM_EDITOR]["role"]
    assert people[TOWNSHIP_LEADER]["channel"] == "telegram"

    # 报送 on WeCom: categories as a numbered reply, buttons as cards, a photo as an image.
    before = await say(page, WECOM_INFORMANT, "报送")
    menu = await wecom_text(page, WECOM_INFORMANT, "请回复数字", before)
    number = re.search(r"(\d+)\. 便民服务站工作动态", menu["text"])
    assert number is not None, menu["text"]
    before = await say(page, WECOM_INFORMANT, number[1])
    await wecom_text(page, WECOM_INFORMANT, "请输入标题", before)
    before = await say(page, WECOM_INFORMANT, TITLE)
    await wecom_text(page, WECOM_INFORMANT, "请输入正文", before)
    before = await say(page, WECOM_INFORMANT, "今天，城关镇组织帮办代办员进村入户。")
    done = await wecom_card(page, WECOM_INFORMANT, "sub:body:done", before)
    before = await click(page, WECOM_INFORMANT, done, "sub:body:done")
    when = await wecom_card(page, WECOM_INFORMANT, "sub:date:", before)
    today = [b["key"] for b in when["card"]["buttons"] if b["text"] == "今天"]
    before = await click(page, WECOM_INFORMANT, when, today[0])
    await wecom_card(page, WECOM_INFORMANT, "sub:files:", before)
    photo = make_png(32, 24)
    assert await send_photo(page, WECOM_INFORMANT, photo, "说明") == (
        400,
        {"ok": False, "error": "企业微信的图片不带说明文字，请另发文字消息"},
    )
    before = len((await chat(page, WECOM_INFORMANT))["messages"])
    assert await send_photo(page, WECOM_INFORMANT, photo) == (200, {"ok": True})
    files = await wecom_text(page, WECOM_INFORMANT, "已添加附件 1 个", before)
    mine = [m for m in (await chat(page, WECOM_INFORMANT))["messages"] if not m["from_bot"]]
    assert mine[0]["text"] == "报送" and mine[-1]["kind"] == "image"
    async with page.session.get(page.url + mine[-1]["image"].lstrip("/")) as answer:
        assert answer.status == 200 and await answer.read() == photo
    before = await click(page, WECOM_INFORMANT, files, "sub:files:done")
    preview = await wecom_card(page, WECOM_INFORMANT, "sub:ok", before)
    before = await click(page, WECOM_INFORMANT, preview, "sub:ok")
    sent = await wecom_text(page, WECOM_INFORMANT, "已报送，编号 #", before)
    item = re.search(r"#(\d+)", sent["text"])
    assert item is not None

    # The preview's card is settled: its buttons gave way, and a click on it is refused.
    settled = next(
        m["card"]
        for m in (await chat(page, WECOM_INFORMANT))["messages"]
        if m["card"] and m["card"]["task_id"] == preview["card"]["task_id"]
    )
    assert settled["settled"] and settled["note"]
    body = {"task_id": settled["task_id"], "key": "sub:ok"}
    status, _ = await page.post(f"api/chats/{WECOM_INFORMANT}/click", body)
    assert status == 400

    # The township's leader signs on Telegram; the WeCom informant is told.
    request = await page.wait_for(
        TOWNSHIP_LEADER,
        lambda m: TITLE in (m["text"] or "") and "请审签" in (m["text"] or ""),
        what="the request",
    )
    approve = [
        b["callback_data"]
        for row in request["inline_keyboard"] or []
        for b in row
        if b["callback_data"].startswith(f"so:{item[1]}:") and b["callback_data"].endswith(":a")
    ]
    before = len((await chat(page, WECOM_INFORMANT))["messages"])
    body = {"message_id": request["message_id"], "data": approve[0]}
    assert await page.post(f"api/chats/{TOWNSHIP_LEADER}/click", body) == (200, {"ok": True})
    await wecom_text(page, WECOM_INFORMANT, f"您的信息 #{item[1]} 已审签完毕", before)

    # The centre's editor on WeCom gets the item with its card.
    arrived = await wait_wecom(
        page,
        WECOM_EDITOR,
        lambda m: f"ed:adopt:{item[1]}" in str(m["card"]),
        0,
        "the editor's card",
    )
    assert arrived["card"]["buttons"]


async def test_the_menu_is_set_and_answered_and_files_are_refused(page: Page) -> None:
    wecom = await chat(page, WECOM_EDITOR)
    assert wecom["channel"] == "wecom" and wecom["userid"] == "yangfan"
    menu = wecom["menu"]
    assert [top["name"] for top in menu] == ["报送", "查询", "更多"]
    assert menu[0] == {"name": "报送", "key": "报送", "sub": []}
    assert [s["key"] for s in menu[1]["sub"]] == ["我的信息", "本单位", "排名", "待审签", "通报"]
    assert [s["key"] for s in menu[2]["sub"]] == ["任务列表", "帮助", "取消"]

    before = len(wecom["messages"])
    assert await page.post(f"api/chats/{WECOM_EDITOR}/menu", {"key": "我的信息"}) == (
        200,
        {"ok": True},
    )
    mine = await wecom_text(page, WECOM_EDITOR, "您还没有报送过信息", before)
    assert "「报送」" in mine["text"]  # /my answered, in WeCom's wording
    clicks = [m for m in (await chat(page, WECOM_EDITOR))["messages"] if not m["from_bot"]]
    assert clicks == []  # a menu click is no message of the member's
    status, answer = await page.post(f"api/chats/{WECOM_EDITOR}/menu", {"key": "删除一切"})
    assert (status, answer["ok"]) == (400, False)
    status, answer = await page.post(f"api/chats/{TOWNSHIP_LEADER}/menu", {"key": "报送"})
    assert status == 400

    form = aiohttp.FormData()
    form.add_field("file", b"%PDF-1.4", filename="a.pdf", content_type="application/pdf")
    async with page.session.post(page.url + f"api/chats/{WECOM_EDITOR}/file", data=form) as got:
        assert got.status == 400
        assert "收不到成员发送的文件" in (await got.json())["error"]
    async with page.session.get(page.url + "api/wecom/media/nothing") as got:
        assert got.status == 404

    # A reset empties the WeCom chats too; the menu stays, as WeCom keeps an app's.
    assert await page.post("api/reset", {}) == (200, {"ok": True})
    again = await chat(page, WECOM_EDITOR)
    assert again["messages"] == [] and again["menu"] == menu


# ----------------------------------------------------------------------------- parts


def test_the_menu_holds_what_wecom_serves_within_its_limits() -> None:
    served = {"submit", "my", "unit", "rank", "pending", "tasks", "help", "cancel"}
    menu = app_menu(served)
    assert [b.name for b in menu] == ["报送", "查询", "更多"]
    assert [b.key for b in menu[1].sub] == ["我的信息", "本单位", "排名", "待审签"]
    assert menu[0].wire() == {"type": "click", "name": "报送", "key": "报送"}
    assert [b.name for b in app_menu({"help", "my"})] == ["我的信息", "帮助"]
    assert all(len(b.sub) <= 5 for b in app_menu(set(WECOM_COMMANDS.names)))


async def test_the_emulator_takes_a_menu_within_wecoms_limits() -> None:
    async with FakeWeComApi() as api:
        client = WeComClient(api.corp_id, api.secret, api.agent_id, base_url=api.base_url)
        try:
            await client.create_menu(app_menu({"submit", "my", "help"}))
            assert api.menu is not None and [b["name"] for b in api.menu] == [
                "报送",
                "我的信息",
                "帮助",
            ]
            four = [MenuButton(f"第{n}", f"k{n}") for n in range(4)]
            with pytest.raises(WeComError) as refused:
                await client.create_menu(four)
            assert refused.value.errcode == 40016
            assert len(api.menu) == 3  # the refused menu changed nothing
        finally:
            await client.close()
        api.on_callback(None)
        await api.click_menu("Someone", "帮助")
        assert api.events[-1].get("Event") == "click" and api.events[-1].get("EventKey") == "帮助"
        with pytest.raises(ValueError, match="no button"):
            await api.click_menu("someone", "排名")


async def test_a_callback_not_answered_in_time_is_sent_again() -> None:
    seen: list[bytes] = []

    async def slow_then_quick(request: web.Request) -> web.Response:
        """The first callback is answered late, the retry at once."""
        seen.append(await request.read())
        if len(seen) == 1:
            await asyncio.sleep(0.5)
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/cb", slow_then_quick)
    token, aes_key = sandbox_secrets()[1:]
    assert len(token) == 32 and len(aes_key) == 43
    crypt = MsgCrypt(token, aes_key, "wwcorp")
    pusher = CallbackPusher(crypt, "wwcorp", lambda: datetime.now(UTC), answer_seconds=0.2)
    async with serving(app, "127.0.0.1", 0) as port:
        pusher.url = f"http://127.0.0.1:{port}/cb"
        await pusher(CallbackEvent((("MsgType", "text"), ("Content", "报送"))))
        for _ in range(100):
            if pusher.pushed:
                break
            await asyncio.sleep(0.02)
        await pusher.close()
    assert (pusher.retried, pusher.pushed) == (1, 1)
    assert seen[0] == seen[1]  # the same callback again, as WeCom retries


def test_the_menu_can_be_turned_off() -> None:
    env = {
        "BAOSONG_WECOM_CORP_ID": "wwcorp",
        "BAOSONG_WECOM_AGENT_ID": "1000002",
        "BAOSONG_WECOM_SECRET": "s",
        "BAOSONG_WECOM_TOKEN": "t" * 32,
        "BAOSONG_WECOM_AES_KEY": "a" * 43,
    }
    on = load_settings(REPO / "config.yaml", env)
    config = wecom_config(on)
    assert config is not None and config.menu
    off = on.model_copy(update={"wecom": on.wecom.model_copy(update={"menu": False})})
    config = wecom_config(off)
    assert config is not None and not config.menu
