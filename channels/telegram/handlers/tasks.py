"""Writing tasks on Telegram: /task UNIT TITLE (editors), /tasks, and a task's buttons; what
is decided and said is `workflow.commands.tasks`'."""

from __future__ import annotations

from telegram import Update

from channels.telegram.context import Context
from chat.actions import tasks as tk
from workflow.commands import tasks as task_commands

from .answers import send_answer
from .common import current


async def open_task(update: Update, context: Context) -> None:
    """/task UNIT TITLE: the longest unit name that prefixes the arguments is the unit."""
    if update.effective_message is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    typed = " ".join(context.args or [])
    answer = await task_commands.open_task(services.db, services.rules, person, typed)
    await send_answer(update, context, answer, person)


async def list_tasks(update: Update, context: Context) -> None:
    """/tasks: open tasks with Done (and, for editors, Cancel) buttons."""
    if update.effective_message is None:
        return
    person, grants = await current(update, context)
    answer = await task_commands.list_tasks(context.bot_data.db, person, grants)
    await send_answer(update, context, answer, person)


async def on_button(update: Update, context: Context) -> None:
    """Done, Cancel, its ✅ 确认 / ✖️ 取消, and the item picked as a task's answer; a done
    task's buttons go from the pressed message (if it still has them)."""
    query = update.callback_query
    if query is None:
        return
    person, _ = await current(update, context)
    message = query.message
    origin = (
        {"chat": message.chat.id, "message": message.message_id}
        if message is not None and getattr(message, "reply_markup", None) is not None
        else None
    )
    pressed = tk.decode(query.data or "")
    answer = await task_commands.press(context.bot_data.db, person, pressed, origin)
    await send_answer(update, context, answer, person)
