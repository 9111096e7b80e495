"""Flood benchmark: one person's burst of updates must not stall anyone else.

The real bot (`channels.telegram.app.build_application`, SQLite ledger in a temporary directory, the shipped
config.yaml) polls the fake Bot API on 127.0.0.1. A member (an informant of 市人社局窗口) sends
`/unit` one at a time, waiting for each answer, in three phases of one run:

- **quiet**: nobody else writes (the baseline);
- **stranger flood**: someone who never joined sends `--stranger` texts (300) at once;
- **editor flood**: the centre editor sends `--rank` `/rank` commands (60) at once.

By default the bot paces its Bot API calls as in production (30 messages in any second, the limit
Telegram enforces); `--unpaced` leaves that out to see CPU and scheduling alone.
Latency is the time from putting the member's update in the fake server's queue to the bot's
answer arriving there. Printed: p50 and p99 per phase and the ratio of each flood's p99 to the
quiet p99 (target ≤ 2×). Timings are printed, never asserted; load is bounded in count.

    .venv/bin/python benchmarks/flood.py [--probes 40] [--stranger 300] [--rank 60] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: the repository root holds `tests`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.wiring import centre_rules, telegram_options
from channels.telegram.app import BotApp, build_application
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from storage.db import Database
from tests.flow import ADMIN, TOKEN, flow_settings, invite_code, load_units, polling, settle

WINDOW = "市人社局窗口"
TIMEOUT = 120.0  # seconds one answer may take before the run gives up


async def _say(server: FakeBotApi, app: BotApp, user: FakeUser, text: str) -> str:
    """The user writes and waits until the bot is idle; the bot's newest text to them."""
    await user.send_text(text)
    await settle(server, app)
    return str(user.received()[-1].get("text", ""))


async def _join(server: FakeBotApi, app: BotApp, user: FakeUser, unit: str, role: str) -> None:
    """The admin invites the user, who opens the link."""
    admin = server.user(ADMIN, "管理员")
    reply = await _say(server, app, admin, f"/invite {unit} {role}")
    await _say(server, app, user, f"/start {invite_code(reply)}")


async def _probe(server: FakeBotApi, user: FakeUser, text: str, count: int) -> list[float]:
    """Sends `text` `count` times, each after the previous answer; seconds per answer."""
    latencies = []
    for _ in range(count):
        before = server.sent_count(user.id)
        began = time.perf_counter()
        await user.send_text(text)
        await server.wait_for_bot_message(user.id, before, timeout=TIMEOUT)
        latencies.append(time.perf_counter() - began)
    return latencies


async def _burst(user: FakeUser, text: str, count: int) -> None:
    """Puts `count` updates from one person in the queue at once."""
    for _ in range(count):
        await user.send_text(text)


def _quantile_ms(values: list[float], q: int) -> float:
    """The q-th percentile in milliseconds (inclusive method; the maximum for tiny samples)."""
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


async def run(
    probes: int, stranger_count: int, rank_count: int, paced: bool
) -> dict[str, list[float]]:
    """The three phases in one run; latencies per phase."""
    with tempfile.TemporaryDirectory(prefix="baosong-flood-") as tmp:
        async with FakeBotApi() as server:
            settings = flow_settings(server, Path(tmp) / "bot.db")
            db = await Database.open(Path(tmp) / "bot.db")
            try:
                await db.migrate()
                await load_units(db, settings)
                app = build_application(
                    telegram_options(settings),
                    db,
                    centre_rules(settings),
                    token=TOKEN,
                    rate_limit=paced,
                )
                async with polling(app):
                    member = server.user(101, "王芳")
                    editor = server.user(104, "赵敏")
                    stranger = server.user(5, "路人")
                    await _join(server, app, member, WINDOW, "informant")
                    await _join(server, app, editor, "办公室", "editor")
                    await _probe(server, member, "/unit", 3)  # warm the figures' memo
                    phases: dict[str, list[float]] = {}
                    phases["quiet"] = await _probe(server, member, "/unit", probes)
                    await _burst(stranger, "你好", stranger_count)
                    phases["stranger flood"] = await _probe(server, member, "/unit", probes)
                    await settle(server, app)
                    await _burst(editor, "/rank", rank_count)
                    phases["editor flood"] = await _probe(server, member, "/unit", probes)
                    await settle(server, app)
            finally:
                await db.close()
    return phases


def main() -> int:
    """Runs the phases and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=100, help="member's /unit per phase")
    parser.add_argument("--stranger", type=int, default=300, help="stranger's texts at once")
    parser.add_argument("--rank", type=int, default=60, help="editor's /rank at once")
    parser.add_argument("--quick", action="store_true", help="fewer probes (CI smoke)")
    parser.add_argument(
        "--unpaced",
        action="store_true",
        help="without the bot's Telegram pace (29 msg/s): CPU and scheduling only",
    )
    args = parser.parse_args()
    if args.quick:
        args.probes = 30
    logging.basicConfig(level=logging.WARNING)
    phases = asyncio.run(run(args.probes, args.stranger, args.rank, not args.unpaced))
    quiet = _quantile_ms(phases["quiet"], 99)
    pace = "without the Telegram pace" if args.unpaced else "with the bot's 30 msg/s pace"
    print(
        f"Another person's /unit while someone floods the bot ({args.probes} probes a phase, {pace})"
    )
    print(f"{'phase':<16} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p99 ÷ quiet':>12}")
    for name, values in phases.items():
        p99 = _quantile_ms(values, 99)
        worst = max(values) * 1000
        print(
            f"{name:<16} {_quantile_ms(values, 50):>8.1f} {p99:>8.1f} {worst:>8.1f}"
            f" {p99 / quiet:>11.2f}×"
        )
    print("target: each flood's p99 within 2× of the quiet p99")
    return 0


if __name__ == "__main__":
    sys.exit(main())
