"""PTB persistence in SQLite: one update's conversation state and draft are stored together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from channels.telegram.persistence import SqlitePersistence
from storage.db import Database, Tx


@pytest.fixture
def counted(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many write transactions the ledger began."""
    began: list[int] = []
    transaction = db.transaction

    @asynccontextmanager
    async def counting() -> AsyncIterator[Tx]:
        began.append(1)
        async with transaction() as tx:
            yield tx

    monkeypatch.setattr(db, "transaction", counting)
    return began


async def test_a_state_and_its_draft_commit_in_one_transaction(
    db: Database, counted: list[int]
) -> None:
    persistence = SqlitePersistence(db)
    await persistence.get_user_data()
    draft = {"draft": {"unit_id": 3, "title": "一窗通办"}}
    # PTB hands both over together (asyncio.gather in Application.update_persistence)
    await asyncio.gather(
        persistence.update_conversation("submit", (7, 7), 5),
        persistence.update_user_data(7, draft),
    )
    assert len(counted) == 1  # a kill can no longer leave the preview without its draft
    again = SqlitePersistence(db)
    assert await again.get_conversations("submit") == {(7, 7): 5}
    assert (await again.get_user_data())[7] == draft

    # The end of a conversation and the dropped draft, likewise.
    await asyncio.gather(
        persistence.update_conversation("submit", (7, 7), None),
        persistence.update_user_data(7, {}),
    )
    assert len(counted) == 2
    assert await again.get_conversations("submit") == {}
    assert 7 not in await again.get_user_data()


async def test_an_unchanged_draft_writes_nothing(db: Database, counted: list[int]) -> None:
    persistence = SqlitePersistence(db)
    await persistence.get_user_data()
    await persistence.update_user_data(8, {"draft": {"title": "x"}})
    await persistence.update_user_data(8, {"draft": {"title": "x"}})
    await persistence.flush()
    assert len(counted) == 1
