"""Invites repository: single-use, expiring codes that bind a person to a unit and role."""

from __future__ import annotations

from datetime import datetime

from scoring.vocab import Role
from storage.db import Tx, to_stamp
from storage.models import Invite


async def create_invite(
    tx: Tx,
    *,
    code: str,
    unit_id: int | None,
    role: Role,
    created_by: int | None,
    expires_at: datetime,
    name: str | None = None,
) -> Invite:
    """Stores a new invite code (for a named person, if the admin named them)."""
    await tx.execute(
        "INSERT INTO invites (code, unit_id, role, created_by, created_at, expires_at, name)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (code, unit_id, role.value, created_by, tx.stamp, to_stamp(expires_at), name),
    )
    await tx.audit(created_by, "invite.create", "unit", unit_id, role=role, code=code[:4] + "…")
    invite = await get_invite(tx, code)
    assert invite is not None
    return invite


async def get_invite(tx: Tx, code: str) -> Invite | None:
    """One invite by code."""
    row = await tx.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
    return Invite.from_row(row) if row else None


async def mark_used(tx: Tx, code: str, person_id: int) -> bool:
    """Marks an invite used if it is still usable now; False if used, revoked or expired."""
    changed = await tx.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_at IS NULL"
        " AND revoked_at IS NULL AND expires_at > ?",
        (person_id, tx.stamp, code, tx.stamp),
    )
    if changed:
        await tx.audit(person_id, "invite.use", "person", person_id, code=code[:4] + "…")
    return bool(changed)


async def revoke_invite(tx: Tx, code: str, actor_id: int | None) -> bool:
    """Revokes an unused invite."""
    changed = await tx.execute(
        "UPDATE invites SET revoked_at = ? WHERE code = ? AND used_at IS NULL"
        " AND revoked_at IS NULL",
        (tx.stamp, code),
    )
    if changed:
        await tx.audit(actor_id, "invite.revoke", "invite", None, code=code[:4] + "…")
    return bool(changed)
