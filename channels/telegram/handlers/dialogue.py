"""Telegram's side of the conversation engine: an update becomes an `Inbound`, the engine's
replies become messages. Runs before anything answers (group -5, after the sign-off steps
offered again to whoever writes): the engine ends, answers or starts its own dialogue. Telegram runs these flows on it: /submit (kept aside, beside the
typed waits; its preview's card rendered here, its files downloaded first by `submit`), a
sign-off's, an adoption's withdrawal's, website news' and an issue's return with their
reasons (shown back and held for ✅ 确认), website news' URL, /visit's steps, an editor's
rewrite of an item, an adoption's typed date and its issue number / URL, /brief's menu of an
issue in progress, and /announce (kept aside too; a photo or document sent for its text stored
first by `announce`, its caption as the event's text); the other dialogues are still PTB's
(see docs/architecture.md).

How replies are worded: a parameter that is a `Ref` is that catalogue text, one that is a
`Reply` is its text (with its `also` lines) rendered first, a `chat.cards` `Phrase` or `Card`
(/submit's timeliness and preview) is rendered as the channel renders them; an `also` part
with no key is an empty line; a button's `params` fill its label; a text longer than a
message is sent in pieces, the buttons under the last (one holding a card is sent whole: the
card is cut to a message). A parameter that is a tuple is its parts joined with "、", and a
button's `params` are rendered like a reply's. Beyond "say", "toast", "mark" and "clear":
"edit" redraws the message `params["origin"]` (text and buttons, a toggle's view in place)
and "alert" is the press's answer as an alert (a refusal no service made);
`params["file"]` (kind, stored key, plain caption) is sent before the text, and
`params["settle"]` is a pressed message whose buttons go once the reply is out (a crash
between the two leaves a button to press again).
"""

from __future__ import annotations

import contextlib
import html
from dataclasses import replace
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from channels.telegram.context import Context
from channels.telegram.render import card_html, phrase
from chat.actions import decode, encode
from chat.cards import Card, Phrase
from chat.dialogue import Engine, Inbound, InviteLink, Ref, Reply, aside_channel, held_channel
from chat.texts import Raw
from storage import people
from storage.models import TELEGRAM, Person
from storage.sessions import LedgerSessions
from workflow.dialogues import FLOWS, Dialogues
from workflow.outcomes import Refused

from . import announce, submit
from .common import (
    acknowledge,
    explain,
    mark_decided,
    press_chat,
    send_stored_file,
    split_message,
    telegram_account,
)

#: Parameters that say how a reply is drawn, not what it says.
DRAWING: Final = frozenset({"settle", "file", "split"})


def engine(context: Context) -> Engine:
    """The engine over the bot's ledger and rules, for Telegram's flows: built once per
    application (its flows are data, its sessions live in the ledger, it keeps no state of
    its own between updates)."""
    services = context.bot_data
    if services.dialogues is None:
        services.dialogues = Dialogues(services.db, services.rules).engine(
            LedgerSessions(services.db),
            flows=FLOWS,
            announcing=announce.announcing(context),
            render_issue=services.options.render_issue,
        )
    return services.dialogues


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
        command = word[1:].split("@")[0].lower()  # as PTB's command handlers read it
        return Inbound(person_id, TELEGRAM, event_id, command=command, argument=argument)
    if message.text is not None:
        return Inbound(person_id, TELEGRAM, event_id, text=message.text)
    return Inbound(person_id, TELEGRAM, event_id)  # a photo, a sticker: no answer


def _is_command(message: Message | None) -> bool:
    """Whether the message is a command as PTB's handlers see one (a command entity first)."""
    return message is not None and any(
        entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0
        for entity in message.entities
    )


def _rendered(context: Context, value: Any) -> Any:
    """One parameter as the text shows it: catalogue references, nested replies, phrases and
    cards rendered, a tuple its parts joined, an invite code as the bot's deep link."""
    texts = context.bot_data.texts
    if isinstance(value, Ref):
        return Raw(texts(value.key))
    if isinstance(value, Reply):
        return Raw(_text(context, value))
    if isinstance(value, Phrase):
        return phrase(texts, value)
    if isinstance(value, Card):
        return card_html(texts, value)
    if isinstance(value, tuple):
        parts = (_rendered(context, item) for item in value)
        return Raw(
            "、".join(
                str(part) if isinstance(part, Raw) else texts.renderer.escape(str(part))
                for part in parts
            )
        )
    if isinstance(value, InviteLink):
        username = context.bot_data.options.bot_username or context.bot.username
        return f"https://t.me/{username}?start={value.code}"
    return value


def _params(context: Context, reply: Reply) -> dict[str, Any]:
    """A reply's parameters as the text shows them (those that say how it is drawn left
    out)."""
    return {
        name: _rendered(context, value)
        for name, value in reply.params.items()
        if name not in DRAWING
    }


def _text(context: Context, reply: Reply) -> str:
    """A reply's text, its `also` parts on lines of their own (one with no key: empty)."""
    texts = context.bot_data.texts
    return "\n".join(
        texts(part.key, **_params(context, part)) if part.key else ""
        for part in (reply, *reply.also)
    )


def reply_keyboard(context: Context, reply: Reply) -> InlineKeyboardMarkup:
    """A reply's buttons; a label that is no catalogue key (a unit's name) shown as it is."""
    texts = context.bot_data.texts
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts(b.label, **{k: _rendered(context, v) for k, v in b.params.items()})
                    if texts.has(b.label)
                    else b.label,
                    callback_data=encode(b.press),
                )
                for b in row
            ]
            for row in reply.buttons
        ]
    )


async def send_replies(
    update: Update, context: Context, replies: list[Reply], person: Person | None
) -> None:
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
            await _settle(context, reply.params.get("origin"))
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
                    reply_markup=reply_keyboard(context, reply),
                )
            continue
        if reply.how == "mark" and query is not None:
            if not answered:
                await acknowledge(query)
                answered = True
            await mark_decided(context, query.message, text)
            continue
        markup = reply_keyboard(context, reply) if reply.buttons else None
        if reply.key == "wait.ended":
            if user is not None:
                with contextlib.suppress(BadRequest, Forbidden):
                    await context.bot.send_message(user.id, text)
            continue
        # a card is cut to fit a message (its HTML may be longer, as Telegram counts the text),
        # unless the reply asks to be split (an item shown whole: /item, 📄 全文)
        whole = not reply.params.get("split") and any(
            isinstance(value, Card) for value in reply.params.values()
        )
        pieces = [text] if whole else split_message(text)
        file = reply.params.get("file")
        if query is not None:
            if not answered:
                await acknowledge(query)
                answered = True
            chat_id = press_chat(query, person)
            if chat_id is not None:
                if file:
                    await _file(context, chat_id, file)
                with contextlib.suppress(Forbidden):  # blocked since pressing: nobody to tell
                    for n, piece in enumerate(pieces, 1):
                        last = markup if n == len(pieces) else None
                        await context.bot.send_message(chat_id, piece, reply_markup=last)
        elif message is not None:
            if file:
                await _file(context, message.chat_id, file)
            with contextlib.suppress(Forbidden):  # blocked meanwhile: the dialogue moves on
                for n, piece in enumerate(pieces, 1):
                    last = markup if n == len(pieces) else None
                    await message.reply_text(piece, reply_markup=last)
        await _settle(context, reply.params.get("settle"))


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
    session = await dialogues.store.load(person.id, TELEGRAM)
    flow = dialogues.flows.get(session.flow) if session is not None else None
    step = flow.step(session.step) if flow is not None and session is not None else None
    if not event.is_action and event.text is None:  # a file or sticker where text is asked
        if session is not None and (
            (step is not None and step.lasting)
            or session.live(dialogues.clock(), dialogues.typed_answer)
        ):
            message = update.effective_message
            if message is not None:
                said = (step.not_text if step is not None else None) or (
                    flow.not_text if flow is not None else "submit.want_text"
                )
                await message.reply_text(context.bot_data.texts(said))
            raise ApplicationHandlerStop
        file = await submit.incoming_file(update, context, dialogues.store, person.id)
        if file is not None:  # /submit asks for files: stored, the engine sees its key
            event = replace(event, file=file)
        elif posted := await announce.incoming_file(update, context, dialogues.store, person.id):
            message = update.effective_message  # /announce's text or file: its caption the text
            event = replace(event, file=posted, text=message.caption if message else None)
    if event.command == "cancel" and (step is None or not step.answers(event)):
        message = update.effective_message
        if message is not None and await cancel_submit(update, context):  # only the draft
            await message.reply_text(context.bot_data.texts("submit.cancelled"))
            raise ApplicationHandlerStop
        if message is not None and await cancel_aside(update, context, announce.FLOW):
            await message.reply_text(context.bot_data.texts("ann.cancelled"))  # that alone
            raise ApplicationHandlerStop
        return  # /cancel ends the engine's other dialogues itself (`cancel`)
    handled = await dialogues.handle(event)
    message = update.effective_message
    text = message.text if message is not None else None
    if not handled.taken and event.command is not None and text and not _is_command(message):
        # "/ …" is no command to PTB's handlers: what no dialogue took as one is a text
        typed = Inbound(person.id, TELEGRAM, f"{event.event_id}:text", text=text)
        again = await dialogues.handle(typed)
        handled.replies.extend(again.replies)
        handled.deferred.extend(again.deferred)
        handled.taken = again.taken
    await send_replies(update, context, handled.replies, person)
    if handled.taken:
        await dialogues.delivered(event, handled)  # /submit's step moves now it was asked
        context.bot_data.courier.wake()  # notices the step's service queued go out
        raise ApplicationHandlerStop


async def cancel(update: Update, context: Context) -> list[str]:
    """/cancel: ends the engine's dialogue and its held step, if any; the flows it ended
    (none: [])."""
    user = update.effective_user
    if user is None:
        return []
    async with context.bot_data.db.reading() as tx:
        person = await people.person_by_account(tx, telegram_account(user.id))
    if person is None:
        return []
    store = engine(context).store
    ended = []
    for channel in (TELEGRAM, held_channel(TELEGRAM)):
        session = await store.load(person.id, channel)
        if session is not None:
            await store.write(person.id, channel, None)
            ended.append(session.flow)
    return ended


async def cancel_submit(update: Update, context: Context) -> bool:
    """/cancel in the middle of /submit, in the private chat: forgets the draft (only that, as
    PTB's conversation did); whether there was one."""
    return await cancel_aside(update, context, submit.FLOW)


async def cancel_aside(update: Update, context: Context, flow: str) -> bool:
    """/cancel in the middle of a flow kept aside, in the private chat: forgets its draft
    (only that, as PTB's conversation did); whether there was one."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return False
    async with context.bot_data.db.reading() as tx:
        person = await people.person_by_account(tx, telegram_account(user.id))
    if person is None:
        return False
    store = engine(context).store
    channel = aside_channel(TELEGRAM, flow)
    if await store.load(person.id, channel) is None:
        return False
    await store.write(person.id, channel, None)
    return True
