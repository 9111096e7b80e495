"""Reading the audit log (it is written by Tx.audit inside every state-changing transaction)."""

from __future__ import annotations

from storage.db import Tx
from storage.models import AuditEntry


async def audit_trail(tx: Tx, entity: str, entity_id: int) -> list[AuditEntry]:
    """Everything that happened to one entity, oldest first."""
    rows = await tx.fetchall(
        "SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id",
        (entity, entity_id),
    )
    return [AuditEntry.from_row(row) for row in rows]


async def audit_count(tx: Tx, action_prefix: str = "") -> int:
    """How many audit rows there are whose action starts with the prefix."""
    row = await tx.fetchone(
        "SELECT count(*) FROM audit_log WHERE action LIKE ? || '%'", (action_prefix,)
    )
    return int(row[0]) if row else 0
