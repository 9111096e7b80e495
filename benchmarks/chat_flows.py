"""Chat-flow benchmark: the real bot handling whole submit → sign-off → adoption paths over HTTP.

Both the bot (`channels.telegram.app.build_application`, SQLite ledger in a temporary directory, the shipped
config.yaml) and a bare python-telegram-bot echo bot poll the fake Bot API server of
`tests/fake_bot_api.py` on 127.0.0.1 with the same builder and polling settings. Simulated people
act concurrently (at most `--concurrency` updates in flight), each waiting for the bot's reply
before the next action, in four phases: informants submit (9 updates each), window heads sign,
leaders sign, the centre editor records two adoptions per item. The echo bot gets the same
number and kinds of updates (texts and button presses) with the same pacing.

Latency is the time from putting a user's update in the fake server's queue to the first
sendMessage / edit / answerCallbackQuery for that chat or query arriving at the fake server (its
call log). The ledger is checked afterwards (items at the centre, adoptions recorded; exit status
1 if they disagree). Timings are printed, never asserted.

    .venv/bin/python benchmarks/chat_flows.py [--users 200] [--quick] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # run as a script: the repository root holds `tests`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.settings.schema import Settings
from bot.settings.sections import UnitConfig
from channels.telegram.app import BotApp
from channels.telegram.transport import AiohttpRequest
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import AT_CENTRE, ItemState, UnitKind
from storage import adoptions, items
from storage.db import Database
from tests.flow import ADMIN, TOKEN, flow_settings, invite_code, load_units, polling, running

JSON = dict[str, Any]
EchoApp = Application[Any, Any, Any, Any, Any, Any]

CST = timezone(timedelta(hours=8), "CST")
#: The ledger's clock starts here (a Thursday, 10:00 in Shanghai), so dates never depend on today.
CLOCK_START = datetime(2026, 10, 15, 10, 0, tzinfo=CST)
EVENT_DAY = "2026-10-14"
EDITOR_UNIT = "综合科"
#: Seconds one simulated person waits for one reply before the run fails.
REPLY_WAIT = 30.0
#: Bot API calls that count as the bot's response to an update.
RESPONSES = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
    }
)
#: Bot API calls that put a new message in a chat.
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
APPROVE = re.compile(r"so:\d+:\d+:\d+:a")
ADOPT = re.compile(r"ed:adopt:(\d+)")
#: Outlets recorded per item: 市政务服务中心网站 (level 1) and 市委、市政府 (level 2).
OUTLETS = (0, 2)
#: The shape of one informant's /submit: T = a typed text, C = a button press.
SUBMIT_SHAPE = "TCTTTCTCC"
ECHO_DATA = "echo:again"


# ----------------------------------------------------------------------------- plumbing


class ShiftedClock:
    """Wall time moved to CLOCK_START, so deadlines and 'today' are the same on every run."""

    def __init__(self) -> None:
        self._began = time.monotonic()

    def __call__(self) -> datetime:
        """CLOCK_START plus the time since this clock was made."""
        return CLOCK_START + timedelta(seconds=time.monotonic() - self._began)


class LogCounter(logging.Handler):
    """Counts warnings and errors logged anywhere, so a run that hid a failure is not trusted."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record (it is printed by the normal handlers too)."""
        self.count += 1


class OutOfTime(Exception):
    """The run went past its time budget."""


@dataclass
class Deadline:
    """The end of the run's time budget (monotonic), checked before every phase."""

    at: float

    def left(self) -> float:
        """Seconds left; OutOfTime when none are."""
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise OutOfTime("time budget used up")
        return remaining


@dataclass
class PhaseResult:
    """What one timed phase did: updates, wall seconds and per-update latencies."""

    name: str
    updates: int
    seconds: float
    latencies: list[float]
    calls: int


@dataclass
class ScenarioResult:
    """A scenario's timed phases plus its untimed setup."""

    name: str
    setup_updates: int
    setup_seconds: float
    phases: list[PhaseResult] = field(default_factory=list)

    @property
    def updates(self) -> int:
        """Timed updates over all phases."""
        return sum(phase.updates for phase in self.phases)

    @property
    def seconds(self) -> float:
        """Wall time over all timed phases."""
        return sum(phase.seconds for phase in self.phases)

    @property
    def latencies(self) -> list[float]:
        """Every timed update's latency."""
        return [value for phase in self.phases for value in phase.latencies]

    @property
    def rate(self) -> float:
        """Timed updates per second."""
        return self.updates / self.seconds if self.seconds > 0 else 0.0


def _chat_of(params: JSON) -> int | None:
    """The chat_id a Bot API call targets, if it names one."""
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


class Probe:
    """Acts as users on one fake server: bounded in-flight updates, waits, latency records."""

    def __init__(self, server: FakeBotApi, concurrency: int) -> None:
        self.server = server
        self.slots = asyncio.Semaphore(concurrency)
        self.latencies: list[float] = []
        self.updates = 0

    def _latency(self, start: int, began: float, chat_id: int, query_id: str | None) -> float:
        """Seconds from enqueueing to the first response call for this chat or query."""
        calls = self.server.calls
        for index in range(start, len(calls)):
            call = calls[index]
            if call.method not in RESPONSES or call.monotonic < began:
                continue
            if call.method == "answerCallbackQuery":
                if query_id is not None and call.params.get("callback_query_id") == query_id:
                    return call.monotonic - began
            elif _chat_of(call.params) == chat_id:
                return call.monotonic - began
        raise LookupError(f"no response call for chat {chat_id} / query {query_id}")

    async def _next_message(self, user: FakeUser, baseline: int, start: int) -> JSON:
        """The bot's first new message in the chat, via the call log (no whole-chat copies)."""
        server, chat_id = self.server, user.chat_id
        await server.wait_until(
            lambda: server.sent_count(chat_id) > baseline, REPLY_WAIT, f"a reply in {chat_id}"
        )
        calls = server.calls
        for index in range(start, len(calls)):
            call = calls[index]
            if call.method in SENDS and call.ok and _chat_of(call.params) == chat_id:
                return server.message(chat_id, int(call.result["message_id"]))
        raise LookupError(f"no message sent to chat {chat_id}")

    async def say(self, user: FakeUser, text: str) -> JSON:
        """The user types text and waits for the bot's next message (not recorded)."""
        start, baseline = len(self.server.calls), self.server.sent_count(user.chat_id)
        await user.send_text(text)
        return await self._next_message(user, baseline, start)

    async def text(self, user: FakeUser, text: str) -> JSON:
        """The user types text and waits for the bot's next message in the chat (recorded)."""
        async with self.slots:
            start, began = len(self.server.calls), time.monotonic()
            reply = await self.say(user, text)
            self._record(self._latency(start, began, user.chat_id, None))
        return reply

    async def click(self, user: FakeUser, message: JSON, data: str, *, reply: bool) -> JSON:
        """The user presses a button; waits for the answer and, if `reply`, a new message."""
        async with self.slots:
            start, began = len(self.server.calls), time.monotonic()
            baseline = self.server.sent_count(user.chat_id)
            update = await user.click(message, data)
            query_id = str(update["callback_query"]["id"])
            answer = await self.server.wait_for_answer(query_id, timeout=REPLY_WAIT)
            if reply:
                answer = await self._next_message(user, baseline, start)
            self._record(self._latency(start, began, user.chat_id, query_id))
        return answer

    def _record(self, latency: float) -> None:
        """Keeps one update's latency."""
        self.latencies.append(latency)
        self.updates += 1


async def _settle(server: FakeBotApi, queue: asyncio.Queue[object], deadline: Deadline) -> None:
    """Waits until the bot fetched every update and finished handling it."""
    await server.wait_idle(timeout=min(REPLY_WAIT, deadline.left()))
    async with asyncio.timeout(min(REPLY_WAIT, deadline.left())):
        await queue.join()


async def _timed(
    name: str,
    probe: Probe,
    work: Sequence[Awaitable[object]],
    settle: Callable[[], Awaitable[None]],
    deadline: Deadline,
) -> PhaseResult:
    """Runs one phase's user sessions concurrently until the bot is idle again."""
    first, before, calls = len(probe.latencies), probe.updates, len(probe.server.calls)
    began = time.monotonic()
    async with asyncio.timeout(deadline.left()):
        await asyncio.gather(*work)
    await settle()
    seconds = time.monotonic() - began
    made = sum(1 for call in probe.server.calls[calls:] if call.method != "getUpdates")
    return PhaseResult(name, probe.updates - before, seconds, probe.latencies[first:], made)


def _button(message: JSON, pattern: re.Pattern[str]) -> str:
    """The callback_data of the one button of a message that matches the pattern."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    found = [
        str(button["callback_data"])
        for row in rows
        for button in row
        if pattern.fullmatch(str(button.get("callback_data", "")))
    ]
    if len(found) != 1:
        raise LookupError(f"expected one button like {pattern.pattern}, got {found}")
    return found[0]


# ----------------------------------------------------------------------------- the bot


@dataclass(frozen=True)
class Team:
    """One window unit's people: the informant writes, the head and the leader sign."""

    unit: str
    informant: FakeUser
    head: FakeUser
    leader: FakeUser


def _window_units(settings: Settings, count: int) -> tuple[Settings, list[str], int]:
    """The config's window units, plus synthetic clones when more teams than windows are asked."""
    windows = [unit for unit in settings.units if unit.kind is UnitKind.WINDOW]
    extra = [
        UnitConfig(
            name=f"模拟窗口{n:03d}",
            kind=UnitKind.WINDOW,
            monthly_quota=windows[n % len(windows)].monthly_quota,
            annual_target=windows[n % len(windows)].annual_target,
        )
        for n in range(max(0, count - len(windows)))
    ]
    names = [unit.name for unit in [*windows, *extra]][:count]
    if extra:
        settings = settings.model_copy(update={"units": (*settings.units, *extra)})
    return settings, names, len(extra)


async def _join_all(
    probe: Probe, people: list[tuple[FakeUser, str, str]], deadline: Deadline
) -> int:
    """The admin invites everyone (one at a time, like a person); they all open their links."""
    admin = probe.server.user(ADMIN, "管理员")
    unit_of = {user.id: unit for user, unit, _ in people}
    codes: list[str] = []
    async with asyncio.timeout(deadline.left()):
        for _, unit, role in people:
            reply = await probe.say(admin, f"/invite {unit} {role}")
            codes.append(invite_code(str(reply.get("text", ""))))

        async def start(user: FakeUser, code: str) -> None:
            """One person opens their invite link."""
            async with probe.slots:
                welcome = await probe.say(user, f"/start {code}")
            if unit_of[user.id] not in str(welcome.get("text", "")):
                raise RuntimeError(f"user {user.id} did not join: {welcome.get('text')}")

        await asyncio.gather(
            *(start(user, code) for (user, _, _), code in zip(people, codes, strict=True))
        )
    return 2 * len(people)


async def _submit(probe: Probe, team: Team, number: int) -> None:
    """The informant's whole /submit: category, title, two body parts, date, no files, confirm."""
    user = team.informant
    menu = await probe.text(user, "/submit")
    await probe.click(user, menu, "sub:cat:measures", reply=True)
    await probe.text(user, f"{team.unit}推行“一窗通办”第{number}期")
    await probe.text(user, f"10月14日，{team.unit}推行“一窗通办”改革。")
    more = await probe.text(user, "当天办件 3000 余件，群众满意率 99%。")
    when = await probe.click(user, more, "sub:body:done", reply=True)
    if "sub:date:0" not in str(when.get("reply_markup")):
        raise RuntimeError(f"informant {user.id}: no date question: {when.get('text')}")
    files = await probe.text(user, EVENT_DAY)
    preview = await probe.click(user, files, "sub:files:done", reply=True)
    done = await probe.click(user, preview, "sub:ok", reply=True)
    if "已报送" not in str(done.get("text")):
        raise RuntimeError(f"informant {user.id}: not submitted: {done.get('text')}")


def _with_button(user: FakeUser, pattern: re.Pattern[str]) -> list[JSON]:
    """The bot's messages in the user's chat that carry a button matching the pattern."""
    return [
        message for message in user.received() if pattern.search(str(message.get("reply_markup")))
    ]


async def _waiting(
    server: FakeBotApi, user: FakeUser, pattern: re.Pattern[str], count: int
) -> list[JSON]:
    """The first `count` messages with such a button, once they arrived (notices may lag)."""
    await server.wait_until(
        lambda: len(_with_button(user, pattern)) >= count,
        REPLY_WAIT,
        f"{count} message(s) with a {pattern.pattern} button for {user.id}",
    )
    return _with_button(user, pattern)[:count]


async def _approve(probe: Probe, user: FakeUser) -> None:
    """A signer approves the request waiting in their chat."""
    (request,) = await _waiting(probe.server, user, APPROVE, 1)
    await probe.click(user, request, _button(request, APPROVE), reply=False)


async def _adopt_all(probe: Probe, editor: FakeUser, count: int) -> None:
    """The editor records two adoptions for every new item notice, one tap after another."""
    for notice in await _waiting(probe.server, editor, ADOPT, count):
        data = _button(notice, ADOPT)
        item = data.rsplit(":", 1)[1]
        outlets = await probe.click(editor, notice, data, reply=True)
        for outlet in OUTLETS:
            await probe.click(editor, outlets, f"ed:out:{item}:{outlet}", reply=True)


async def _check_ledger(db: Database, teams: int) -> list[str]:
    """Compares the ledger with what the run did, through the storage repositories."""
    async with db.reading() as tx:
        everything = await items.items_in_state(tx, list(ItemState), limit=10 * teams + 10)
        at_centre = await items.items_in_state(tx, sorted(AT_CENTRE), limit=10 * teams + 10)
        recorded = 0
        for item in at_centre:
            recorded += len(await adoptions.adoptions_of(tx, item.id))
    lines = [
        f"items in the ledger      {len(everything):>6}  (expected {teams})",
        f"items at the centre      {len(at_centre):>6}  (expected {teams})",
        f"adoptions recorded       {recorded:>6}  (expected {len(OUTLETS) * teams})",
    ]
    ok = len(everything) == len(at_centre) == teams and recorded == len(OUTLETS) * teams
    return lines if ok else [*lines, "MISMATCH"]


async def run_bot(
    teams_wanted: int, concurrency: int, deadline: Deadline, notes: list[str]
) -> tuple[ScenarioResult, list[str]]:
    """The real bot on a temporary ledger: setup (joins), then the four timed phases."""
    with tempfile.TemporaryDirectory(prefix="baosong-bench-") as tmp:
        db_path = Path(tmp) / "bot.db"
        clock = ShiftedClock()
        async with FakeBotApi(clock=clock) as server:
            settings = flow_settings(server, db_path)
            settings, units, synthetic = _window_units(settings, teams_wanted)
            if synthetic:
                notes.append(
                    f"config.yaml has {teams_wanted - synthetic} window units; added {synthetic} "
                    "synthetic window units (模拟窗口NNN, cloned quotas) so every team has its own"
                )
            db = await Database.open(db_path, clock=clock)
            try:
                await db.migrate()
                await load_units(db, settings)
                async with running(settings, db) as app:
                    result, checks = await _drive_bot(server, app, db, units, deadline, concurrency)
            finally:
                await db.close()
    return result, checks


async def _drive_bot(
    server: FakeBotApi,
    app: BotApp,
    db: Database,
    units: list[str],
    deadline: Deadline,
    concurrency: int,
) -> tuple[ScenarioResult, list[str]]:
    """Joins the people, runs the timed phases and checks the ledger."""
    probe = Probe(server, concurrency)
    teams = [
        Team(
            unit,
            server.user(1000 + 3 * n, f"信息员{n}"),
            server.user(1001 + 3 * n, f"窗口负责人{n}"),
            server.user(1002 + 3 * n, f"分管领导{n}"),
        )
        for n, unit in enumerate(units)
    ]
    editor = server.user(999, "中心编辑")
    people = [(editor, EDITOR_UNIT, "editor")]
    for team in teams:
        people += [
            (team.informant, team.unit, "informant"),
            (team.head, team.unit, "window_head"),
            (team.leader, team.unit, "leader"),
        ]

    async def settle() -> None:
        """The bot is idle: updates handled, the notices they queued sent."""
        await _settle(server, app.update_queue, deadline)
        async with asyncio.timeout(min(REPLY_WAIT, deadline.left())):
            await app.bot_data.courier.idle()

    began = time.monotonic()
    setup_updates = await _join_all(probe, people, deadline)
    await settle()
    result = ScenarioResult("baosong bot", setup_updates, time.monotonic() - began)
    phases: list[tuple[str, Callable[[], list[Awaitable[object]]]]] = [
        ("submit", lambda: [_submit(probe, team, n) for n, team in enumerate(teams, 1)]),
        ("sign-off 1 (head)", lambda: [_approve(probe, team.head) for team in teams]),
        ("sign-off 2 (leader)", lambda: [_approve(probe, team.leader) for team in teams]),
        ("adoptions (editor)", lambda: [_adopt_all(probe, editor, len(teams))]),
    ]
    for name, work in phases:
        result.phases.append(await _timed(name, probe, work(), settle, deadline))
    return result, await _check_ledger(db, len(teams))


# ----------------------------------------------------------------------------- the echo bot


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replies with the text, under a button to press."""
    message = update.effective_message
    if message is not None and message.text is not None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("再来", callback_data=ECHO_DATA)]])
        await message.reply_text(message.text, reply_markup=markup)


async def _echo_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a button press."""
    if update.callback_query is not None:
        await update.callback_query.answer()


def build_echo(server: FakeBotApi, *, aiohttp: bool = False) -> EchoApp:
    """A bare PTB Application (no rate limiter): PTB's own httpx transport, or the bot's."""
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
    )
    if aiohttp:
        builder = builder.request(AiohttpRequest(256)).get_updates_request(AiohttpRequest())
    app: EchoApp = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    app.add_handler(CallbackQueryHandler(_echo_answer))
    return app


async def _echo_session(probe: Probe, user: FakeUser, shape: str, tag: str) -> None:
    """One user's actions in the bot's pattern: T types a text, C presses the echo's button."""
    for step, kind in enumerate(shape):
        if kind == "T":
            await probe.text(user, f"{tag} 第{step}条：当天办件 3000 余件。")
        else:
            await probe.click(user, probe.server.last_message(user.id), ECHO_DATA, reply=False)


async def run_echo(
    teams: int, concurrency: int, deadline: Deadline, *, aiohttp: bool = False
) -> ScenarioResult:
    """The echo bot: the same people, update counts, kinds, phases and pacing as the bot."""
    async with FakeBotApi(clock=ShiftedClock()) as server:
        app = build_echo(server, aiohttp=aiohttp)
        async with polling(app):
            probe = Probe(server, concurrency)
            ids = [999, *range(1000, 1000 + 3 * teams)]
            users = [server.user(uid, f"用户{uid}") for uid in ids]

            async def settle() -> None:
                """The echo bot is idle."""
                await _settle(server, app.update_queue, deadline)

            async def hello(user: FakeUser) -> None:
                """Setup: one echo with a button in every chat."""
                async with probe.slots:
                    await probe.say(user, "你好")

            began = time.monotonic()
            async with asyncio.timeout(deadline.left()):
                await asyncio.gather(*(hello(user) for user in users))
            await settle()
            name = "bare echo, bot's transport" if aiohttp else "bare PTB echo"
            result = ScenarioResult(name, len(users), time.monotonic() - began)
            editor, rest = users[0], users[1:]
            informants, heads, leaders = rest[0::3], rest[1::3], rest[2::3]
            phases: list[tuple[str, Callable[[], list[Awaitable[object]]]]] = [
                (
                    "submit",
                    lambda: [_echo_session(probe, u, SUBMIT_SHAPE, "s") for u in informants],
                ),
                ("sign-off 1 (head)", lambda: [_echo_session(probe, u, "C", "h") for u in heads]),
                (
                    "sign-off 2 (leader)",
                    lambda: [_echo_session(probe, u, "C", "l") for u in leaders],
                ),
                (
                    "adoptions (editor)",
                    lambda: [_echo_session(probe, editor, "C" * (1 + len(OUTLETS)) * teams, "e")],
                ),
            ]
            for name, work in phases:
                result.phases.append(await _timed(name, probe, work(), settle, deadline))
    return result


# ----------------------------------------------------------------------------- report


def _quantile_ms(values: list[float], q: int) -> float:
    """The q-th percentile in milliseconds (0 for no values)."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _row(name: str, updates: int, seconds: float, latencies: list[float], calls: int) -> str:
    """One table row."""
    rate = updates / seconds if seconds > 0 else 0.0
    per_update = calls / updates if updates else 0.0
    return (
        f"{name:<26}{updates:>8}{seconds:>9.2f}{rate:>10.1f}"
        f"{_quantile_ms(latencies, 50):>9.1f}{_quantile_ms(latencies, 99):>9.1f}"
        f"{per_update:>11.1f}"
    )


def report(results: list[ScenarioResult]) -> list[str]:
    """The table: every scenario's total, then its phases indented."""
    lines = [
        f"{'scenario':<26}{'updates':>8}{'seconds':>9}{'upd/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'calls/upd':>11}",
        "-" * 82,
    ]
    for result in results:
        calls = sum(phase.calls for phase in result.phases)
        lines.append(_row(result.name, result.updates, result.seconds, result.latencies, calls))
        for phase in result.phases:
            lines.append(
                _row(f"  {phase.name}", phase.updates, phase.seconds, phase.latencies, phase.calls)
            )
    lines.append("(calls/upd: Bot API calls other than getUpdates the bot made per update)")
    return lines


# ----------------------------------------------------------------------------- main


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=None, help="simulated people (default 200)")
    parser.add_argument("--quick", action="store_true", help="20 people (a smoke run)")
    parser.add_argument("--concurrency", type=int, default=20, help="updates in flight at most")
    parser.add_argument(
        "--budget", type=float, default=170.0, help="seconds before the run gives up"
    )
    args = parser.parse_args(argv)
    users = args.users if args.users is not None else (20 if args.quick else 200)
    if users < 4:
        parser.error("--users must be at least 4 (one team of three and the editor)")
    if not 1 <= args.concurrency <= 200:
        parser.error("--concurrency must be between 1 and 200")
    args.users = users
    return args


async def main_async(args: argparse.Namespace) -> int:
    """Runs both scenarios, prints the table and the ledger checks; the exit status."""
    teams = (args.users - 1) // 3
    deadline = Deadline(time.monotonic() + args.budget)
    notes: list[str] = []
    counter = LogCounter()
    logging.getLogger().addHandler(counter)
    print(
        f"chat flows: {3 * teams + 1} people = {teams} window teams (informant, window head, "
        f"leader) + 1 centre editor ({EDITOR_UNIT}); at most {args.concurrency} updates in "
        f"flight; Python {platform.python_version()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    began = time.monotonic()
    ours, checks = await run_bot(teams, args.concurrency, deadline, notes)
    bare = await run_echo(teams, args.concurrency, deadline)
    same = await run_echo(teams, args.concurrency, deadline, aiohttp=True)
    total = time.monotonic() - began
    for note in notes:
        print(f"note: {note}")
    print(
        f"setup (not timed): bot {ours.setup_updates} updates in {ours.setup_seconds:.2f} s "
        f"(admin /invite one at a time + /start), echo {bare.setup_updates} in "
        f"{bare.setup_seconds:.2f} s"
    )
    print()
    print("\n".join(report([ours, bare, same])))
    ratio = ours.rate / bare.rate if bare.rate > 0 else 0.0
    print()
    print(f"throughput ours/bare: {ratio:.2f} (target >= 0.50){'' if ratio >= 0.5 else ' BELOW'}")
    print(
        f"(ours / the bare echo on the bot's aiohttp transport: "
        f"{ours.rate / same.rate if same.rate > 0 else 0.0:.2f}; the bot's transport alone "
        f"makes the bare echo {same.rate / bare.rate if bare.rate > 0 else 0.0:.1f}x faster)"
    )
    print()
    print("ledger checks:")
    for line in checks:
        print(f"  {line}")
    print(f"  warnings/errors logged   {counter.count:>6}  (expected 0)")
    print(f"  timed updates            {ours.updates:>6} bot, {bare.updates} echo (equal)")
    print(f"total wall time {total:.1f} s")
    failed = checks[-1] == "MISMATCH" or counter.count > 0 or ours.updates != bare.updates
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = _args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(main_async(args))
    except (OutOfTime, TimeoutError) as error:
        print(f"FAILED: ran out of time ({args.budget:.0f} s budget): {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
