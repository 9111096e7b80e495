"""Mixed load at province scale: /unit and /rank while adoptions and sign-offs are recorded.

Builds the year 2026 ledger of `ledger_figures` (2,000 units, 240,000 items, 500,000 adoptions
by default), closes the months before the bot's current one as the bot does when it posts their
bulletins (figures, then `close_month`, and the bulletin recorded as posted), then runs the real
bot (`bot.cli run`, its own process, against the emulator on 127.0.0.1, helpers of
`bot_memory`) twice on copies of that ledger: on today's path (every figure live over the whole
year, `workflow.figures.COMPOSE_YEAR = False`) and on the composed year. Each time 100 members
send /unit and /rank while a writer process (its own connection, the bot's services) records
adoptions and sign-offs at 5 per second. In this process it also times the year's figures
against the open month's raw SQL aggregate. Figures only; exit status 1 if the bot misbehaved
or the composed year differs from the live one.

    .venv/bin/python benchmarks/mixed_load.py [--quick] [--small] [--db PATH [--reuse]]
        [--members N] [--drive SECONDS] [--rate N] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from benchmarks.ledger_figures import YEAR, Scale, add_ledger_options, check_ledger_options
from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring import periods
from scoring.vocab import ItemState
from storage import adoptions, items, jobs, people
from storage.db import Database
from storage.figures import PERIOD_COUNTS_SQL, period_params
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
MAX_DRIVE = 120.0
PATHS = (("today's path (live year)", False), ("composed year", True))


def rules_of(config: Path) -> CentreRules:
    """The centre's rules as the bot loads them from this config."""
    return centre_rules(load_settings(config, {}), on_gap=lambda gap: None)


# --- the writer: a second process with its own connection --------------------------------


async def write_load(db_path: Path, config: Path, seconds: float, rate: float, seed: int) -> None:
    """Adoptions and sign-offs, alternating, at `rate` per second for `seconds` (bounded in
    count too), through the bot's services; prints a JSON summary line."""
    rules = rules_of(config)
    rng = random.Random(seed)
    outlets = list(rules.outlets.values())
    done = {"adoptions": 0, "signoffs": 0, "duplicates": 0, "refused": 0}
    db = await Database.open(db_path)
    try:
        async with db.reading() as tx:
            at_centre = [
                int(r[0])
                for r in await tx.fetchall(
                    "SELECT id FROM items WHERE state IN ('submitted', 'registered')"
                )
            ]
            pending = [
                int(r[0]) for r in await tx.fetchall("SELECT id FROM items WHERE state = 'pending'")
            ]
            editor_row = await tx.fetchone(
                "SELECT person_id FROM roles WHERE role = 'editor' AND revoked_at IS NULL"
            )
            assert editor_row is not None
            editor = await people.get_person(tx, int(editor_row[0]))
        assert editor is not None
        rng.shuffle(pending)
        began = time.monotonic()
        for n in range(int(seconds * rate) + 1):
            wait = began + n / rate - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if time.monotonic() - began > seconds:
                break
            async with db.transaction() as tx:
                today = rules.local_now(tx.now).date()
                if n % 2 == 0 or not pending:
                    item = await items.get_item(tx, rng.choice(at_centre))
                    assert item is not None
                    try:
                        await ensure_open(tx, today)
                        await centre.record_adoption_at(
                            tx,
                            rules,
                            item,
                            rng.choice(outlets),
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
                        pending.pop(),
                        expected=ItemState.PENDING,
                        new=ItemState.SUBMITTED,
                        actor_id=editor.id,
                        action="item.reach_centre",
                        centre_at=tx.now,
                        centre_on=today,
                        late_days=0,
                    )
                    done["signoffs"] += moved
        elapsed = time.monotonic() - began
    finally:
        await db.close()
    print(json.dumps({**done, "seconds": round(elapsed, 1)}), flush=True)


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


async def timed(call: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    """Wall times of `repeat` calls, ms."""
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


async def figure_times(db_path: Path, rules: CentreRules, today: date, repeat: int) -> bool:
    """Prints the year's and the month's figures on both paths next to the open month's raw
    aggregate (same run, warm cache); whether the composed year equals the live one."""
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
    try:
        raw.execute(PERIOD_COUNTS_SQL, params).fetchall()  # warm the cache

        async def raw_month() -> None:
            """The open month's aggregate with the stdlib module: the floor."""
            raw.execute(PERIOD_COUNTS_SQL, params).fetchall()

        first = await timed(lambda: figures._year_report(db, policy, zone, YEAR), 1)
        results: dict[str, list[float]] = {"raw open month": await timed(raw_month, repeat)}
        for label, compose in PATHS:
            figures.COMPOSE_YEAR = compose
            results[f"year, {label}"] = await timed(
                lambda: figures._year_report(db, policy, zone, YEAR), repeat
            )
            results[f"/unit+/rank figures, {label}"] = await timed(
                lambda: figures._month_report(db, policy, zone, YEAR, month), repeat
            )
        figures.COMPOSE_YEAR = True
        composed = await figures._year_report(db, policy, zone, YEAR)
        figures.COMPOSE_YEAR = False
        live = await figures._year_report(db, policy, zone, YEAR)
        figures.COMPOSE_YEAR = True
    finally:
        raw.close()
        await db.close()
    floor = statistics.median(results["raw open month"])
    print(f"\nFigures in this process (ms, median of {repeat}; open month {YEAR}-{month:02d}):")
    for label, samples in results.items():
        ratio = statistics.median(samples) / floor
        print(f"  {label:<46} {statistics.median(samples):8.1f}   {ratio:5.2f}x the raw month")
    print(f"  {'year, composed: first call (reads the sheets)':<46} {first[0]:8.1f}")
    ratio = statistics.median(results["year, composed year"]) / floor
    flag = "" if ratio <= TARGET_RATIO else "  (above the target)"
    print(f"Year composed / open month raw: {ratio:.2f}x (target ≤ {TARGET_RATIO:.0f}x){flag}")
    agree = composed == live
    print(f"Composed year equals the live year: {'yes' if agree else 'NO'}")
    return agree


# --- the bot under load -----------------------------------------------------------------


def percentile(samples: Sequence[float], share: float) -> float:
    """The `share` quantile (0..1) of the samples, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def bot_run(
    args: argparse.Namespace, db_path: Path, config: Path, members: list[int], compose: bool
) -> dict[str, Any]:
    """The bot on one path under the mixed load; its latencies, writes and peak RSS."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BAOSONG_")},
        "BAOSONG_CONFIG": str(config),
        "BAOSONG_DB": str(db_path),
        "BAOSONG_BOT_TOKEN": TOKEN,
    }
    code = (
        "import sys, workflow.figures as f; from bot.cli import main; "
        f"f.COMPOSE_YEAR = {compose}; sys.exit(main(['run']))"
    )
    load = Load()
    log_path = db_path.with_suffix(".log")
    async with FakeBotApi(token=TOKEN) as server:
        env["BAOSONG_API_BASE_URL"] = server.base_url
        users: list[tuple[FakeUser, tuple[str, ...]]] = [
            (server.user(tg, f"信息员{tg}"), ("/unit", "/rank")) for tg in members
        ]
        # a few strangers' /help: the floor of an answer on this harness, no figures in it
        users += [(server.user(STRANGER_TG + n, f"访客{n}"), ("/help",)) for n in range(1, 11)]
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
    return {
        "load": load,
        "written": written,
        "peak_mb": mb(max((s.hwm_kb for s in sampler.samples), default=0)),
        "cpu_s": sampler.samples[-1].cpu_s if sampler.samples else 0.0,
        "exit": exit_code,
        "errors": errors,
    }


def print_runs(runs: dict[str, dict[str, Any]], seconds: float) -> bool:
    """The two paths side by side; whether the bot behaved in both."""
    labels = list(runs)
    print(f"\nThe bot under load ({seconds:.0f} s each; latency of the answer, ms):")
    print(f"  {'':<30}" + "".join(f"{label:>28}" for label in labels))
    for command in ("/unit", "/rank", "/help"):
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
    composed = runs[labels[-1]]
    worst = max(
        (
            percentile(v, 0.99) * 1000
            for command, v in composed["load"].latencies.items()
            if v and command != "/help"
        ),
        default=float("inf"),
    )
    print(
        f"Composed year: worst p99 {worst:.0f} ms (target < {TARGET_P99_MS} ms),"
        f" peak RSS {composed['peak_mb']:.0f} MB (target < {TARGET_MB} MB)"
    )
    ok = True
    for label, run in runs.items():
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
        runs = {}
        for label, compose in PATHS:
            copy = workdir / f"run-{int(compose)}.db"
            copy_ledger(prepared, copy)
            runs[label] = await bot_run(args, copy, config, members, compose)
            copy.unlink()
        ok = print_runs(runs, min(args.drive, MAX_DRIVE))
        return 0 if ok and agree else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_ledger_options(parser)
    parser.add_argument("--members", type=int, default=100, help="members sending /unit, /rank")
    parser.add_argument("--drive", type=float, default=60.0, help=f"seconds (≤ {MAX_DRIVE:.0f})")
    parser.add_argument("--rate", type=float, default=5.0, help="writes per second")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each figure")
    parser.add_argument("--quick", action="store_true", help="15 s of load, 3 timed runs")
    parser.add_argument("--writer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer is None:
        check_ledger_options(parser, args)
    if args.quick:
        args.drive, args.repeat = 15.0, 3
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
