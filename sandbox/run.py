"""Running the sandbox: both emulators, demo ledger, the real bot on both, and the web page.

`run_sandbox` is what `baosong sandbox` (and `baosong run` without a token) calls. Everything
listens on 127.0.0.1: the Bot API emulator and the WeCom API emulator on free ports, the bot's
WeCom callback on a free port, the page on `port` (or the next free one of the few after it).
The bot is the production one (`channels.telegram.app.build_application`, its handlers, outbox
and scheduler) pointed at the Telegram emulator through `base_url`, with its WeCom side
(`bot.wiring.wecom_side`: adapter, dispatcher, callback server) beside it in the same process,
pointed at the WeCom emulator with secrets made for this sandbox; the emulator pushes its
callbacks to the bot encrypted (`sandbox.wecom_push`). Only the ledger's and the emulators'
clocks are the sandbox clock. Every start (and every reset) begins from a freshly seeded demo
centre: the emulators keep chats in memory only, so an old database would not match them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web
from pydantic import HttpUrl, SecretStr

from bot.scheduler import Scheduler, timed_work
from bot.settings.schema import Settings
from bot.wiring import centre_rules, telegram_options, wecom_side
from channels.telegram.app import BotApp, build_application, scheduler_for
from channels.wecom.crypto import MsgCrypt
from channels.wecom.serve import WeComSide
from sandbox.cast import DemoCast, demo_cast
from sandbox.clock import SandboxClock, describe, resolve
from sandbox.seed import seed
from sandbox.telegram.server import FakeBotApi
from sandbox.web import create_app
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom_push import CallbackPusher, sandbox_secrets
from storage.db import Database
from workflow.rules import CentreRules

log = logging.getLogger(__name__)

#: Any token shaped like Telegram's works with the emulator.
SANDBOX_TOKEN = "1000000001:baosong-sandbox"
#: The sandbox bot's name and @username (invite links point at it).
BOT_NAME = "报送机器人"
BOT_USERNAME = "baosong_sandbox_bot"
#: The database file inside the data directory.
DB_NAME = "sandbox.db"
#: How many ports after the requested one are tried when it is busy.
PORT_ATTEMPTS = 10
#: Long-poll timeout of the bot's getUpdates, in seconds.
POLL_TIMEOUT = 10


def sandbox_settings(
    settings: Settings,
    api: FakeBotApi,
    db_path: Path,
    cast: DemoCast,
    wecom: FakeWeComApi | None = None,
    keys: tuple[str, str] | None = None,
) -> Settings:
    """The configuration pointed at the emulators and the demo ledger, with the demo admins;
    WeCom's app is the emulator's, its callback on a free local port with the sandbox's
    Token and EncodingAESKey (`keys`)."""
    telegram = settings.telegram.model_copy(
        update={
            "api_base_url": api.base_url,
            "file_base_url": api.base_file_url,
            "bot_username": api.bot_username,
        }
    )
    storage = settings.storage.model_copy(update={"path": db_path})
    bulletin = settings.bulletin.model_copy(update={"chat_ids": ()})  # real groups are not here
    update: dict[str, Any] = {
        "telegram": telegram,
        "storage": storage,
        "bulletin": bulletin,
        "admins": cast.admins,
        "bot_token": None,
    }
    if wecom is not None and keys is not None:
        update["wecom"] = settings.wecom.model_copy(
            update={
                "corp_id": wecom.corp_id,
                "agent_id": wecom.agent_id,
                "listen": "127.0.0.1:0",  # a free port (the setting itself asks for 1–65535)
                "api_base_url": HttpUrl(wecom.base_url),
                "secret": SecretStr(wecom.secret),
                "token": SecretStr(keys[0]),
                "aes_key": SecretStr(keys[1]),
            }
        )
    return settings.model_copy(update=update)


class Sandbox:
    """The running sandbox: emulator, ledger and bot, with time travel and reset for the page."""

    def __init__(self, settings: Settings, data_dir: Path) -> None:
        self.clock = SandboxClock()
        self._api = FakeBotApi(clock=self.clock, bot_first_name=BOT_NAME, bot_username=BOT_USERNAME)
        secret, token, aes_key = sandbox_secrets()
        self._wecom = FakeWeComApi(secret=secret, clock=lambda: self.clock().timestamp())
        self._keys = (token, aes_key)
        self._pusher = CallbackPusher(
            MsgCrypt(token, aes_key, self._wecom.corp_id), self._wecom.corp_id, self.clock
        )
        self._wecom.on_callback(self._pusher)
        self._cast = demo_cast(settings)
        self._wecom.members = {p.wecom for p in self._cast.wecom if p.wecom}
        self._base = settings
        self._db_path = data_dir / DB_NAME
        self._settings: Settings | None = None
        self._rules: CentreRules | None = None
        self._db: Database | None = None
        self._app: BotApp | None = None
        self._side: WeComSide | None = None
        self._beside = contextlib.AsyncExitStack()
        self._scheduler: Scheduler | None = None
        self._lock = asyncio.Lock()

    @property
    def api(self) -> FakeBotApi:
        """The Bot API emulator."""
        return self._api

    @property
    def wecom(self) -> FakeWeComApi:
        """The WeCom API emulator."""
        return self._wecom

    @property
    def side(self) -> WeComSide | None:
        """The bot's WeCom side, if running (None while it restarts)."""
        return self._side

    @property
    def cast(self) -> DemoCast:
        """The demo people."""
        return self._cast

    @property
    def settings(self) -> Settings:
        """The configuration the bot runs with (pointed at the emulator)."""
        assert self._settings is not None, "the sandbox is not started"
        return self._settings

    @property
    def rules(self) -> CentreRules:
        """The centre's rules (zone, working-day calendar)."""
        assert self._rules is not None, "the sandbox is not started"
        return self._rules

    @property
    def app(self) -> BotApp | None:
        """The running bot, if any (None while it restarts)."""
        return self._app

    @property
    def db(self) -> Database | None:
        """The demo ledger, if open."""
        return self._db

    async def start(self) -> None:
        """Starts the emulators, seeds the ledger and starts the bot."""
        await self._api.start()
        try:
            await self._wecom.start()
            self._settings = sandbox_settings(
                self._base, self._api, self._db_path, self._cast, self._wecom, self._keys
            )
            self._rules = centre_rules(
                self._settings, on_gap=lambda gap: log.warning("%s", gap.message)
            )
            for person in self._cast.telegram:
                self._api.user(person.id, person.name)
            async with self._lock:
                await self._open()
        except BaseException:
            await self._close()
            await self._pusher.close()
            await self._wecom.stop()
            await self._api.stop()
            raise

    async def stop(self) -> None:
        """Stops the bot, closes the ledger and stops the emulators."""
        async with self._lock:
            await self._close()
        await self._pusher.close()
        await self._wecom.stop()
        await self._api.stop()

    def clock_state(self) -> dict[str, Any]:
        """`{"now", "weekday", "working_day"}` of the sandbox clock."""
        return describe(self.clock(), self.rules.calendar, self.rules.zone)

    async def travel(self, target: str) -> None:
        """Moves the clock to a target (see `sandbox.clock.resolve`) and runs a sweep at once."""
        async with self._lock:
            settings = self.settings
            moment = resolve(
                target,
                self.clock(),
                self.rules.calendar,
                self.rules.zone,
                bulletin_time=settings.bulletin.time,
                quota_warning_days=settings.reminders.quota_warning_working_days_before_month_end,
            )
            self.clock.travel_to(moment)
            await self._sweep()

    async def sweep(self) -> None:
        """Does whatever is due now (bulletins, reminders), as the scheduler would."""
        async with self._lock:
            await self._sweep()

    async def reset(self) -> None:
        """Wipes and reseeds the demo centre, clears the demo chats, resets the clock."""
        async with self._lock:
            await self._close()
            for tg_id in self._cast.ids:
                self._api.clear_chat(tg_id)
            self._api.drop_pending_updates()
            self._wecom.forget(*(p.wecom for p in self._cast.wecom if p.wecom))
            self.clock.reset()
            await self._open()

    async def _sweep(self) -> None:
        """One scheduler sweep at the sandbox's now (after any sweep in progress)."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        try:
            await scheduler.run_now("sweep")
        except Exception:  # the clock has moved; the scheduler's own sweep will retry
            log.exception("sweep after time travel failed")

    async def _open(self) -> None:
        """A fresh, seeded ledger and the bot polling the emulator."""
        _remove_database(self._db_path)
        settings = self.settings
        self._db = await Database.open(
            self._db_path, busy_timeout_ms=settings.storage.busy_timeout_ms, clock=self.clock
        )
        await self._db.migrate()
        await seed(self._db, settings, self.clock)
        side = wecom_side(settings, self._db, self.rules)
        assert side is not None, "the sandbox's WeCom settings are complete"
        self._side = side
        app = build_application(
            telegram_options(settings),
            self._db,
            self.rules,
            token=SANDBOX_TOKEN,
            channels=side.channels,
        )
        self._app = app
        # What Application.run_polling does, step by step, without owning the event loop.
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=POLL_TIMEOUT, allowed_updates=["message", "callback_query"]
        )
        await app.start()
        # The WeCom side beside it, as `baosong run` serves both; the courier sends for both.
        port = await self._beside.enter_async_context(side.running(app.bot_data.courier.wake))
        self._pusher.url = f"http://127.0.0.1:{port}{settings.wecom.callback_path}"
        self._scheduler = scheduler_for(app, timed_work)
        self._scheduler.start()

    async def _close(self) -> None:
        """Stops the bot and closes the ledger (whatever of them is running)."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            await scheduler.stop()
        self._pusher.url = None
        await self._beside.aclose()  # the WeCom side stops before the courier it wakes
        self._side = None
        app, self._app = self._app, None
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        db, self._db = self._db, None
        if db is not None:
            await db.close()


def _remove_database(path: Path) -> None:
    """Deletes a database file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


async def _serve_page(sandbox: Sandbox, host: str, port: int) -> tuple[web.AppRunner, str]:
    """Starts the page on host:port (or one of the next ports if busy); returns its URL."""
    runner = web.AppRunner(create_app(sandbox), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    attempts = 1 if port == 0 else PORT_ATTEMPTS
    for candidate in range(port, port + attempts):
        try:
            site = web.TCPSite(runner, host, candidate)
            await site.start()
        except OSError as error:
            log.info("port %d is busy: %s", candidate, error)
            continue
        bound = runner.addresses[0]
        return runner, f"http://{_host_for_url(host)}:{int(bound[1])}/"
    await runner.cleanup()
    raise OSError(f"ports {port}–{port + attempts - 1} on {host} are all busy")


def _host_for_url(host: str) -> str:
    """A host as written in a URL (IPv6 in brackets)."""
    try:
        socket.inet_pton(socket.AF_INET6, host)
    except OSError:
        return host
    return f"[{host}]"


async def run_sandbox(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    data_dir: Path | None = None,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[str], None] | None = None,
    out: TextIO | None = None,
) -> None:
    """Runs the sandbox until SIGINT/SIGTERM or `stop`; prints the page's address when ready.

    `port=0` takes any free port; `on_ready` gets the page's URL (e.g. for tests). The demo
    ledger lives in `data_dir` (wiped at start and reset) or in a temporary directory.
    """
    stop = stop or asyncio.Event()
    stream = sys.stdout if out is None else out
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    with contextlib.ExitStack() as stack:
        folder = (
            Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="baosong-sandbox-")))
            if data_dir is None
            else data_dir
        )
        folder.mkdir(parents=True, exist_ok=True)
        sandbox = Sandbox(settings, folder)
        runner: web.AppRunner | None = None
        try:
            await sandbox.start()
            runner, url = await _serve_page(sandbox, host, port)
            print(f"报送沙盒已启动：{url} （Ctrl-C 停止）", file=stream, flush=True)
            if on_ready is not None:
                on_ready(url)
            await stop.wait()
        finally:
            if runner is not None:
                await runner.cleanup()
            await sandbox.stop()
            for sig in handled:
                loop.remove_signal_handler(sig)
