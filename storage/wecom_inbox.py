"""WeCom callbacks as received: stored before WeCom is answered, handled after.

Storing is idempotent per dedupe key, so WeCom's retries (the same callback up to three
times when no answer came within 5 s) are kept once. A dispatcher claims the unhandled rows
in arrival order and marks each handled in the transaction of its effects, so a crash between
storing and handling replays the row and a crash after handling does not repeat it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import Tx

ENTITY = "wecom_inbox"


@dataclass(frozen=True, slots=True)
class Received:
    """What one callback carried: the fields the bot acts on, and the whole plaintext XML."""

    dedupe_key: str
    from_user: str
    msg_type: str
    plaintext: str
    event: str | None = None
    content: str | None = None
    event_key: str | None = None
    task_id: str | None = None
    response_code: str | None = None
    media_id: str | None = None
    msg_id: str | None = None
    agent_id: str | None = None
    create_time: int | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored callback: its row id, what it carried, when it came and how often it was claimed."""

    id: int
    received: Received
    received_at: str
    attempts: int
    handled_at: str | None
    outcome: str | None


_COLUMNS = (
    "id, dedupe_key, from_user, msg_type, plaintext, event, content, event_key, task_id,"
    " response_code, media_id, msg_id, agent_id, create_time, received_at, attempts,"
    " handled_at, outcome"
)


def _text(value: object) -> str | None:
    """A nullable text column."""
    return None if value is None else str(value)


def _entry(row: sqlite3.Row) -> Entry:
    """A row as an Entry."""
    received = Received(
        dedupe_key=str(row["dedupe_key"]),
        from_user=str(row["from_user"]),
        msg_type=str(row["msg_type"]),
        plaintext=str(row["plaintext"]),
        event=_text(row["event"]),
        content=_text(row["content"]),
        event_key=_text(row["event_key"]),
        task_id=_text(row["task_id"]),
        response_code=_text(row["response_code"]),
        media_id=_text(row["media_id"]),
        msg_id=_text(row["msg_id"]),
        agent_id=_text(row["agent_id"]),
        create_time=None if row["create_time"] is None else int(row["create_time"]),
    )
    return Entry(
        id=int(row["id"]),
        received=received,
        received_at=str(row["received_at"]),
        attempts=int(row["attempts"]),
        handled_at=_text(row["handled_at"]),
        outcome=_text(row["outcome"]),
    )


async def store(tx: Tx, callback: Received) -> int | None:
    """Keeps a callback; its row id, or None when its dedupe key was stored before (a retry)."""
    # RETURNING gives the new row's id in the insert's own step (no row: a retry)
    row = await tx.fetchone(
        "INSERT INTO wecom_inbox (dedupe_key, from_user, msg_type, plaintext, event, content,"
        " event_key, task_id, response_code, media_id, msg_id, agent_id, create_time,"
        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        (
            callback.dedupe_key,
            callback.from_user,
            callback.msg_type,
            callback.plaintext,
            callback.event,
            callback.content,
            callback.event_key,
            callback.task_id,
            callback.response_code,
            callback.media_id,
            callback.msg_id,
            callback.agent_id,
            callback.create_time,
            tx.stamp,
        ),
    )
    if row is None:
        return None
    entry_id = int(row["id"])
    await tx.audit(
        None,
        "wecom.callback_stored",
        ENTITY,
        entry_id,
        key=callback.dedupe_key,
        msg_type=callback.msg_type,
        event=callback.event,
        from_user=callback.from_user,
    )
    return entry_id


async def get(tx: Tx, entry_id: int) -> Entry | None:
    """A stored callback by row id."""
    row = await tx.fetchone(f"SELECT {_COLUMNS} FROM wecom_inbox WHERE id = ?", (entry_id,))
    return None if row is None else _entry(row)


async def claim(tx: Tx, limit: int = 100) -> list[Entry]:
    """The oldest unhandled callbacks, in arrival order, each claim counted in `attempts` (so a
    row that keeps failing its handler can be told apart and given up on)."""
    rows = await tx.fetchall(
        f"SELECT {_COLUMNS} FROM wecom_inbox WHERE handled_at IS NULL ORDER BY id LIMIT ?",
        (limit,),
    )
    if not rows:
        return []
    ids = [int(row["id"]) for row in rows]
    await tx.execute(
        f"UPDATE wecom_inbox SET attempts = attempts + 1 WHERE id IN ({','.join('?' * len(ids))})",
        ids,
    )
    await tx.audit(None, "wecom.callbacks_claimed", ENTITY, None, ids=ids)
    claimed = await tx.fetchall(
        f"SELECT {_COLUMNS} FROM wecom_inbox WHERE id IN ({','.join('?' * len(ids))}) ORDER BY id",
        ids,
    )
    return [_entry(row) for row in claimed]


async def mark_handled(tx: Tx, entry_id: int, outcome: str = "handled") -> bool:
    """Settles a callback (compare-and-set); False if it was already settled, and then the
    caller's transaction must not keep its effects."""
    changed = await tx.changed(
        "UPDATE wecom_inbox SET handled_at = ?, outcome = ? WHERE id = ? AND handled_at IS NULL",
        (tx.stamp, outcome, entry_id),
    )
    if changed:
        await tx.audit(None, "wecom.callback_handled", ENTITY, entry_id, outcome=outcome)
    return changed > 0


async def unhandled_count(tx: Tx) -> int:
    """How many stored callbacks wait for handling."""
    row = await tx.fetchone("SELECT count(*) FROM wecom_inbox WHERE handled_at IS NULL")
    return int(row[0]) if row else 0
