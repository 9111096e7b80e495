"""`baosong backup` while the bot writes: every copy is whole and consistent with itself."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

from storage import items
from storage.backup import backup_database
from storage.db import Database
from tests.ledger import seed


async def test_backups_during_writes_are_consistent(db: Database, tmp_path: Path) -> None:
    ids = await seed(db)
    stop = asyncio.Event()

    async def writer() -> int:
        """Creates items as fast as it can, each with its audit row, until told to stop."""
        made = 0
        while not stop.is_set() and made < 2000:
            async with db.transaction() as tx:
                await items.create_item(
                    tx,
                    items.NewItem(
                        unit_id=ids["市人社局窗口"],
                        author_id=ids["informant"],
                        category="measures",
                        title=f"负载 {made}",
                        body="正文" * 50,
                        event_date=date(2026, 10, 14),
                    ),
                )
            made += 1
            await asyncio.sleep(0)
        return made

    task = asyncio.create_task(writer())
    copies = []
    for index in range(4):
        await asyncio.sleep(0.05)
        target = tmp_path / f"copy-{index}.db"
        await asyncio.to_thread(backup_database, db.path, target)
        copies.append(target)
    stop.set()
    made = await task
    assert made > 0
    seen = []
    for copy in copies:
        with closing(sqlite3.connect(copy)) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            created = con.execute("SELECT count(*) FROM items").fetchone()[0]
            audited = con.execute(
                "SELECT count(*) FROM audit_log WHERE action = 'item.create'"
            ).fetchone()[0]
            assert created == audited  # each item with its audit row: one transaction, one copy
            seen.append(created)
    assert seen == sorted(seen)  # later copies are never older
    assert len(set(seen)) > 1, seen  # the writes really ran between the copies
