"""Mixed load at province scale: /unit and /rank while adoptions and sign-offs are recorded.

Builds the year 2026 ledger of `ledger_figures` (2,000 units, 240,000 items, 500,000 adoptions
by default), closes the months before the bot's current one as the bot does when it posts their
bulletins (figures, then `close_month`, and the bulletin recorded as posted), then runs the real
bot (`bot.cli run`, its own process, against the emulator on 127.0.0.1, helpers of
`bot_memory`) on copies of that ledger, once per path of the figures: today's path (every
figure live over the whole year, `workflow.figures.COMPOSE_YEAR = False`), the composed year
with the open month counted again after every commit (`KEEP_OPEN_MONTH = False`), and the
composed year with the open month kept (only the units a commit touched counted again). Each
time 100 members send /unit and /rank (and `--strangers` /help) while a writer process (its own
connection, the bot's services) records adoptions and sign-offs at 5 per second, in two shapes
of load: closed loop (each person's next command 0.5-2 s after the answer to the last, the
shape before) and open loop (each person's commands at Poisson times, `--interval` seconds
apart on average, answered or not). In this process it also times the year's and the month's
figures after a commit against the open month's raw SQL aggregate. Figures only; exit status 1
if the bot misbehaved or the paths' figures differ.

    .venv/bin/python benchmarks/mixed_load.py [--quick] [--small] [--db PATH [--reuse]]
        [--members N] [--drive SECONDS] [--rate N] [--repeat N] [--shape closed|open|both]
        [--interval SECONDS] [--paths live,recount,kept] [--strangers N] [--trace]

Long because it is one self-contained harness (ledger, writer process, load shapes, report)
that a reader runs and reads top to bottom.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # run as a script: the repository root holds `benchmarks`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bot_memory import (
    MEMBER_TG,
    STRANGER_TG,
    TOKEN,
    Load,
    Sampler,
    build_ledger,
    copy_ledger,
    drive,
    give_ids,
    mb,
    write_config,
)
from benchmarks.bot_trace import report as trace_report
from benchmarks.ledger_figures import YEAR, Scale, add_ledger_options, check_ledger_options
from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from chat import texts
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring import periods
from scoring.vocab import ItemState
from storage import adoptions, items, jobs, people
from storage.db import Database
from storage.figures import PERIOD_COUNTS_SQL, period_params
from storage.models import Person
from workflow import centre, figures
from workflow import periods as closing
from workflow.closing import ensure_open
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.schedule import bulletin_key

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()
TARGET_P99_MS = 200
TARGET_RATIO = 2.0
TARGET_MB = 150
TELEGRAM_PER_SECOND = 30.0  # messages a bot may send in all (the bot's pace holds to it)
CLOSED_THINK_S = 1.25  # the closed loop's mean pause after an answer (0.5-2 s, bot_memory.drive)
MAX_DRIVE = 120.0
GRACE = 30.0  # open loop: seconds to await answers still due after the load
SHAPES = ("closed", "open")
#: The figures' paths compared: (label, COMPOSE_YEAR, KEEP_OPEN_MONTH).
PATHS = (
    ("today's path (live year)", False, False),
    ("composed, month recounted", True, False),
    ("composed, month kept", True, True),
)


def rules_of(config: Path) -> CentreRules:
    """The centre's rules as the bot loads them from this config."""
    return centre_rules(load_settings(config, {}), on_gap=lambda gap: None)


# --- the writer: a second process with its own connection --------------------------------


class Writer:
    """Records adoptions and sign-offs through the bot's services, alternating (the writes of
    the mixed load, by the writer process and between the timed figures)."""

    def __init__(self, db: Database, rules: CentreRules, seed: int) -> None:
        self.db = db
        self.rules = rules
        self.rng = random.Random(seed)
        self.outlets = list(rules.outlets.values())
        self.done = {"adoptions": 0, "signoffs": 0, "duplicates": 0, "refused": 0}
        self.at_centre: list[int] = []
        self.pending: list[int] = []
        self.editor: Person | None = None
        self.count = 0

    async def load(self) -> None:
        """The items it may adopt or bring to the centre, and the editor who records it."""
        async with self.db.reading() as tx:
            self.at_centre = [
                int(r[0])
                for r in await tx.fetchall(
                    "SELECT id FROM items WHERE state IN ('submitted', 'registered')"
                )
            ]
            self.pending = [
                int(r[0]) for r in await tx.fetchall("SELECT id FROM items WHERE state = 'pending'")
            ]
            editor_row = await tx.fetchone(
                "SELECT person_id FROM roles WHERE role = 'editor' AND revoked_at IS NULL"
            )
            assert editor_row is not None
            self.editor = await people.get_person(tx, int(editor_row[0]))
        assert self.editor is not None
        self.rng.shuffle(self.pending)

    async def write(self) -> None:
        """One write in its own transaction: an adoption, or a sign-off bringing an item to
        the centre (every other one)."""
        editor = self.editor
        assert editor is not None
        n, self.count = self.count, self.count + 1
        rules, done = self.rules, self.done
        async with self.db.transaction() as tx:
            today = rules.local_now(tx.now).date()
            if n % 2 == 0 or not self.pending:
                item = await items.get_item(tx, self.rng.choice(self.at_centre))
                assert item is not None
                try:
                    await ensure_open(tx, today)
                    await centre.record_adoption_at(
                        tx,
                        rules,
                        item,
                        self.rng.choice(self.outlets),
                        adopted_on=today,
                        recorder=editor,
                        reference=None,
                    )
                    done["adoptions"] += 1
                except adoptions.DuplicateAdoption:
                    done["duplicates"] += 1
                except Refused:
                    done["refused"] += 1
            else:
                moved = await items.transition(
                    tx,
                    self.pending.pop(),
                    expected=ItemState.PENDING,
                    new=ItemState.SUBMITTED,
                    actor_id=editor.id,
                    action="item.reach_centre",
                    centre_at=tx.now,
                    centre_on=today,
                    late_days=0,
                )
                done["signoffs"] += moved


async def write_load(db_path: Path, config: Path, seconds: float, rate: float, seed: int) -> None:
    """Adoptions and sign-offs, alternating, at `rate` per second for `seconds` (bounded in
    count too), through the bot's services; prints a JSON summary line."""
    db = await Database.open(db_path)
    try:
        writer = Writer(db, rules_of(config), seed)
        await writer.load()
        began = time.monotonic()
        if rate <= 0:  # no writes: the load's answers alone
            await asyncio.sleep(seconds)
        for n in range(int(seconds * rate) + 1 if rate > 0 else 0):
            wait = began + n / rate - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if time.monotonic() - began > seconds:
                break
            await writer.write()
        elapsed = time.monotonic() - began
    finally:
        await db.close()
    print(json.dumps({**writer.done, "seconds": round(elapsed, 1)}), flush=True)


# --- preparing the ledger: months closed as their bulletins were posted -----------------


async def close_months(db_path: Path, rules: CentreRules, today: date) -> list[int]:
    """Closes the ledger year's months before `today`'s, each on the 5th after it (as the
    bulletin would), and records their bulletins as posted; the months closed."""
    if today.year != YEAR:
        return []
    moment = {"now": datetime.now(rules.zone)}
    db = await Database.open(db_path, clock=lambda: moment["now"])
    closed = []
    try:
        for month in range(1, today.month):
            first_after = periods.month(YEAR, month).last.toordinal() + 5
            moment["now"] = min(
                datetime.combine(
                    date.fromordinal(first_after), datetime.min.time(), rules.zone
                ).replace(hour=9),
                datetime.now(rules.zone),
            )
            report = await figures.month_report(db, rules.policy, rules.zone, YEAR, month)
            async with db.transaction() as tx:
                await closing.close_month(tx, report)
                await jobs.record(tx, bulletin_key(YEAR, month), benchmark=True)
            closed.append(month)
    finally:
        await db.close()
    return closed


# --- the figures in this process: the year against the open month's raw SQL -------------


#: Per path, the figures' kept state in this process (each path keeps its own, as each bot
#: run does; shared, one path's recount would replace what another path kept).
_KEPT: dict[tuple[bool, bool], tuple[Any, Any, Any]] = {}


def set_path(compose: bool, keep: bool) -> None:
    """Chooses the figures' path in this process (as the bot's command line does in its own)."""
    figures.COMPOSE_YEAR = compose
    figures.KEEP_OPEN_MONTH = keep
    state = _KEPT.setdefault(
        (compose, keep),
        (weakref.WeakKeyDictionary(), weakref.WeakKeyDictionary(), weakref.WeakKeyDictionary()),
    )
    figures._OPEN, figures._COMPOSED, figures._RANKED = state


async def clocked(call: Callable[[], Awaitable[object]]) -> float:
    """The wall time of one call, ms."""
    began = time.perf_counter()
    await call()
    return (time.perf_counter() - began) * 1000


async def figure_times(db_path: Path, rules: CentreRules, today: date, repeat: int) -> bool:
    """Prints the year's and the month's figures on every path after a commit (an adoption or
    a sign-off through the services, as under load), next to the open month's raw aggregate
    timed in the same round (warm cache); whether every path gives the same figures."""
    month = today.month if today.year == YEAR else 12
    span = periods.month(YEAR, month)
    params = period_params(
        span.first,
        span.last,
        span.closes_at(rules.zone),
        rules.policy.research_category,
        rules.policy.edit_credit_author_kinds,
    )
    policy, zone = rules.policy, rules.zone
    db = await Database.open(db_path)
    raw = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    times: dict[str, list[float]] = {"raw open month": []}
    ratios: dict[str, list[float]] = {}
    first: dict[str, float] = {}
    try:
        writer = Writer(db, rules, MEMBER_TG)
        await writer.load()
        raw.execute(PERIOD_COUNTS_SQL, params).fetchall()  # warm the cache

        async def raw_month() -> None:
            """The open month's aggregate with the stdlib module: the floor."""
            raw.execute(PERIOD_COUNTS_SQL, params).fetchall()

        def year() -> Awaitable[object]:
            """The year's report lines."""
            return figures._year_report(db, policy, zone, YEAR)

        def month_and_year() -> Awaitable[object]:
            """What /unit and /rank show: the month's lines and the year to date."""
            return figures._month_report(db, policy, zone, YEAR, month)

        for label, compose, keep in PATHS:  # the first call: sheets read, the month counted
            set_path(compose, keep)
            first[label] = await clocked(year)
            await clocked(month_and_year)
        for _ in range(repeat):
            for what, call in (("year", year), ("/unit+/rank figures", month_and_year)):
                await writer.write()
                floor = await clocked(raw_month)
                times["raw open month"].append(floor)
                for label, compose, keep in PATHS:
                    set_path(compose, keep)
                    took = await clocked(call)
                    times.setdefault(f"{what}, {label}", []).append(took)
                    ratios.setdefault(f"{what}, {label}", []).append(took / floor)
        results = {}
        for label, compose, keep in PATHS:
            set_path(compose, keep)
            report = await figures._month_report(db, policy, zone, YEAR, month)
            results[label] = (await year(), report.lines, report.year_to_date)
        set_path(True, True)
    finally:
        raw.close()
        await db.close()
    print(
        f"\nFigures in this process after each commit (ms, median of {repeat}; open month"
        f" {YEAR}-{month:02d}; {writer.done['adoptions']} adoptions and"
        f" {writer.done['signoffs']} sign-offs recorded between them; the ratio is to the raw"
        " aggregate timed in the same round):"
    )
    print(
        f"  {'raw open month (sqlite3, the floor)':<58} {statistics.median(times['raw open month']):8.1f}"
    )
    for label, samples in ratios.items():
        print(
            f"  {label:<58} {statistics.median(times[label]):8.1f}"
            f"   {statistics.median(samples):5.2f}x the raw month"
        )
    for label, took in first.items():
        print(f"  {'year, first call (sheets read, month counted), ' + label:<58} {took:8.1f}")
    kept = statistics.median(ratios[f"year, {PATHS[-1][0]}"])
    flag = "met" if kept <= TARGET_RATIO else "NOT met"
    print(
        f"Year after a commit / open month raw, {PATHS[-1][0]}: {kept:.2f}x"
        f" (target ≤ {TARGET_RATIO:.0f}x: {flag})"
    )
    agree = all(result == results[PATHS[0][0]] for result in results.values())
    print(f"Every path gives the same month and year: {'yes' if agree else 'NO'}")
    return agree


# --- the bot under load -----------------------------------------------------------------


def percentile(samples: Sequence[float], share: float) -> float:
    """The `share` quantile (0..1) of the samples, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def notice_prefixes() -> tuple[str, ...]:
    """How the notices a member may get meanwhile begin (their unit's items adopted): these
    messages are not answers to the member's commands."""
    catalogue = texts.ZH
    return tuple(
        catalogue[key].split("{", 1)[0]
        for key in ("notice.adoption_adopted", "notice.adoption_withdrawn")
    )


async def drive_open(
    server: FakeBotApi,
    users: Sequence[tuple[FakeUser, tuple[str, ...]]],
    seconds: float,
    interval: float,
    load: Load,
    trace: list[tuple[int, float, float]] | None = None,
) -> None:
    """Open loop: each person sends their commands in turn at Poisson times (one every
    `interval` seconds on average), whether or not the last was answered yet; each answer
    is matched to the oldest unanswered command (a person's updates are answered in order).
    Answers still due when the time is up are awaited up to GRACE seconds more."""
    deadline = time.monotonic() + seconds
    notices = notice_prefixes()

    async def person(user: FakeUser, commands: tuple[str, ...], rng: random.Random) -> None:
        """One person's commands and the answers to them."""
        waiting: collections.deque[tuple[str, float]] = collections.deque()
        seen = server.sent_count(user.id)
        sending = True

        async def send() -> None:
            """Commands at Poisson times until the deadline."""
            nonlocal sending
            due = time.monotonic() + rng.expovariate(1 / interval)
            n = 0
            while due < deadline:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                waiting.append((commands[n % len(commands)], time.monotonic()))
                n += 1
                await user.send_text(waiting[-1][0])
                due += rng.expovariate(1 / interval)
            sending = False

        def news(after: int) -> bool:
            """Whether the bot sent more to this person, or nothing is left to wait for."""
            return server.sent_count(user.id) > after or (not sending and not waiting)

        sender = asyncio.ensure_future(send())
        try:
            while sending or waiting:
                left = deadline + GRACE - time.monotonic()
                if left <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await server.wait_until(functools.partial(news, seen), left)
                count = server.sent_count(user.id)
                if count <= seen:
                    continue
                arrived = time.monotonic()
                for message in server.sent_to(user.id, include_deleted=True)[seen:count]:
                    if str(message.get("text", "")).startswith(notices) or not waiting:
                        continue
                    command, sent_at = waiting.popleft()
                    load.latencies.setdefault(command, []).append(arrived - sent_at)
                    if trace is not None:
                        trace.append((user.id, sent_at, arrived))
                seen = count
        finally:
            await sender
        for command, _ in waiting:
            load.unanswered[command] += 1

    await asyncio.gather(
        *(person(user, commands, random.Random(user.id)) for user, commands in users)
    )


async def bot_run(
    args: argparse.Namespace,
    db_path: Path,
    config: Path,
    members: list[int],
    path: tuple[str, bool, bool],
    shape: str,
) -> dict[str, Any]:
    """The bot on one path under the mixed load of one shape; its latencies, writes and peak
    RSS."""
    _, compose, keep = path
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BAOSONG_")},
        "BAOSONG_CONFIG": str(config),
        "BAOSONG_DB": str(db_path),
        "BAOSONG_BOT_TOKEN": TOKEN,
    }
    trace_path = db_path.with_suffix(".trace")
    tracing = args.trace and shape == "open"  # answers are matched to commands in the open loop
    if tracing:
        env["BAOSONG_BENCH_TRACE"] = str(trace_path)
    code = (
        ("import benchmarks.bot_trace; " if tracing else "")
        + "import sys, workflow.figures as f; from bot.cli import main; "
        f"f.COMPOSE_YEAR = {compose}; f.KEEP_OPEN_MONTH = {keep}; sys.exit(main(['run']))"
    )
    load = Load()
    harness: list[tuple[int, float, float]] = []
    log_path = db_path.with_suffix(".log")
    async with FakeBotApi(token=TOKEN) as server:
        env["BAOSONG_API_BASE_URL"] = server.base_url
        users: list[tuple[FakeUser, tuple[str, ...]]] = [
            (server.user(tg, f"信息员{tg}"), ("/unit", "/rank")) for tg in members
        ]
        # strangers' /help (no figures in it): load beyond the issue's 100 members, off by default
        users += [
            (server.user(STRANGER_TG + n, f"访客{n}"), ("/help",))
            for n in range(1, args.strangers + 1)
        ]
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", code, env=env, cwd=REPO, stdout=log, stderr=log
            )
            sampler = Sampler(process.pid)
            stop = asyncio.Event()
            sampling = asyncio.ensure_future(sampler.run(stop))
            writer: asyncio.subprocess.Process | None = None
            try:
                await server.wait_until(
                    lambda: bool(server.calls_of("getUpdates")) or process.returncode is not None,
                    120,
                    "the bot's first getUpdates",
                )
                if process.returncode is not None:
                    raise SystemExit(f"the bot exited with {process.returncode}; see {log_path}")
                await asyncio.sleep(4)  # the start-up sweep begins 2 s after start
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sampler.idle(), 60)
                sampler.phase = "drive"
                seconds = min(args.drive, MAX_DRIVE)
                writer = await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(SCRIPT),
                    "--writer",
                    str(db_path),
                    "--config",
                    str(config),
                    "--drive",
                    str(seconds),
                    "--rate",
                    str(args.rate),
                    cwd=REPO,
                    stdout=asyncio.subprocess.PIPE,
                )
                if shape == "open":
                    await drive_open(server, users, seconds, args.interval, load, harness)
                else:
                    await drive(server, users, seconds, 10_000, load)
                out, _ = await asyncio.wait_for(writer.communicate(), 60)
                written = json.loads(out.decode().strip().splitlines()[-1])
                process.send_signal(signal.SIGTERM)
                exit_code = await asyncio.wait_for(process.wait(), 60)
            finally:
                stop.set()
                await sampling
                for child in (writer, process):
                    if child is not None and child.returncode is None:
                        child.kill()
                        await child.wait()
    errors = [
        line
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        if " ERROR " in line or "Traceback" in line
    ]
    if tracing and trace_path.exists():
        trace_report(harness, str(trace_path), f"{path[0]}, open loop")
    return {
        "load": load,
        "users": users,
        "written": written,
        "peak_mb": mb(max((s.hwm_kb for s in sampler.samples), default=0)),
        "cpu_s": sampler.samples[-1].cpu_s if sampler.samples else 0.0,
        "exit": exit_code,
        "errors": errors,
    }


def print_runs(
    runs: dict[str, dict[str, Any]], seconds: float, shape: str, args: argparse.Namespace
) -> bool:
    """The paths side by side under one shape of load; whether the bot behaved in all."""
    labels = list(runs)
    about = (
        f"open loop: each person a command every {args.interval:g} s on average (Poisson),"
        f" {len(runs[labels[0]]['users'])} people, {len(runs[labels[0]]['users']) / args.interval:.0f}"
        " commands/s offered"
        if shape == "open"
        else "closed loop: each person's next command 0.5-2 s after the answer to the last"
    )
    print(f"\nThe bot under load, {about} ({seconds:.0f} s each; latency of the answer, ms):")
    print(f"  {'':<30}" + "".join(f"{label:>28}" for label in labels))
    for command in ("/unit", "/rank", "/help"):
        if not any(runs[label]["load"].latencies.get(command) for label in labels):
            continue  # nobody sent it (no strangers)
        for name, share in (("p50", 0.50), ("p99", 0.99)):
            cells = []
            for label in labels:
                got = runs[label]["load"].latencies.get(command, [])
                cells.append(f"{percentile(got, share) * 1000:.0f}" if got else "-")
            print(f"  {command + ' ' + name:<30}" + "".join(f"{c:>28}" for c in cells))
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        (
            "answered (unanswered)",
            lambda r: (
                f"{sum(len(v) for v in r['load'].latencies.values())}"
                f" ({sum(r['load'].unanswered.values())})"
            ),
        ),
        (
            "writes (adoptions+sign-offs)/s",
            lambda r: (
                f"{(r['written']['adoptions'] + r['written']['signoffs']) / max(1e-9, r['written']['seconds']):.1f}"
            ),
        ),
        ("bot CPU time, s", lambda r: f"{r['cpu_s']:.1f}"),
        ("peak RSS (VmHWM), MB", lambda r: f"{r['peak_mb']:.0f}"),
    ]
    for name, cell in rows:
        print(f"  {name:<30}" + "".join(f"{cell(runs[label]):>28}" for label in labels))
    people = len(runs[labels[0]]["users"])
    if shape == "closed":  # what Telegram's pace alone allows this shape
        asked = people / CLOSED_THINK_S
        floor = people / TELEGRAM_PER_SECOND - CLOSED_THINK_S
        print(
            f"  Telegram takes {TELEGRAM_PER_SECOND:.0f} messages a second from a bot; {people}"
            f" people asking {CLOSED_THINK_S} s (on average) after each answer would ask"
            f" {asked:.0f} a second, so answers queue until the mean answer takes at least"
            f" {people}/{TELEGRAM_PER_SECOND:.0f} - {CLOSED_THINK_S} = {floor:.1f} s (Little's"
            " law): this shape measures the pace; the p99 target is the open loop's."
            if asked > TELEGRAM_PER_SECOND
            else f"  {people} people ask {asked:.0f} a second, under Telegram's"
            f" {TELEGRAM_PER_SECOND:.0f} a second."
        )
    ok = True
    for label, run in runs.items():
        worst = max(
            (
                percentile(v, 0.99) * 1000
                for command, v in run["load"].latencies.items()
                if v and command != "/help"
            ),
            default=float("inf"),
        )
        missed = sum(run["load"].unanswered.values())
        met = worst < TARGET_P99_MS and not missed
        print(
            f"  {label}: worst /unit, /rank p99 {worst:.0f} ms (target < {TARGET_P99_MS} ms:"
            f" {'met' if met else 'NOT met'}{f', {missed} unanswered' if missed else ''}),"
            f" peak RSS {run['peak_mb']:.0f} MB (target < {TARGET_MB} MB:"
            f" {'met' if run['peak_mb'] < TARGET_MB else 'NOT met'})"
        )
        if run["exit"] != 0 or run["errors"]:
            print(f"FAILED ({label}): exit {run['exit']}, {len(run['errors'])} error lines")
            for line in run["errors"][:5]:
                print(f"    {line[:160]}")
            ok = False
    return ok


async def run(args: argparse.Namespace) -> int:
    """Builds or copies the ledger, closes its past months, measures; the exit status."""
    workdir = Path(tempfile.mkdtemp(prefix="baosong-mixed-"))
    prepared = workdir / "prepared.db"
    try:
        scale = Scale(args.units, args.items, args.adoptions, args.seed, 400, 20_000)
        if args.reuse:
            print(f"Ledger: copied from {args.db}")
        else:
            took = await build_ledger(args.db or prepared, scale)
            print(
                f"Ledger: built {scale.units} units, {scale.items} items, {scale.adoptions}"
                f" adoptions (seed {scale.seed}) in {took:.0f} s"
            )
        if args.db is not None:
            copy_ledger(args.db, prepared)
        config = workdir / "config.yaml"
        with contextlib.closing(sqlite3.connect(prepared)) as conn:
            members, _ = give_ids(conn, args.members, 0)
            write_config(conn, config)
        rules = rules_of(config)
        today = rules.local_now(datetime.now(rules.zone)).date()
        closed = await close_months(prepared, rules, today)
        print(
            f"Bot clock (real): {today}; months closed: "
            + (f"{YEAR}-01 to {YEAR}-{closed[-1]:02d}" if closed else "none")
            + ("" if today.year == YEAR else f" (today is not in the ledger's year {YEAR})")
        )
        print(f"{len(members)} members send /unit and /rank; writer at {args.rate:g} writes/s")
        agree = await figure_times(prepared, rules, today, args.repeat)
        ok = True
        for shape in SHAPES if args.shape == "both" else (args.shape,):
            runs = {}
            for n, path in enumerate(PATHS):
                if path[0] not in args.paths:
                    continue
                copy = workdir / f"run-{n}.db"
                copy_ledger(prepared, copy)
                runs[path[0]] = await bot_run(args, copy, config, members, path, shape)
                copy.unlink()
            ok = print_runs(runs, min(args.drive, MAX_DRIVE), shape, args) and ok
        return 0 if ok and agree else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_ledger_options(parser)
    parser.add_argument("--members", type=int, default=100, help="members sending /unit, /rank")
    parser.add_argument("--drive", type=float, default=60.0, help=f"seconds (≤ {MAX_DRIVE:.0f})")
    parser.add_argument(
        "--strangers", type=int, default=0, help="strangers sending /help besides the members"
    )
    parser.add_argument("--rate", type=float, default=5.0, help="writes per second")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each figure")
    parser.add_argument(
        "--shape",
        choices=(*SHAPES, "both"),
        default="both",
        help="closed loop (the next command after the answer), open loop (Poisson), or both",
    )
    parser.add_argument(
        "--interval", type=float, default=5.0, help="open loop: mean seconds between commands"
    )
    parser.add_argument(
        "--paths",
        default="live,recount,kept",
        help="the figures' paths to run the bot on: live, recount, kept (comma-separated)",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="open loop: where each answer's time went, the bot's stages against the harness's"
        " (the trace wraps a few of the bot's methods; its cost is in the figures)",
    )
    parser.add_argument("--quick", action="store_true", help="15 s of load, 3 timed runs")
    parser.add_argument("--writer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer is None:
        check_ledger_options(parser, args)
    if args.quick:
        args.drive, args.repeat = 15.0, 3
    names = dict(zip(("live", "recount", "kept"), (path[0] for path in PATHS), strict=True))
    wanted = [name.strip() for name in str(args.paths).split(",") if name.strip()]
    if not wanted or set(wanted) - set(names):
        parser.error(f"--paths: a comma-separated choice of {', '.join(names)}")
    args.paths = [names[name] for name in wanted]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point (also of the writer process, with --writer)."""
    args = parse(argv)
    if args.writer is not None:
        asyncio.run(write_load(args.writer, args.config, args.drive, args.rate, MEMBER_TG))
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
