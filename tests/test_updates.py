"""Nobody waits for someone else: a person's queued updates hold no shared capacity, a flood
is shed with one polite line, and a busy chat's answers take their own pace."""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import Chat, Message, Update, User

from bot.settings.schema import Settings
from bot.wiring import centre_rules, telegram_options
from channels.telegram.app import build_application
from channels.telegram.updates import PerUserUpdateProcessor
from sandbox.telegram.server import FakeBotApi
from storage.db import Database
from tests.flow import TOKEN, polling

PRIVATE = Chat(1, "private")


def update_from(user_id: int, number: int) -> Update:
    """A text update from a person (its chat is theirs)."""
    chat = Chat(user_id, "private")
    user = User(user_id, f"用户{user_id}", is_bot=False)
    message = Message(number, datetime(2026, 10, 15), chat, from_user=user, text="你好")
    return Update(number, message=message)


async def test_a_persons_backlog_holds_no_shared_slot() -> None:
    """With two slots, ten waiting updates of one person leave room for another person."""
    processor = PerUserUpdateProcessor(2, backlog=50)
    release = asyncio.Event()
    handled: list[int] = []

    async def slow(number: int) -> None:
        await release.wait()
        handled.append(number)

    async def quick(number: int) -> None:
        handled.append(number)

    busy = [
        asyncio.create_task(processor.process_update(update_from(7, n), slow(n))) for n in range(10)
    ]
    await asyncio.sleep(0.01)
    other = asyncio.create_task(processor.process_update(update_from(8, 99), quick(99)))
    await asyncio.wait_for(other, timeout=2)  # before: all slots held by the waiting lane
    assert handled == [99]
    release.set()
    await asyncio.gather(*busy)
    assert handled == [99, *range(10)]  # the person's own updates kept their order


async def test_a_flood_is_shed_and_told_once() -> None:
    told: list[int] = []

    async def notice(update: Update) -> None:
        assert update.effective_chat is not None
        told.append(update.effective_chat.id)

    processor = PerUserUpdateProcessor(4, backlog=3, on_flood=notice)
    release = asyncio.Event()
    ran: list[int] = []

    async def work(number: int) -> None:
        await release.wait()
        ran.append(number)

    tasks = [
        asyncio.create_task(processor.process_update(update_from(7, n), work(n))) for n in range(10)
    ]
    await asyncio.sleep(0.01)
    assert processor.busy(7)
    release.set()
    await asyncio.gather(*tasks)
    assert ran == [0, 1, 2]  # the first three, in order; the rest never started
    assert processor.dropped == 7
    assert told == [7]
    # Once the lane has drained, the person is served again.
    await processor.process_update(update_from(7, 11), work(11))
    assert ran[-1] == 11


async def test_a_strangers_flood_does_not_hold_up_a_member(
    server: FakeBotApi, settings: Settings, ledger: Database
) -> None:
    """With the bot's real pace, a member is answered while a stranger's 60 texts still wait:
    the busy chat's answers take its own pace, not everyone's."""
    app = build_application(telegram_options(settings), ledger, centre_rules(settings), token=TOKEN)
    async with polling(app):
        stranger = server.user(5, "路人")
        member = server.user(900, "管理员")  # the configured admin: a member
        for _ in range(60):
            await stranger.send_text("你好")
        before = server.sent_count(900)
        await member.send_text("/help")
        reply = await server.wait_for_bot_message(900, before, timeout=10)
        assert "您可以使用以下命令" in str(reply["text"])
        assert server.sent_count(5) < 30  # most of the stranger's answers are still to come
