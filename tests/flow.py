"""A running bot for flow tests: the real Application polling the fake Bot API over HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from telegram.ext import Application

from bot.documents.bulletin import bulletin_text
from bot.settings.loader import load_settings
from bot.settings.schema import Settings
from bot.wiring import centre_rules, telegram_options
from channels.telegram.app import BotApp, build_application
from chat.texts import Texts
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from storage.db import Database
from storage.units import UnitSpec, sync_units
from workflow.figures import MonthReport

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token_for-flows"
ADMIN = 900

JSON = dict[str, Any]

AnyApp = TypeVar("AnyApp", bound=Application[Any, Any, Any, Any, Any, Any])


def flow_settings(server: FakeBotApi, db_path: Path) -> Settings:
    """The shipped config.yaml pointed at the fake server, with one admin."""
    settings = load_settings(
        REPO / "config.yaml",
        {
            "BAOSONG_DB": str(db_path),
            "BAOSONG_API_BASE_URL": server.base_url,
            "BAOSONG_BOT_TOKEN": TOKEN,
        },
    )
    telegram = settings.telegram.model_copy(update={"file_base_url": server.base_file_url})
    return settings.model_copy(update={"admins": (ADMIN,), "telegram": telegram})


async def load_units(db: Database, settings: Settings) -> None:
    """Makes the ledger's units match the configuration (what `baosong init` does)."""
    async with db.transaction() as tx:
        await sync_units(
            tx,
            [
                UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
        )


@asynccontextmanager
async def running(settings: Settings, db: Database) -> AsyncIterator[BotApp]:
    """The bot polling the fake server until the block ends."""
    app = build_application(
        telegram_options(settings), db, centre_rules(settings), token=TOKEN, rate_limit=False
    )
    async with polling(app):
        yield app


@asynccontextmanager
async def polling(app: AnyApp) -> AsyncIterator[AnyApp]:
    """Any PTB Application initialized, started and polling (1 s long polls) until the block
    ends; the bot and the bare echo bot of the benchmarks poll alike."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def settle(server: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Waits until the bot fetched every update, handled it and sent what it queued."""
    await server.wait_idle()
    await app.update_queue.join()
    courier = getattr(app.bot_data, "courier", None)  # the bot's outbox sender; a bare app has none
    if courier is not None:
        await courier.idle()


def buttons(message: JSON) -> dict[str, str]:
    """A message's inline buttons, label → callback_data."""
    markup = message.get("reply_markup") or {}
    return {
        button["text"]: button.get("callback_data", "")
        for row in markup.get("inline_keyboard", [])
        for button in row
    }


def button_data(message: JSON, prefix: str) -> str:
    """The callback_data of the one button whose data starts with prefix."""
    found = [data for data in buttons(message).values() if data.startswith(prefix)]
    assert len(found) == 1, f"expected one {prefix!r} button, got {buttons(message)}"
    return found[0]


def texts_of(user: FakeUser) -> list[str]:
    """Everything the bot shows in a user's private chat, oldest first."""
    return [str(m.get("text") or m.get("caption") or "") for m in user.received()]


def invite_code(text: str) -> str:
    """The code of an invite link the bot printed."""
    match = re.search(r"start=([A-Za-z0-9_-]+)", text)
    assert match is not None, text
    return match[1]


def bulletin_line(report: MonthReport, unit: str) -> str:
    """A unit's line of the monthly bulletin (通报) text, as the scheduler posts it."""
    text = "\n".join(bulletin_text(Texts("zh"), report))
    return next(line for line in text.splitlines() if unit in line)
