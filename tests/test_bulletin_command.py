"""/bulletin: a month's bulletin again, as published (with its chart and workbook) or as a
preview that says so; through the real bot and the fake Bot API."""

from __future__ import annotations

from bot.jobs import post_bulletin
from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import settle, texts_of
from tests.test_flows import WINDOW, join, say
from tests.test_jobs import shanghai
from workflow import periods as closing


async def test_a_published_month_and_a_preview(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    services = bot.bot_data
    rules = services.rules
    # October is not published yet: a preview, said to be one.
    clock.now = shanghai(2026, 11, 1, 10)
    before = len(informant.received())
    await say(server, bot, informant, "/bulletin")
    shown = texts_of(informant)[before:]
    assert "预览：2026年10月的通报尚未发布" in shown[0]
    assert "2026年10月 信息报送情况通报" in shown[1] and "👉" in "\n".join(shown)
    # Posted: the same command shows it as published, with its chart and workbook.
    report = await closing.bulletin_report(ledger, rules.policy, rules.zone, 2026, 10)
    assert await post_bulletin(services, services.schedule, report)
    services.courier.wake()
    await settle(server, bot)
    before = len(informant.received())
    await say(server, bot, informant, "/bulletin 10月")
    again = informant.received()[before:]
    assert "预览" not in str(again[0].get("text"))
    assert "2026年10月 信息报送情况通报" in str(again[0].get("text"))
    assert any("photo" in m for m in again) and any("document" in m for m in again)
    before = len(informant.received())
    await say(server, bot, informant, "/bulletin 上个月")  # in words, as people say it
    said = informant.received()[before:]
    assert "2026年10月 信息报送情况通报" in str(said[0].get("text")), said[0]
    assert "用法" in await say(server, bot, informant, "/bulletin 2027-01")
    assert "用法" in await say(server, bot, informant, "/bulletin 13月")
