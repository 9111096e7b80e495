"""Writing tasks in chat: /task UNIT TITLE (editors), /tasks, and Done / Cancel buttons."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden

from channels.telegram.context import Context
from chat.actions import tasks as tk
from scoring.vocab import Role
from storage import people
from storage import tasks as task_repo
from storage import units as unit_repo
from storage.models import Person
from workflow import tasks
from workflow.outcomes import Refused

from .common import acknowledge, confirm_keyboard, current, deliver, explain, mark_decided
from .lookup import member


async def open_task(update: Update, context: Context) -> None:
    """/task UNIT TITLE: the longest unit name that prefixes the arguments is the unit."""
    message = update.effective_message
    if message is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    words = " ".join(context.args or []).strip()
    async with services.db.reading() as tx:
        names = sorted((u.name for u in await unit_repo.list_units(tx)), key=len, reverse=True)
    unit = next((n for n in names if words.startswith(n + " ")), None)
    if unit is None:
        await message.reply_text(texts("task.usage"))
        return
    person, _ = await current(update, context)
    try:
        if person is None:
            raise Refused("not_editor")
        task, found, notices = await tasks.open_task(
            services.db, services.rules, person, unit_name=unit, title=words[len(unit) :]
        )
    except Refused as refused:
        await explain(update, context, refused)
        return
    await message.reply_text(
        texts("task.opened", unit=found.name, task=task.id, title=task.title, due_on=task.due_on)
    )
    await deliver(context, notices)


async def list_tasks(update: Update, context: Context) -> None:
    """/tasks: open tasks with Done (and, for editors, Cancel) buttons."""
    message, person = update.effective_message, await member(update, context)
    if message is None or person is None:
        return
    _, grants = await current(update, context)
    editor = any(g.role is Role.EDITOR for g in grants)
    texts = context.bot_data.texts
    found = await tasks.open_tasks(context.bot_data.db, person)
    if not found:
        await message.reply_text(texts("task.none"))
        return
    for task, unit in found:
        await message.reply_text(
            texts("task.line", task=task.id, unit=unit.name, title=task.title, due_on=task.due_on),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            texts("btn.task_done"),
                            callback_data=tk.encode(tk.TaskAction("done", task.id)),
                        )
                    ]
                    + (
                        [
                            InlineKeyboardButton(
                                texts("btn.task_cancel"),
                                callback_data=tk.encode(tk.TaskAction("cancel", task.id)),
                            )
                        ]
                        if editor
                        else []
                    )
                ]
            ),
        )


async def on_button(update: Update, context: Context) -> None:
    """Done closes a task at once; Cancel first shows the task with ✅ 确认 / ✖️ 取消
    (`tk:cancelok:T`, `tk:keep:T`) and only the confirm cancels it; rights and state are
    re-checked on every press."""
    query = update.callback_query
    if query is None:
        return
    texts = context.bot_data.texts
    press = tk.decode(query.data or "")
    person, _ = await current(update, context)
    try:
        if press is None:
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        if isinstance(press, tk.TaskLink):
            task, item = await tasks.complete_with(
                context.bot_data.db, person, press.task_id, press.item_id
            )
            await acknowledge(query)
            await deliver(context, [])
            await mark_decided(
                context, query.message, texts("task.answered", task=task.id, item=item.id)
            )
            return
        action, task_id = press.verb, press.task_id
        if action == "done" and not await _is_editor(context, person):
            await _ask_answer(update, context, person, task_id)  # which item answers it
            return
        if action == "keep":
            await acknowledge(query, texts("confirm.kept"))
            await mark_decided(context, query.message, texts("task.cancel_kept"))
            return
        if action == "cancel":
            await _ask_cancel(update, context, person.id, task_id)
            return
        done = action == "done"
        task = await tasks.close(context.bot_data.db, person, task_id, done=done)
    except Refused as refused:
        await explain(update, context, refused)
        return
    key = "task.closed_done" if done else "task.closed_cancel"
    await acknowledge(query, texts(key, task=task.id))
    if not done:
        await mark_decided(context, query.message, texts(key, task=task.id))
    elif query.message is not None and getattr(query.message, "reply_markup", None) is not None:
        with contextlib.suppress(BadRequest, Forbidden):  # no buttons left, or chat gone
            await context.bot.edit_message_reply_markup(
                query.message.chat.id, query.message.message_id, reply_markup=None
            )


async def _is_editor(context: Context, person: Person) -> bool:
    """Whether the person is a centre editor (who may close a task without its item)."""
    async with context.bot_data.db.reading() as tx:
        return any(g.role is Role.EDITOR for g in await people.active_roles(tx, person.id))


async def _ask_answer(update: Update, context: Context, person: Person, task_id: int) -> None:
    """An informant's 完成: the unit's recent items as buttons, one to link as the answer."""
    query = update.callback_query
    assert query is not None
    texts = context.bot_data.texts
    found = await tasks.answers(context.bot_data.db, person, task_id)
    await acknowledge(query)
    if query.message is None:
        return
    rows = [
        [
            InlineKeyboardButton(
                f"#{item.id} {item.title}"[:60],
                callback_data=tk.encode(tk.TaskLink(task_id, item.id)),
            )
        ]
        for item in found
    ]
    await context.bot.send_message(
        query.message.chat.id,
        texts("task.choose_answer", task=task_id),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def _ask_cancel(update: Update, context: Context, person_id: int, task_id: int) -> None:
    """Shows the task to be cancelled with ✅ 确认 / ✖️ 取消; nothing changes yet."""
    query = update.callback_query
    assert query is not None
    texts, db = context.bot_data.texts, context.bot_data.db
    async with db.reading() as tx:
        task = await task_repo.get_task(tx, task_id)
        if task is None:
            raise Refused("task_unknown")
        if not any(g.role is Role.EDITOR for g in await people.active_roles(tx, person_id)):
            raise Refused("not_allowed")  # cancelling is the editors' (as tasks.close says)
        if task.closed_at is not None:
            raise Refused("task_closed")
        unit = await unit_repo.get_unit(tx, task.unit_id)
    await acknowledge(query)
    if query.message is None:
        return
    await context.bot.send_message(
        query.message.chat.id,
        texts(
            "task.confirm_cancel",
            task=task.id,
            unit=unit.name if unit else "",
            title=task.title,
            due_on=task.due_on.isoformat(),
        ),
        reply_markup=confirm_keyboard(
            texts, tk.TaskAction("cancelok", task.id), tk.TaskAction("keep", task.id)
        ),
    )
