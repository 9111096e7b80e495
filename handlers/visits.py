"""/visit: an editor logs a leader's visit step by step (visitor, kind, unit, date, confirm);
buttons `vi:k:<kind>`, `vi:u:<unit>`, `vi:d:<0|1>`, `vi:ok`, `vi:x`; the visitor and a typed
date are text answers. The state lives in user_data as plain JSON until confirmed."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.texts import Texts
from chat.actions import visits as vi
from storage.models import Person
from workflow import visits
from workflow.outcomes import Refused
from workflow.submission import parse_event_date
from workflow.visits import VisitKind

from . import waits
from .common import acknowledge, current, deliver, drop_buttons, explain, press_chat
from .waits import PENDING_VISIT


def _kind_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    """The three kinds of visit of 第七条, one per row."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts(f"btn.visit_{kind.value}"),
                    callback_data=vi.encode(vi.PickKind(kind.value)),
                )
            ]
            for kind in VisitKind
        ]
        + [[InlineKeyboardButton(texts("btn.visit_cancel"), callback_data=vi.encode(vi.Cancel()))]]
    )


def _date_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    """Today / yesterday (another day is typed)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts("btn.today"), callback_data=vi.encode(vi.PickDay(0))),
                InlineKeyboardButton(
                    texts("btn.yesterday"), callback_data=vi.encode(vi.PickDay(1))
                ),
            ],
            [InlineKeyboardButton(texts("btn.visit_cancel"), callback_data=vi.encode(vi.Cancel()))],
        ]
    )


def _confirm_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    """确认登记 / 取消."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts("btn.visit_confirm"), callback_data=vi.encode(vi.Confirm())
                ),
                InlineKeyboardButton(
                    texts("btn.visit_cancel"), callback_data=vi.encode(vi.Cancel())
                ),
            ]
        ]
    )


async def start_visit(update: Update, context: Context) -> None:
    """/visit [visitor]: starts logging a visit (editors only)."""
    message = update.effective_message
    if message is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    person, _ = await current(update, context)
    try:
        if person is None:
            raise Refused("not_editor")
        await visits.begin(services.db, person)
        typed = " ".join(context.args or [])
        visitor = visits.check_visitor(typed) if typed.strip() else None
    except Refused as refused:
        await explain(update, context, refused)
        return
    if visitor is None:
        waits.expect(update, context, PENDING_VISIT, {"step": "visitor"})
        await message.reply_text(texts("visit.ask_visitor"))
        return
    waits.expect(update, context, PENDING_VISIT, {"step": "kind", "visitor": visitor})
    await message.reply_text(
        texts("visit.ask_kind", visitor=visitor), reply_markup=_kind_keyboard(texts)
    )


async def _ask_date(context: Context, chat_id: int, draft: dict[str, Any], unit: str) -> None:
    """Moves the draft to the date step and asks for the day of the visit."""
    texts = context.bot_data.texts
    draft["step"] = "date"
    draft["unit_name"] = unit
    await context.bot.send_message(
        chat_id,
        texts("visit.ask_date", visitor=draft["visitor"], unit=unit),
        reply_markup=_date_keyboard(texts),
    )


async def _ask_confirm(context: Context, chat_id: int, draft: dict[str, Any], day: date) -> None:
    """Moves the draft to the confirmation, showing the task that will be opened."""
    services, texts = context.bot_data, context.bot_data.texts
    rules = services.rules
    draft["step"] = "confirm"
    draft["day"] = day.isoformat()
    kind = VisitKind(draft["kind"])
    await context.bot.send_message(
        chat_id,
        texts(
            "visit.summary",
            visitor=draft["visitor"],
            kind=texts(f"visit.kind_{kind.value}"),
            unit=draft["unit_name"],
            day=day.isoformat(),
            due_on=rules.calendar.deadline(day, rules.deadline_working_days).isoformat(),
            title=visits.task_title(kind, draft["visitor"], draft["unit_name"]),
        ),
        reply_markup=_confirm_keyboard(texts),
    )


def _draft(update: Update, context: Context, *steps: str) -> dict[str, Any]:
    """The visit being logged, if it is at one of these steps and its question has not
    expired; else Refused (a stale button). A press of its own buttons keeps it going."""
    draft = waits.state(context).get(PENDING_VISIT)
    if not isinstance(draft, dict) or waits.live(context) != PENDING_VISIT:
        raise Refused("visit_stale")
    waits.touch(update, context)  # its own buttons, even a stale one, keep it going
    if draft.get("step") not in steps:
        raise Refused("visit_step_passed")
    return draft


async def on_button(update: Update, context: Context) -> None:
    """The /visit buttons; each re-checks the editor role and the step the draft is at."""
    query = update.callback_query
    if query is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    press = vi.decode(query.data or "")
    person, _ = await current(update, context)
    chat_id = press_chat(query, person)
    try:
        if press is None:
            raise Refused("forged")
        if person is None or chat_id is None:
            raise Refused("not_editor")
        await visits.begin(services.db, person)
        if isinstance(press, vi.Cancel):
            _draft(update, context, "visitor", "kind", "unit", "date", "confirm")
            waits.state(context).pop(PENDING_VISIT, None)
            await acknowledge(query)
            await _quietly_drop(query)
            await context.bot.send_message(chat_id, texts("visit.cancelled"))
            return
        if isinstance(press, vi.PickKind):
            draft = _draft(update, context, "kind", "unit")
            kind = VisitKind(press.kind)
            units = await visits.choices(services.db, services.rules, person, kind)
            draft["kind"] = kind.value
            await acknowledge(query)
            await _quietly_drop(query)
            if kind is VisitKind.CITY:
                draft["unit"] = units[0].id
                await _ask_date(context, chat_id, draft, units[0].name)
                return
            draft["step"] = "unit"
            rows = [
                [
                    InlineKeyboardButton(u.name, callback_data=vi.encode(vi.PickUnit(u.id)))
                    for u in units[i : i + 2]
                ]
                for i in range(0, len(units), 2)
            ]
            cancel = vi.encode(vi.Cancel())
            rows.append([InlineKeyboardButton(texts("btn.visit_cancel"), callback_data=cancel)])
            await context.bot.send_message(
                chat_id,
                texts(f"visit.ask_unit_{kind.value}"),
                reply_markup=InlineKeyboardMarkup(rows),
            )
        elif isinstance(press, vi.PickUnit):
            draft = _draft(update, context, "unit")
            unit = await visits.unit_for(
                services.db, services.rules, person, VisitKind(draft["kind"]), press.unit_id
            )
            draft["unit"] = unit.id
            await acknowledge(query)
            await _quietly_drop(query)
            await _ask_date(context, chat_id, draft, unit.name)
        elif isinstance(press, vi.PickDay):
            draft = _draft(update, context, "date")
            today = services.rules.local_now(services.db.clock()).date()
            day = visits.check_day(
                services.rules, today - timedelta(days=press.days_ago), services.db
            )
            await acknowledge(query)
            await _quietly_drop(query)
            await _ask_confirm(context, chat_id, draft, day)
        else:  # ok
            draft = _draft(update, context, "confirm")
            await _log(context, person, chat_id, draft)
            await acknowledge(query, texts("visit.logged_alert"))
            await _quietly_drop(query)
    except Refused as refused:
        await explain(update, context, refused)


async def _log(context: Context, person: Person, chat_id: int, draft: dict[str, Any]) -> None:
    """Logs the confirmed visit, opens its task, and tells the editor and the informants."""
    services, texts = context.bot_data, context.bot_data.texts
    logged = await visits.log_visit(
        services.db,
        services.rules,
        person,
        visitor=str(draft["visitor"]),
        kind=VisitKind(draft["kind"]),
        unit_id=int(draft["unit"]) if draft.get("unit") is not None else None,
        visit_date=date.fromisoformat(str(draft["day"])),
    )
    waits.state(context).pop(PENDING_VISIT, None)
    key = "visit.logged" if logged.notices else "visit.logged_no_informant"
    await context.bot.send_message(
        chat_id,
        texts(
            key,
            visit=logged.visit.id,
            task=logged.task.id,
            unit=logged.unit.name,
            title=logged.task.title,
            due_on=logged.task.due_on.isoformat(),
            informants=len(logged.notices),
        ),
    )
    await deliver(context, logged.notices)


async def _quietly_drop(query: Any) -> None:
    """Takes the buttons off the pressed message (already gone, or the chat gone, is fine)."""
    with contextlib.suppress(BadRequest, Forbidden):
        await drop_buttons(query)


async def on_text(update: Update, context: Context) -> None:
    """The visitor's name and title, or a typed visit date, while /visit waits for them."""
    message, user_data = update.effective_message, context.user_data
    if message is None or not user_data or not message.text or message.text.startswith("/"):
        return
    if not await waits.gate(update, context, (PENDING_VISIT,)):
        return
    draft = user_data.get(PENDING_VISIT)
    if not isinstance(draft, dict):
        return
    services, texts = context.bot_data, context.bot_data.texts
    person, _ = await current(update, context)
    try:
        if person is None:
            raise Refused("not_editor")
        await visits.begin(services.db, person)
        step = draft.get("step")
        if step == "visitor":
            draft["visitor"] = visits.check_visitor(message.text)
            draft["step"] = "kind"
            await message.reply_text(
                texts("visit.ask_kind", visitor=draft["visitor"]),
                reply_markup=_kind_keyboard(texts),
            )
        elif step == "date":
            today = services.rules.local_now(services.db.clock()).date()
            day = visits.check_day(
                services.rules, parse_event_date(message.text, today), services.db
            )
            await _ask_confirm(context, message.chat_id, draft, day)
        else:
            await message.reply_text(texts("visit.use_buttons"))
    except Refused as refused:
        await explain(update, context, refused)  # the question stays: type it again
    raise ApplicationHandlerStop
