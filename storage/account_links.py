"""Account links repository: single-use codes that add an account on another channel to the
person who asked for them."""

from __future__ import annotations

from datetime import datetime

from storage.db import Tx, to_stamp
from storage.models import AccountLink


async def create(tx: Tx, code: str, person_id: int, expires_at: datetime) -> AccountLink:
    """Stores a new code for the person, audited."""
    await tx.execute(
        "INSERT INTO account_links (code, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (code, person_id, tx.stamp, to_stamp(expires_at)),
    )
    await tx.audit(person_id, "account.link_code", "person", person_id, code=code[:4] + "…")
    link = await get(tx, code)
    assert link is not None
    return link


async def get(tx: Tx, code: str) -> AccountLink | None:
    """One code."""
    row = await tx.fetchone("SELECT * FROM account_links WHERE code = ?", (code,))
    return AccountLink.from_row(row) if row else None


async def mark_used(tx: Tx, code: str, account_id: int) -> bool:
    """Spends the code on the account it linked; False if it was spent meanwhile."""
    return (
        await tx.changed(
            "UPDATE account_links SET used_at = ?, used_by = ? WHERE code = ? AND used_at IS NULL",
            (tx.stamp, account_id, code),
        )
        > 0
    )
