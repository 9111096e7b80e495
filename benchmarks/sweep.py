"""The due-work sweep over a ledger with 100,000 items waiting for sign-off.

Prints how long one sweep takes when nothing is due (the common case, every 5 minutes) and
when 100 of them are overdue (reminders queued and sent to the emulator). Target: under
50 ms when nothing is due. Figures only. Usage: .venv/bin/python benchmarks/sweep.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("PTB_TIMEDELTA", "true")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot

from bot.jobs import sweep
from bot.settings.loader import load_settings
from bot.wiring import centre_rules, telegram_options
from channels.telegram.adapter import drain
from channels.telegram.context import BotData
from delivery.courier import Courier
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState, Role
from storage import bulk, units
from storage.db import Database
from storage.models import TELEGRAM, Account

REPO = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    """A clock the benchmark sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def run(open_items: int, overdue: int, folder: Path) -> None:
    """Builds the ledger, then times sweeps."""
    now = datetime(2026, 11, 24, 10, tzinfo=SHANGHAI).astimezone(UTC)
    clock = Clock(now)
    settings = load_settings(REPO / "config.yaml", {})
    db = await Database.open(folder / "sweep.db", clock=clock)
    await db.migrate()
    async with db.transaction() as tx:
        await units.sync_units(
            tx,
            [
                units.UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
        )
        unit = await units.unit_by_name(tx, "市人社局窗口")
        assert unit is not None
        await bulk.import_people(
            tx, [bulk.ImportedPerson("信息员", Account(TELEGRAM, "101"), id=1)]
        )
        await bulk.import_people(
            tx, [bulk.ImportedPerson("负责人", Account(TELEGRAM, "102"), id=2)]
        )
        await bulk.import_roles(
            tx,
            [
                bulk.ImportedRole(1, unit.id, Role.INFORMANT, now - timedelta(days=90)),
                bulk.ImportedRole(2, unit.id, Role.WINDOW_HEAD, now - timedelta(days=90)),
            ],
        )
        batch: list[bulk.ImportedItem] = []
        for index in range(open_items):
            old = index < overdue
            since = now - timedelta(days=10 if old else 0, minutes=30)
            batch.append(
                bulk.ImportedItem(
                    unit_id=unit.id,
                    author_id=1,
                    category="measures",
                    title=f"信息 {index}",
                    body="正文",
                    event_date=date(2026, 11, 13 if old else 23),
                    state=ItemState.PENDING,
                    submitted_on=date(2026, 11, 13 if old else 24),
                    submitted_at=since,
                    chain=(Role.WINDOW_HEAD, Role.LEADER),
                    step_since=since,
                )
            )
            if len(batch) == 20_000:
                await bulk.import_items(tx, batch)
                batch = []
        await bulk.import_items(tx, batch)
    async with FakeBotApi() as server:
        server.user(101)
        server.user(102)
        services = BotData()
        services.setup(db, centre_rules(settings), telegram_options(settings))
        async with Bot("4242:sweep", base_url=server.base_url) as bot:
            services.use_courier(
                Courier(
                    lambda: drain(bot, db, services.texts, services.rules),
                    spawn=asyncio.get_running_loop().create_task,
                )
            )
            start = time.perf_counter()
            await sweep(now, services)
            first = (time.perf_counter() - start) * 1000
            times: list[float] = []
            looks: list[float] = []  # the sweeps that looked over every waiting step
            every = services.schedule.recheck_minutes
            waits: list[float] = []  # a member's read of the ledger during the looks, ms
            for minute in range(1, 21):
                clock.now = now + timedelta(minutes=5 * minute)
                looking = (5 * minute) % every == 0
                stop = asyncio.Event()
                member = asyncio.ensure_future(
                    reads(db, stop, waits if looking else [], time.perf_counter())
                )
                start = time.perf_counter()
                await sweep(clock.now, services)
                took = (time.perf_counter() - start) * 1000
                stop.set()
                await member
                (looks if looking else times).append(took)
        sent = len(server.sent_to(102))
    await db.close()
    print(f"sweep over {open_items:,} items waiting for sign-off ({overdue} overdue)")
    print(f"  first sweep (reminds {overdue}, sends {sent} messages): {first:8.1f} ms")
    print(
        f"  later sweeps, nothing due (median of {len(times)}): {statistics.median(times):8.1f} ms"
        f"  (min {min(times):.1f}, max {max(times):.1f}; target < 50 ms)"
    )
    if looks:
        print(
            f"  sweeps that also look over every waiting step (once each {every} min;"
            f" median of {len(looks)}): {statistics.median(looks):8.1f} ms"
            f"  (max {max(looks):.1f}; not in the target: it reads every pending item)"
        )
    if waits:
        print(
            f"  meanwhile a member's read of the ledger, meant every 5 ms, waited p50"
            f" {statistics.median(waits):.1f} ms, max {max(waits):.1f} ms ({len(waits)} reads)"
        )


async def reads(db: Database, stop: asyncio.Event, waits: list[float], due: float) -> None:
    """A member's read every 5 ms from `due` until stopped: how long the sweep keeps others
    waiting (the first is due when the sweep starts, whether or not this task ran yet)."""
    while not stop.is_set():
        async with db.reading() as tx:
            await tx.fetchone("SELECT 1")
        # from when it meant to read (the event loop busy with the sweep delays it too)
        waits.append((time.perf_counter() - due) * 1000)
        due = time.perf_counter() + 0.005
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.005)
    if time.perf_counter() > due:  # a read due while the sweep held on, that never got a turn
        waits.append((time.perf_counter() - due) * 1000)


def main() -> None:
    """Parses the options and runs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--overdue", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.items, args.overdue, Path(folder)))


if __name__ == "__main__":
    main()
