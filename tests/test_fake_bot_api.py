"""The fake Bot API against the real PTB Application over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox.telegram.entities import detect_entities
from sandbox.telegram.html_mode import parse_html
from sandbox.telegram.images import make_png
from sandbox.telegram.server import FakeBotApi
from tests.flow import polling, settle

TOKEN = "123:ABC"
App = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    """A started fake server, stopped after the test."""
    async with FakeBotApi() as fake:
        yield fake


def build_app(server: FakeBotApi) -> App:
    """A real Application pointed at the fake server."""
    return (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )


def raw_url(server: FakeBotApi, method: str) -> str:
    """The URL of a Bot API method, for raw HTTP checks."""
    return f"{server.base_url}{TOKEN}/{method}"


# ----------------------------------------------------------------------------- with PTB


async def test_echo_handler_replies_to_a_text(server: FakeBotApi) -> None:
    """A text reaches a MessageHandler; its reply is what the user sees."""

    async def echo(update: Update, context: Context) -> None:
        """Reply with the text."""
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"回声：{update.effective_message.text}")

    app = build_app(server)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with polling(app):
        user = server.user(1001, "王信息员", username="wang")
        await user.send_text("你好")
        reply = await user.wait_for_reply()
    assert reply["text"] == "回声：你好"
    assert reply["chat"] == {
        "id": 1001,
        "first_name": "王信息员",
        "username": "wang",
        "type": "private",
    }
    assert reply["from"]["is_bot"] is True
    assert reply["from"]["id"] == 123
    assert [m["text"] for m in server.sent_to(1001)] == ["回声：你好"]
    assert server.calls_of("getMe")


async def test_start_command_receives_its_args(server: FakeBotApi) -> None:
    """/start code123 matches CommandHandler("start") with args ["code123"]."""
    seen: list[list[str]] = []

    async def start(update: Update, context: Context) -> None:
        """Record the deep-link args and greet."""
        seen.append(list(context.args or []))
        assert update.effective_message is not None
        await update.effective_message.reply_text("欢迎")

    app = build_app(server)
    app.add_handler(CommandHandler("start", start))
    async with polling(app):
        user = server.user(1001)
        update = await user.send_text("/start code123")
        await user.wait_for_reply()
    assert seen == [["code123"]]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


def test_entities_are_counted_in_utf16_units() -> None:
    """Astral characters count two units, CJK one, like Telegram."""
    assert detect_entities("😀 /help") == [{"type": "bot_command", "offset": 3, "length": 5}]
    assert detect_entities("你好 /start@baosong_test_bot x") == [
        {"type": "bot_command", "offset": 3, "length": 23}
    ]
    assert detect_entities("a/b /c/d") == []


async def test_click_reaches_the_callback_handler_and_edits_show(server: FakeBotApi) -> None:
    """A click carries the message it sits on; answer and edit land on the server."""
    seen: list[str | None] = []

    async def menu(update: Update, context: Context) -> None:
        """Send a card with one inline button."""
        assert update.effective_message is not None
        keyboard = [[InlineKeyboardButton("同意", callback_data="so:7:1:a")]]
        await update.effective_message.reply_text(
            "<b>待签发</b>", parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(keyboard)
        )

    async def button(update: Update, context: Context) -> None:
        """Record the message under the button, answer, edit it."""
        query = update.callback_query
        assert query is not None and query.message is not None
        seen.append(getattr(query.message, "text", None))
        await query.answer("已签发")
        await query.edit_message_text("已签发 ✅")

    app = build_app(server)
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(button))
    async with polling(app):
        user = server.user(1002)
        await user.send_text("/menu")
        card = await user.wait_for_reply()
        assert card["text"] == "待签发"
        assert card["entities"] == [{"type": "bold", "offset": 0, "length": 3}]
        click = await user.click(card, "so:7:1:a")
        answer = await server.wait_for_answer(click["callback_query"]["id"])
        await settle(server, app)
    assert seen == ["待签发"]
    assert click["callback_query"]["chat_instance"]
    assert answer["text"] == "已签发" and answer["show_alert"] is False
    assert [
        call.params["callback_query_id"] for call in server.calls_of("answerCallbackQuery")
    ] == [click["callback_query"]["id"]]
    edited = server.last_message(1002)
    assert edited["message_id"] == card["message_id"]
    assert edited["text"] == "已签发 ✅"
    assert "reply_markup" not in edited and "edit_date" in edited


async def test_a_button_that_is_not_there_needs_forged(server: FakeBotApi) -> None:
    """Clicking data no button carries is refused unless the test forges it."""
    bot = build_app(server).bot
    user = server.user(1002)
    async with bot:
        sent = await bot.send_message(1002, "无按钮")
    with pytest.raises(LookupError):
        await user.click(sent.message_id, "so:1:1:a")
    update = await user.click(sent.message_id, "so:1:1:a", forged=True)
    assert update["callback_query"]["message"]["text"] == "无按钮"


async def test_photo_upload_then_get_file_downloads_the_same_bytes(server: FakeBotApi) -> None:
    """sendPhoto with bytes is multipart; getFile + download round-trips them."""
    png = make_png(1000, 750)
    server.user(1001)
    bot = build_app(server).bot
    async with bot:
        message = await bot.send_photo(1001, photo=png, caption="<i>图</i>", parse_mode="HTML")
        assert [(size.width, size.height) for size in message.photo] == [
            (90, 68),
            (320, 240),
            (800, 600),
            (1000, 750),
        ]
        assert message.caption == "图"
        file = await bot.get_file(message.photo[-1].file_id)
        assert file.file_path is not None and file.file_path.startswith(server.base_file_url)
        assert bytes(await file.download_as_bytearray()) == png
        again = await bot.send_photo(1001, photo=message.photo[-1].file_id)
    assert again.photo[-1].file_id == message.photo[-1].file_id
    assert server.calls_of("sendPhoto")[0].files["photo"].data == png
    with pytest.raises(BadRequest, match="Image_process_failed"):
        async with bot:
            await bot.send_photo(1001, photo=b"not an image")


async def test_user_files_reach_handlers_and_download(server: FakeBotApi) -> None:
    """A user's photo and document come with file ids a handler can download."""
    downloaded: list[bytes] = []

    async def save(update: Update, context: Context) -> None:
        """Download the photo or document and confirm."""
        message = update.effective_message
        assert message is not None
        target = message.document or message.photo[-1]
        file = await target.get_file()
        downloaded.append(bytes(await file.download_as_bytearray()))
        await message.reply_text("收到")

    app = build_app(server)
    app.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, save))
    png = make_png(64, 32)
    async with polling(app):
        user = server.user(1001)
        photo = await user.send_photo(png, caption="现场照片")
        await user.wait_for_reply()
        document = await user.send_document(
            "材料.docx", "application/vnd.openxmlformats-officedocument", b"PK\x03\x04"
        )
        await user.wait_for_reply()
    assert downloaded == [png, b"PK\x03\x04"]
    assert photo["message"]["photo"][-1]["width"] == 64
    assert document["message"]["document"]["file_name"] == "材料.docx"
    assert document["message"]["document"]["mime_type"].startswith("application/vnd.openxml")


async def test_send_document_by_the_bot(server: FakeBotApi) -> None:
    """sendDocument with bytes stores name, type and bytes; the file_id can be resent."""
    server.user(1001)
    bot = build_app(server).bot
    async with bot:
        sent = await bot.send_document(1001, document=b"a,b\n1,2\n", filename="通报.csv")
        assert sent.document is not None
        assert sent.document.file_name == "通报.csv"
        assert sent.document.mime_type == "text/csv"
        resent = await bot.send_document(1001, document=sent.document.file_id)
        with pytest.raises(BadRequest, match="Can't use file of type document as photo"):
            await bot.send_photo(1001, photo=sent.document.file_id)
    assert resent.document is not None and resent.document.file_id == sent.document.file_id
    assert server.file_bytes(sent.document.file_id) == b"a,b\n1,2\n"


async def test_injected_429_raises_retry_after(
    server: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fail_next(429, retry_after) makes PTB raise RetryAfter once; nothing is sent."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else RetryAfter warns (a PTB deprecation)
    server.user(1001)
    server.fail_next("sendMessage", 429, retry_after=7)
    bot = build_app(server).bot
    async with bot:
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(1001, "第一次")
        await bot.send_message(1001, "第二次")
    assert raised.value.retry_after == timedelta(seconds=7)
    assert server.calls_of("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert [m["text"] for m in server.sent_to(1001)] == ["第二次"]


async def test_blocked_unstarted_and_unknown_chats(server: FakeBotApi) -> None:
    """403 for a user who blocked the bot or never opened it; 400 for an unknown chat."""
    blocked = server.user(1001)
    blocked.block()
    server.user(1002, started=False)
    bot = build_app(server).bot
    async with bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(1001, "通知")
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await bot.send_message(1002, "通知")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(4242, "通知")
        await blocked.send_text("/start")
        await bot.send_message(1001, "又能收到了")
    assert server.last_message(1001)["text"] == "又能收到了"


async def test_broken_html_is_a_bad_request(server: FakeBotApi) -> None:
    """Unbalanced tags fail like Telegram; nothing is stored."""
    server.user(1001)
    bot = build_app(server).bot
    async with bot:
        with pytest.raises(BadRequest, match="Can't parse entities: can't find end tag"):
            await bot.send_message(1001, "<b>未闭合", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match='unsupported start tag "2"'):
            await bot.send_message(1001, "1 <2 and 3> 0", parse_mode=ParseMode.HTML)
        ok = await bot.send_message(
            1001, '<a href="https://example.org">链接</a> &lt;b&gt;', parse_mode=ParseMode.HTML
        )
    assert ok.text == "链接 <b>"
    assert server.sent_to(1001)[0]["entities"] == [
        {"type": "text_link", "offset": 0, "length": 2, "url": "https://example.org/"}
    ]


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        (
            "🏟 🏟&lt;<i    aba>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
        ),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        (
            "🏟 🏟&lt;<i>a</em   >",
            'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
        ),
        ("<b>a<i>b</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("&#xDFDF;", "Text contains invalid Unicode characters"),
    ],
)
def test_html_errors_match_telegram(html: str, error: str) -> None:
    """Error messages and byte offsets as TDLib's own tests expect them."""
    with pytest.raises(ValueError, match="^" + re.escape(error)):
        parse_html(html)


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("&lt;&gt;&amp;&quot;&laquo;&#12345678;", '<>&"&laquo;&#12345678;', []),
        ("🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [{"type": "italic", "offset": 5, "length": 6}]),
        ("<i>a</>", "a", [{"type": "italic", "offset": 0, "length": 1}]),
        ("<b></b>x", "x", []),
        (
            '<pre><code class="language-python">x</code></pre>',
            "x",
            [{"type": "pre", "offset": 0, "length": 1, "language": "python"}],
        ),
        (
            "<a href=telegram.org>t</a>",
            "t",
            [{"type": "text_link", "offset": 0, "length": 1, "url": "http://telegram.org/"}],
        ),
        (
            "<blockquote expandable>q</blockquote>",
            "q",
            [{"type": "expandable_blockquote", "offset": 0, "length": 1}],
        ),
        (
            '<span class="tg-spoiler">s</span><u>u</u><s>d</s><code>c</code>',
            "sudc",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "underline", "offset": 1, "length": 1},
                {"type": "strikethrough", "offset": 2, "length": 1},
                {"type": "code", "offset": 3, "length": 1},
            ],
        ),
    ],
)
def test_html_parses_like_telegram(html: str, text: str, entities: list[dict[str, Any]]) -> None:
    """Plain text and entities (UTF-16 offsets) as Telegram returns them."""
    assert parse_html(html) == (text, entities)


async def test_text_limits_and_button_data(server: FakeBotApi) -> None:
    """Empty text, text over 4096 characters and callback_data over 64 bytes are refused."""
    server.user(1001)
    bot = build_app(server).bot
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("长", callback_data="签" * 22)]])
    async with bot:
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(1001, "<b> </b>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1001, "字" * 4097)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(1001, "按钮", reply_markup=too_long)
        await bot.send_message(1001, "字" * 4096)
        await bot.send_message(
            1001,
            "请选择",
            reply_markup=ReplyKeyboardMarkup([["提交", "取消"]], resize_keyboard=True),
        )
    assert server.sent_count(1001) == 2
    assert server.reply_keyboard(1001) == {
        "keyboard": [[{"text": "提交"}, {"text": "取消"}]],
        "resize_keyboard": True,
    }


async def test_edits_that_change_nothing_are_refused(server: FakeBotApi) -> None:
    """editMessageReplyMarkup/editMessageText with identical content: "not modified"."""
    server.user(1001)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    bot = build_app(server).bot
    async with bot:
        sent = await bot.send_message(1001, "卡片", reply_markup=markup)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=markup)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text("卡片", 1001, sent.message_id, reply_markup=markup)
        await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", 1001, 999)
        assert await bot.delete_message(1001, sent.message_id)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(1001, sent.message_id)
    assert server.sent_to(1001) == []
    assert "reply_markup" not in server.sent_to(1001, include_deleted=True)[0]


async def test_commands_are_stored_per_scope(server: FakeBotApi) -> None:
    """setMyCommands with a chat scope is stored under that scope only."""
    server.user(1001)
    bot = build_app(server).bot
    scope = BotCommandScopeChat(1001)
    async with bot:
        await bot.set_my_commands([BotCommand("queue", "待办队列")], scope=scope)
        await bot.set_my_commands([BotCommand("start", "开始")])
        assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["queue"]
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Bad-Name", "x")])
        await bot.delete_my_commands()
        await bot.send_chat_action(1001, "typing")
        await bot.set_chat_menu_button(1001)
    assert server.commands({"type": "chat", "chat_id": 1001}) == [
        {"command": "queue", "description": "待办队列"}
    ]
    assert server.commands() == []
    assert server.calls_of("setMyCommands")[0].params["scope"] == {"type": "chat", "chat_id": 1001}


async def test_group_messages_and_commands(server: FakeBotApi) -> None:
    """A user writes /cmd@bot in a group; the reply goes to the group chat."""

    async def report(update: Update, context: Context) -> None:
        """Reply with the chat type and the args."""
        assert update.effective_message is not None and update.effective_chat is not None
        await update.effective_message.reply_text(f"{update.effective_chat.type}:{context.args}")

    app = build_app(server)
    app.add_handler(CommandHandler("report", report))
    group = server.group(-1001, "报送工作群")
    user = server.user(1001)
    async with polling(app):
        update = await group.send_text(user, "/report@baosong_test_bot 十月")
        reply = await group.wait_for_message()
    assert update["message"]["chat"] == {"id": -1001, "title": "报送工作群", "type": "group"}
    assert reply["text"] == "group:['十月']"
    assert reply["reply_to_message"]["message_id"] == update["message"]["message_id"]


# ----------------------------------------------------------------------------- raw HTTP


async def test_unknown_methods_and_request_encodings(server: FakeBotApi) -> None:
    """404 shape for unknown methods; JSON bodies, GET queries and any-case names work."""
    server.user(1001)
    async with httpx.AsyncClient() as client:
        unknown = await client.post(raw_url(server, "sendHologram"), json={})
        by_json = await client.post(
            raw_url(server, "sendMessage"), json={"chat_id": "1001", "text": "123"}
        )
        by_get = await client.get(
            raw_url(server, "sendmessage"), params={"chat_id": 1001, "text": "7"}
        )
        bad_token = await client.get(f"{server.base_url}nonsense/getMe")
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert by_json.json()["result"]["text"] == "123"
    assert by_get.json()["result"]["text"] == "7"
    assert bad_token.status_code == 404
    assert [call.method for call in server.calls] == ["sendHologram", "sendMessage", "sendMessage"]


async def test_inline_buttons_need_an_action(server: FakeBotApi) -> None:
    """A text-only inline button is refused with Telegram's wording."""
    server.user(1001)
    markup = {"inline_keyboard": [[{"text": "无动作"}]]}
    async with httpx.AsyncClient() as client:
        response = await client.post(
            raw_url(server, "sendMessage"),
            json={"chat_id": 1001, "text": "x", "reply_markup": markup},
        )
    assert response.status_code == 400
    assert response.json()["description"] == (
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )


async def test_long_poll_returns_as_soon_as_an_update_arrives(server: FakeBotApi) -> None:
    """getUpdates with timeout waits, then answers at once when a user writes."""
    user = server.user(1001)
    async with httpx.AsyncClient(timeout=10) as client:
        started = time.monotonic()
        poll = asyncio.create_task(
            client.post(raw_url(server, "getUpdates"), data={"timeout": "5"})
        )
        await asyncio.sleep(0.05)
        await user.send_text("hello")
        response = await poll
    assert time.monotonic() - started < 1.0
    updates = response.json()["result"]
    assert [u["message"]["text"] for u in updates] == ["hello"]
    assert server.pending_updates() == 1  # fetched, not confirmed yet


async def test_offsets_confirm_and_wait_idle(server: FakeBotApi) -> None:
    """An offset past an update confirms it; wait_idle returns once all are confirmed."""
    user = server.user(1001)
    first = await user.send_text("1")
    second = await user.send_text("2")
    async with httpx.AsyncClient() as client:
        url = raw_url(server, "getUpdates")
        got = (await client.post(url, data={"offset": "0", "limit": "1"})).json()["result"]
        assert [u["update_id"] for u in got] == [first["update_id"]]
        waiting = asyncio.create_task(server.wait_idle(timeout=2))
        await client.post(url, data={"offset": str(first["update_id"] + 1)})
        assert server.pending_updates() == 1 and not waiting.done()
        got = (await client.post(url, data={"offset": str(second["update_id"] + 1)})).json()
        await waiting
    assert got == {"ok": True, "result": []}
    assert second["update_id"] == first["update_id"] + 1


async def test_a_second_poller_terminates_the_first(server: FakeBotApi) -> None:
    """Two concurrent getUpdates: the older one gets Telegram's 409 Conflict."""
    async with httpx.AsyncClient(timeout=10) as client:
        url = raw_url(server, "getUpdates")
        older = asyncio.create_task(client.post(url, data={"timeout": "5"}))
        await asyncio.sleep(0.05)
        newer = await client.post(url, data={"timeout": "0"})
        answer = await older
    assert newer.json() == {"ok": True, "result": []}
    assert answer.status_code == 409
    assert answer.json()["description"].startswith("Conflict: terminated by other getUpdates")


async def test_stop_releases_a_pending_long_poll() -> None:
    """Stopping the server answers an open long poll at once instead of after its timeout."""
    fake = FakeBotApi()
    await fake.start()
    async with httpx.AsyncClient(timeout=10) as client:
        poll = asyncio.create_task(client.post(raw_url(fake, "getUpdates"), data={"timeout": "30"}))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await fake.stop()
        response = await poll
    assert time.monotonic() - started < 1.0
    assert response.json() == {"ok": True, "result": []}
