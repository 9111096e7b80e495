"""Files the bot sends (a bulletin's chart and workbook): stored once, read when sending."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Tx


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file's name, type and bytes."""

    key: str
    name: str
    mime_type: str
    data: bytes


async def put(tx: Tx, key: str, name: str, mime_type: str, data: bytes) -> None:
    """Stores a file under a key; a key already stored keeps its first version."""
    await tx.execute(
        "INSERT INTO files (key, name, mime_type, data, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (key) DO NOTHING",
        (key, name, mime_type, data, tx.stamp),
    )


async def get(tx: Tx, key: str) -> StoredFile | None:
    """A stored file by key."""
    row = await tx.fetchone("SELECT key, name, mime_type, data FROM files WHERE key = ?", (key,))
    if row is None:
        return None
    return StoredFile(str(row["key"]), str(row["name"]), str(row["mime_type"]), bytes(row["data"]))
