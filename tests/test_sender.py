"""The outbox sender against the fake Bot API: once per recipient, retries, failures recorded."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.telegram.adapter import drain, paced_rate_limiter
from channels.telegram.ratelimit import PacedRateLimiter, SendPace, refused
from channels.telegram.transport import AiohttpRequest
from chat.texts import Texts
from sandbox.telegram.server import FakeBotApi
from storage import files, outbox
from storage.db import Database
from storage.models import TELEGRAM
from tests.conftest import FakeClock, tg_chat
from tests.flow import REPO, TOKEN
from workflow import attachments
from workflow.rules import CentreRules

os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter without PTB's deprecation warning


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API."""
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(server: FakeBotApi) -> AsyncIterator[Bot]:
    """A real Bot talking to the fake server."""
    client = Bot(
        TOKEN,
        base_url=server.base_url,
        request=AiohttpRequest(connection_pool_size=4),  # the bot's own transport
    )
    async with client:
        yield client


@pytest.fixture
def rules() -> CentreRules:
    """Rules of the shipped config."""
    return centre_rules(load_settings(REPO / "config.yaml", {}))


async def queue(db: Database, purpose: str, *chats: int) -> None:
    """Queues a plain text for each chat."""
    async with db.transaction() as tx:
        for chat in chats:
            await outbox.enqueue(tx, purpose, tg_chat(chat), {"text": f"{purpose} → {chat}"})


async def states(db: Database) -> dict[int, str]:
    """Outbox state by recipient."""
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT address, state FROM outbox")
    return {int(r["address"]): str(r["state"]) for r in rows}


async def test_each_recipient_gets_one_message(
    server: FakeBotApi, bot: Bot, db: Database, rules: CentreRules
) -> None:
    users = [server.user(i) for i in range(1, 6)]
    await queue(db, "bulletin:2026-10", *(u.id for u in users))
    await queue(db, "bulletin:2026-10", *(u.id for u in users))  # queued twice: kept once
    report = await drain(bot, db, Texts("zh"), rules)
    again = await drain(bot, db, Texts("zh"), rules)
    assert (report.sent, again.sent) == (5, 0)
    assert all(len(u.received()) == 1 for u in users)
    assert set((await states(db)).values()) == {"sent"}


async def test_one_429_delays_that_message_only_and_500_is_retried(
    server: FakeBotApi, bot: Bot, db: Database, rules: CentreRules, clock: FakeClock
) -> None:
    user = server.user(1)
    other = server.user(2)
    await queue(db, "reminder", user.id, other.id)
    server.fail_next("sendMessage", 429, retry_after=30)
    first = await drain(bot, db, Texts("zh"), rules)
    assert (first.sent, first.retried) == (1, 1)  # that chat's limit: the other one goes on
    assert len(user.received()) == 0 and len(other.received()) == 1
    assert await drain(bot, db, Texts("zh"), rules) == type(first)()  # not yet due
    server.fail_next("sendMessage", 500)
    clock.now += timedelta(seconds=31)
    second = await drain(bot, db, Texts("zh"), rules)
    assert (second.sent, second.retried) == (0, 1)  # the 500 is retried with backoff
    clock.now += timedelta(seconds=3)
    third = await drain(bot, db, Texts("zh"), rules)
    assert third.sent == 1
    assert len(user.received()) == len(other.received()) == 1


async def test_429s_in_a_row_pause_the_whole_batch(
    server: FakeBotApi, bot: Bot, db: Database, rules: CentreRules, clock: FakeClock
) -> None:
    users = [server.user(n) for n in range(1, 5)]
    await queue(db, "reminder", *(u.id for u in users))
    server.fail_next("sendMessage", 429, retry_after=30)
    server.fail_next("sendMessage", 429, retry_after=30)
    first = await drain(bot, db, Texts("zh"), rules)
    assert (first.sent, first.retried) == (0, 2)  # a flood: the rest of the batch waits too
    assert await states(db) == {u.id: "pending" for u in users}
    assert await drain(bot, db, Texts("zh"), rules) == type(first)()  # nothing due yet
    clock.now += timedelta(seconds=31)
    assert (await drain(bot, db, Texts("zh"), rules)).sent == 4
    assert [len(u.received()) for u in users] == [1, 1, 1, 1]


async def test_blocked_and_missing_chats_fail_for_good(
    server: FakeBotApi, bot: Bot, db: Database, rules: CentreRules
) -> None:
    blocked = server.user(1)
    blocked.block()
    await queue(db, "notice", blocked.id, 424242)
    report = await drain(bot, db, Texts("zh"), rules)
    assert report.failed == 2
    assert await states(db) == {1: "failed", 424242: "failed"}
    async with db.reading() as tx:
        listed = await outbox.undelivered(tx)
    assert {int(m.address) for m in listed} == {1, 424242}
    assert any("blocked" in (m.last_error or "") for m in listed)


async def test_crash_mid_send_is_never_resent(
    server: FakeBotApi, bot: Bot, db: Database, rules: CentreRules
) -> None:
    user = server.user(1)
    await queue(db, "bulletin", user.id)
    async with db.transaction() as tx:
        (message,) = await outbox.due(tx, TELEGRAM)
        assert await outbox.claim(tx, message.id)  # then the process dies
    async with db.transaction() as tx:
        assert await outbox.orphaned_claims(tx) == 1
    assert (await drain(bot, db, Texts("zh"), rules)).sent == 0
    assert await states(db) == {1: "uncertain"}
    assert user.received() == []


async def test_outbox_429_is_not_retried_by_the_limiter_but_replies_are(
    server: FakeBotApi, db: Database, rules: CentreRules
) -> None:
    """Through the app's own limiter: an outbox 429 comes straight back to the outbox (which
    sends the others on), while a handler's reply is retried by the limiter after the wait."""
    user, other, chatty = server.user(1), server.user(2), server.user(3)
    limited = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=paced_rate_limiter())
    async with limited:
        await queue(db, "reminder", user.id, other.id)
        server.fail_next("sendMessage", 429, retry_after=1)
        report = await drain(limited, db, Texts("zh"), rules)
        outbox_calls = [c for c in server.calls if c.method == "sendMessage"]
        server.fail_next("sendMessage", 429, retry_after=1)
        await limited.send_message(chatty.id, "回复")  # retried inside the limiter
    assert (report.sent, report.retried) == (1, 1)
    assert len(outbox_calls) == 2  # one attempt each: the limiter did not retry the 429
    assert [len(u.received()) for u in (user, other, chatty)] == [0, 1, 1]


async def test_a_chats_messages_keep_their_order_when_one_must_wait(
    server: FakeBotApi, bot: Bot, db: Database, rules: CentreRules, clock: FakeClock
) -> None:
    user, other = server.user(1), server.user(2)
    async with db.transaction() as tx:
        for n in (1, 2):
            await outbox.enqueue(tx, f"part:{n}", tg_chat(user.id), {"text": f"第{n}部分"})
        await outbox.enqueue(tx, "other", tg_chat(other.id), {"text": "另一位"})
    server.fail_next("sendMessage", 500)  # the user's first part
    first = await drain(bot, db, Texts("zh"), rules)
    assert (first.sent, first.retried) == (1, 1)  # the other chat is not held up
    assert await drain(bot, db, Texts("zh"), rules) == type(first)()  # part 2 waits behind 1
    clock.now += timedelta(seconds=3)
    assert (await drain(bot, db, Texts("zh"), rules)).sent == 2
    assert [m["text"] for m in user.received()] == ["第1部分", "第2部分"]


async def test_several_chats_keep_each_chats_order(
    server: FakeBotApi, bot: Bot, db: Database, rules: CentreRules
) -> None:
    users = [server.user(n) for n in range(1, 7)]
    async with db.transaction() as tx:
        for n in (1, 2, 3):
            for user in users:
                await outbox.enqueue(tx, f"part:{n}", tg_chat(user.id), {"text": f"第{n}部分"})
    report = await drain(bot, db, Texts("zh"), rules)
    assert report.sent == 18
    for user in users:
        assert [m["text"] for m in user.received()] == ["第1部分", "第2部分", "第3部分"]


async def test_a_send_telegram_refused_gives_its_place_in_the_pace_back(
    server: FakeBotApi, db: Database, rules: CentreRules
) -> None:
    """A 500 or a 429 delivered nothing: the next message need not wait a place for it. One
    that arrived keeps its place (a pace of one message per 60 s makes the places visible)."""
    user, other = server.user(1), server.user(2)
    limiter = PacedRateLimiter(SendPace(1 / 60, burst=1, window=60), max_retries=0)
    paced = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=limiter)
    async with paced:
        await queue(db, "reminder", user.id)
        server.fail_next("sendMessage", 500)
        first = await drain(paced, db, Texts("zh"), rules)
        assert (first.sent, first.retried) == (0, 1)
        assert limiter.pace.has_capacity()  # the refused attempt gave its place back
        await queue(db, "notice", other.id)
        assert (await drain(paced, db, Texts("zh"), rules)).sent == 1
        assert not limiter.pace.has_capacity()  # a delivered message keeps its place
    assert [len(u.received()) for u in (user, other)] == [0, 1]


def test_which_failures_count_as_refused() -> None:
    dropped = NetworkError("aiohttp.ServerDisconnectedError")
    dropped.__cause__ = aiohttp.ServerDisconnectedError()
    unreachable = NetworkError("aiohttp.ClientConnectorError")
    unreachable.__cause__ = aiohttp.ClientConnectorError(
        ConnectionKey("api.telegram.org", 443, True, True, None, None, None),
        OSError(111, "Connection refused"),
    )
    assert refused(RetryAfter(1))
    assert refused(NetworkError("Bad Gateway"))  # Telegram answered 502
    assert refused(unreachable)
    assert not refused(dropped)  # may have arrived
    assert not refused(TimedOut())
    pool = TimedOut("Pool or connect timeout")
    pool.__cause__ = aiohttp.ConnectionTimeoutError()
    assert refused(pool)  # no connection was made
    assert refused(BadRequest("Chat not found"))  # an answer too: nothing was delivered


async def test_a_file_received_elsewhere_is_uploaded_once_then_sent_by_id(
    server: FakeBotApi, bot: Bot, db: Database, rules: CentreRules
) -> None:
    photo = server.user(1)
    data = b"\x89PNG\r\n\x1a\n received on another channel"
    key = await attachments.receive(
        db,
        data=data,
        name="现场.png",
        mime_type="image/png",
        channel="wecom",
        remote_id="media-3-days",
        actor_id=None,
    )
    async with db.transaction() as tx:
        for n in (1, 2):
            payload = {"file": key, "caption": f"第{n}张 <原图>", "plain_caption": True}
            await outbox.enqueue(tx, f"photo:{n}", tg_chat(photo.id), payload, kind="photo")
    assert (await drain(bot, db, Texts("zh"), rules)).sent == 2
    first, second = photo.received()
    assert server.file_bytes(first["photo"][-1]["file_id"]) == data  # uploaded as bytes
    assert first["caption"] == "第1张 <原图>"  # a plain caption, escaped for Telegram
    sends = server.calls_of("sendPhoto")
    by_id = [c for c in sends if c.params.get("photo") == first["photo"][-1]["file_id"]]
    assert (len(sends), len(by_id)) == (2, 1)  # the second went by the id the first was given
    assert server.file_bytes(second["photo"][-1]["file_id"]) == data
    async with db.reading() as tx:
        assert await files.remote_id(tx, key, "wecom") == "media-3-days"
        assert await files.remote_id(tx, key, TELEGRAM) == first["photo"][-1]["file_id"]


async def test_the_pace_sends_in_arrival_order_and_never_overfills_its_window() -> None:
    """Sixty messages asked for at once: they go in the order asked, at most `burst` back to
    back, and no window of the pace's length ever holds more than its count (here 20 in
    50 ms, so the test takes about 0.15 s)."""
    pace = SendPace(400, burst=5, window=0.05)
    order: list[int] = []
    stamps: list[float] = []

    async def one(n: int) -> None:
        async with pace:  # sent and answered at once: each place counts from its taking
            order.append(n)
            stamps.append(time.monotonic())

    await asyncio.gather(*(one(n) for n in range(60)))
    assert order == list(range(60))
    # each place is freed a window after the answer before it, stamped here a moment later
    assert all(later - earlier >= 0.05 for earlier, later in zip(stamps, stamps[20:], strict=False))
    assert all(
        later - earlier >= 1 / 400 for earlier, later in zip(stamps, stamps[5:], strict=False)
    )


async def test_a_burst_of_sends_draws_no_429_from_telegrams_limits() -> None:
    """Seventy answers to seventy people at once, through the app's limiter, against an
    emulator that counts Telegram's 30 messages in any second: every one arrives, none is
    refused."""
    async with FakeBotApi(token=TOKEN, telegram_limits=True) as limited_server:
        users = [limited_server.user(n) for n in range(1, 71)]
        paced = ExtBot(TOKEN, base_url=limited_server.base_url, rate_limiter=paced_rate_limiter())
        async with paced:
            await asyncio.gather(*(paced.send_message(u.id, "答复") for u in users))
        assert all(len(u.received()) == 1 for u in users)
        assert not [c for c in limited_server.calls if c.status == 429]
