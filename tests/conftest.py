"""Shared fixtures: a fresh ledger with a settable clock; the running bot on the fake Bot API
(`server`, `ledger`, `settings`, `bot`; a test module may define its own of the same name)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.settings.schema import Settings
from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from storage.db import Database
from storage.models import TELEGRAM, Account, Room
from tests.flow import flow_settings, load_units, running


def tg_account(user_id: int) -> Account:
    """A Telegram user's account, as the ledger knows it."""
    return Account(TELEGRAM, str(user_id))


def tg_chat(chat_id: int) -> Room:
    """A Telegram chat addressed as a room (not through a person's account)."""
    return Room(TELEGRAM, str(chat_id))


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    """Mid-October 2026, 10:00 in Shanghai."""
    return FakeClock(datetime(2026, 10, 15, 2, 0, tzinfo=UTC))


@pytest.fixture
async def db(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Database]:
    """A migrated, empty ledger."""
    database = await Database.open(tmp_path / "ledger.db", clock=clock)
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API on 127.0.0.1."""
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def ledger(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Database]:
    """The bot's database, with the clock at 2026-10-15 10:00 Shanghai."""
    db = await Database.open(tmp_path / "bot.db", clock=clock)
    await db.migrate()
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def settings(server: FakeBotApi, ledger: Database, tmp_path: Path) -> Settings:
    """Config pointed at the fake server; units loaded."""
    config = flow_settings(server, tmp_path / "bot.db")
    await load_units(ledger, config)
    return config


@pytest.fixture
async def bot(settings: Settings, ledger: Database) -> AsyncIterator[BotApp]:
    """The running bot."""
    async with running(settings, ledger) as app:
        yield app
