"""Crash-safety harness (issue 6): the bot as a process, killed at random, checked afterwards.

The bot runs as `python -m bot.cli run` against the fake Bot API served by the test process.
Fake users join by invite, then submit items, sign them off and record adoptions while a
killer sends SIGKILL at random moments and restarts the bot at once. The users behave like
people: they wait for an answer, and when the bot died before answering they try again once
it is back — re-sending the text, or re-tapping the button if it is still on the message.

Whether an update was lost to a kill is read from the fake's call log: an update is
"confirmed" by the first getUpdates whose offset passes it, and the process that sent that
getUpdates is the one that took it. If that process is dead and no answer came, the update is
lost; an unconfirmed update is simply delivered again to the next process.

Afterwards the ledger (read with plain sqlite3, and the figures through `storage.figures`),
the outbox and every message the fake recorded are checked against each other; every
disagreement becomes one line in `Report.problems`.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import html
import inspect
import json
import os
import random
import re
import signal
import sqlite3
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

from bot.settings.loader import load_settings
from sandbox.telegram.api import ApiError
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from storage.db import Database
from storage.figures import period_counts

REPO = Path(__file__).resolve().parent.parent
TOKEN = "4242:crash"
ADMIN = 900
JSON = dict[str, Any]
T = TypeVar("T")

WINDOWS = (
    "市市场监管局窗口",
    "市人社局窗口",
    "市公安局窗口",
    "市自然资源和规划局窗口",
    "市住建局窗口",
    "市税务局窗口",
)
ONE_STEP = (  # townships and town centres: the leader alone signs
    "城关镇便民服务中心",
    "东岭乡便民服务中心",
    "河口镇便民服务中心",
    "青石乡便民服务中心",
    "小汉镇政务服务中心",
    "向阳镇政务服务中心",
)
SECTIONS = ("办公室", "审批服务科", "政府采购中心", "综合科")  # the informant submits directly
EDITOR_UNIT = "综合科"
CATEGORIES = ("implementation", "centre_building", "measures", "culture", "public_work")
TRANSITIONS = frozenset(
    {
        "item.submit",
        "item.resubmit",
        "item.approve_step",
        "item.reach_centre",
        "item.return",
        "item.register",
    }
)
#: Messages the bot sends by itself (outbox notices), as opposed to answers to the user.
NOTICE_PREFIXES = (
    "📋 您的信息",
    "📝",
    "📥",
    "↩️ 您的信息",
    "✅ 您的信息",
    "📨",
    "🎉",
    "ℹ️",
    "⚠️",
    "⏳",
    "📊",
    "📚",
)
SCHEDULED = ("信息报送情况通报", "年度信息工作考核")  # bulletins and the year-end report
ERROR_TEXTS = ("抱歉，处理时出错了", "系统正忙", "存储空间不足")  # texts("error"), error_busy, …
REDELIVERED = "Query is too old"
LOST_GRACE = 1.5  # seconds after a kill before an update it took counts as lost
CONFIRMED = re.compile(r"已报送，编号 #(\d+)")


# ----------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    """How big a run is and how hard it is hit."""

    seed: int
    windows: int  # window units used: informants, window heads, leaders (two-step chain)
    one_step_units: int  # townships / town centres used: informants, leaders
    sections: int  # sections used: informants only (straight to the centre)
    informants_per_unit: int
    heads_per_window: int
    leaders_per_unit: int
    editors: int  # centre editors (综合科); their invites come from `baosong invite`
    items_per_informant: int
    min_kills: int
    max_kills: int
    uptime: tuple[float, float]  # seconds the bot runs (after it polls) before the next kill
    startup_kill_share: float  # share of kills aimed at start-up, before the bot polls
    stagger: float  # informants start within this many seconds
    budget: float  # seconds for the whole drive (kills, flows, settling)
    reply_timeout: float  # seconds a live bot may take to answer one update
    photo_share: float = 0.25
    return_share: float = 0.08
    register_share: float = 0.3
    second_outlet_share: float = 0.35
    fault_rate: float = 0.0  # share of Bot API calls hit by a network fault while people work

    @property
    def users(self) -> int:
        """How many people take part (the admin not counted)."""
        window = self.informants_per_unit + self.heads_per_window + self.leaders_per_unit
        one_step = self.informants_per_unit + self.leaders_per_unit
        return (
            self.windows * window
            + self.one_step_units * one_step
            + self.sections * self.informants_per_unit
            + self.editors
        )


@dataclass
class Member:
    """One fake person: their unit and role, and how their actor is doing."""

    tg: int
    name: str
    unit: str
    role: str
    user: FakeUser
    idle: bool = True
    titles: list[str] = field(default_factory=list)


@dataclass
class Flow:
    """One /submit as an informant lived it."""

    tg: int
    title: str
    started: float
    ended: float = 0.0
    outcome: str = ""  # confirmed | unknown | silent | gave_up | skipped
    item: int | None = None
    attempts: int = 0
    lost_steps: list[str] = field(default_factory=list)  # updates a kill took; sent again
    told: list[str] = field(default_factory=list)  # what the bot said when the draft lagged


@dataclass
class Tap:
    """One button decision (sign-off, return, register, adoption) and what came of it."""

    kind: str  # approve | return | register | adopt
    tg: int
    item: int
    round: int = 0
    step: int = 0
    outlet: str = ""
    tapped_at: float = 0.0
    answers: list[str] = field(default_factory=list)
    alert: bool = False
    lost: int = 0  # attempts whose update a kill took
    outcome: str = ""  # done | refused | gone | silent | lost
    update: JSON | None = field(default=None, repr=False)  # the press that got the answer


@dataclass
class Report:
    """What a run did and every problem the checks found."""

    plan: Plan
    runtime: float = 0.0
    kills: list[tuple[float, str]] = field(default_factory=list)
    unexpected_exits: list[str] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    taps: list[Tap] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    log_tail: str = ""

    def kinds(self) -> set[str]:
        """The kinds of problem found."""
        return {kind for kind, _ in self.problems}

    def summary(self) -> str:
        """A few lines for the test output."""
        s = self.stats
        startup = sum(1 for _, phase in self.kills if phase == "startup")
        flows = Counter(f.outcome for f in self.flows)
        told = Counter(text[:24] for f in self.flows for text in f.told)
        taps = Counter(f"{t.kind}:{t.outcome}" for t in self.taps)
        lines = [
            f"crash run seed={self.plan.seed}: {self.plan.users} users, {len(self.kills)} kills"
            f" ({startup} during start-up), {self.runtime:.1f} s",
            f"submissions: {len(self.flows)} flows {dict(flows)}; items in ledger"
            f" {s.get('items')} {s.get('item_states')}; unconfirmed but in the ledger"
            f" {s.get('unconfirmed_in_ledger')}, confirmed again {s.get('confirmed_again')}",
            f"drafts: {s.get('interrupted')} flows interrupted by a kill, {s.get('resumed')}"
            f" resumed, {s.get('told_flows')} told and restarted, {s.get('silent')} silent;"
            f" {sum(len(f.lost_steps) for f in self.flows)} steps lost to a kill and sent again;"
            f" told: {dict(told)}",
            f"sign-offs: {s.get('signoffs')} rows ({s.get('returns')} returns);"
            f" adoptions: {s.get('adoptions')} rows, {s.get('points')} points;"
            f" registrations tapped {taps.get('register:done', 0)}",
            f"taps: {dict(taps)}; recorded {s.get('taps_recorded')},"
            f" cleanly not {s.get('taps_not_recorded')}, lost to kills {s.get('taps_lost')}",
            f"outbox: {s.get('outbox')}; uncertain {len(self.uncertain)}"
            f" ({sum(1 for u in self.uncertain if u.endswith('; delivered)'))} of them delivered)",
        ]
        if self.plan.fault_rate:
            lines.append(
                f"faults injected: {s.get('faults')}; outbox retries {s.get('outbox_retries')};"
                f" error apologies sent {s.get('apologies')}"
            )
        lines += [f"  uncertain: {line}" for line in self.uncertain[:40]]
        if len(self.uncertain) > 40:
            lines.append(f"  … and {len(self.uncertain) - 40} more uncertain rows")
        lines += [f"  PROBLEM [{kind}]: {text}" for kind, text in self.problems[:60]]
        if len(self.problems) > 60:
            lines.append(f"  … and {len(self.problems) - 60} more problems")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- the process


class BotProcess:
    """`python -m bot.cli run`: started, killed and restarted; each start is a generation."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.spawned: list[float] = []
        self.ended: dict[int, float] = {}  # generation → when it was found dead
        self.lock = asyncio.Lock()
        self.unexpected: list[str] = []
        self._log_file: IO[bytes] | None = None

    @property
    def generation(self) -> int:
        """The number of the current (or last) process, from 0."""
        return len(self.spawned) - 1

    def generation_at(self, moment: float) -> int | None:
        """Which process was the live one at a monotonic instant."""
        index = bisect.bisect_right(self.spawned, moment) - 1
        return index if index >= 0 else None

    async def start(self) -> None:
        """Spawns a new generation, its output appended to the log."""
        if self._log_file is None:
            self._log_file = self.log.open("ab")
        self._log_file.write(f"=== generation {len(self.spawned)} ===\n".encode())
        self._log_file.flush()
        self.spawned.append(time.monotonic())
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=self.env,
            cwd=REPO,
            stdout=self._log_file,
            stderr=asyncio.subprocess.STDOUT,
        )

    async def kill(self) -> None:
        """SIGKILL and reap the current process."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        code = await self.process.wait()
        self.ended.setdefault(self.generation, time.monotonic())
        if code != -signal.SIGKILL:
            self.unexpected.append(f"generation {self.generation} had exited with {code}")

    async def crash(self) -> None:
        """Kill and restart at once (one owner at a time: see `revive`)."""
        async with self.lock:
            await self.kill()
            await self.start()

    async def revive(self) -> bool:
        """Restarts a process that exited by itself (recorded); False if it runs."""
        async with self.lock:
            if self.process is None or self.process.returncode is None:
                return False
            self.ended.setdefault(self.generation, time.monotonic())
            self.unexpected.append(
                f"generation {self.generation} exited by itself with {self.process.returncode}"
            )
            await self.start()
            return True

    async def stop(self) -> int:
        """SIGTERM (a clean stop) and the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), timeout=60)
        self.close()
        return code

    async def ensure_dead(self) -> None:
        """Kills the process if it still runs (cleanup after a failure)."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
        self.close()

    def close(self) -> None:
        """Closes the log."""
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


class CallWatch:
    """Reads the fake's call log: which process took which update, and when each polled first."""

    def __init__(self, server: FakeBotApi, proc: BotProcess) -> None:
        self._server = server
        self._proc = proc
        self._seen = 0
        self._times: list[float] = []
        self._offsets: list[int] = []  # running maximum of getUpdates offsets
        self.ready: dict[int, float] = {}

    def scan(self) -> None:
        """Takes in the calls made since the last scan."""
        calls = self._server.calls
        for call in calls[self._seen :]:
            if call.method != "getUpdates":
                continue
            generation = self._proc.generation_at(call.monotonic)
            if generation is not None:
                self.ready.setdefault(generation, call.monotonic)
            offset = int(call.params.get("offset") or 0)
            if offset > (self._offsets[-1] if self._offsets else 0):
                self._times.append(call.monotonic)
                self._offsets.append(offset)
        self._seen = len(calls)

    def taken_by(self, update_id: int) -> int | None:
        """The process that confirmed (took) an update, if one did."""
        self.scan()
        index = bisect.bisect_right(self._offsets, update_id)
        if index == len(self._offsets):
            return None
        return self._proc.generation_at(self._times[index])

    def lost(self, update_id: int) -> bool:
        """Taken by a process that died since (its answer will never come). Requests the
        process had already sent still complete at the server, so a grace period passes first."""
        taken = self.taken_by(update_id)
        ended = None if taken is None else self._proc.ended.get(taken)
        return ended is not None and time.monotonic() - ended > LOST_GRACE

    def is_ready(self) -> bool:
        """Whether the current process has started polling."""
        self.scan()
        return self._proc.generation in self.ready


# ----------------------------------------------------------------------------- messages


def text_of(message: JSON) -> str:
    """A message's text or caption."""
    return str(message.get("text") or message.get("caption") or "")


def buttons(message: JSON) -> list[str]:
    """The callback data of a message's inline buttons."""
    markup = message.get("reply_markup") or {}
    return [
        str(button.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def is_notice(message: JSON) -> bool:
    """Something the bot sent by itself rather than as an answer."""
    if "photo" in message or "document" in message:
        return True
    text = text_of(message)
    return text.startswith(NOTICE_PREFIXES) or any(m in text.split("\n", 1)[0] for m in SCHEDULED)


# ----------------------------------------------------------------------------- the harness


@dataclass
class StepResult:
    """What one step of a conversation got back."""

    kind: str  # ok | told | gone | silent
    message: JSON | None = None
    text: str = ""


class Harness:
    """What the actors share: the server, the process, the plan, and the records."""

    def __init__(self, plan: Plan, server: FakeBotApi, proc: BotProcess, db_path: Path) -> None:
        self.plan = plan
        self.server = server
        self.proc = proc
        self.watch = CallWatch(server, proc)
        self.db_path = db_path
        self.started = time.monotonic()
        self.deadline = self.started + plan.budget
        self.informants_done = asyncio.Event()
        self.stopping = asyncio.Event()
        self.report = Report(plan)
        self.members: list[Member] = []

    def rng_for(self, member: Member) -> random.Random:
        """Each actor's own seeded randomness."""
        return random.Random(self.plan.seed * 1_000_003 + member.tg)

    def time_left(self) -> float:
        """Seconds left of the drive's budget."""
        return self.deadline - time.monotonic()

    def problem(self, text: str, kind: str = "invariant") -> None:
        """Records a problem; `kind` groups problems of one cause (see `Report.kinds`)."""
        self.report.problems.append((kind, text))

    async def wait_ready(self, timeout: float = 90.0) -> None:  # noqa: ASYNC109
        """Until the current bot process polls (the killer and `watchdog` restart it)."""
        end = time.monotonic() + timeout
        while not self.watch.is_ready():
            if time.monotonic() > end:
                raise TimeoutError("the bot did not start polling")
            await asyncio.sleep(0.05)

    async def outcome(self, update: JSON, check: Callable[[], T | None]) -> T | None:
        """Waits for `check()` to see the answer to an update; None if a kill took the update
        (see `CallWatch.lost`) or a live bot stayed silent for `reply_timeout`."""
        update_id = int(update["update_id"])
        end = time.monotonic() + self.plan.reply_timeout
        while True:
            got = check()
            if got is not None:
                return got
            if self.watch.lost(update_id):
                return None
            left = end - time.monotonic()
            if left <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await self.server.wait_until(lambda: check() is not None, min(0.5, left))

    async def new_messages(self, member: Member, seen: int) -> list[JSON]:
        """The bot's messages to a member from index `seen` on (waits a little for one)."""
        if self.server.sent_count(member.tg) <= seen:
            with contextlib.suppress(TimeoutError):
                await self.server.wait_until(
                    lambda: self.server.sent_count(member.tg) > seen or self.stopping.is_set(),
                    0.5,
                )
        if self.server.sent_count(member.tg) <= seen:
            return []
        return self.server.sent_to(member.tg, include_deleted=True)[seen:]

    def current(self, member: Member, message: JSON) -> JSON | None:
        """A message in a member's chat as it is now."""
        with contextlib.suppress(LookupError):
            return self.server.message(member.tg, int(message["message_id"]))
        return None

    def _answer_to(self, update: JSON) -> Callable[[], JSON | None]:
        """A check for the bot's answer to a button press."""
        query = str(update["callback_query"]["id"])
        return lambda: self.server.callback_answers.get(query)

    async def tap(self, member: Member, tap: Tap, message: JSON, data: str) -> JSON | None:
        """Taps a button until an answer comes (re-tapping after a kill while the button is
        still there); returns the answer, or None with `tap.outcome` saying why not."""
        for _ in range(5):
            now = self.current(member, message)
            if now is None or data not in buttons(now):
                tap.outcome = "gone"
                return None
            try:
                update = await member.user.click(now, data)
            except LookupError:
                tap.outcome = "gone"
                return None
            answer = await self.outcome(update, self._answer_to(update))
            if answer is not None:
                tap.update = update
                tap.answers.append(str(answer.get("text") or ""))
                tap.alert = bool(answer.get("show_alert"))
                return answer
            if not self.watch.lost(int(update["update_id"])):
                tap.outcome = "silent"
                return None
            tap.lost += 1
            await self.wait_ready()
        tap.outcome = "lost"
        return None


# ----------------------------------------------------------------------------- informants


async def _think(rng: random.Random, low: float = 0.05, high: float = 0.4) -> None:
    """A person's pause between two actions."""
    await asyncio.sleep(rng.uniform(low, high))


async def _step(
    h: Harness,
    member: Member,
    flow: Flow,
    name: str,
    perform: Callable[[], Awaitable[JSON]],
    expect: str,
    button: tuple[JSON, str] | None = None,
) -> StepResult:
    """One step of /submit: act, wait for the answer, act again if a kill took the update."""
    for _ in range(5):
        if button is not None:
            now = h.current(member, button[0])
            if now is None or button[1] not in buttons(now):
                return StepResult("gone")
        base = h.server.sent_count(member.tg)
        update = await perform()
        query = str(update["callback_query"]["id"]) if "callback_query" in update else None

        def check(base: int = base, query: str | None = query) -> StepResult | None:
            if query is not None:
                answer = h.server.callback_answers.get(query)
                if answer is not None and answer.get("show_alert"):
                    return StepResult("told", None, str(answer.get("text") or ""))
            if h.server.sent_count(member.tg) <= base:
                return None
            chat = h.server.sent_to(member.tg, include_deleted=True)
            seen = {text_of(m) for m in chat[max(0, base - 3) : base]}
            for message in chat[base:]:
                text = text_of(message)
                if is_notice(message) or (text in seen and expect not in text):
                    continue  # a notice, or a prompt sent again (replies are at least once)
                return StepResult("ok" if expect in text else "told", message, text)
            return None

        got = await h.outcome(update, check)
        if got is not None:
            return got
        if not h.watch.lost(int(update["update_id"])):
            return StepResult("silent", None, name)
        flow.lost_steps.append(name)
        await h.wait_ready()
    return StepResult("silent", None, f"{name} (lost five times)")


async def fill_draft(
    h: Harness,
    member: Member,
    flow: Flow,
    body: str,
    category: str,
    photo: bool,
    *,
    until: str = "preview",
) -> tuple[str | None, JSON | None]:
    """/submit up to the preview (or the Done offer after the body, `until="body"`):
    (None, that message) or (silent | restart, None)."""
    rng = random.Random(f"{h.plan.seed}:{flow.title}:{flow.attempts}")
    user = member.user

    async def tap_on(message: JSON | None, data: str) -> JSON:
        assert message is not None
        return await user.click(message, data)

    def text(value: str) -> Callable[[], Awaitable[JSON]]:
        return lambda: user.send_text(value)

    def verdict(result: StepResult) -> str | None:
        if result.kind == "ok":
            return None
        if result.kind == "silent":
            flow.told.append(f"(no answer to {result.text})")
            return "silent"
        flow.told.append(result.text or "(the button vanished without an answer)")
        return "restart"

    if flow.attempts > 1:  # the earlier try's draft dropped first (/submit would ask about it)
        dropped = await _step(h, member, flow, "cancel", text("/cancel"), "")
        if (stop := verdict(dropped)) is not None:
            return stop, None
    result = await _step(h, member, flow, "submit", text("/submit"), "请选择信息类别")
    if result.kind == "told" and "没有报送的草稿" in result.text:  # an earlier try's draft
        asked, data = result.message, "sub:restart"
        result = await _step(
            h,
            member,
            flow,
            "again",
            lambda: tap_on(asked, data),
            "请选择信息类别",
            (asked or {}, data),
        )
    if (stop := verdict(result)) is not None:
        return stop, None
    menu = result.message
    await _think(rng)
    data = f"sub:cat:{category}"
    result = await _step(
        h, member, flow, "category", lambda: tap_on(menu, data), "请输入标题", (menu or {}, data)
    )
    if (stop := verdict(result)) is not None:
        return stop, None
    await _think(rng)
    result = await _step(h, member, flow, "title", text(flow.title), "请输入正文")
    if (stop := verdict(result)) is not None:
        return stop, None
    await _think(rng)
    result = await _step(h, member, flow, "body", text(body), "已记录正文")
    if (stop := verdict(result)) is not None:
        return stop, None
    done = result.message
    if until == "body":
        return None, done
    await _think(rng)
    data = "sub:body:done"
    result = await _step(
        h, member, flow, "body_done", lambda: tap_on(done, data), "哪天发生", (done or {}, data)
    )
    if (stop := verdict(result)) is not None:
        return stop, None
    dates = result.message
    await _think(rng)
    data = "sub:date:0"
    result = await _step(
        h, member, flow, "date", lambda: tap_on(dates, data), "可以发送照片", (dates or {}, data)
    )
    if (stop := verdict(result)) is not None:
        return stop, None
    files = result.message
    if photo:
        await _think(rng)
        result = await _step(h, member, flow, "photo", user.send_photo, "已添加附件 1 个")
        if (stop := verdict(result)) is not None:
            return stop, None
        files = result.message
    await _think(rng)
    data = "sub:files:done"
    result = await _step(
        h, member, flow, "files_done", lambda: tap_on(files, data), "请核对", (files or {}, data)
    )
    if (stop := verdict(result)) is not None:
        return stop, None
    if flow.title not in result.text or body[:30] not in result.text:
        flow.told.append("(the preview showed another draft)")
        return "restart", None
    return None, result.message


async def _attempt(
    h: Harness, member: Member, flow: Flow, body: str, category: str, photo: bool
) -> str:
    """One pass through /submit; returns confirmed, unknown, silent or restart."""
    stop, preview = await fill_draft(h, member, flow, body, category, photo)
    if stop is not None:
        return stop
    await _think(random.Random(f"{h.plan.seed}:{flow.title}:{flow.attempts}:ok"))
    result = await confirm(h, member, flow, preview)
    if result.kind == "ok":
        match = CONFIRMED.search(result.text)
        if match is None:
            h.problem(f"{member.name}: a confirmation without a number: {result.text[:80]}")
            return "unknown"
        flow.item = int(match[1])
        return "confirmed"
    if result.kind == "gone":
        return "unknown"  # the buttons went away but no confirmation came: the user cannot tell
    if result.kind == "silent":
        flow.told.append(f"(no answer to {result.text})")
        return "silent"
    flow.told.append(result.text)
    return "restart"


async def confirm(h: Harness, member: Member, flow: Flow, preview: JSON | None) -> StepResult:
    """Taps ✅ 确认报送 on the preview (again, after a kill, while the button is there)."""
    assert preview is not None
    data = "sub:ok"
    return await _step(
        h,
        member,
        flow,
        "confirm",
        lambda: member.user.click(preview, data),
        "已报送",
        (preview, data),
    )


async def informant(h: Harness, member: Member) -> None:
    """Submits `items_per_informant` items, each through the whole /submit conversation."""
    rng = h.rng_for(member)
    await asyncio.sleep(rng.uniform(0, h.plan.stagger))
    for k in range(h.plan.items_per_informant):
        title = f"{member.unit}{member.tg}号第{k + 1}条信息"
        member.titles.append(title)
        flow = Flow(member.tg, title, time.monotonic())
        h.report.flows.append(flow)
        body = (
            f"{title}的正文：本单位推行“一窗通办”改革，当天办件 {rng.randrange(100, 5000)} 余件，"
            "群众满意率明显提升。" + "窗口工作人员延时服务，做到事事有回音、件件有着落。" * 2
        )
        category = rng.choice(CATEGORIES)
        photo = rng.random() < h.plan.photo_share
        if h.time_left() <= 0:
            flow.outcome = "skipped"
            continue
        while flow.attempts < 3:
            flow.attempts += 1
            outcome = await _attempt(h, member, flow, body, category, photo)
            if outcome != "restart":
                flow.outcome = outcome
                break
            await _think(rng, 0.2, 1.0)
        else:
            flow.outcome = "gave_up"
        flow.ended = time.monotonic()
        if flow.outcome == "silent":
            h.problem(f"{member.name}: /submit went silent ({flow.told[-1:]}); see the log")
        await _think(rng, 0.2, 1.0)


# ----------------------------------------------------------------------------- signers and editors

SIGNOFF = re.compile(r"so:(\d+):(\d+):(\d+):a")


async def signer(h: Harness, member: Member) -> None:
    """Signs off each request that reaches them: approve, or now and then return with a reason."""
    rng = h.rng_for(member)
    seen = 0
    queue: list[JSON] = []
    while not h.stopping.is_set():
        fresh = await h.new_messages(member, seen)
        seen += len(fresh)
        queue += [m for m in fresh if any(SIGNOFF.fullmatch(d) for d in buttons(m))]
        if not queue:
            member.idle = True
            continue
        member.idle = False
        request = queue.pop(0)
        data = next(d for d in buttons(request) if SIGNOFF.fullmatch(d))
        match = SIGNOFF.fullmatch(data)
        assert match is not None
        item, round_, step = int(match[1]), int(match[2]), int(match[3])
        await _think(rng, 0.1, 1.0)
        if rng.random() < h.plan.return_share:
            await _return(h, member, request, item, round_, step)
            continue
        tap = Tap("approve", member.tg, item, round_, step, tapped_at=time.monotonic())
        h.report.taps.append(tap)
        answer = await h.tap(member, tap, request, data)
        if answer is not None:
            tap.outcome = "refused" if tap.alert else "done"


async def _return(
    h: Harness, member: Member, request: JSON, item: int, round_: int, step: int
) -> None:
    """Return: tap ↩️, then type the reason; again from the tap if the bot forgot the question."""
    tap = Tap("return", member.tg, item, round_, step, tapped_at=time.monotonic())
    h.report.taps.append(tap)
    data = f"so:{item}:{round_}:{step}:r"
    for _ in range(4):
        base = h.server.sent_count(member.tg)
        answer = await h.tap(member, tap, request, data)
        if answer is None:
            return
        if tap.alert:
            tap.outcome = "refused"
            return
        if await _follow_up(h, member, tap, base, "请输入退回信息") is None:
            if tap.outcome == "silent":
                return
            continue  # the question was lost with the process: tap again
        base = h.server.sent_count(member.tg)
        update = await member.user.send_text(f"退回原因：信息 #{item} 需要补充具体数据。")
        reply = await h.outcome(update, _reply_check(h, member, base))
        if reply is None:
            if h.watch.lost(int(update["update_id"])):
                tap.lost += 1
                await h.wait_ready()
                continue  # the reason was lost with the process: tap again, type again
            tap.outcome = "silent"
            return
        tap.answers.append(reply)
        if "请确认退回" in reply:  # the reason shown back: confirm it
            shown = _marker_check(h, member, base, "请确认退回")()
            assert shown is not None
            answer = await h.tap(member, tap, shown, f"so:{item}:{round_}:{step}:c")
            if answer is None:
                if tap.outcome in ("gone", "silent"):
                    return
                continue  # lost with the process: from the tap again
            said = str(answer.get("text") or "")
            if "已退回" in said:
                tap.outcome = "done"
                return
            if "审签过" in said or "已经变化" in said:
                tap.outcome = "refused"
                return
            tap.alert = False
            continue  # the confirmation was lost with the process: from the tap again
        if "已退回" in reply:
            tap.outcome = "done"
            return
        if "审签过" in reply or "已经变化" in reply:
            tap.outcome = "refused"
            return
        # Anything else (the help text): the bot no longer waited for a reason; tap again.
    tap.outcome = "lost"


def _reply_check(h: Harness, member: Member, base: int) -> Callable[[], str | None]:
    """A check for the first answer sent to a member after index `base`."""
    return lambda: _first_reply(h, member, base)


def _first_reply(h: Harness, member: Member, base: int) -> str | None:
    """The first answer (not a notice) the bot sent a member after index `base`."""
    if h.server.sent_count(member.tg) <= base:
        return None
    for message in h.server.sent_to(member.tg, include_deleted=True)[base:]:
        if not is_notice(message):
            return text_of(message)
    return None


def _marker_check(h: Harness, member: Member, base: int, marker: str) -> Callable[[], JSON | None]:
    """A check for a message containing `marker` sent to a member after index `base`."""

    def found() -> JSON | None:
        if h.server.sent_count(member.tg) <= base:
            return None
        for message in h.server.sent_to(member.tg, include_deleted=True)[base:]:
            if marker in text_of(message):
                return message
        return None

    return found


async def _follow_up(h: Harness, member: Member, tap: Tap, base: int, marker: str) -> JSON | None:
    """The message a tap's handler sends after answering it; None (with `tap.lost` counted and
    the bot back) if a kill came between the answer and the message, or "silent"."""
    assert tap.update is not None
    got = await h.outcome(tap.update, _marker_check(h, member, base, marker))
    if got is not None:
        return got
    if h.watch.lost(int(tap.update["update_id"])):
        tap.lost += 1
        await h.wait_ready()
    else:
        tap.outcome = "silent"
    return None


NEW_ITEM = re.compile(r"ed:adopt:(\d+)")


async def editor(h: Harness, member: Member, outlets: list[str]) -> None:
    """For each item reaching the centre: sometimes register it, then record one or two
    adoptions (both editors pick the same outlets for an item, so they race for them)."""
    rng = h.rng_for(member)
    seen = 0
    queue: list[tuple[int, JSON]] = []
    done: set[int] = set()
    while not h.stopping.is_set():
        fresh = await h.new_messages(member, seen)
        seen += len(fresh)
        for message in fresh:
            for data in buttons(message):
                if (match := NEW_ITEM.fullmatch(data)) and int(match[1]) not in done:
                    done.add(int(match[1]))
                    queue.append((int(match[1]), message))
        if not queue:
            member.idle = True
            continue
        member.idle = False
        item, card = queue.pop(rng.randrange(len(queue)))
        choice = random.Random(f"{h.plan.seed}:item:{item}")
        picks = [choice.randrange(len(outlets))]
        if choice.random() < h.plan.second_outlet_share:
            picks.append((picks[0] + 1 + choice.randrange(len(outlets) - 1)) % len(outlets))
        await _think(rng, 0.1, 0.8)
        if rng.random() < h.plan.register_share:
            tap = Tap("register", member.tg, item, tapped_at=time.monotonic())
            h.report.taps.append(tap)
            if await h.tap(member, tap, card, f"ed:reg:{item}") is not None:
                tap.outcome = "refused" if tap.alert else "done"
        for index in picks:
            await _adopt(h, member, card, item, index, outlets[index])


async def _adopt(
    h: Harness, member: Member, card: JSON, item: int, index: int, outlet: str
) -> None:
    """登记采用 → the outlet menu → the outlet's button."""
    tap = Tap("adopt", member.tg, item, outlet=outlet, tapped_at=time.monotonic())
    h.report.taps.append(tap)
    for _ in range(4):
        base = h.server.sent_count(member.tg)
        answer = await h.tap(member, tap, card, f"ed:adopt:{item}")
        if answer is None:
            return
        if tap.alert:
            tap.outcome = "refused"
            return
        menu = await _follow_up(h, member, tap, base, f"信息 #{item} 被哪里采用")
        if menu is None:
            if tap.outcome == "silent":
                return
            continue  # the menu was lost with the process: tap 登记采用 again
        tap.answers.clear()
        answer = await h.tap(member, tap, menu, f"ed:out:{item}:{index}")
        if answer is not None:
            tap.outcome = "refused" if tap.alert else "done"
            return
        if tap.outcome != "gone":
            return
    tap.outcome = "lost"


# ----------------------------------------------------------------------------- the killer


async def killer(h: Harness) -> None:
    """SIGKILL at random moments, restarting at once, until the informants are done and
    `min_kills` happened (or `max_kills`, or the budget runs out)."""
    rng = random.Random(h.plan.seed)
    plan = h.plan
    while len(h.report.kills) < plan.max_kills and h.time_left() > 0:
        if h.informants_done.is_set() and len(h.report.kills) >= plan.min_kills:
            break
        if rng.random() < plan.startup_kill_share:
            await asyncio.sleep(rng.uniform(0.3, 1.9))  # start-up takes about 2 s
            phase = "running" if h.watch.is_ready() else "startup"
        else:
            await h.wait_ready()
            await asyncio.sleep(rng.uniform(*plan.uptime))
            phase = "running"
        await h.proc.crash()
        h.report.kills.append((time.monotonic() - h.started, phase))
    await h.wait_ready()


# ----------------------------------------------------------------------------- the run


def _config(tmp: Path, file_base_url: str) -> Path:
    """config.yaml with one admin (who hands out invites in the chat), downloading the files
    people send from the fake Bot API, and no quiet hours: the sweep at each start offers
    waiting steps again (and reminds) whatever the hour, so a run does not depend on it."""
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    files_at = "\n  file_base_url: https://api.telegram.org/file/bot"
    quiet = '\n    start: "20:00"\n'
    assert "\nadmins: []" in text and files_at in text and text.count(quiet) == 1
    text = text.replace("\nadmins: []", f"\nadmins: [{ADMIN}]")
    text = text.replace(quiet, '\n    start: "08:00"\n')  # start = end: none
    path = tmp / "config.yaml"
    path.write_text(text.replace(files_at, f"\n  file_base_url: {file_base_url}"), encoding="utf-8")
    return path


async def _cli(env: dict[str, str], *args: str) -> str:
    """Runs `python -m bot.cli ARGS` and returns its output (fails on a non-zero exit)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, output.decode()
    return output.decode()


def _cast(plan: Plan, server: FakeBotApi) -> list[Member]:
    """Everyone taking part, with their unit and role."""
    people: list[tuple[str, str, str]] = []  # unit, role, name prefix
    for unit in WINDOWS[: plan.windows]:
        people += [(unit, "informant", "信息员")] * plan.informants_per_unit
        people += [(unit, "window_head", "窗口负责人")] * plan.heads_per_window
        people += [(unit, "leader", "分管领导")] * plan.leaders_per_unit
    for unit in ONE_STEP[: plan.one_step_units]:
        people += [(unit, "informant", "信息员")] * plan.informants_per_unit
        people += [(unit, "leader", "主任")] * plan.leaders_per_unit
    for unit in SECTIONS[: plan.sections]:
        people += [(unit, "informant", "科室信息员")] * plan.informants_per_unit
    people += [(EDITOR_UNIT, "editor", "编辑")] * plan.editors
    members = []
    for index, (unit, role, prefix) in enumerate(people):
        tg = 10_001 + index
        name = f"{prefix}{tg}"
        members.append(Member(tg, name, unit, role, server.user(tg, name)))
    return members


async def _join(h: Harness, cli_codes: Awaitable[list[str]]) -> None:
    """Editors join with codes from `baosong invite`; the rest with codes the admin asks the
    bot for (`/invite UNIT ROLE`). Before any kill."""
    server = h.server
    admin = server.user(ADMIN, "管理员")
    by_chat = [m for m in h.members if m.role != "editor"]
    base = server.sent_count(ADMIN)
    for member in by_chat:
        await admin.send_text(f"/invite {member.unit} {member.role}")

    def invites() -> list[str]:
        return [
            text_of(m)
            for m in server.sent_to(ADMIN, include_deleted=True)[base:]
            if "邀请链接" in text_of(m)
        ]

    await server.wait_until(lambda: len(invites()) >= len(by_chat), 30 + len(by_chat) * 0.5)
    codes = {}
    for member, text in zip(by_chat, invites(), strict=True):
        match = re.search(r"start=([A-Za-z0-9_-]+)", text)
        assert match is not None, text
        codes[member.tg] = match[1]
    editors = [m for m in h.members if m.role == "editor"]
    for member, code in zip(editors, await cli_codes, strict=True):
        codes[member.tg] = code
    for member in h.members:
        await member.user.send_text(f"/start {codes[member.tg]}")

    def joined() -> bool:
        return all(
            any("欢迎" in text_of(m) for m in server.sent_to(member.tg)) for member in h.members
        )

    await server.wait_until(joined, 30 + len(h.members) * 0.5, "everyone joined")


async def _editor_codes(env: dict[str, str], count: int) -> list[str]:
    """Invite codes for the editors from the command line, made in parallel."""
    outputs = await asyncio.gather(
        *(
            _cli(env, "invite", "--unit", EDITOR_UNIT, "--role", "editor", "--json")
            for _ in range(count)
        )
    )
    return [str(json.loads(out.strip().splitlines()[-1])["code"]) for out in outputs]


def _pending_outbox(db_path: Path) -> int:
    """Outbox rows not yet settled (pending or being sent), read-only."""
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"
        ).fetchone()
    return int(row[0])


async def _settle(h: Harness) -> None:
    """Waits until nothing moves: every actor idle, the outbox drained, no calls for 2 s."""
    end = time.monotonic() + max(30.0, h.time_left() + 60)  # the editors may have a backlog
    quiet_since: float | None = None
    calls = -1
    while time.monotonic() < end:
        await asyncio.sleep(0.5)
        busy = any(not m.idle for m in h.members if m.role != "informant")
        if busy or _pending_outbox(h.db_path) or len(h.server.calls) != calls:
            calls = len(h.server.calls)
            quiet_since = None
            continue
        quiet_since = quiet_since or time.monotonic()
        if time.monotonic() - quiet_since >= 2.0:
            return
    h.problem("the run did not settle: actors busy or outbox rows pending at the end")


async def watchdog(h: Harness) -> None:
    """Restarts a bot that exited by itself (a problem, recorded), until the drive stops."""
    while not h.stopping.is_set():
        await asyncio.sleep(0.2)
        if await h.proc.revive() and len(h.proc.unexpected) > 3:
            raise RuntimeError("the bot keeps exiting by itself; see the log")


async def _guarded(h: Harness, name: str, work: Awaitable[None]) -> None:
    """Runs an actor; a crash of the test's own actor becomes a problem, not a hang."""
    try:
        await work
    except Exception:
        h.problem(f"actor {name} crashed:\n{traceback.format_exc()}")


@asynccontextmanager
async def rig(plan: Plan, tmp: Path) -> AsyncIterator[Harness]:
    """The fake Bot API, the bot process polling it, every member joined; killed at the end."""
    db_path = tmp / "crash.db"
    async with FakeBotApi() as server:
        config = _config(tmp, server.base_file_url)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BAOSONG_")},
            "BAOSONG_CONFIG": str(config),
            "BAOSONG_DB": str(db_path),
            "BAOSONG_API_BASE_URL": server.base_url,
            "BAOSONG_BOT_TOKEN": TOKEN,
        }
        proc = BotProcess(env, tmp / "bot.log")
        h = Harness(plan, server, proc, db_path)
        h.members = _cast(plan, server)
        try:
            await _cli(env, "init")
            codes = asyncio.ensure_future(_editor_codes(env, plan.editors))
            await proc.start()
            await h.wait_ready()
            await _join(h, codes)
            h.started = time.monotonic()
            h.deadline = h.started + plan.budget
            yield h
        finally:
            h.stopping.set()
            await proc.ensure_dead()


async def run_crash(plan: Plan, tmp: Path) -> Report:
    """The whole run: set up, join, drive under kills, settle, stop cleanly, check."""
    async with rig(plan, tmp) as h:
        h.server.network_fault_rate = plan.fault_rate  # everyone has joined: now the faults
        settings = load_settings(Path(h.proc.env["BAOSONG_CONFIG"]), h.proc.env)
        outlets = [o.name for o in settings.outlets]
        informants = [
            _guarded(h, m.name, informant(h, m)) for m in h.members if m.role == "informant"
        ]
        others = [
            asyncio.ensure_future(
                _guarded(h, m.name, editor(h, m, outlets) if m.role == "editor" else signer(h, m))
            )
            for m in h.members
            if m.role != "informant"
        ]
        killing = asyncio.ensure_future(_guarded(h, "killer", killer(h)))
        watching = asyncio.ensure_future(_guarded(h, "watchdog", watchdog(h)))
        await asyncio.wait_for(asyncio.gather(*informants), timeout=plan.budget + 60)
        h.informants_done.set()
        await asyncio.wait_for(killing, timeout=plan.budget + 60)
        h.server.network_fault_rate = 0.0  # what is left to settle (outbox retries) goes clean
        h.report.stats["faults"] = dict(h.server.network_faults)
        await _settle(h)
        h.stopping.set()
        await asyncio.wait_for(asyncio.gather(*others, watching), timeout=plan.reply_timeout + 30)
        h.report.runtime = time.monotonic() - h.started
        code = await h.proc.stop()
        if code != 0:
            h.problem(f"the bot did not stop cleanly on SIGTERM (exit code {code})")
    h.report.unexpected_exits = list(h.proc.unexpected)
    for line in h.proc.unexpected:
        h.problem(f"the bot exited by itself: {line}")
    await check(h)
    return h.report


async def poll(predicate: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
    """Until `predicate()` holds (for what the fake's events do not signal, like the ledger)."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError(f"still waiting after {timeout} s")
        await asyncio.sleep(0.1)


async def settle_outbox(h: Harness, timeout: float = 40.0) -> None:  # noqa: ASYNC109
    """Until no outbox row is pending or being sent (the retry job runs every 15 s)."""
    await poll(lambda: not _pending_outbox(h.db_path), timeout)


class Hold:
    """Makes the fake Bot API sit on the first request of a method that `match`es, so a kill
    lands exactly while the bot waits for that answer. `release` lets it complete (the
    request had reached Telegram) or drops it (it had not)."""

    def __init__(self, server: FakeBotApi, method: str, match: Callable[[JSON], bool]) -> None:
        # The fake has no hook for this; its method table is the one place to put it.
        self._methods = server._methods
        self._key = method.lower()
        self._entry = self._methods[self._key]
        name, inner = self._entry
        self.hit = asyncio.Event()
        self._released = asyncio.Event()
        self._execute = True

        async def held(request: Any) -> object:
            if not self.hit.is_set() and match(request.params):
                self.hit.set()
                await self._released.wait()
                if not self._execute:
                    raise ApiError(400, "Bad Request: the request never arrived (test hold)")
            outcome = inner(request)
            return await outcome if inspect.isawaitable(outcome) else outcome

        self._methods[self._key] = (name, held)

    def release(self, *, execute: bool) -> None:
        """Lets the held request complete (`execute`) or fail, and stops holding."""
        self._execute = execute
        self._methods[self._key] = self._entry
        self._released.set()


# ----------------------------------------------------------------------------- the checks


def _rows(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
    return list(conn.execute(sql, tuple(params)).fetchall())


def _purpose_key(purpose: str, adoptions: dict[int, tuple[int, str]]) -> tuple[Any, ...] | None:
    """What an outbox row's message is about, as `_message_key` reads it off the message."""
    parts = purpose.split(":")
    if parts[0] != "notice" or len(parts) < 3:
        return None
    kind = parts[1]
    if kind in {"signoff_request", "signoff_again"}:  # a request, or the step offered again
        return (kind, int(parts[2]), int(parts[4]))
    if kind in {
        "editor_new_item",
        "author_step_approved",
        "author_at_centre",
        "author_returned",
        "item_registered",
    }:
        return (kind, int(parts[2]))
    if kind in {"attachment", "admin_no_signer"}:
        return (kind, int(parts[2]))
    if kind == "adoption_adopted":
        item, outlet = adoptions.get(int(parts[2]), (-1, "?"))
        return (kind, item, outlet)
    return None


_MESSAGE_KEYS = (
    (re.compile(r"^📝 请审签（第 (\d+) 步[^#]*#(\d+) ", re.S), "signoff_request"),
    (re.compile(r"^📝 待您审签（第 (\d+) 步[^#]*#(\d+) ", re.S), "signoff_again"),
    (re.compile(r"^📥 新信息报送到中心[^#]*#(\d+) ", re.S), "editor_new_item"),
    (re.compile(r"^✅ 您的信息 #(\d+) 已由"), "author_step_approved"),
    (re.compile(r"^📨 您的信息 #(\d+) 已审签完毕"), "author_at_centre"),
    (re.compile(r"^↩️ 您的信息 #(\d+) 被"), "author_returned"),
    (re.compile(r"^📋 您的信息 #(\d+)《"), "item_registered"),
    (re.compile(r"^🎉 信息 #(\d+) 被“(.+?)”采用"), "adoption_adopted"),
    (re.compile(r"^⚠️ .*信息 #(\d+) 无人审签"), "admin_no_signer"),
)


def _message_key(message: JSON) -> tuple[Any, ...] | None:
    """Which notice a delivered message is (None for answers and anything else)."""
    text = text_of(message)
    if "photo" in message or "document" in message:
        match = re.match(r"#(\d+)", text)
        return ("attachment", int(match[1])) if match else None
    for pattern, kind in _MESSAGE_KEYS:
        match = pattern.match(text)
        if match is None:
            continue
        if kind in {"signoff_request", "signoff_again"}:
            return (kind, int(match[2]), int(match[1]) - 1)
        if kind == "adoption_adopted":
            return (kind, int(match[1]), match[2])
        return (kind, int(match[1]))
    return None


async def check(h: Harness) -> None:
    """Every invariant of issue 6, against the stopped bot's database and the fake's records."""
    report, server = h.report, h.server
    with contextlib.closing(sqlite3.connect(f"file:{h.db_path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        _check_ledger(h, conn)
        _check_outbox(h, conn)
        _check_taps(h, conn)
        _check_flows(h, conn)
    await _check_figures(h)
    log = h.proc.log.read_text(encoding="utf-8", errors="replace").splitlines()
    errors = [_log_error(log, i) for i, line in enumerate(log) if " ERROR " in line]
    report.stats["log_errors"] = len(errors)
    # An update the bot handled but had not confirmed when killed comes again; answering its
    # button a second time fails ("query is too old") and the user gets the error message.
    redelivered = bool(errors) and all(REDELIVERED in line for line in errors)
    kind = "redelivered" if redelivered else "invariant"
    for line in errors[:10]:
        h.problem(f"bot log: {line}", kind)
    report.log_tail = "\n".join(log[-60:])
    seen_errors = [
        (m.name, text_of(msg)[:60])
        for m in h.members
        for msg in server.sent_to(m.tg)
        if any(e in text_of(msg) for e in ERROR_TEXTS)
    ]
    for name, text in seen_errors[:10]:
        h.problem(f"{name} was shown the error message: {text}", kind)


def ledger_problems(h: Harness, db_path: Path) -> list[str]:
    """What the ledger's checks (tables, audit, the notices each change owes) find in one
    database, for a placed run that stops short of `check`."""
    before = len(h.report.problems)
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        _check_ledger(h, conn)
    found = [text for _, text in h.report.problems[before:]]
    del h.report.problems[before:]
    return found


def _log_error(log: list[str], index: int) -> str:
    """An ERROR line of the bot's log with the exception its traceback ends in, and where."""
    tail = []
    for line in log[index + 1 :]:
        if re.match(r"\d{4}-\d\d-\d\d |=== ", line):
            break
        tail.append(line)
    where = [line.strip() for line in tail if line.strip().startswith(f'File "{REPO}')]
    places = [w for w in where if "/.venv/" not in w][-2:]
    return f"{log[index][:200]} → {tail[-1].strip()[:300] if tail else ''} (at {places})"


#: Every person with their Telegram id (the crash runs are all on Telegram).
PEOPLE_SQL = (
    "SELECT p.*, CAST(a.external_id AS INTEGER) AS tg FROM people p"
    " JOIN accounts a ON a.person_id = p.id AND a.channel = 'telegram'"
)


def _ledger(conn: sqlite3.Connection) -> dict[str, Any]:
    """The tables the checks need, keyed for lookups."""
    people = {int(r["id"]): r for r in _rows(conn, PEOPLE_SQL)}
    holders: dict[tuple[int, str], list[int]] = defaultdict(list)
    editors: list[int] = []
    for r in _rows(conn, "SELECT * FROM roles WHERE revoked_at IS NULL ORDER BY id"):
        tg = people[int(r["person_id"])]["tg"]
        if r["role"] == "editor":
            editors.append(int(tg))
        elif r["unit_id"] is not None:
            holders[(int(r["unit_id"]), str(r["role"]))].append(int(tg))
    return {
        "people": people,
        "holders": holders,
        "editors": editors,
        "items": {int(r["id"]): r for r in _rows(conn, "SELECT * FROM items")},
        "signoffs": _rows(conn, "SELECT * FROM signoffs ORDER BY id"),
        "adoptions": _rows(conn, "SELECT * FROM adoptions ORDER BY id"),
        "files": _rows(conn, "SELECT * FROM item_files ORDER BY id"),
        "audit": _rows(conn, "SELECT * FROM audit_log ORDER BY id"),
        "outbox": _rows(conn, "SELECT * FROM outbox ORDER BY id"),
    }


def _check_ledger(h: Harness, conn: sqlite3.Connection) -> None:
    """Tables against each other and against the audit log; the notices each change owes."""
    report = h.report
    data = _ledger(conn)
    items: dict[int, sqlite3.Row] = data["items"]
    people = data["people"]
    holders: dict[tuple[int, str], list[int]] = data["holders"]
    editors: list[int] = data["editors"]
    report.stats["items"] = len(items)
    report.stats["item_states"] = dict(Counter(str(r["state"]) for r in items.values()))
    report.stats["signoffs"] = len(data["signoffs"])
    report.stats["returns"] = sum(1 for r in data["signoffs"] if r["decision"] == "return")
    live = [r for r in data["adoptions"] if r["withdrawn_at"] is None]
    report.stats["adoptions"] = len(live)
    report.stats["points"] = sum(int(r["points"]) for r in live)

    audit: dict[int, list[sqlite3.Row]] = defaultdict(list)
    by_action: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in data["audit"]:
        by_action[str(row["action"])].append(row)
        if row["entity"] == "item" and row["entity_id"] is not None:
            audit[int(row["entity_id"])].append(row)

    def detail(row: sqlite3.Row) -> JSON:
        value: JSON = json.loads(row["detail"])
        return value

    # Items: submitted in one step, state = the last transition's `after`.
    for item_id, item in items.items():
        trail = audit[item_id]
        actions = Counter(str(r["action"]) for r in trail)
        if item["state"] == "draft":
            h.problem(f"item #{item_id} is left a draft (create and submit are one transaction)")
        if actions["item.create"] != 1 or actions["item.submit"] != 1:
            h.problem(f"item #{item_id}: audit has {dict(actions)} (one create, one submit)")
        moves = [r for r in trail if r["action"] in TRANSITIONS]
        if moves and detail(moves[-1]).get("after") != item["state"]:
            h.problem(
                f"item #{item_id} is {item['state']} but its last transition"
                f" {moves[-1]['action']} says {detail(moves[-1]).get('after')}"
            )
        if int(item["chain_round"]) != 0:
            h.problem(f"item #{item_id} is in round {item['chain_round']}; nobody resubmits")

    # Sign-offs: one audit row each, and the item where its chain says it must be.
    signoff_audit = Counter(
        int(detail(r)["signoff_id"])
        for a in ("signoff.approve", "signoff.return")
        for r in by_action[a]
    )
    decided: dict[int, list[sqlite3.Row]] = defaultdict(list)
    for row in data["signoffs"]:
        decided[int(row["item_id"])].append(row)
        if signoff_audit.get(int(row["id"])) != 1:
            h.problem(
                f"sign-off {row['id']} (item #{row['item_id']}) has {signoff_audit.get(int(row['id']), 0)} audit rows"
            )
        found = [
            r
            for r in audit[int(row["item_id"])]
            if r["action"] == f"signoff.{row['decision']}"
            and detail(r).get("signoff_id") == row["id"]
        ]
        if len(found) != 1:
            h.problem(
                f"sign-off {row['id']}: no matching signoff.{row['decision']} audit on its item"
            )
    known = {int(r["id"]) for r in data["signoffs"]}
    for signoff_id in set(signoff_audit) - known:
        h.problem(f"audit records sign-off {signoff_id} but the signoffs table has no such row")
    for item_id, item in items.items():
        chain = [c for c in str(item["chain"]).split(",") if c]
        rows = sorted(decided[item_id], key=lambda r: int(r["step"]))
        steps = [int(r["step"]) for r in rows]
        approvals = [r for r in rows if r["decision"] == "approve"]
        returns = [r for r in rows if r["decision"] == "return"]
        state, step = str(item["state"]), int(item["chain_step"])
        expected_steps = list(range(len(rows)))
        ok = steps == expected_steps and len(returns) <= 1
        if state == "pending":
            ok = ok and not returns and len(rows) == step
        elif state == "returned":
            ok = ok and len(returns) == 1 and steps[-1:] == [int(returns[0]["step"])]
        elif state in {"submitted", "registered"}:
            ok = ok and not returns and len(approvals) == len(chain)
        if not ok:
            h.problem(
                f"item #{item_id} ({state}, step {step}, chain {chain}) has sign-offs"
                f" {[(int(r['step']), r['decision']) for r in rows]}"
            )
        actions = Counter(str(r["action"]) for r in audit[item_id])
        final = sum(1 for r in approvals if int(r["step"]) == len(chain) - 1)
        if actions["item.approve_step"] != len(approvals) - final:
            h.problem(
                f"item #{item_id}: {actions['item.approve_step']} approve_step audits for {len(approvals) - final} approvals"
            )
        if actions["item.reach_centre"] != final or actions["item.return"] != len(returns):
            h.problem(f"item #{item_id}: audit {dict(actions)} against sign-offs {steps}")
        if actions["item.register"] != (1 if state == "registered" else 0):
            h.problem(f"item #{item_id} is {state} with {actions['item.register']} register audits")

    # Adoptions: one audit row each, never two live ones of an item by an outlet, points by level.
    record_audit = Counter(int(detail(r)["adoption_id"]) for r in by_action["adoption.record"])
    pairs = Counter((int(r["item_id"]), str(r["outlet"])) for r in live)
    for (item_id, outlet), count in pairs.items():
        if count > 1:
            h.problem(f"item #{item_id} adopted by {outlet} {count} times (live)")
    policy = load_settings(Path(h.proc.env["BAOSONG_CONFIG"]), h.proc.env).scoring
    for row in data["adoptions"]:
        if record_audit.get(int(row["id"])) != 1:
            h.problem(
                f"adoption {row['id']} has {record_audit.get(int(row['id']), 0)} adoption.record audits"
            )
        if int(row["points"]) != policy.points_for_level(int(row["level"])):
            h.problem(f"adoption {row['id']}: {row['points']} points at level {row['level']}")
        if items[int(row["item_id"])]["state"] != "registered":
            h.problem(
                f"adopted item #{row['item_id']} is {items[int(row['item_id'])]['state']}, not registered"
            )
    for adoption_id in set(record_audit) - {int(r["id"]) for r in data["adoptions"]}:
        h.problem(f"audit records adoption {adoption_id} but the adoptions table has no such row")

    # The notices each recorded change owes, and no notice without its change.
    files: dict[int, list[int]] = defaultdict(list)
    for row in data["files"]:
        files[int(row["item_id"])].append(int(row["id"]))
    owed: set[tuple[str, int]] = set()

    def signers(item: sqlite3.Row, round_: int, step: int) -> None:
        chain = [c for c in str(item["chain"]).split(",") if c]
        event = f"{item['id']}:{round_}:{step}"
        for tg in holders.get((int(item["unit_id"]), chain[step]), []):
            owed.add((f"notice:signoff_request:{event}", tg))
            owed.update((f"notice:attachment:{event}:{f}", tg) for f in files[int(item["id"])])

    def centre(item: sqlite3.Row) -> None:
        for tg in editors:
            owed.add((f"notice:editor_new_item:{item['id']}", tg))
            owed.update((f"notice:attachment:{item['id']}:{f}", tg) for f in files[int(item["id"])])

    for item_id, item in items.items():
        if item["state"] == "draft":
            continue
        author = int(people[int(item["author_id"])]["tg"])
        chain = [c for c in str(item["chain"]).split(",") if c]
        if chain:
            signers(item, 0, 0)
        else:
            centre(item)
        for row in decided[item_id]:
            round_, step = int(row["round"]), int(row["step"])
            if row["decision"] == "return":
                owed.add((f"notice:author_returned:{item_id}:{round_}:{step}", author))
            elif step + 1 < len(chain):
                signers(item, round_, step + 1)
                owed.add((f"notice:author_step_approved:{item_id}:{round_}:{step}", author))
            else:
                centre(item)
                owed.add((f"notice:author_at_centre:{item_id}", author))
        if item["registered_at"] is not None and item["registered_by"] != item["author_id"]:
            owed.add((f"notice:item_registered:{item_id}", author))  # by a tap or an adoption
    for row in live:
        item = items[int(row["item_id"])]
        told = {int(people[int(item["author_id"])]["tg"])}
        for role in [c for c in str(item["chain"]).split(",") if c]:
            told.update(holders.get((int(item["unit_id"]), role), []))
        owed.update((f"notice:adoption_adopted:{row['id']}", tg) for tg in told)
    queued = {
        (str(r["purpose"]), int(r["address"]))
        for r in data["outbox"]
        if str(r["purpose"]).startswith("notice:") and not str(r["purpose"]).startswith(AGAIN)
    }
    for purpose, chat in sorted(owed - queued):
        h.problem(
            f"half recorded: the change is in the ledger but its notice {purpose} to {chat} is not in the outbox"
        )
    for purpose, chat in sorted(queued - owed):
        h.problem(
            f"half recorded: notice {purpose} to {chat} is queued but the change it announces is not in the ledger"
        )
    _check_offers(h, data, owed)


#: The purposes of sign-off steps offered again (`workflow/reach.py`): item:round:step:day:n.
AGAIN = "notice:signoff_again:"


def _check_offers(h: Harness, data: dict[str, Any], owed: set[tuple[str, int]]) -> None:
    """Steps offered again announce no change (they ask again for a step that waits), so no
    change owes them; each must still be for a step its item reached, to a holder whom nothing
    about that step surely reached before, made before the step was decided, and queued with
    its `item.offer_again` audit row (one transaction): a row lacking any of these is an orphan."""
    people: dict[int, sqlite3.Row] = data["people"]
    decided: set[str] = set()  # item:round:step of the decisions audited so far
    signoffs = {int(r["id"]): r for r in data["signoffs"]}
    audited: Counter[tuple[str, int]] = Counter()
    for row in data["audit"]:
        detail: JSON = json.loads(row["detail"])
        if row["action"] in {"signoff.approve", "signoff.return"}:
            decision = signoffs.get(int(detail["signoff_id"]))
            if decision is not None:
                decided.add(f"{decision['item_id']}:{decision['round']}:{decision['step']}")
        elif row["action"] == "item.offer_again":
            step = f"{row['entity_id']}:{detail['round']}:{detail['step']}"
            person = people.get(int(detail["person_id"]))
            chat = int(person["tg"]) if person is not None else -1
            audited[(step, chat)] += 1
            if step in decided:  # audit rows come in commit order
                h.problem(f"step {step} offered again to {chat} after it was decided")
    reached: dict[tuple[str, int], list[sqlite3.Row]] = defaultdict(list)  # request, offers
    offered: Counter[tuple[str, int]] = Counter()
    for row in data["outbox"]:
        purpose, chat = str(row["purpose"]), int(row["address"])
        if purpose.startswith("notice:signoff_request:"):
            reached[(purpose.removeprefix("notice:signoff_request:"), chat)].append(row)
        elif purpose.startswith(AGAIN):
            step = ":".join(purpose.removeprefix(AGAIN).split(":")[:3])
            label = f"offer {purpose} to {chat}"
            if (f"notice:signoff_request:{step}", chat) not in owed:
                h.problem(f"{label} is queued but its item never waited at that step for them")
            if any(r["state"] == "sent" for r in reached[(step, chat)]):
                h.problem(f"{label} is queued though the step had already reached them")
            reached[(step, chat)].append(row)
            offered[(step, chat)] += 1
    for step, chat in sorted(set(offered) | set(audited)):
        if offered[(step, chat)] != audited[(step, chat)]:
            h.problem(
                f"half recorded: step {step} offered to {chat} {offered[(step, chat)]} times in"
                f" the outbox, {audited[(step, chat)]} in the audit log (one transaction each)"
            )


def _plain_key(kind: str, text: str, file_name: str) -> tuple[Any, ...]:
    """A prepared (non-notice) message by what the user sees: kind, plain text, file name."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
    return ("plain", kind, plain, file_name)


def _check_outbox(h: Harness, conn: sqlite3.Connection) -> None:
    """Every outbox row settled with a reason; none reached its chat twice, or outside it."""
    report, server = h.report, h.server
    rows = _rows(conn, "SELECT * FROM outbox ORDER BY id")
    adoptions = {
        int(r["id"]): (int(r["item_id"]), str(r["outlet"]))
        for r in _rows(conn, "SELECT id, item_id, outlet FROM adoptions")
    }
    names = {str(r["key"]): str(r["name"]) for r in _rows(conn, "SELECT key, name FROM files")}
    report.stats["outbox"] = dict(Counter(str(r["state"]) for r in rows))
    report.stats["outbox_retries"] = sum(max(int(r["attempts"]) - 1, 0) for r in rows)
    report.stats["apologies"] = sum(
        1
        for call in server.calls
        if call.method == "sendMessage" and "处理时出错" in str(call.params.get("text", ""))
    )
    # What reached each chat: notices by what they announce, other messages by their content.
    delivered: Counter[tuple[int, tuple[Any, ...]]] = Counter()
    by_id: dict[tuple[int, int], JSON] = {}
    for call in server.calls:
        if call.method not in {"sendMessage", "sendPhoto", "sendDocument"} or not call.ok:
            continue
        message: JSON = call.result
        chat = int(message["chat"]["id"])
        by_id[(chat, int(message["message_id"]))] = message
        kind = "photo" if "photo" in message else "document" if "document" in message else "text"
        document = message.get("document") or {}
        delivered[
            (chat, _plain_key(kind, text_of(message), str(document.get("file_name", ""))))
        ] += 1
        key = _message_key(message)
        if key is not None:
            delivered[(chat, key)] += 1
    matched: set[tuple[int, tuple[Any, ...]]] = set()
    interrupted: list[sqlite3.Row] = []
    for row in rows:
        state, chat, purpose = str(row["state"]), int(row["address"]), str(row["purpose"])
        key = _purpose_key(purpose, adoptions)
        if key is None:
            payload = json.loads(row["payload"])
            text = str(payload.get("text") or payload.get("caption") or "")
            file_name = names.get(str(payload.get("file")), "") if row["kind"] == "document" else ""
            key = _plain_key(str(row["kind"]), text, file_name)
        matched.add((chat, key))
        count = delivered.get((chat, key), 0)
        label = f"outbox {row['id']} {purpose} → {chat}"
        if state == "sent":
            if row["message_id"] is None or row["sent_at"] is None:
                h.problem(f"{label}: sent without its message id and time")
            elif (chat, int(row["message_id"])) not in by_id:
                h.problem(f"{label}: sent as message {row['message_id']}, which never reached it")
            if count != 1:
                h.problem(f"{label}: sent, and reached the chat {count} times", "sent_twice")
        elif state in {"failed", "uncertain"}:
            if not str(row["last_error"] or "").strip():
                h.problem(f"{label}: {state} without a reason")
            if state == "failed" and count:
                h.problem(f"{label}: failed, yet it reached the chat")
            if state == "uncertain":
                fate = "delivered" if count else "not delivered"
                report.uncertain.append(f"{label} ({row['last_error']}; {fate})")
                if count > 1:
                    h.problem(f"{label}: uncertain and delivered {count} times", "sent_twice")
                if row["last_error"] == "interrupted while sending":
                    interrupted.append(row)
        else:
            h.problem(f"{label}: left {state} at the end (lost)")
    for (chat, key), times in delivered.items():
        if key[0] != "plain" and times > 1:
            h.problem(f"sent twice: {key} reached chat {chat} {times} times", "sent_twice")
    for chat, key in sorted(set(delivered) - matched, key=str):
        if key[0] != "plain":
            h.problem(f"notice {key} reached chat {chat} with no outbox row")
    # One send at a time is in flight (the sender holds a lock): a kill can leave one row
    # "interrupted while sending", not more.
    report.stats["interrupted_rows"] = len(interrupted)
    if len(interrupted) > len(report.kills):
        never = sum(1 for r in report.uncertain if r.endswith("not delivered)"))
        h.problem(
            f"{len(interrupted)} outbox rows were marked uncertain ('interrupted while sending')"
            f" after {len(report.kills)} kills, though at most one send is in flight at a kill;"
            f" {never} uncertain rows never reached their chat (lost, not at-most-once)",
            "orphaned_batch",
        )


def _check_taps(h: Harness, conn: sqlite3.Connection) -> None:
    """Each tap is wholly in the ledger (with what the checks above demand) or wholly not."""
    report = h.report
    tg_person = {int(r["tg"]): int(r["id"]) for r in _rows(conn, PEOPLE_SQL)}
    items = {int(r["id"]): r for r in _rows(conn, "SELECT * FROM items")}
    signoffs = {
        (int(r["item_id"]), int(r["round"]), int(r["step"])): r
        for r in _rows(conn, "SELECT * FROM signoffs")
    }
    live = {
        (int(r["item_id"]), str(r["outlet"])): r
        for r in _rows(conn, "SELECT * FROM adoptions WHERE withdrawn_at IS NULL")
    }
    audit = _rows(conn, "SELECT * FROM audit_log WHERE entity = 'item' ORDER BY id")
    recorded = not_recorded = lost = 0
    for tap in report.taps:
        lost += tap.lost
        me = tg_person.get(tap.tg)
        label = f"{tap.kind} by {tap.tg} on #{tap.item} {tap.outlet} ({tap.outcome}, {tap.answers})"
        if tap.outcome == "silent":
            h.problem(f"{label}: the running bot never answered")
        if tap.kind in {"approve", "return"}:
            row = signoffs.get((tap.item, tap.round, tap.step))
            decision = "approve" if tap.kind == "approve" else "return"
            if row is not None:
                recorded += 1
                if tap.outcome == "done" and (
                    row["signer_id"] != me or row["decision"] != decision
                ):
                    h.problem(
                        f"{label}: answered as done, but the step was decided {row['decision']} by {row['signer_id']}"
                    )
                continue
            not_recorded += 1
            if tap.outcome in {"done", "refused"}:
                h.problem(f"{label}: answered, yet no decision is recorded for that step")
            item = items[tap.item]
            if (item["state"], int(item["chain_round"]), int(item["chain_step"])) != (
                "pending",
                tap.round,
                tap.step,
            ):
                h.problem(
                    f"{label}: undecided step, yet the item is {item['state']} at step {item['chain_step']}"
                )
            for row in audit:
                info = json.loads(row["detail"])
                if (
                    int(row["entity_id"]) == tap.item
                    and str(row["action"]).startswith("signoff.")
                    and (info.get("round"), info.get("step")) == (tap.round, tap.step)
                ):
                    h.problem(f"{label}: audit row {row['id']} without a sign-off row")
        elif tap.kind == "adopt":
            adoption = live.get((tap.item, tap.outlet))
            if adoption is not None:
                recorded += 1
                if tap.outcome == "done" and adoption["recorded_by"] != me:
                    h.problem(
                        f"{label}: answered as done, but recorded by person {adoption['recorded_by']}"
                    )
            else:
                not_recorded += 1
                if tap.outcome == "done":
                    h.problem(f"{label}: answered as done, yet no adoption is recorded")
        elif tap.kind == "register":
            registered = items[tap.item]["state"] == "registered"
            recorded += registered
            not_recorded += not registered
            if tap.outcome == "done" and items[tap.item]["registered_by"] != me:
                h.problem(
                    f"{label}: answered as done, but registered by {items[tap.item]['registered_by']}"
                )
    report.stats.update(taps_recorded=recorded, taps_not_recorded=not_recorded, taps_lost=lost)


def _check_flows(h: Harness, conn: sqlite3.Connection) -> None:
    """Confirmed submissions exist once; nothing was submitted twice; drafts resumed or told."""
    report, server = h.report, h.server
    people = {int(r["id"]): int(r["tg"]) for r in _rows(conn, PEOPLE_SQL)}
    items = {int(r["id"]): r for r in _rows(conn, "SELECT * FROM items")}
    titles: dict[int, list[str]] = {m.tg: m.titles for m in h.members}
    shown: Counter[int] = Counter()
    for member in h.members:
        if member.role != "informant":
            continue
        for message in server.sent_to(member.tg, include_deleted=True):
            for match in CONFIRMED.finditer(text_of(message)):
                item_id = int(match[1])
                shown[item_id] += 1
                item = items.get(item_id)
                if item is None:
                    h.problem(f"{member.name} was told #{item_id} is submitted; no such item")
                elif (
                    people[int(item["author_id"])] != member.tg
                    or item["title"] not in titles[member.tg]
                ):
                    h.problem(
                        f"{member.name} was told #{item_id} is submitted; it is someone else's"
                    )
    # A press handled twice (delivered again after a crash) confirms the same item again.
    report.stats["confirmed_again"] = sum(1 for count in shown.values() if count > 1)
    same: dict[tuple[int, str], list[int]] = defaultdict(list)
    for item_id, item in items.items():
        same[(int(item["author_id"]), str(item["title"]))].append(item_id)
    for (author, title), ids in same.items():
        if len(ids) > 1:
            h.problem(
                f"submitted twice: {title!r} by person {author} is items {ids}", "double_submit"
            )
    submitted = {(people[int(item["author_id"])], str(item["title"])) for item in items.values()}
    for flow in report.flows:
        if flow.outcome == "confirmed" and flow.item not in items:
            h.problem(f"confirmed submission #{flow.item} ({flow.title}) is not in the ledger")
        if flow.outcome == "unknown" and (flow.tg, flow.title) not in submitted:
            # The buttons go only after the commit: the item must be there, though unconfirmed.
            h.problem(f"{flow.title}: the confirm button went away, yet no item was submitted")
    report.stats["unconfirmed_in_ledger"] = sum(
        1 for f in report.flows if f.outcome == "unknown" and (f.tg, f.title) in submitted
    )
    kills = [h.started + at for at, _ in report.kills]
    interrupted = [
        f for f in report.flows if f.ended and any(f.started < k < f.ended for k in kills)
    ]
    report.stats["interrupted"] = len(interrupted)
    report.stats["resumed"] = sum(
        1 for f in interrupted if f.outcome == "confirmed" and f.attempts == 1
    )
    report.stats["told_flows"] = sum(1 for f in report.flows if f.told and f.outcome != "silent")
    report.stats["silent"] = sum(1 for f in report.flows if f.outcome == "silent")
    report.stats["confirmed"] = sum(1 for f in report.flows if f.outcome == "confirmed")
    if len(interrupted) >= 5 and not report.stats["resumed"]:
        h.problem(f"none of {len(interrupted)} interrupted /submit drafts resumed after a restart")


async def _check_figures(h: Harness) -> None:
    """The product's period figures give each unit the sum of its live adoptions' points."""
    settings = load_settings(Path(h.proc.env["BAOSONG_CONFIG"]), h.proc.env)
    with contextlib.closing(sqlite3.connect(f"file:{h.db_path}?mode=ro", uri=True)) as conn:
        expected = {
            str(r[0]): (int(r[1]), int(r[2]))
            for r in conn.execute(
                "SELECT u.name, sum(a.points), count(*) FROM adoptions a"
                " JOIN items i ON i.id = a.item_id JOIN units u ON u.id = i.unit_id"
                " WHERE a.withdrawn_at IS NULL GROUP BY u.name"
            )
        }
    today = datetime.now(settings.zone).date()
    db = await Database.open(h.db_path)
    try:
        async with db.reading() as tx:
            counts = await period_counts(
                tx,
                settings.scoring,
                today.replace(month=1, day=1),
                today.replace(month=12, day=31),
                informant_at=datetime.now(settings.zone),
            )
    finally:
        await db.close()
    for line in counts:
        points, adoptions = expected.get(line.name, (0, 0))
        if (line.own_points, line.adoptions) != (points, adoptions):
            h.problem(
                f"figures give {line.name} {line.own_points} points from {line.adoptions}"
                f" adoptions; its live adoptions sum to {points} from {adoptions}"
            )
