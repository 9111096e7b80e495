"""A ledger written by the first release upgrades to today's schema with every row kept."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from scoring.figures import month_figures
from scoring.policy import ScoringPolicy
from scoring.vocab import ItemState, Role
from storage import adoptions, items
from storage.db import Database
from storage.figures import period_counts
from storage.migrations import LATEST_VERSION
from tests.conftest import FakeClock

FIXTURE = Path(__file__).parent / "fixtures" / "ledger_v1.sql"
TABLES = (
    "units",
    "people",
    "roles",
    "invites",
    "writing_tasks",
    "items",
    "item_files",
    "signoffs",
    "edits",
    "adoptions",
    "audit_log",
)


async def counts(db: Database) -> dict[str, int]:
    """Rows per table."""
    found = {}
    async with db.reading() as tx:
        for table in TABLES:
            row = await tx.fetchone(f"SELECT count(*) FROM {table}")
            found[table] = int(row[0]) if row else -1
    return found


async def test_first_release_ledger_keeps_every_row(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "v1.db"
    async with await Database.open(path, clock=clock) as old:
        await old.migrate(target=1)
        async with old.transaction() as tx:
            source = FIXTURE.read_text(encoding="utf-8").splitlines()
            script = "\n".join(line for line in source if not line.startswith("--"))
            for statement in filter(str.strip, script.split(";\n")):
                await tx.execute(statement)
        before = await counts(old)
    assert all(before[table] > 0 for table in TABLES)
    async with await Database.open(path, clock=clock) as upgraded:
        await upgraded.migrate()
        assert await upgraded.schema_version() == LATEST_VERSION
        assert await counts(upgraded) == before
        async with upgraded.reading() as tx:
            adopted = await items.get_item(tx, 1)
            returned = await items.get_item(tx, 2)
            live = await adoptions.adoptions_of(tx, 1)
            march = await period_counts(
                tx,
                ScoringPolicy(),
                date(2026, 3, 1),
                date(2026, 3, 31),
                informant_at=datetime(2026, 3, 31, 16, tzinfo=UTC),
            )
    assert adopted is not None
    assert adopted.state is ItemState.REGISTERED
    assert returned is not None
    assert returned.state is ItemState.RETURNED
    assert returned.chain_roles == (Role.WINDOW_HEAD, Role.LEADER)  # the default for windows
    assert [a.points for a in live] == [1, 3]
    lines = {line.counts.name: line for line in month_figures(ScoringPolicy(), march)}
    assert lines["市人社局窗口"].score == Decimal(4)
    assert lines["综合科"].score == Decimal(2)
