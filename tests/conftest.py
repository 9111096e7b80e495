"""Shared fixtures: a fresh ledger on a temporary SQLite file with a settable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.db import Database


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    """Mid-October 2026, 10:00 in Shanghai."""
    return FakeClock(datetime(2026, 10, 15, 2, 0, tzinfo=UTC))


@pytest.fixture
async def db(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Database]:
    """A migrated, empty ledger."""
    database = await Database.open(tmp_path / "ledger.db", clock=clock)
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()
