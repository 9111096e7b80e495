"""The Telegram adapter against the fake Bot API: cards, settling, presses, files, errors."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from channels.telegram.adapter import TelegramChannel
from channels.telegram.transport import AiohttpRequest
from chat.actions import Button
from chat.actions import signoff as so
from chat.cards import Card, Phrase
from chat.channel import Channel, Fail, File, Prepared, PressRef, Retry, Text, Uncertain
from chat.texts import Texts
from sandbox.telegram.server import FakeBotApi
from storage import files
from storage.db import Database
from storage.models import TELEGRAM
from tests.flow import TOKEN

os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter without PTB's deprecation warning

CARD = Card(
    title="A&B",
    fields={
        "number": "#5 ",
        "unit": "窗口",
        "category": "类",
        "event_date": "2026-10-01",
        "state": Phrase("state.pending"),
    },
    body="正文",
    rows=((Button("btn.approve", so.Signoff(5, 0, 0, "a")),),),
)


@pytest.fixture
async def channel(server: FakeBotApi, db: Database) -> AsyncIterator[TelegramChannel]:
    """The adapter on a real Bot talking to the fake server."""
    bot = Bot(
        TOKEN,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=AiohttpRequest(connection_pool_size=4),
    )
    adapter = TelegramChannel(bot, db, Texts("zh"))
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


async def test_a_card_is_sent_and_settled(server: FakeBotApi, channel: TelegramChannel) -> None:
    """A card goes out as HTML with its buttons; settled without rows, the buttons go."""
    assert isinstance(channel, Channel)
    user = server.user(11)
    sent = await channel.send(str(user.id), CARD)
    shown = server.message(user.id, sent.message_id)
    assert str(shown["text"]).startswith("#5 A&B\n单位：窗口")  # entities, not tags, in the text
    assert shown["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "so:5:0:0:a"
    settled = Card(CARD.title, CARD.fields, CARD.body)
    await channel.settle(sent, settled)
    assert "reply_markup" not in server.message(user.id, sent.message_id)


async def test_a_phrase_is_worded_with_its_buttons(
    server: FakeBotApi, channel: TelegramChannel
) -> None:
    """A catalogue phrase in Chinese, buttons from their wire form."""
    user = server.user(12)
    content = Text(Phrase("due.left", {"days": 2}), ((("btn.approve", "so:1:0:0:a"),),))
    sent = await channel.send(str(user.id), content)
    shown = server.message(user.id, sent.message_id)
    assert shown["text"] == "还剩 2 个工作日"
    assert shown["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ 同意"
    plain = await channel.send(str(user.id), Text(Prepared("<b>粗</b>")))
    assert server.message(user.id, plain.message_id)["text"] == "粗"


async def test_a_press_is_answered(server: FakeBotApi, channel: TelegramChannel) -> None:
    """answer() answers the callback query with its toast."""
    user = server.user(13)
    sent = await channel.send(str(user.id), CARD)
    update = await user.click(sent.message_id, "so:5:0:0:a")
    query_id = str(update["callback_query"]["id"])
    await channel.answer(PressRef(TELEGRAM, query_id), "已记录")
    assert server.callback_answers[query_id]["text"] == "已记录"


async def test_files_upload_once_and_download(
    server: FakeBotApi, channel: TelegramChannel, db: Database
) -> None:
    """A stored file is uploaded and its id returned; a received file downloads as bytes."""
    user = server.user(14)
    async with db.transaction() as tx:
        await files.put(tx, "sha256:1", "a.txt", "text/plain", b"hello")
    sent = await channel.send(str(user.id), File("sha256:1", caption="a & b", plain_caption=True))
    assert sent.remote_file is not None
    assert server.file_bytes(sent.remote_file) == b"hello"
    assert server.message(user.id, sent.message_id)["caption"] == "a & b"
    document = server.store_document("x.bin", None, b"\x00\x01")
    assert await channel.download(str(document["file_id"])) == b"\x00\x01"


def test_errors_sorted_into_the_outbox_rules(channel: TelegramChannel) -> None:
    """429 waits as asked; 403 and 400 fail; a refused connection or a 5xx retries; a read
    timeout or a dropped answer is uncertain; other errors are not the channel's."""
    assert channel.classify(RetryAfter(timedelta(seconds=7))) == Retry(timedelta(seconds=7))
    assert channel.classify(Forbidden("blocked")) == Fail("blocked")
    assert isinstance(channel.classify(BadRequest("Chat not found")), Fail)
    assert channel.classify(NetworkError("Bad Gateway")) == Retry()
    assert isinstance(channel.classify(TimedOut("read")), Uncertain)
    dropped = NetworkError("dropped")
    dropped.__cause__ = ConnectionResetError()
    assert isinstance(channel.classify(dropped), Uncertain)
    assert channel.classify(ValueError("bug")) is None
