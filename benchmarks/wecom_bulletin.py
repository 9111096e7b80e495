"""The month's bulletin to 1,000 WeCom members through the real outbox and WeCom adapter, against
the WeCom emulator with its limits on: 30 messages a member a minute and 1,000 an hour (beyond,
silently dropped) and the corp's calls of message/send a minute (beyond, 45009).

The sweep of the first working day posts October's bulletin (its text parts, chart, workbook and
通报); the outbox drains it through `WeComChannel` until nothing waits. Two runs:
- WeCom's corp limit (10,000 a minute): the ~6,000 messages fit one minute, so the limits let
  them all go at once and the time is our own throughput, printed as messages a second;
- a corp limit the bulletin exceeds (2,000 a minute, set on the emulator and the pacer alike,
  as a centre sharing its corp's calls with other apps would set `wecom.corp_sends_per_minute`):
  the corp's window binds, and the time from the first send to the last is set beside the least
  time the limits allow (target within 10%).
The least time is what sliding windows allow: n sends under "k in any span" need the last to go
at least ceil(n/k - 1) spans after the first, per member (30/min, 1,000/h) and for the corp;
with 6 messages a member the corp's bound is the larger, and it is reached (each span's k to
members with room). Printed: messages sent, silently dropped (target 0), shown twice (target 0),
45009 answers (target 0), the times and their ratio. Figures only, no asserts on time.
Usage: .venv/bin/python benchmarks/wecom_bulletin.py [--members 1000] [--corp 2000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.jobs import sweep
from bot.settings.loader import load_settings
from bot.wiring import centre_rules, schedule_rules
from channels.wecom.adapter import WECOM, WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.pacing import CORP_WINDOW, SLACK, WECOM_WINDOWS, Pacer, Window
from channels.wecom.render import wecom_texts
from channels.wecom.serve import Services
from chat.texts import Texts
from delivery import outbox as delivery
from delivery.courier import Courier
from sandbox.wecom.server import FakeWeComApi
from scoring.vocab import Role
from storage import outbox, people, units
from storage.db import Database
from storage.models import Account
from storage.units import UnitSpec, sync_units

REPO = Path(__file__).resolve().parent.parent
BULLETIN_DAY = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Monday
BUDGET = 600.0  # seconds at most for one drain


@dataclass(frozen=True, slots=True)
class Run:
    """What one run measured."""

    rows: int
    sent: int
    dropped: int
    twice: int
    rate_limited: int
    undelivered: int
    taken: float  # the drain, start to empty
    spread: float  # first send to last send
    per_member: Counter[str]

    @property
    def clean(self) -> bool:
        """Nothing dropped, shown twice, refused or left."""
        return not (self.dropped or self.twice or self.rate_limited or self.undelivered)


def least_seconds(per_member: Counter[str], corp: Window) -> float:
    """The least time from the first send to the last that WeCom's sliding windows allow:
    n sends under "k in any span" put the last ceil(n/k - 1) spans after the first, for each
    member's windows and for the corp's (the largest of these bounds)."""

    def bound(count: int, window: Window) -> float:
        """The last of `count` sends within one window."""
        return max(math.ceil(count / window.limit - 1), 0) * window.span

    member = max((bound(n, w) for n in per_member.values() for w in WECOM_WINDOWS), default=0.0)
    return max(member, bound(sum(per_member.values()), corp))


async def run(members: int, corp: Window) -> Run:
    """Builds the ledger, posts the bulletin, drains it under a corp limit; what it measured."""
    settings = load_settings(REPO / "config.yaml", {})
    rules = centre_rules(settings)
    origin: list[float] = []  # the drain's start on the monotonic clock, once it starts

    def clock() -> datetime:
        """The bulletin day, moving with real time from the drain's start."""
        return BULLETIN_DAY + timedelta(seconds=time.monotonic() - origin[0] if origin else 0)

    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "ledger.db", clock=clock)
        await db.migrate()
        async with db.transaction() as tx:
            await sync_units(
                tx,
                [
                    UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                    for u in settings.units
                ],
            )
            found = [await units.unit_by_name(tx, u.name) for u in settings.units]
            unit_ids = [u.id for u in found if u is not None]
            for n in range(members):
                person = await people.ensure_person(tx, Account(WECOM, f"m{n:04d}"), f"成员{n}")
                unit = unit_ids[n % len(unit_ids)]
                await people.grant_role(tx, person.id, unit, Role.INFORMANT, person.id)
        async with FakeWeComApi(corp_limit=corp.limit, corp_span=corp.span) as api:
            client = WeComClient(api.corp_id, api.secret, api.agent_id, base_url=api.base_url)
            channel = WeComChannel(client, db, wecom_texts("zh"), Pacer(WECOM_WINDOWS, SLACK, corp))
            await channel.start()

            async def no_pass() -> delivery.DrainReport:
                """The sweep only queues here; the drain below is timed."""
                return delivery.DrainReport()

            courier = Courier(no_pass, asyncio.create_task)
            services = Services(db, rules, Texts("zh"), schedule_rules(settings), courier)
            await sweep(BULLETIN_DAY, services)
            async with db.reading() as tx:
                queued = await tx.fetchone(
                    "SELECT count(*) AS n FROM outbox WHERE state = 'pending'"
                )
            rows = int(queued["n"]) if queued is not None else 0

            origin.append(time.monotonic())
            while time.monotonic() - origin[0] < BUDGET:
                report = await delivery.drain({WECOM: channel}, db, rules)
                async with db.reading() as tx:
                    waiting = await tx.fetchone(
                        "SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')"
                    )
                    due = await outbox.next_retry(tx)
                if waiting is not None and int(waiting["n"]) == 0:
                    break
                if not (report.sent or report.retried):  # nap until the next row is due
                    nap = 0.05 if due is None else (due - clock()).total_seconds()
                    await asyncio.sleep(min(max(nap, 0.005), 1.0))
            taken = time.monotonic() - origin[0]
            await channel.stop()
            async with db.reading() as tx:
                left = await outbox.undelivered(tx)
            accepted = [d for d in api.deliveries if d.fate != "duplicate"]
            times = [d.at for d in accepted]
            measured = Run(
                rows=rows,
                sent=len(accepted),
                dropped=sum(1 for d in api.deliveries if d.fate == "dropped"),
                twice=sum(1 for d in api.deliveries if d.fate == "duplicate"),
                rate_limited=api.rate_limited,
                undelivered=len(left),
                taken=taken,
                spread=max(times) - min(times) if times else 0.0,
                per_member=Counter(d.userid for d in accepted),
            )
        await db.close()
    return measured


def report(title: str, members: int, corp: Window, measured: Run) -> None:
    """Prints one run's figures."""
    least = least_seconds(measured.per_member, corp)
    print(f"{title}: {members} members, corp limit {corp.limit:,} calls in {corp.span:.0f} s")
    print(
        f"  outbox rows: {measured.rows}; messages sent: {measured.sent}; silently dropped: "
        f"{measured.dropped} (target 0); shown twice: {measured.twice} (target 0); 45009: "
        f"{measured.rate_limited} (target 0); undelivered rows: {measured.undelivered}"
    )
    print(
        f"  drain: {measured.taken:.1f} s; first send to last: {measured.spread:.1f} s; "
        f"least the limits allow: {least:.1f} s (per member 30/min and 1,000/h, per corp "
        f"{corp.limit:,}/{corp.span:.0f} s, sliding)"
    )
    if least > 0:
        print(f"  ratio {measured.spread / least:.2f} (target 0.9–1.1)")
    else:
        rate = measured.sent / measured.taken if measured.taken else 0.0
        print(
            f"  the limits let every message go at once: the time is our own throughput, "
            f"{rate:.0f} messages a second (no ratio to the limits)"
        )


async def both(members: int, binding: Window) -> int:
    """WeCom's own corp limit, then one the bulletin exceeds."""
    ours = await run(members, CORP_WINDOW)
    report("WeCom's corp limit", members, CORP_WINDOW, ours)
    bound = await run(members, binding)
    report("A corp limit that binds", members, binding, bound)
    return 0 if ours.clean and bound.clean else 1


def main() -> int:
    """Parses the arguments and runs the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--corp", type=int, default=2000, help="the binding corp limit a minute")
    parser.add_argument(
        "--quick", action="store_true", help="100 members; a binding limit of 200 in 20 s"
    )
    args = parser.parse_args()
    if args.quick:
        return asyncio.run(both(100, Window(200, 20.0)))
    return asyncio.run(both(args.members, Window(args.corp, 60.0)))


if __name__ == "__main__":
    raise SystemExit(main())
