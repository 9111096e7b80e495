"""Running the bot: open and upgrade the ledger, then serve it on Telegram with the scheduler's
timed work (`channels.telegram.polling.serve`) until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import datetime

from bot import heap
from bot.scheduler import timed_work
from bot.settings.schema import Settings
from bot.wiring import centre_rules, schedule_rules, telegram_options, wecom_side
from channels.telegram.polling import serve as serve_telegram
from chat.texts import Texts
from storage import outbox
from storage.db import Database
from storage.units import UnitSpec, sync_units
from workflow import periods as closing

log = logging.getLogger(__name__)


async def prepare(settings: Settings) -> Database:
    """Opens the ledger, applies pending migrations, syncs units from the configuration and
    marks what was being sent when the last run died uncertain (never sent again)."""
    db = await Database.open(
        settings.storage.path, busy_timeout_ms=settings.storage.busy_timeout_ms
    )
    await db.migrate()
    async with db.transaction() as tx:
        await sync_units(
            tx,
            [
                UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
            from_month=datetime.now(settings.zone).strftime("%Y-%m"),
        )
    closed = await closing.close_posted(db, centre_rules(settings))
    if closed:
        log.info("closed the periods posted before this version: %s", ", ".join(closed))
    await recover_outbox(db)
    return db


async def recover_outbox(db: Database) -> int:
    """Marks the messages a crash left being sent uncertain, before anything sends again: they
    may have arrived, so they are never resent (the admins' digest lists them)."""
    async with db.transaction() as tx:
        interrupted = await outbox.orphaned_claims(tx)
    if interrupted:
        log.warning("%d outbox messages were being sent at a crash: marked uncertain", interrupted)
    return interrupted


async def serve(settings: Settings, token: str | None, stop: asyncio.Event | None = None) -> None:
    """Serves Telegram (with a token) and WeCom (when its settings are set), both in one
    process when both are, until `stop` is set or the process gets SIGINT/SIGTERM."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    heap.tune()
    db = await prepare(settings)
    db.after_scan = heap.trim
    rules = centre_rules(settings, on_gap=lambda gap: log.warning("%s", gap.message))
    wecom = wecom_side(settings, db, rules)
    try:
        if token is None:
            if wecom is None:
                raise ValueError("neither the Telegram bot token nor WeCom is configured")
            from channels.wecom.serve import serve as serve_wecom

            await serve_wecom(
                wecom,
                rules,
                texts=Texts(settings.language.value),
                schedule=schedule_rules(settings),
                stop=stop,
                timed_work=timed_work,
            )
            return
        await serve_telegram(
            telegram_options(settings),
            db,
            rules,
            token=token,
            stop=stop,
            timed_work=timed_work,
            channels=wecom.channels if wecom else None,
            beside=wecom.running if wecom else None,
        )
    finally:
        await db.close()
