"""Conversation state repository: where each person is in a multi-step chat, written through."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Tx


async def load_states(tx: Tx, name: str) -> dict[str, str]:
    """Every stored state of one conversation, by key."""
    rows = await tx.fetchall("SELECT key, state FROM conversations WHERE name = ?", (name,))
    return {str(row["key"]): str(row["state"]) for row in rows}


async def load_data(tx: Tx, name: str) -> dict[str, dict[str, Any]]:
    """Every stored data blob of one conversation, by key."""
    rows = await tx.fetchall("SELECT key, data FROM conversations WHERE name = ?", (name,))
    return {str(row["key"]): json.loads(row["data"]) for row in rows}


async def save(tx: Tx, name: str, key: str, state: str, data: dict[str, Any]) -> None:
    """Stores a conversation's state and data for a key (replacing what was there)."""
    await tx.execute(
        "INSERT INTO conversations (name, key, state, data, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state, data = excluded.data,"
        " updated_at = excluded.updated_at",
        (name, key, state, json.dumps(data, ensure_ascii=False, sort_keys=True), tx.stamp),
    )


async def drop(tx: Tx, name: str, key: str) -> None:
    """Forgets a finished or cancelled conversation."""
    await tx.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (name, key))
