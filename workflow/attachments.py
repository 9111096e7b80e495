"""Files people send: their bytes kept in the ledger, so any channel can send them on."""

from __future__ import annotations

from storage import files
from storage.db import Database


async def receive(
    db: Database,
    *,
    data: bytes,
    name: str,
    mime_type: str,
    channel: str,
    remote_id: str,
    actor_id: int | None,
) -> str:
    """Stores a file received on a channel (with that channel's id for it); its key."""
    key = files.content_key(data)
    async with db.transaction() as tx:
        await files.put(tx, key, name, mime_type, data)
        await files.remember_remote_id(tx, key, channel, remote_id)
        await tx.audit(
            actor_id, "file.receive", "file", None, key=key, channel=channel, size=len(data)
        )
    return key
