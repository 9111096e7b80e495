"""Telegram's side of the conversation engine: an update becomes an `Inbound`, the engine's
replies become messages. Runs before anything answers (group -5, after the sign-off steps
offered again to whoever writes): the engine ends, answers or starts its own dialogue. Telegram runs these flows on it: a sign-off's, an adoption's
withdrawal's and website news' return with their reasons (shown back and held for ✅ 确认),
website news' URL, /visit's steps, an editor's rewrite of an item, an adoption's typed date and
its issue number / URL, and /announce (an aside flow: a photo or document is stored before the
engine sees it, its caption as the event's text); the other dialogues are still PTB's (see
docs/architecture.md).

Conventions of the replies drawn here, beyond `Reply.how`: "edit" redraws the message
`params["origin"]` (text and buttons, a toggle's view in place), "alert" is the press's answer
as an alert (a refusal no service made); `params["labels"]` names buttons whose label holds a
value (label → `Reply`); a parameter that is a `Reply` is that text, a tuple its parts joined
with "、"; `params["file"]` (kind, stored key, plain caption) is sent before the text, and
`params["settle"]` is a pressed message whose buttons go once the reply is out (a crash
between the two leaves a button to press again). A text longer than a message is split, its
buttons under the last piece.
"""

from __future__ import annotations

import contextlib
import html
from dataclasses import replace
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.texts import Raw
from channels.telegram.context import Context
from chat.actions import decode, encode
from chat.dialogue import Engine, Inbound, Ref, Reply, aside_channel, held_channel
from storage import people
from storage.models import TELEGRAM, Person
from storage.sessions import LedgerSessions
from workflow.dialogues import Dialogues
from workflow.outcomes import Refused

from . import announce
from .common import (
    acknowledge,
    explain,
    mark_decided,
    press_chat,
    send_stored_file,
    telegram_account,
)
from .lookup import split_message

#: Parameters that say how a reply is drawn, not what it says.
DRAWING: Final = frozenset({"labels", "origin", "settle", "file"})

#: The flows Telegram runs on the engine.
FLOWS: Final = (
    "return",
    "withdraw",
    "web_return",
    "web_url",
    "visit",
    "edit",
    "adoption_day",
    "adoption_ref",
    "announce",
)


def engine(context: Context) -> Engine:
    """The engine over the bot's ledger and rules, for Telegram's flows."""
    services = context.bot_data
    return Dialogues(services.db, services.rules).engine(
        LedgerSessions(services.db), flows=FLOWS, announcing=announce.announcing(context)
    )


def _inbound(update: Update, person_id: int) -> Inbound | None:
    """The update as the engine reads it: a press, a command, a text or a file."""
    event_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        press = decode(query.data or "")
        if press is None:
            return None
        pressed = query.message
        origin = (
            {"chat": pressed.chat.id, "message": pressed.message_id}
            if pressed is not None
            else None
        )
        return Inbound(person_id, TELEGRAM, event_id, press=press, origin=origin)
    message = update.effective_message
    if message is None:
        return None
    text = message.text or ""
    if text.lstrip().startswith("/"):
        word, _, argument = text.strip().partition(" ")
        command = word[1:].split("@")[0]
        return Inbound(person_id, TELEGRAM, event_id, command=command, argument=argument)
    if message.text is not None:
        return Inbound(person_id, TELEGRAM, event_id, text=message.text)
    return Inbound(person_id, TELEGRAM, event_id)  # a photo, a sticker: no answer


def _value(context: Context, value: object) -> object:
    """A parameter as the catalogue takes it: a catalogue reference or a reply rendered, a
    tuple its parts joined."""
    texts = context.bot_data.texts
    if isinstance(value, Ref):
        return Raw(texts(value.key))
    if isinstance(value, Reply):
        return Raw(_text(context, value))
    if isinstance(value, tuple):
        return Raw(
            "、".join(
                str(part) if isinstance(part, Raw) else texts.renderer.escape(str(part))
                for part in (_value(context, item) for item in value)
            )
        )
    return value


def _params(context: Context, reply: Reply) -> dict[str, Any]:
    """A reply's parameters, rendered (those that say how it is drawn left out)."""
    return {
        name: _value(context, value) for name, value in reply.params.items() if name not in DRAWING
    }


def _text(context: Context, reply: Reply) -> str:
    """A reply's text with the lines that follow it."""
    texts = context.bot_data.texts
    return "\n".join(texts(part.key, **_params(context, part)) for part in (reply, *reply.also))


def _keyboard(context: Context, reply: Reply) -> InlineKeyboardMarkup:
    """A reply's buttons; a label named in the reply's labels drawn from its own text, one
    that is no catalogue key (a unit's name) shown as it is."""
    texts = context.bot_data.texts
    labels = reply.params.get("labels") or {}

    def label(name: str) -> str:
        """One button's label."""
        if name in labels:
            return _text(context, labels[name])
        return texts(name) if texts.has(name) else name

    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label(b.label), callback_data=encode(b.press)) for b in row]
            for row in reply.buttons
        ]
    )


async def _settle(context: Context, origin: Any) -> None:
    """Takes the buttons off a message the person pressed (gone or unchanged is fine)."""
    if not origin:
        return
    with contextlib.suppress(BadRequest, Forbidden):
        await context.bot.edit_message_reply_markup(
            origin.get("chat"), origin.get("message"), reply_markup=None
        )


async def _file(context: Context, chat_id: int, file: Any) -> None:
    """A reply's file, sent before its text as it will go out (caption as plain text)."""
    caption = html.escape(str(file.get("caption") or ""), quote=False) or None
    with contextlib.suppress(Forbidden):
        await send_stored_file(context, chat_id, str(file["kind"]), str(file["key"]), caption)


async def _send(update: Update, context: Context, replies: list[Reply], person: Person) -> None:
    """The engine's replies as today's messages: a refusal explained (an alert on a press),
    a wait's end to the person's chat, a press's brief answer, a note under the pressed
    message, an earlier message's buttons removed, other texts under the press or as
    replies."""
    query, message, user = update.callback_query, update.effective_message, update.effective_user
    answered = False
    for reply in replies:
        if reply.key.startswith("refused."):
            await explain(
                update, context, Refused(reply.key.removeprefix("refused."), **reply.params)
            )
            answered = True
            continue
        if reply.how == "clear":
            if query is not None and not answered:
                await acknowledge(query)
                answered = True
            await _settle(context, reply.params.get("origin") or {})
            continue
        text = _text(context, reply)
        if reply.how in ("toast", "alert") and query is not None:
            await acknowledge(query, text, alert=reply.how == "alert")
            answered = True
            continue
        if reply.how == "edit" and query is not None:
            if not answered:
                await acknowledge(query)
                answered = True
            origin = reply.params.get("origin") or {}
            with contextlib.suppress(BadRequest):  # unchanged, or the message is gone
                await context.bot.edit_message_text(
                    text,
                    chat_id=origin.get("chat"),
                    message_id=origin.get("message"),
                    reply_markup=_keyboard(context, reply),
                )
            continue
        if reply.how == "mark" and query is not None:
            if not answered:
                await acknowledge(query)
                answered = True
            await mark_decided(context, query.message, text)
            continue
        markup = _keyboard(context, reply) if reply.buttons else None
        pieces = split_message(text)
        file = reply.params.get("file")
        if reply.key == "wait.ended":
            if user is not None:
                with contextlib.suppress(BadRequest, Forbidden):
                    await context.bot.send_message(user.id, text)
        elif query is not None:
            if not answered:
                await acknowledge(query)
                answered = True
            chat_id = press_chat(query, person)
            if chat_id is not None:
                if file:
                    await _file(context, chat_id, file)
                with contextlib.suppress(Forbidden):  # blocked since pressing: nobody to tell
                    for index, piece in enumerate(pieces):
                        last = index == len(pieces) - 1
                        await context.bot.send_message(
                            chat_id, piece, reply_markup=markup if last else None
                        )
        elif message is not None:
            if file:
                await _file(context, message.chat_id, file)
            for index, piece in enumerate(pieces):
                last = index == len(pieces) - 1
                await message.reply_text(piece, reply_markup=markup if last else None)
        await _settle(context, reply.params.get("settle"))


async def route(update: Update, context: Context) -> None:
    """Before any answer to an update: the engine takes what is its own (the update stops
    there; a wait another action overrides ends, said first) and passes the rest on."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if update.callback_query is None and chat.type != "private":
        return  # texts and commands in groups are never answers
    async with context.bot_data.db.reading() as tx:
        person = await people.person_by_account(tx, telegram_account(user.id))
    if person is None:
        return
    event = _inbound(update, person.id)
    if event is None:
        return
    dialogues = engine(context)
    if not event.is_action and event.text is None:  # a file or sticker where text is asked
        message = update.effective_message
        session = await dialogues.store.load(person.id, TELEGRAM)
        if session is not None and session.live(dialogues.clock(), dialogues.typed_answer):
            flow = dialogues.flows.get(session.flow)
            if message is not None:
                said = flow.not_text if flow is not None else "submit.want_text"
                await message.reply_text(context.bot_data.texts(said))
            raise ApplicationHandlerStop
        aside = await dialogues.store.load(person.id, aside_channel(TELEGRAM))
        flow = dialogues.flows.get(aside.flow) if aside is not None else None
        step = flow.step(aside.step) if flow is not None and aside is not None else None
        if flow is None or step is None or message is None:
            return
        file = await announce.received(update, context) if step.takes_files else None
        if file is None:  # a sticker, or a file where buttons are awaited
            await message.reply_text(context.bot_data.texts(step.not_text or flow.not_text))
            raise ApplicationHandlerStop
        event = replace(event, file=file, text=message.caption)
    if event.command == "cancel":
        return  # /cancel ends the engine's dialogue itself (`cancel`)
    handled = await dialogues.handle(event)
    await _send(update, context, handled.replies, person)
    if handled.taken:
        context.bot_data.courier.wake()  # notices the step's service queued go out
        await _write_through(update, context)
        raise ApplicationHandlerStop


async def _write_through(update: Update, context: Context) -> None:
    """Persists the person's chat state now (the update stops here, before the last group)."""
    app, user = context.application, update.effective_user
    if app.persistence is None or user is None:
        return
    app.mark_data_for_update_persistence(user_ids=user.id)
    await app.update_persistence()


async def cancel(update: Update, context: Context) -> list[str]:
    """/cancel: ends the aside dialogue if there is one, else the engine's typed wait and its
    held step; the flows it ended (none: [])."""
    user = update.effective_user
    if user is None:
        return []
    async with context.bot_data.db.reading() as tx:
        person = await people.person_by_account(tx, telegram_account(user.id))
    if person is None:
        return []
    store = engine(context).store
    aside = await store.load(person.id, aside_channel(TELEGRAM))
    if aside is not None:  # the dialogue under way ends alone, as PTB's conversation did
        await store.write(person.id, aside_channel(TELEGRAM), None)
        return [aside.flow]
    ended = []
    for channel in (TELEGRAM, held_channel(TELEGRAM)):
        session = await store.load(person.id, channel)
        if session is not None:
            await store.write(person.id, channel, None)
            ended.append(session.flow)
    return ended
