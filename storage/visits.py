"""Visits repository (第七条): leaders' visits the centre logged and the writing task each opened."""

from __future__ import annotations

from datetime import date, datetime

from storage.db import Tx
from storage.models import Row


class Visit(Row):
    """A logged leader's visit: who, what kind, which unit writes it up, when, and its task."""

    id: int
    visitor: str
    kind: str  # city, department, township
    unit_id: int
    visit_date: date
    task_id: int | None
    logged_by: int
    created_at: datetime


async def create_visit(
    tx: Tx,
    *,
    visitor: str,
    kind: str,
    unit_id: int,
    visit_date: date,
    task_id: int | None,
    logged_by: int,
) -> Visit:
    """Records a visit (linked to the writing task it opened)."""
    visit_id = await tx.execute(
        "INSERT INTO visits (visitor, kind, unit_id, visit_date, task_id, logged_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (visitor, kind, unit_id, visit_date.isoformat(), task_id, logged_by, tx.stamp),
    )
    await tx.audit(
        logged_by,
        "visit.log",
        "visit",
        visit_id,
        visitor=visitor,
        kind=kind,
        unit_id=unit_id,
        visit_date=visit_date,
        task_id=task_id,
    )
    visit = await get_visit(tx, visit_id)
    assert visit is not None
    return visit


async def get_visit(tx: Tx, visit_id: int) -> Visit | None:
    """One visit by id."""
    row = await tx.fetchone("SELECT * FROM visits WHERE id = ?", (visit_id,))
    return Visit.from_row(row) if row else None


async def same_visit(
    tx: Tx, *, visitor: str, kind: str, unit_id: int, visit_date: date
) -> Visit | None:
    """The visit already logged with the same visitor, kind, unit and day, if any."""
    row = await tx.fetchone(
        "SELECT * FROM visits WHERE visitor = ? AND kind = ? AND unit_id = ? AND visit_date = ?"
        " ORDER BY id LIMIT 1",
        (visitor, kind, unit_id, visit_date.isoformat()),
    )
    return Visit.from_row(row) if row else None


async def recent_visits(tx: Tx, limit: int = 20) -> list[Visit]:
    """The latest visits logged, newest first."""
    rows = await tx.fetchall(
        "SELECT * FROM visits ORDER BY visit_date DESC, id DESC LIMIT ?", (limit,)
    )
    return [Visit.from_row(row) for row in rows]
