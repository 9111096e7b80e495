"""Outbox throughput: a bulletin to 1,000 recipients through a fake Bot API with Telegram's limits.

Prints the achieved rate as a share of Telegram's 30 messages/s and the counts of lost and
duplicated messages, once clean and once with 5% injected 429/5xx. Figures only, no asserts
on time. Usage: .venv/bin/python benchmarks/outbox_send.py [--recipients 1000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot
from telegram.ext import ExtBot

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.telegram.adapter import drain, paced_rate_limiter
from channels.telegram.request import RetryingRequest
from chat.texts import Texts
from delivery.outbox import DrainReport
from sandbox.telegram.server import FakeBotApi
from storage import outbox
from storage.db import Database
from storage.models import TELEGRAM, Room

REPO = Path(__file__).resolve().parent.parent
LIMIT = 30.0  # Telegram's overall messages per second
SEND_RATE = 30  # what the bot allows itself: each message counted from its answer
BUDGET = 150.0  # seconds per scenario at most


async def scenario(recipients: int, fault_rate: float, workdir: Path) -> dict[str, float]:
    """Queues one message per recipient and drains until all are settled; returns figures."""
    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    texts = Texts("zh")
    async with FakeBotApi(telegram_limits=True, random_fault_rate=fault_rate, seed=7) as server:
        users = [server.user(10_000 + i) for i in range(recipients)]
        db = await Database.open(workdir / f"outbox-{fault_rate}.db")
        await db.migrate()
        async with db.transaction() as tx:
            for user in users:
                await outbox.enqueue(
                    tx, "bulletin:bench", Room(TELEGRAM, str(user.id)), {"text": "2026年10月 通报"}
                )
        bot: Bot = ExtBot(
            "4242:bench",
            base_url=server.base_url,
            rate_limiter=paced_rate_limiter(SEND_RATE, max_retries=0),
            request=RetryingRequest(connection_pool_size=256),  # as channels/telegram/app.py
        )
        total = DrainReport()
        start = time.monotonic()
        async with bot:
            while time.monotonic() - start < BUDGET:
                report = await drain(bot, db, texts, rules, limit=500)
                total.sent += report.sent
                total.retried += report.retried
                total.failed += report.failed
                total.uncertain += report.uncertain
                async with db.reading() as tx:
                    row = await tx.fetchone("SELECT count(*) FROM outbox WHERE state = 'pending'")
                if not row or not row[0]:
                    break
                await asyncio.sleep(0.2)
        elapsed = time.monotonic() - start
        await db.close()
        received = [len(u.received()) for u in users]
    return {
        "elapsed": elapsed,
        "rate": total.sent / elapsed if elapsed else 0.0,
        "sent": total.sent,
        "retried": total.retried,
        "failed": total.failed,
        "uncertain": total.uncertain,
        "lost": sum(1 for n in received if n == 0),
        "duplicated": sum(1 for n in received if n > 1),
    }


def main() -> None:
    """Runs the clean and the faulty scenario and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 recipients")
    args = parser.parse_args()
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    recipients = 100 if args.quick else args.recipients
    print(f"outbox: {recipients} recipients, Telegram limits enforced by the fake server")
    print(
        f"{'scenario':<22}{'seconds':>9}{'msg/s':>8}{'share':>8}{'retries':>9}"
        f"{'failed':>8}{'uncert.':>9}{'lost':>6}{'dup.':>6}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for name, rate in (("clean", 0.0), ("5% 429/5xx", 0.05)):
            f = asyncio.run(scenario(recipients, rate, Path(folder)))
            print(
                f"{name:<22}{f['elapsed']:>9.1f}{f['rate']:>8.1f}{f['rate'] / LIMIT:>7.0%}"
                f"{int(f['retried']):>9}{int(f['failed']):>8}{int(f['uncertain']):>9}"
                f"{int(f['lost']):>6}{int(f['duplicated']):>6}"
            )
    print("(share: achieved rate / 30 msg/s; target ≥ 90%, lost and duplicated 0)")


if __name__ == "__main__":
    main()
