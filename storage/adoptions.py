"""Adoptions repository: which outlet took which item, at what level, and withdrawals of mistakes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from storage.db import Tx
from storage.models import Adoption


@dataclass(frozen=True, slots=True)
class NewAdoption:
    """An adoption as an editor records it; points are computed by the caller from the policy."""

    item_id: int
    outlet: str
    level: int
    points: int
    media: bool
    adopted_on: date
    recorded_by: int
    reference: str | None = None


class DuplicateAdoption(Exception):
    """The outlet's adoption of this item is already recorded (and not withdrawn)."""


async def record_adoption(tx: Tx, new: NewAdoption) -> Adoption:
    """Records an adoption; an outlet adopting the same item twice raises DuplicateAdoption."""
    try:
        adoption_id = await tx.execute(
            "INSERT INTO adoptions (item_id, outlet, level, points, media, adopted_on, reference,"
            " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.item_id,
                new.outlet,
                new.level,
                new.points,
                int(new.media),
                new.adopted_on.isoformat(),
                new.reference,
                new.recorded_by,
                tx.stamp,
            ),
        )
    except sqlite3.IntegrityError as error:
        if "adoptions" in str(error) and "UNIQUE" in str(error):
            raise DuplicateAdoption(new.outlet) from error
        raise
    await tx.audit(
        new.recorded_by,
        "adoption.record",
        "item",
        new.item_id,
        adoption_id=adoption_id,
        outlet=new.outlet,
        level=new.level,
        points=new.points,
        adopted_on=new.adopted_on,
    )
    adoption = await get_adoption(tx, adoption_id)
    assert adoption is not None
    return adoption


async def get_adoption(tx: Tx, adoption_id: int) -> Adoption | None:
    """One adoption by id."""
    row = await tx.fetchone("SELECT * FROM adoptions WHERE id = ?", (adoption_id,))
    return Adoption.from_row(row) if row else None


async def withdraw_adoption(tx: Tx, adoption_id: int, actor_id: int, reason: str) -> bool:
    """Marks an adoption recorded by mistake as withdrawn (kept, never deleted); False if already."""
    if not reason.strip():
        raise ValueError("a withdrawal needs a reason")
    row = await tx.fetchone("SELECT item_id FROM adoptions WHERE id = ?", (adoption_id,))
    if row is None:
        return False
    changed = await tx.execute(
        "UPDATE adoptions SET withdrawn_at = ?, withdrawn_by = ?, withdraw_reason = ?"
        " WHERE id = ? AND withdrawn_at IS NULL",
        (tx.stamp, actor_id, reason, adoption_id),
    )
    if changed:
        await tx.audit(
            actor_id,
            "adoption.withdraw",
            "item",
            int(row["item_id"]),
            adoption_id=adoption_id,
            reason=reason,
        )
    return bool(changed)


async def adoptions_of(tx: Tx, item_id: int, *, include_withdrawn: bool = False) -> list[Adoption]:
    """An item's adoptions in the order recorded."""
    extra = "" if include_withdrawn else " AND withdrawn_at IS NULL"
    rows = await tx.fetchall(
        f"SELECT * FROM adoptions WHERE item_id = ?{extra} ORDER BY id", (item_id,)
    )
    return [Adoption.from_row(row) for row in rows]


async def amend_adoption(
    tx: Tx,
    adoption_id: int,
    actor_id: int,
    *,
    adopted_on: date | None = None,
    reference: str | None = None,
) -> bool:
    """Corrects a live adoption's date or sets its issue number / URL; False if not live."""
    row = await tx.fetchone(
        "SELECT item_id, adopted_on, reference FROM adoptions WHERE id = ? AND withdrawn_at IS NULL",
        (adoption_id,),
    )
    if row is None:
        return False
    new_day = adopted_on.isoformat() if adopted_on else row["adopted_on"]
    new_reference = reference if reference is not None else row["reference"]
    await tx.execute(
        "UPDATE adoptions SET adopted_on = ?, reference = ? WHERE id = ?",
        (new_day, new_reference, adoption_id),
    )
    await tx.audit(
        actor_id,
        "adoption.amend",
        "item",
        int(row["item_id"]),
        adoption_id=adoption_id,
        before={"adopted_on": row["adopted_on"], "reference": row["reference"]},
        after={"adopted_on": new_day, "reference": new_reference},
    )
    return True
