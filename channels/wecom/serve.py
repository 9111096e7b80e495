"""The WeCom side of a running bot: the callback server, the dispatcher and the adapter.

`WeComSide` is built from what the composition root hands it; `running(wake)` serves the
callback on its listen address and runs the dispatcher until the block ends, the adapter being
one of the outbox's channels (`channels`). Beside Telegram, the Telegram application's courier
sends for both and is what the dispatcher wakes; alone (`serve`), a courier and the timed work
of its own do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from channels.wecom.adapter import WECOM, WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.callback import CallbackConfig, callback_app, serving
from channels.wecom.commands import BulletinParts
from channels.wecom.dispatch import Dispatcher
from channels.wecom.menu import app_menu
from channels.wecom.pacing import CORP_WINDOW, wecom_pacer
from channels.wecom.render import wecom_texts
from chat.channel import Channel
from chat.texts import Texts
from delivery import outbox as delivery
from delivery.courier import Courier
from storage import outbox
from storage.db import Database
from workflow.briefs import Render
from workflow.rules import CentreRules
from workflow.schedule import ScheduleRules

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WeComConfig:
    """What the WeCom side needs: the app's API values, its callback's and where it listens."""

    corp_id: str
    agent_id: int
    secret: str
    api_base_url: str
    callback: CallbackConfig
    host: str
    port: int
    language: str = "zh"
    menu: bool = False  # the app's menu set at start (`wecom.menu`)
    corp_sends_per_minute: int = CORP_WINDOW.limit  # `wecom.corp_sends_per_minute`


class TimedWork(Protocol):
    """The composition root's scheduler: started once the bot runs, stopped before it stops."""

    def start(self) -> None:
        """Starts the timed jobs."""

    async def stop(self) -> None:
        """Stops them, letting a run in progress finish."""


@dataclass(slots=True)
class Services:
    """What the root's timed work needs of a WeCom-only bot (the sweep's `Services`)."""

    db: Database
    rules: CentreRules
    texts: Texts
    schedule: ScheduleRules
    courier: Courier


class WeComSide:
    """The adapter, the dispatcher and the callback server of one WeCom application."""

    def __init__(
        self,
        config: WeComConfig,
        db: Database,
        rules: CentreRules,
        *,
        bulletin_parts: BulletinParts | None = None,
        bulletin_document: bool = True,
        render_issue: Render | None = None,
    ) -> None:
        self.config = config
        self.db = db
        client = WeComClient(
            config.corp_id, config.secret, config.agent_id, base_url=config.api_base_url
        )
        pacer = wecom_pacer(config.corp_sends_per_minute)
        self.channel = WeComChannel(client, db, wecom_texts(config.language), pacer)
        self.dispatcher = Dispatcher(
            db,
            rules,
            self.channel,
            bulletin_parts=bulletin_parts,
            bulletin_document=bulletin_document,
            render_issue=render_issue,
        )
        self.port: int | None = None

    @property
    def channels(self) -> dict[str, Channel]:
        """The outbox's channel this side adds."""
        return {WECOM: self.channel}

    def app(self) -> web.Application:
        """The callback application, waking the dispatcher after each answer."""
        app = callback_app(self.db, self.config.callback)

        async def woken(_request: web.Request, _response: web.StreamResponse) -> None:
            """A callback was answered (stored): the dispatcher looks now."""
            self.dispatcher.wake()

        app.on_response_prepare.append(woken)
        return app

    async def set_menu(self) -> bool:
        """Sets the app's menu from the commands WeCom serves; False (logged) when WeCom
        refused it, which leaves the old menu and stops nothing."""
        try:
            await self.channel.client.create_menu(app_menu(self.dispatcher.commands.served))
        except Exception:
            log.warning("WeCom: the application's menu could not be set", exc_info=True)
            return False
        return True

    @asynccontextmanager
    async def running(self, wake: Callable[[], None]) -> AsyncIterator[int]:
        """Serves the callback and runs the dispatcher (waking `wake`'s courier for what it
        queues) until the block ends; yields the port listened on."""
        self.dispatcher.wake_courier = wake
        await self.channel.start()
        try:
            if self.config.menu:
                await self.set_menu()
            async with serving(self.app(), self.config.host, self.config.port) as port:
                self.port = port
                log.info(
                    "WeCom callback on %s:%d%s", self.config.host, port, self.config.callback.path
                )
                task = asyncio.create_task(self.dispatcher.run())
                try:
                    yield port
                finally:
                    self.dispatcher.stop()
                    await task
        finally:
            await self.channel.stop()


async def serve(
    side: WeComSide,
    rules: CentreRules,
    *,
    texts: Texts,
    schedule: ScheduleRules,
    stop: asyncio.Event,
    timed_work: Callable[[Services, Any], TimedWork],
) -> None:
    """WeCom alone: the side running, with a courier and the root's timed work of its own,
    until `stop` is set."""
    db = side.db
    running = True

    async def send_outbox() -> delivery.DrainReport:
        """One outbox pass through WeCom."""
        return await delivery.drain(side.channels, db, rules)

    async def next_retry() -> float | None:
        """Seconds until the outbox's soonest retry is due."""
        async with db.reading() as tx:
            due = await outbox.next_retry(tx)
        return None if due is None else (due - db.clock()).total_seconds()

    courier = Courier(send_outbox, asyncio.create_task, next_retry, alive=lambda: running)
    scheduler = timed_work(Services(db, rules, texts, schedule, courier), None)
    async with side.running(courier.wake):
        scheduler.start()
        try:
            courier.wake()  # what waited in the outbox goes now
            await stop.wait()
        finally:
            await scheduler.stop()
            running = False
            courier.close()
            await courier.idle()
