"""The month's bulletin to 1,000 WeCom members through the real outbox and WeCom adapter, against
the WeCom emulator with its silent-drop limits on (30 messages a member a minute, 1,000 an hour).

The sweep of the first working day posts October's bulletin (its text parts, chart, workbook and
通报); the outbox drains it through `WeComChannel` until nothing waits. Printed: messages sent,
silently dropped by the emulator (target 0), shown twice (target 0), the time taken, and the
time WeCom's limits allow for the same messages — per member (30 a minute, 1,000 an hour) and per
corp (10,000 calls of an API a minute: the emulator does not enforce it, the bound is computed)
— side by side as a ratio (target within 10% of 1). Figures only, no asserts on time.
Usage: .venv/bin/python benchmarks/wecom_bulletin.py [--members 1000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.jobs import sweep
from bot.settings.loader import load_settings
from bot.wiring import centre_rules, schedule_rules
from channels.wecom.adapter import WECOM, WeComChannel
from channels.wecom.api import WeComClient
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
PER_MEMBER = ((30, 60.0), (1000, 3600.0))  # WeCom's per-member limits: messages, seconds
PER_CORP = (10_000, 60.0)  # calls of one API a corp may make a minute
BULLETIN_DAY = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Monday
BUDGET = 600.0  # seconds at most for the drain


def allowed_seconds(per_member: Counter[str]) -> float:
    """The least time WeCom's limits allow for these messages: the busiest member's windows
    (n messages need the (n-k)th window's wait past each limit k) and the corp's minute."""
    member_bound = 0.0
    for count in per_member.values():
        for limit, span in PER_MEMBER:
            member_bound = max(member_bound, math.ceil(count / limit - 1) * span)
    total = sum(per_member.values())
    corp_limit, corp_span = PER_CORP
    return max(member_bound, total / corp_limit * corp_span)


async def run(members: int) -> int:
    """Builds the ledger, posts the bulletin, drains it; prints the figures."""
    settings = load_settings(REPO / "config.yaml", {})
    rules = centre_rules(settings)
    with tempfile.TemporaryDirectory() as tmp:
        clock_now = [BULLETIN_DAY]
        db = await Database.open(Path(tmp) / "ledger.db", clock=lambda: clock_now[0])
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
        async with FakeWeComApi() as api:
            client = WeComClient(api.corp_id, api.secret, api.agent_id, base_url=api.base_url)
            channel = WeComChannel(client, db, wecom_texts("zh"))
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

            started = time.monotonic()
            while time.monotonic() - started < BUDGET:
                clock_now[0] = BULLETIN_DAY.fromtimestamp(
                    BULLETIN_DAY.timestamp() + time.monotonic() - started, UTC
                )
                report = await delivery.drain({WECOM: channel}, db, rules)
                async with db.reading() as tx:
                    left = await outbox.undelivered(tx)
                    waiting = await tx.fetchone(
                        "SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')"
                    )
                if waiting is not None and int(waiting["n"]) == 0:
                    break
                if not (report.sent or report.retried):
                    await asyncio.sleep(0.05)
            taken = time.monotonic() - started
            await channel.stop()
            accepted = [d for d in api.deliveries if d.fate != "duplicate"]
            per_member = Counter(d.userid for d in accepted)
            dropped = sum(1 for d in api.deliveries if d.fate == "dropped")
            twice = sum(1 for d in api.deliveries if d.fate == "duplicate")
        await db.close()
    allowed = allowed_seconds(per_member)
    print(f"members: {members}; outbox rows: {rows}; messages sent: {len(accepted)}")
    print(
        f"silently dropped: {dropped} (target 0); shown twice: {twice}; undelivered rows: {len(left)}"
    )
    print(
        f"time taken: {taken:.1f} s; time WeCom's limits allow: {allowed:.1f} s "
        f"(per member 30/min and 1,000/h, per corp 10,000/min); ratio {taken / allowed:.2f} "
        "(target 0.9–1.1; below 1 the sends outran the corp's limit, which WeCom answers with "
        "45009 rather than dropping)"
    )
    return 0 if dropped == 0 and twice == 0 and not left else 1


def main() -> int:
    """Parses the arguments and runs the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 members")
    args = parser.parse_args()
    return asyncio.run(run(100 if args.quick else args.members))


if __name__ == "__main__":
    raise SystemExit(main())
