"""Writing tasks repository: items the centre asked a unit to write, with working-day due dates."""

from __future__ import annotations

from datetime import date

from storage.db import Tx
from storage.models import WritingTask


async def create_task(
    tx: Tx,
    *,
    unit_id: int,
    title: str,
    detail: str,
    event_date: date,
    due_on: date,
    created_by: int | None,
) -> WritingTask:
    """Opens a writing task for a unit, due on a given (working) day."""
    task_id = await tx.execute(
        "INSERT INTO writing_tasks (unit_id, title, detail, event_date, due_on, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (unit_id, title, detail, event_date.isoformat(), due_on.isoformat(), created_by, tx.stamp),
    )
    await tx.audit(created_by, "task.create", "task", task_id, unit_id=unit_id, due_on=due_on)
    task = await get_task(tx, task_id)
    assert task is not None
    return task


async def get_task(tx: Tx, task_id: int) -> WritingTask | None:
    """One writing task by id."""
    row = await tx.fetchone("SELECT * FROM writing_tasks WHERE id = ?", (task_id,))
    return WritingTask.from_row(row) if row else None


async def close_task(tx: Tx, task_id: int, *, done: bool, actor_id: int | None) -> bool:
    """Marks an open task done (an item answered it) or cancelled; False if it was not open."""
    state = "done" if done else "cancelled"
    changed = await tx.execute(
        "UPDATE writing_tasks SET state = ?, closed_at = ? WHERE id = ? AND state = 'open'",
        (state, tx.stamp, task_id),
    )
    if changed:
        await tx.audit(actor_id, f"task.{state}", "task", task_id)
    return bool(changed)


async def open_tasks_due_by(tx: Tx, day: date) -> list[WritingTask]:
    """Open tasks due on or before a day, earliest first."""
    rows = await tx.fetchall(
        "SELECT * FROM writing_tasks WHERE state = 'open' AND due_on <= ? ORDER BY due_on, id",
        (day.isoformat(),),
    )
    return [WritingTask.from_row(row) for row in rows]


async def tasks_to_remind(tx: Tx, day: date) -> list[WritingTask]:
    """Open tasks due on `day` not yet reminded, and overdue ones not yet reported."""
    rows = await tx.fetchall(
        "SELECT * FROM writing_tasks t WHERE t.state = 'open' AND ("
        " (t.due_on = :day AND NOT EXISTS (SELECT 1 FROM job_runs j"
        "  WHERE j.key = 'remind:task:' || t.id || ':due'))"
        " OR (t.due_on < :day AND NOT EXISTS (SELECT 1 FROM job_runs j"
        "  WHERE j.key = 'remind:task:' || t.id || ':overdue'))) ORDER BY t.due_on, t.id",
        {"day": day.isoformat()},
    )
    return [WritingTask.from_row(row) for row in rows]
