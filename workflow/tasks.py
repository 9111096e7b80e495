"""Writing tasks (第五、七条): the centre asks a unit to write up an event within the deadline."""

from __future__ import annotations

from datetime import date

from scoring.vocab import Role
from storage import items, people, tasks, units
from storage.db import Database, Tx
from storage.models import Item, Person, Unit, WritingTask
from workflow.centre import editor_grant
from workflow.notices import post
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules
from workflow.submission import check_event_date, check_title


async def open_task(
    db: Database,
    rules: CentreRules,
    editor: Person,
    *,
    unit_name: str,
    title: str,
    event_date: date | None = None,
) -> tuple[WritingTask, Unit, list[Notice]]:
    """Opens a task for a unit, due N working days after the event; tells its informants."""
    async with db.transaction() as tx:
        return await open_task_in(
            tx, rules, editor, unit_name=unit_name, title=title, event_date=event_date
        )


async def open_task_in(
    tx: Tx,
    rules: CentreRules,
    editor: Person,
    *,
    unit_name: str,
    title: str,
    event_date: date | None = None,
) -> tuple[WritingTask, Unit, list[Notice]]:
    """`open_task` inside the caller's transaction (a visit and its task are stored together)."""
    clean = check_title(rules, title)
    await editor_grant(tx, editor)
    unit = await units.unit_by_name(tx, unit_name)
    if unit is None or not unit.active:
        raise Refused("unknown_unit", name=unit_name)
    event = check_event_date(rules, event_date or rules.local_now(tx.now).date(), tx.now)
    due = rules.calendar.deadline(event, rules.deadline_working_days)
    task = await tasks.create_task(
        tx,
        unit_id=unit.id,
        title=clean,
        detail="",
        event_date=event,
        due_on=due,
        created_by=editor.id,
    )
    notices = [
        Notice(
            p.id,
            "task_opened",
            {"title": clean, "due_on": due.isoformat(), "task": task.id},
            None,
            event=str(task.id),
        )
        for p in await people.role_holders(tx, unit.id, Role.INFORMANT)
        if p.reachable
    ]
    await post(tx, notices)
    return task, unit, notices


async def close(db: Database, person: Person, task_id: int, *, done: bool) -> WritingTask:
    """Closes a task: done (by an editor or the unit's informant) or cancelled (editor only)."""
    async with db.transaction() as tx:
        task = await tasks.get_task(tx, task_id)
        if task is None:
            raise Refused("task_unknown")
        grants = await people.active_roles(tx, person.id)
        editor = any(g.role is Role.EDITOR for g in grants)
        informant = any(g.role is Role.INFORMANT and g.unit_id == task.unit_id for g in grants)
        if not (editor or (done and informant)):
            raise Refused("not_allowed")
        if not await tasks.close_task(tx, task.id, done=done, actor_id=person.id):
            raise Refused("task_closed")
        closed = await tasks.get_task(tx, task.id)
        assert closed is not None
    return closed


async def _informant_of(tx: Tx, person: Person, task_id: int) -> WritingTask:
    """The open task, if the person is an informant of its unit; else Refused."""
    task = await tasks.get_task(tx, task_id)
    if task is None:
        raise Refused("task_unknown")
    grants = await people.active_roles(tx, person.id)
    if not any(g.role is Role.INFORMANT and g.unit_id == task.unit_id for g in grants):
        raise Refused("not_allowed")
    if task.state != "open":
        raise Refused("task_closed")
    return task


async def answers(db: Database, person: Person, task_id: int) -> list[Item]:
    """The unit's items an informant may link as the task's answer (submitted since it
    opened, answering no other task); Refused when there is none yet."""
    async with db.reading() as tx:
        task = await _informant_of(tx, person, task_id)
        found = await items.task_candidates(tx, task.unit_id, task.created_at)
    if not found:
        raise Refused("task_needs_item")
    return found


async def complete_with(
    db: Database, person: Person, task_id: int, item_id: int
) -> tuple[WritingTask, Item]:
    """The task done, answered by the unit's item; the editor who opened it is told."""
    async with db.transaction() as tx:
        task = await _informant_of(tx, person, task_id)
        item = await items.get_item(tx, item_id)
        if item is None or item.unit_id != task.unit_id:
            raise Refused("forged")
        if item.task_id is not None or not await items.link_task(tx, item.id, task.id, person.id):
            raise Refused("item_answers_a_task")
        if not await tasks.close_task(tx, task.id, done=True, actor_id=person.id):
            raise Refused("task_closed")
        if task.created_by is not None and task.created_by != person.id:
            told = {
                "task": task.id,
                "title": task.title,
                "item_title": item.title,
                "by": person.name,
            }
            await post(
                tx, [Notice(task.created_by, "task_answered", told, item.id, event=str(task.id))]
            )
        closed = await tasks.get_task(tx, task.id)
        assert closed is not None
    return closed, item


async def open_tasks(db: Database, person: Person) -> list[tuple[WritingTask, Unit]]:
    """Open tasks the person can act on: all for editors, their units' for informants."""
    async with db.reading() as tx:
        grants = await people.active_roles(tx, person.id)
        editor = any(g.role is Role.EDITOR for g in grants)
        mine = {g.unit_id for g in grants if g.role is Role.INFORMANT}
        found = []
        for task in await tasks.open_tasks_due_by(tx, date.max):
            if editor or task.unit_id in mine:
                unit = await units.get_unit(tx, task.unit_id)
                assert unit is not None
                found.append((task, unit))
    return found
