"""Writing tasks, for every channel: /task UNIT TITLE (editors), /tasks, and a task's buttons
(完成, 取消 shown back for ✅ 确认, an informant's choice of the item that answers it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from chat.actions import Button
from chat.actions import tasks as tk
from chat.dialogue import Reply
from scoring.vocab import Role
from storage import people
from storage import tasks as task_repo
from storage import units as unit_repo
from storage.db import Database
from storage.models import Person, RoleGrant
from workflow import tasks
from workflow.outcomes import Refused
from workflow.rules import CentreRules

from . import Answer, refusal, say
from .lookup import confirm_rows, stranger

LABEL: Final = 60  # characters of an item's number and title on the button that picks it


async def open_task(db: Database, rules: CentreRules, person: Person | None, typed: str) -> Answer:
    """/task UNIT TITLE: the longest unit name that prefixes the words is the unit; its
    informants are told (queued)."""
    words = typed.strip()
    async with db.reading() as tx:
        names = sorted((u.name for u in await unit_repo.list_units(tx)), key=len, reverse=True)
    unit = next((n for n in names if words.startswith(n + " ")), None)
    if unit is None:
        return say("task.usage")
    try:
        if person is None:
            raise Refused("not_editor")
        task, found, _ = await tasks.open_task(
            db, rules, person, unit_name=unit, title=words[len(unit) :]
        )
    except Refused as refused:
        return Answer([refusal(refused)])
    params = {"unit": found.name, "task": task.id, "title": task.title, "due_on": task.due_on}
    return Answer([Reply("task.opened", params)], queued=True)


async def list_tasks(db: Database, person: Person | None, grants: Sequence[RoleGrant]) -> Answer:
    """/tasks: each open task a message with 完成 (and, for editors, 取消)."""
    if person is None:
        return stranger()
    editor = any(g.role is Role.EDITOR for g in grants)
    found = await tasks.open_tasks(db, person)
    if not found:
        return say("task.none")
    replies = []
    for task, unit in found:
        row = [Button("btn.task_done", tk.TaskAction("done", task.id))]
        if editor:
            row.append(Button("btn.task_cancel", tk.TaskAction("cancel", task.id)))
        params = {"task": task.id, "unit": unit.name, "title": task.title, "due_on": task.due_on}
        replies.append(Reply("task.line", params, (tuple(row),)))
    return Answer(replies)


async def press(
    db: Database,
    person: Person | None,
    pressed: tk.Press | None,
    origin: Mapping[str, Any] | None = None,
) -> Answer:
    """A task's button: 完成 closes it at once for an editor, and asks an informant which
    item answers it; 取消 first shows the task with ✅ 确认 / ✖️ 取消 and only the confirmation
    cancels it. Rights and state are re-checked on every press. `origin` is the pressed
    message whose buttons go once a task is done (None: it has none)."""
    try:
        if pressed is None:
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        if isinstance(pressed, tk.TaskLink):
            task, item = await tasks.complete_with(db, person, pressed.task_id, pressed.item_id)
            answered = Reply("task.answered", {"task": task.id, "item": item.id}, how="mark")
            return Answer([answered], queued=True)
        verb, task_id = pressed.verb, pressed.task_id
        if verb == "done" and not await _is_editor(db, person.id):
            return await _ask_answer(db, person, task_id)
        if verb == "keep":
            return Answer(
                [Reply("confirm.kept", how="toast"), Reply("task.cancel_kept", how="mark")]
            )
        if verb == "cancel":
            return await _ask_cancel(db, person.id, task_id)
        done = verb == "done"
        task = await tasks.close(db, person, task_id, done=done)
    except Refused as refused:
        return Answer([refusal(refused)])
    key = "task.closed_done" if done else "task.closed_cancel"
    replies = [Reply(key, {"task": task.id}, how="toast")]
    if not done:
        replies.append(Reply(key, {"task": task.id}, how="mark"))
    elif origin is not None:
        replies.append(Reply("", {"origin": origin}, how="clear"))
    return Answer(replies)


async def _is_editor(db: Database, person_id: int) -> bool:
    """Whether the person is a centre editor (who may close a task without its item)."""
    async with db.reading() as tx:
        return any(g.role is Role.EDITOR for g in await people.active_roles(tx, person_id))


async def _ask_answer(db: Database, person: Person, task_id: int) -> Answer:
    """An informant's 完成: the unit's recent items as buttons, one to link as the answer."""
    found = await tasks.answers(db, person, task_id)
    rows = tuple(
        (Button(f"#{item.id} {item.title}"[:LABEL], tk.TaskLink(task_id, item.id)),)
        for item in found
    )
    return say("task.choose_answer", {"task": task_id}, rows)


async def _ask_cancel(db: Database, person_id: int, task_id: int) -> Answer:
    """The task to be cancelled shown with ✅ 确认 / ✖️ 取消; nothing changes yet."""
    async with db.reading() as tx:
        task = await task_repo.get_task(tx, task_id)
        if task is None:
            raise Refused("task_unknown")
        if not any(g.role is Role.EDITOR for g in await people.active_roles(tx, person_id)):
            raise Refused("not_allowed")  # cancelling is the editors' (as tasks.close says)
        if task.closed_at is not None:
            raise Refused("task_closed")
        unit = await unit_repo.get_unit(tx, task.unit_id)
    params = {
        "task": task.id,
        "unit": unit.name if unit else "",
        "title": task.title,
        "due_on": task.due_on.isoformat(),
    }
    rows = confirm_rows(tk.TaskAction("cancelok", task.id), tk.TaskAction("keep", task.id))
    return say("task.confirm_cancel", params, rows)
