"""Stored files: what the bot makes (a bulletin's chart and workbook) and what people send
(attachments), kept as bytes, with each channel's id for a file it already has."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from storage.db import Tx


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file's name, type and bytes (empty for an attachment kept only by its Telegram id from
    before files were stored)."""

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


def content_key(data: bytes) -> str:
    """The key of a received file: its SHA-256, so the same bytes are stored once."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


async def remote_id(tx: Tx, key: str, channel: str) -> str | None:
    """The channel's id for a stored file, if it has one (received there or uploaded once)."""
    row = await tx.fetchone(
        "SELECT remote_id FROM file_remote_ids WHERE file_key = ? AND channel = ?",
        (key, channel),
    )
    return str(row["remote_id"]) if row else None


async def remember_remote_id(tx: Tx, key: str, channel: str, remote: str) -> bool:
    """Keeps a channel's id for a stored file; the first id kept stays. True if new."""
    changed = await tx.changed(
        "INSERT INTO file_remote_ids (file_key, channel, remote_id, recorded_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (file_key, channel) DO NOTHING",
        (key, channel, remote, tx.stamp),
    )
    return changed > 0
