"""The bot's HTTP layer against the fake Bot API: replies are tried again, the outbox's are not."""

from __future__ import annotations

import logging

import pytest
from telegram.error import NetworkError
from telegram.ext import ExtBot

from channels.telegram.request import RetryingRequest, at_most_once
from channels.telegram.transport import env_proxy
from sandbox.telegram.server import FakeBotApi
from tests.flow import TOKEN


def sends(server: FakeBotApi) -> int:
    """How many sendMessage calls reached the fake server."""
    return sum(1 for call in server.calls if call.method == "sendMessage")


async def test_a_reply_meeting_a_5xx_is_sent_again() -> None:
    async with FakeBotApi() as server:
        user = server.user(1)
        bot = ExtBot(TOKEN, base_url=server.base_url, request=RetryingRequest())
        async with bot:
            server.fail_next("sendMessage", 500, times=2)
            await bot.send_message(user.id, "下一步：请输入标题")
        assert sends(server) == 3
        assert [m["text"] for m in user.received()] == ["下一步：请输入标题"]


async def test_an_outbox_send_is_tried_once_and_the_error_comes_back() -> None:
    async with FakeBotApi() as server:
        user = server.user(1)
        bot = ExtBot(TOKEN, base_url=server.base_url, request=RetryingRequest())
        async with bot:
            server.fail_next("sendMessage", 502)
            with at_most_once(), pytest.raises(NetworkError):
                await bot.send_message(user.id, "通报")
            await bot.send_message(user.id, "回复")  # outside the block: retried as usual
        assert sends(server) == 2
        assert [m["text"] for m in user.received()] == ["回复"]


async def test_a_refused_connection_is_tried_again_even_for_the_outbox(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="channels.telegram.request")
    async with FakeBotApi() as server:
        url = server.base_url
    # The server is gone: every attempt is refused before anything is sent.
    bot = ExtBot(TOKEN, base_url=url, request=RetryingRequest())
    await bot.request.initialize()
    try:
        with at_most_once(), pytest.raises(NetworkError) as caught:
            await bot.send_message(1, "通报")
    finally:
        await bot.request.shutdown()
    assert "ClientConnectorError" in str(caught.value)
    retries = [r for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) == 3  # surely not sent, so safe even at most once: 4 attempts in all


def test_the_environments_proxy_is_used_except_for_local_and_exempt_hosts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "bot-api.example")
    env_proxy.cache_clear()
    try:
        assert env_proxy("https://api.telegram.org") == "http://proxy.example:3128"
        assert env_proxy("https://bot-api.example") is None  # NO_PROXY
        assert env_proxy("http://127.0.0.1:8081") is None  # the sandbox's emulator
        assert env_proxy("http://intranet.example") is None  # no HTTP_PROXY named
    finally:
        env_proxy.cache_clear()
