"""Memory of the bot process after a province-scale year: RSS sampled while the real bot runs.

Builds the year 2026 ledger of `ledger_figures` (2,000 units, 240,000 items, 500,000 adoptions by
default), writes a config.yaml whose `units:` are exactly the ledger's (so start-up changes
nothing), gives some of the ledger's informants Telegram ids and adds a few unit leaders with
ids (so the bulletin is queued and sent, and /unit and /rank answer), then starts
`python -m bot.cli run` against the emulator (`sandbox.telegram.server.FakeBotApi` on
127.0.0.1). It waits for polling, lets the start-up sweep run (last month's bulletin over every
unit, with its chart and workbook), has strangers send /start and /help and members /unit and
/rank for a bounded time, and samples VmRSS and VmHWM of the bot's process from /proc every 0.5 s.
Target: peak RSS under 150 MB. Figures only; the exit status is 1 only if the bot misbehaved.

    .venv/bin/python benchmarks/bot_memory.py [--small] [--db PATH [--reuse]] [--keep]
        [--members N] [--strangers N] [--signers N] [--drive SECONDS] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import yaml

if __package__ in {None, ""}:  # run as a script: the repository root holds `benchmarks`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ledger_figures import (
    IMPORT_TIME,
    YEAR,
    Scale,
    add_ledger_options,
    build,
    check_ledger_options,
)
from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring import periods
from scoring.policy import ScoringPolicy
from storage.db import Database
from storage.units import decimal_text
from workflow.schedule import bulletin_key

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:MEMORYBENCH"
TARGET_MB = 150
SAMPLE_EVERY = 0.5  # seconds between /proc samples
MEMBER_TG = 700_000  # Telegram ids given to ledger informants: 700001, 700002, …
SIGNER_TG = 710_000  # … to the unit leaders added for the bulletin
STRANGER_TG = 800_000  # … and to the strangers, who are in no unit
MAX_DRIVE = 120.0


@dataclass(slots=True)
class Sample:
    """One reading of the bot process's memory (kB) and CPU time (s)."""

    at: float
    phase: str
    rss_kb: int
    hwm_kb: int
    anon_kb: int  # RssAnon: the heap (Python objects, SQLite's cache, matplotlib's buffers)
    file_kb: int  # RssFile: mapped files (the interpreter, extension modules, fonts)
    cpu_s: float
    children_kb: int  # VmRSS of the bot's child processes (renders of charts and workbooks)


@dataclass(slots=True)
class Sampler:
    """Reads /proc/<pid>/status and /proc/<pid>/stat every 0.5 s while the bot runs."""

    pid: int
    phase: str = "start-up"
    samples: list[Sample] = field(default_factory=list)

    def read(self) -> Sample | None:
        """One sample now, or None once the process is gone."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return None
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if "VmRSS" not in fields:  # a zombie has no memory lines
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        utime, stime = stat.rsplit(")", 1)[1].split()[11:13]
        sample = Sample(
            time.monotonic(),
            self.phase,
            int(fields["VmRSS"].split()[0]),
            int(fields["VmHWM"].split()[0]),
            int(fields.get("RssAnon", "0 kB").split()[0]),
            int(fields.get("RssFile", "0 kB").split()[0]),
            (int(utime) + int(stime)) / ticks,
            self.children_kb(),
        )
        self.samples.append(sample)
        return sample

    def children_kb(self) -> int:
        """Summed VmRSS of the process's children (any thread's), 0 if none."""
        total = 0
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    with contextlib.suppress(OSError):
                        for line in Path(f"/proc/{child}/status").read_text().splitlines():
                            if line.startswith("VmRSS:"):
                                total += int(line.split()[1])
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Samples until `stop` is set or the process ends."""
        while not stop.is_set() and self.read() is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)

    def peak(self) -> Sample | None:
        """The sample with the highest RSS."""
        return max(self.samples, key=lambda s: s.rss_kb, default=None)

    async def idle(self, seconds: float = 1.5, share: float = 0.15) -> None:
        """Until the process used under `share` of a CPU over the last `seconds`."""
        while True:
            await asyncio.sleep(SAMPLE_EVERY)
            since = time.monotonic() - seconds - SAMPLE_EVERY
            recent = [s for s in self.samples if s.at >= since]
            if len(recent) >= 2 and recent[-1].at - recent[0].at >= seconds * 0.8:
                used = recent[-1].cpu_s - recent[0].cpu_s
                if used < share * (recent[-1].at - recent[0].at):
                    return


@dataclass(slots=True)
class Load:
    """Answers to the simulated people's commands."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    unanswered: Counter[str] = field(default_factory=Counter)

    def line(self, command: str) -> str:
        """Count, median and max latency of one command."""
        got = self.latencies.get(command, [])
        missed = self.unanswered[command]
        if not got:
            return f"{command}: 0 answered, {missed} awaiting an answer when time ran out"
        return (
            f"{command}: {len(got)} answered (median {statistics.median(got):.2f} s,"
            f" max {max(got):.2f} s), {missed} awaiting an answer when time ran out"
        )


def mb(kb: int) -> float:
    """Kilobytes as MB (MiB, as /proc counts)."""
    return kb / 1024


def file_mb(path: Path) -> float:
    """A file's size in MB (0 if it does not exist)."""
    return path.stat().st_size / 1e6 if path.exists() else 0.0


async def build_ledger(path: Path, scale: Scale) -> float:
    """Builds the province-scale year with `ledger_figures.build`; the seconds it took."""
    began = time.perf_counter()
    db = await Database.open(path, clock=lambda: IMPORT_TIME)
    try:
        await db.migrate()
        await build(db, scale, ScoringPolicy())
    finally:
        await db.close()
    return time.perf_counter() - began


def copy_ledger(source: Path, target: Path) -> None:
    """A consistent copy of a ledger (WAL included), so the bot never changes the original."""
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def ledger_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows in the tables that make the ledger big."""
    counts: dict[str, int] = {}
    for table in ("units", "people", "roles", "items", "edits", "adoptions", "audit_log"):
        counts[table] = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    return counts


def units_snapshot(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """Every unit as stored, to check that start-up changed none."""
    return conn.execute(
        "SELECT id, name, kind, monthly_quota, annual_target, active FROM units ORDER BY id"
    ).fetchall()


def give_ids(conn: sqlite3.Connection, members: int, signers: int) -> tuple[list[int], list[int]]:
    """Telegram ids for informants spread over the units, and leaders (with ids) for a few
    units; the informants' ids and the leaders'."""
    rows = conn.execute(
        "SELECT r.person_id, r.unit_id, r.granted_at FROM roles r"
        " JOIN units u ON u.id = r.unit_id JOIN people p ON p.id = r.person_id"
        " WHERE r.role = 'informant' AND r.revoked_at IS NULL AND u.active = 1"
        " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id) ORDER BY r.unit_id"
    ).fetchall()
    stride = max(1, len(rows) // max(1, members))
    picked = rows[::stride][:members]
    taken = {
        int(row[0])
        for row in conn.execute("SELECT external_id FROM accounts WHERE channel = 'telegram'")
    }
    ids: list[int] = []
    with conn:
        for n, (person_id, _, granted_at) in enumerate(picked, start=1):
            tg = MEMBER_TG + n
            if tg in taken:
                continue
            conn.execute(
                "INSERT INTO accounts (person_id, channel, external_id, added_at, used_at)"
                " VALUES (?, 'telegram', ?, ?, ?)",
                (person_id, str(tg), granted_at, granted_at),
            )
            ids.append(tg)
        added: list[int] = []
        for n, (_, unit_id, granted_at) in enumerate(picked[:signers], start=1):
            tg = SIGNER_TG + n
            if tg in taken:
                continue
            person = conn.execute(
                "INSERT INTO people (name, created_at) VALUES (?, ?)",
                (f"基准分管领导{n:02d}", granted_at),
            ).lastrowid
            conn.execute(
                "INSERT INTO accounts (person_id, channel, external_id, added_at, used_at)"
                " VALUES (?, 'telegram', ?, ?, ?)",
                (person, str(tg), granted_at, granted_at),
            )
            conn.execute(
                "INSERT INTO roles (person_id, unit_id, role, granted_at) VALUES (?, ?, ?, ?)",
                (person, unit_id, "leader", granted_at),
            )
            added.append(tg)
    return ids, added


def write_config(conn: sqlite3.Connection, path: Path) -> int:
    """The repository's config.yaml with `units:` exactly as the ledger stores them."""
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    units = []
    for name, kind, quota, target in conn.execute(
        "SELECT name, kind, monthly_quota, annual_target FROM units WHERE active = 1 ORDER BY id"
    ):
        value = Decimal(str(target))
        units.append(
            {
                "name": name,
                "kind": kind,
                "monthly_quota": int(quota),
                "annual_target": int(value) if value == value.to_integral_value() else str(value),
            }
        )
    data["units"] = units
    sections = [u["name"] for u in units if u["kind"] == "section"]
    publishing = data.setdefault("publishing", {})
    if sections and publishing.get("office_unit") not in sections:
        publishing["office_unit"] = sections[0]  # must name a section unit of this config
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8"
    )
    return len(units)


def check_config(config: Path, env: dict[str, str], snapshot: list[tuple[Any, ...]]) -> str:
    """Loads the config as the bot will; what the start-up sweep should find due (a note)."""
    settings = load_settings(config, env)
    stored = {row[1]: (row[2], row[3], decimal_text(Decimal(str(row[4])))) for row in snapshot}
    configured = {
        u.name: (u.kind.value, u.monthly_quota, decimal_text(u.annual_target))
        for u in settings.units
    }
    if stored != configured:
        raise SystemExit("config.yaml units differ from the ledger's: the unit sync would change")
    rules = centre_rules(settings, on_gap=lambda gap: None)
    local = rules.local_now(datetime.now(UTC))
    today = local.date()
    first = rules.calendar.first_working_day(today.year, today.month)
    year, month = periods.previous_month(today)
    key = bulletin_key(year, month)
    quiet = settings.reminders.quiet_hours.contains(local.time())
    working = rules.calendar.is_working_day(today)
    print(
        f"Bot clock (real): {local:%Y-%m-%d %H:%M} {settings.timezone}, "
        + ("a working day" if working else "not a working day")
        + (", quiet hours: the sweep sends no reminders" if quiet else "")
    )
    if today < first or (today == first and local.time() < settings.bulletin.time):
        return f"none: {year}-{month:02d}'s bulletin is not due before {first} {settings.bulletin.time}"
    if year != YEAR:
        return f"{key}, but the ledger fills {YEAR}: the bulletin covers an empty month"
    return key


async def drive(
    server: FakeBotApi,
    users: Sequence[tuple[FakeUser, tuple[str, ...]]],
    seconds: float,
    rounds: int,
    load: Load,
) -> None:
    """Each user sends its commands `rounds` times, waiting for each answer, until the time is up."""
    deadline = time.monotonic() + seconds

    def answered(chat_id: int, before: int) -> Callable[[], bool]:
        """Whether the bot sent to a chat since it had sent `before` messages there."""
        return lambda: server.sent_count(chat_id) > before

    async def person(user: FakeUser, commands: tuple[str, ...], rng: random.Random) -> None:
        """One person: a command, its answer, a pause, the next."""
        await asyncio.sleep(rng.uniform(0, 3))
        for _ in range(rounds):
            for command in commands:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                before = server.sent_count(user.id)
                began = time.monotonic()
                await user.send_text(command)
                try:
                    await server.wait_until(answered(user.id, before), left)
                except TimeoutError:
                    load.unanswered[command] += 1
                    return
                load.latencies.setdefault(command, []).append(time.monotonic() - began)
                await asyncio.sleep(rng.uniform(0.5, 2.0))

    await asyncio.gather(
        *(person(user, commands, random.Random(user.id)) for user, commands in users)
    )


async def start_bot(env: dict[str, str], log: IO[bytes]) -> asyncio.subprocess.Process:
    """`python -m bot.cli run`, its output to the log."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )


async def wait_db(db_path: Path, sql: str, timeout: float) -> bool:  # noqa: ASYNC109
    """Until a read-only query returns a row; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn,
            contextlib.suppress(sqlite3.OperationalError),
        ):
            if conn.execute(sql).fetchone() is not None:
                return True
        await asyncio.sleep(0.5)
    return False


async def run_bot(args: argparse.Namespace, workdir: Path, db_path: Path, built: str) -> int:
    """Starts the bot on the ledger, drives it, samples its memory and prints the figures."""
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        members, signers = give_ids(conn, args.members, args.signers)
        config = workdir / "config.yaml"
        n_units = write_config(conn, config)
        counts = ledger_counts(conn)
        before_units = units_snapshot(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BAOSONG_")},
        "BAOSONG_CONFIG": str(config),
        "BAOSONG_DB": str(db_path),
        "BAOSONG_BOT_TOKEN": TOKEN,
    }
    due = check_config(config, env, before_units)
    print(f"Ledger: {built}")
    print(
        f"  {file_mb(db_path):.0f} MB file; {counts['units']} units, {counts['items']} items,"
        f" {counts['adoptions']} adoptions, {counts['edits']} edits, {counts['people']} people,"
        f" {counts['audit_log']} audit rows; year {YEAR}"
    )
    print(
        f"  config.yaml: the repository's, with units: listing the ledger's {n_units} units;"
        f" {len(members)} informants given Telegram ids, {len(signers)} unit leaders with ids added"
    )
    print(f"Start-up sweep should post: {due}")
    load = Load()
    log_path = workdir / "bot.log"
    async with FakeBotApi(token=TOKEN) as server:
        env["BAOSONG_API_BASE_URL"] = server.base_url
        strangers = [server.user(STRANGER_TG + n, f"访客{n}") for n in range(1, args.strangers + 1)]
        people = [server.user(tg, f"信息员{tg}") for tg in members]
        for tg in signers:
            server.user(tg, f"分管领导{tg}")  # they opened the bot once: the bulletin reaches them
        with log_path.open("wb") as log:
            began = time.monotonic()
            process = await start_bot(env, log)
            sampler = Sampler(process.pid)
            stop = asyncio.Event()
            sampling = asyncio.ensure_future(sampler.run(stop))
            try:
                await server.wait_until(
                    lambda: bool(server.calls_of("getUpdates")) or process.returncode is not None,
                    120,
                    "the bot's first getUpdates",
                )
                if process.returncode is not None:
                    raise SystemExit(f"the bot exited with {process.returncode}; see its log")
                polling = time.monotonic() - began
                first = sampler.read()
                sampler.phase = "sweep"
                # a stranger's /start once the sweep runs (2 s after start-up): how long the
                # sweep keeps the bot from answering
                probe = strangers[0] if strangers else server.user(STRANGER_TG, "访客")
                await asyncio.sleep(4)
                probe_sent = time.monotonic()
                await probe.send_text("/start")
                if due.startswith("bulletin:"):
                    done = await wait_db(
                        db_path, f"SELECT 1 FROM job_runs WHERE key = '{due}'", args.sweep_timeout
                    )
                    bulletin_at = time.monotonic() - began
                else:
                    done, bulletin_at = False, 0.0
                    await asyncio.sleep(5)  # the sweep starts 2 s after post_init
                await wait_db(
                    db_path,
                    "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM outbox"
                    " WHERE state IN ('pending', 'sending'))",
                    args.sweep_timeout,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sampler.idle(), 60)
                swept = sampler.read()
                swept_at = time.monotonic() - began
                sampler.phase = "drive"
                users = [(u, ("/start", "/help")) for u in strangers]
                users += [(u, ("/unit", "/rank")) for u in people]
                driven = time.monotonic()
                await drive(server, users, min(args.drive, MAX_DRIVE), args.rounds, load)
                drive_s = time.monotonic() - driven
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sampler.idle(), 30)
                end = sampler.read()
                sampler.phase = "stop"
                process.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(process.wait(), 60)
            finally:
                stop.set()
                await sampling
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        probe_answer = _first_answer(server, probe.id, probe_sent)
    print(
        f"\nThe bot polled {polling:.1f} s after it was started; "
        + (
            f"bulletin {due} recorded {bulletin_at:.1f} s after start"
            if done
            else f"no bulletin recorded ({due})"
        )
        + f"; sweep and its sends done {swept_at:.1f} s after start"
    )
    print(
        f"A stranger's /start sent 4 s after polling began (the sweep starts at 2 s): {probe_answer}"
    )
    print(f"Load for {drive_s:.0f} s ({len(strangers)} strangers, {len(people)} members):")
    for command in ("/start", "/help", "/unit", "/rank"):
        print(f"  {load.line(command)}")
    return report(args, sampler, first, swept, end, code, db_path, before_units, log_path)


def _first_answer(server: FakeBotApi, chat_id: int, sent: float) -> str:
    """How long the probe waited for its first answer, from the fake's call log."""
    for call in server.calls_of("sendMessage"):
        if int(call.params.get("chat_id") or 0) == chat_id and call.monotonic >= sent:
            return f"answered after {call.monotonic - sent:.1f} s"
    return "never answered"


def report(
    args: argparse.Namespace,
    sampler: Sampler,
    first: Sample | None,
    swept: Sample | None,
    end: Sample | None,
    code: int,
    db_path: Path,
    before_units: list[tuple[Any, ...]],
    log_path: Path,
) -> int:
    """Prints the memory figures and what the sweep did; 1 if the bot misbehaved."""
    hwm = max((s.hwm_kb for s in sampler.samples), default=0)
    peak = sampler.peak()
    print("\nMemory of the bot process (/proc VmRSS, MB; sampled every 0.5 s):")
    for label, sample in (("start (polling)", first), ("after the sweep", swept), ("end", end)):
        if sample is not None:
            print(
                f"  {label:<28} {mb(sample.rss_kb):7.1f}   (heap {mb(sample.anon_kb):.1f},"
                f" mapped files {mb(sample.file_kb):.1f})"
            )
    by_phase: dict[str, int] = {}
    for s in sampler.samples:
        by_phase[s.phase] = max(by_phase.get(s.phase, 0), s.rss_kb)
    for phase, kb in by_phase.items():
        print(f"  {'highest sample, ' + phase:<28} {mb(kb):7.1f}")
    if peak is not None:
        print(
            f"  {'peak (VmHWM)':<28} {mb(hwm):7.1f}   (highest sample: {peak.phase},"
            f" heap {mb(peak.anon_kb):.1f}, mapped files {mb(peak.file_kb):.1f})"
        )
    children = max((s.children_kb for s in sampler.samples), default=0)
    print(
        f"  {'child processes (renders)':<28} {mb(children):7.1f}   (highest sample of their"
        " summed RSS; not part of the bot's figure)"
    )
    cpu = sampler.samples[-1].cpu_s if sampler.samples else 0.0
    print(f"  CPU time of the bot process: {cpu:.1f} s over {len(sampler.samples)} samples")

    failures = []
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        jobs = conn.execute("SELECT key, detail FROM job_runs ORDER BY done_at").fetchall()
        outbox = conn.execute(
            "SELECT substr(purpose, 1, instr(purpose || ':', ':') - 1), kind, state, count(*)"
            " FROM outbox GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).fetchall()
        stored = conn.execute("SELECT key, length(data) FROM files ORDER BY key").fetchall()
        units_changed = units_snapshot(conn) != before_units
    print(f"\nWhat the sweep did (job_runs: {len(jobs)} rows):")
    for key, detail in jobs:
        print(f"  {key} {detail}")
    print("  outbox: " + ("; ".join(f"{p} {k} {s}: {n}" for p, k, s, n in outbox) or "empty"))
    print("  files: " + (", ".join(f"{k} {n / 1024:.0f} KB" for k, n in stored) or "none"))
    print(f"  units changed by start-up: {'YES' if units_changed else 'none'}")
    if units_changed:
        failures.append("the unit sync changed units")
    log = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    errors = [line for line in log if " ERROR " in line or "Traceback" in line]
    warnings = [line for line in log if " WARNING " in line]
    print(f"  bot log: {len(log)} lines, {len(warnings)} warnings, {len(errors)} errors")
    for line in (warnings + errors)[:5]:
        print(f"    {line[:160]}")
    if errors:
        failures.append("errors in the bot's log")
    print(f"\nThe bot stopped on SIGTERM with exit code {code}")
    if code != 0:
        failures.append(f"exit code {code}")
    flag = "" if mb(hwm) < TARGET_MB else "  (above the target)"
    print(f"Peak RSS of the bot process: {mb(hwm):.0f} MB (target < {TARGET_MB} MB){flag}")
    if failures:
        print(f"FAILED: {'; '.join(failures)}")
        return 1
    return 0


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_ledger_options(parser)
    parser.add_argument("--members", type=int, default=50, help="informants given Telegram ids")
    parser.add_argument("--strangers", type=int, default=50, help="non-members sending /start")
    parser.add_argument("--signers", type=int, default=10, help="unit leaders with ids added")
    parser.add_argument(
        "--drive", type=float, default=90.0, help=f"seconds of load (≤ {MAX_DRIVE:.0f})"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="times each person sends its commands"
    )
    parser.add_argument("--sweep-timeout", type=float, default=300.0, help="seconds")
    args = parser.parse_args(argv)
    check_ledger_options(parser, args)
    return args


async def run(args: argparse.Namespace) -> int:
    """Builds or copies the ledger, runs the bot on it; the exit status."""
    print(
        f"Machine: {platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="baosong-memory-"))
    db_path = workdir / "ledger.db"
    try:
        scale = Scale(args.units, args.items, args.adoptions, args.seed, 400, 20_000)
        if args.reuse:
            built = f"copied from {args.db} (the original is left as it is)"
        else:
            target = args.db or db_path
            took = await build_ledger(target, scale)
            built = (
                f"built {scale.units} units, {scale.items} items, {scale.adoptions} adoptions"
                f" (seed {scale.seed}) in {took:.0f} s"
            )
        if args.db is not None:  # the bot works on a copy: a kept ledger stays as built
            copy_ledger(args.db, db_path)
        return await run_bot(args, workdir, db_path, built)
    finally:
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return asyncio.run(run(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
