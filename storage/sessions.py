"""Dialogue sessions: where each person is in a dialogue on each channel, one row each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from chat.dialogue.session import Session
from storage.db import Database, Rider, Tx, riding, to_stamp


async def load(tx: Tx, person_id: int, channel: str) -> Session | None:
    """The person's session on the channel, if a dialogue waits for them there."""
    row = await tx.fetchone(
        "SELECT flow, step, draft, asked_at, asked_by FROM sessions"
        " WHERE person_id = ? AND channel = ?",
        (person_id, channel),
    )
    if row is None:
        return None
    return Session(
        person_id=person_id,
        channel=channel,
        flow=str(row["flow"]),
        step=str(row["step"]),
        draft=json.loads(row["draft"]),
        asked_at=datetime.fromisoformat(str(row["asked_at"])),
        asked_by=None if row["asked_by"] is None else str(row["asked_by"]),
    )


async def save(tx: Tx, person_id: int, channel: str, session: Session | None) -> None:
    """Stores the session (replacing the one there), or forgets it (None)."""
    if session is None:
        await tx.execute(
            "DELETE FROM sessions WHERE person_id = ? AND channel = ?", (person_id, channel)
        )
        return
    await tx.execute(
        "INSERT INTO sessions (person_id, channel, flow, step, draft, asked_at, asked_by,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (person_id, channel) DO UPDATE SET flow = excluded.flow,"
        " step = excluded.step, draft = excluded.draft, asked_at = excluded.asked_at,"
        " asked_by = excluded.asked_by, updated_at = excluded.updated_at",
        (
            person_id,
            channel,
            session.flow,
            session.step,
            json.dumps(dict(session.draft), ensure_ascii=False, sort_keys=True),
            to_stamp(session.asked_at),
            session.asked_by,
            tx.stamp,
        ),
    )


class LedgerSessions:
    """The engine's session store in the ledger; a step's session rides its effects."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, person_id: int, channel: str) -> Session | None:
        """The person's session on the channel, if any."""
        async with self.db.reading() as tx:
            return await load(tx, person_id, channel)

    async def write(self, person_id: int, channel: str, session: Session | None) -> None:
        """Stores the session in a transaction of its own (a step with no effects)."""
        async with self.db.transaction() as tx:
            await save(tx, person_id, channel, session)

    @contextmanager
    def riding(self, person_id: int, channel: str, session: Session | None) -> Iterator[Rider]:
        """The session is written by the first transaction the block commits."""

        async def write(tx: Tx) -> None:
            """Writes the session inside the effect's transaction."""
            await save(tx, person_id, channel, session)

        with riding(write) as rider:
            yield rider
