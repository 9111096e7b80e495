"""Typed answers awaited after a button: the steps of /visit. (A return's or a withdrawal's
reason, website news' reason and URL, an edited text, an adoption's date and reference are the
conversation engine's, `handlers/dialogue.py`, under the same rules.)

One at a time per person: asking for one forgets every other, so the next text always
answers the latest question. They live in `user_data`, which is written through to SQLite,
with when the question was asked and by which update (`WAIT`), so that a stray word can never
act: a wait ends when the person sends another command or presses another button (said once,
before that command's or button's own reply), and a text arriving after `chat.typed_answer_minutes` is not taken
as the answer — across restarts too, since the start is stored with the wait.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.texts import Raw
from chat.actions import visits as vi
from storage.db import to_stamp

PENDING_VISIT = "pending_visit"
ALL_KEYS = (PENDING_VISIT,)
#: When and by which update the awaited question was asked: {"key", "since", "update"}.
WAIT = "wait_since"
#: The waits ended during this update by another action, said once at its end.
ENDED = "wait_ended"


def state(context: Context) -> dict[str, Any]:
    """The person's chat state (a plain dict when PTB has none)."""
    return context.user_data if context.user_data is not None else {}


def _now(context: Context) -> datetime:
    """The ledger's clock (the sandbox and the tests move it)."""
    return context.bot_data.db.clock()


def _ended(user_data: dict[str, Any], keys: list[str]) -> None:
    """Notes waits that another action ended, to be said at the end of the update."""
    if keys:
        user_data[ENDED] = [*user_data.get(ENDED, []), *keys]


def expect(update: Update | None, context: Context, key: str, value: Any) -> None:
    """Waits for one typed answer, forgetting any other awaited (the person is told)."""
    user_data = state(context)
    replaced = [
        other
        for other in ALL_KEYS
        if other in user_data and (other != key or user_data[other] != value)
    ]
    if live(context) is None:
        replaced = []  # an expired question ended long ago: nothing to say about it
    for other in ALL_KEYS:
        user_data.pop(other, None)
    _ended(user_data, replaced)
    user_data[key] = value
    user_data[WAIT] = {
        "key": key,
        "since": to_stamp(_now(context)),
        "update": update.update_id if update is not None else None,
    }


def touch(update: Update, context: Context) -> None:
    """The awaited question was asked again (the next step of /visit, a retyped answer): its
    time starts afresh and this update does not end it."""
    meta = state(context).get(WAIT)
    if isinstance(meta, dict):
        meta["since"] = to_stamp(_now(context))
        meta["update"] = update.update_id


def forget_all(context: Context, *, said: bool = False) -> list[str]:
    """Forgets every typed answer awaited; the keys that were. Unless the caller says so
    itself (`said`), the person is told at the end of the update."""
    user_data = state(context)
    alive = live(context) is not None
    dropped = [key for key in ALL_KEYS if user_data.pop(key, None) is not None]
    user_data.pop(WAIT, None)
    if not said and alive:
        _ended(user_data, dropped)
    return dropped


def live(context: Context) -> str | None:
    """The key of the typed answer awaited now, if its question has not expired."""
    user_data = state(context)
    key = next((k for k in ALL_KEYS if k in user_data), None)
    meta = user_data.get(WAIT)
    if key is None or not isinstance(meta, dict) or meta.get("key") != key:
        return None  # a wait stored without its start (before waits expired) is over
    try:
        since = datetime.fromisoformat(str(meta["since"]))
    except (KeyError, ValueError):
        return None
    limit = context.bot_data.rules.typed_answer
    return key if _now(context) - since <= limit else None


def any_awaited(context: Context) -> bool:
    """Whether some typed answer is awaited (and its question has not expired)."""
    return live(context) is not None


async def gate(update: Update, context: Context, keys: tuple[str, ...]) -> bool:
    """Whether this text is the answer to one of these awaited questions. An expired one is
    forgotten and the person told the text was not taken (the update stops there)."""
    user_data = state(context)
    key = next((k for k in ALL_KEYS if k in user_data), None)
    if key is None or key not in keys:
        return False
    if live(context) == key:
        touch(update, context)
        return True
    forget_all(context, said=True)
    message = update.effective_message
    if message is not None:
        texts = context.bot_data.texts
        await message.reply_text(
            texts("wait.expired", what=Raw(texts(f"wait.{key}")), minutes=minutes(context))
        )
    raise ApplicationHandlerStop


def _other_action(update: Update) -> bool:
    """Whether the update is a command or a button press (not a typed answer)."""
    if update.callback_query is not None:
        return True
    message = update.effective_message
    return message is not None and (message.text or "").lstrip().startswith("/")


def _own_press(update: Update, key: str) -> bool:
    """Whether the press belongs to the awaited question itself (/visit's own buttons)."""
    query = update.callback_query
    return key == PENDING_VISIT and query is not None and vi.decode(query.data or "") is not None


def _cancel(update: Update) -> bool:
    """Whether the update is /cancel (it ends the wait itself and says so)."""
    message = update.effective_message
    words = (message.text or "").split() if message is not None else []
    return bool(words) and words[0].split("@")[0] == "/cancel"


async def end_first(update: Update, context: Context) -> None:
    """Before anything answers a command or a press: it ends a question it did not ask, and the
    person is told so first, before that command's own reply."""
    user_data = context.user_data
    if user_data is None or not _other_action(update) or _cancel(update):
        return
    key = next((k for k in ALL_KEYS if k in user_data), None)
    meta = user_data.get(WAIT)
    began_here = isinstance(meta, dict) and meta.get("update") == update.update_id
    if key is None or began_here or _own_press(update, key):
        return  # a press delivered again after a restart asked it: not another action
    forget_all(context)
    await _say_ended(update, context)


async def settle(update: Update, context: Context) -> None:
    """At the end of an update: a command or a press the awaited question did not come from
    ends it (unless `end_first` did already); every wait ended during the update by another
    action (a new question replacing it) is said once, briefly."""
    if context.user_data is None:
        return
    user_data = context.user_data
    if _other_action(update):
        meta = user_data.get(WAIT)
        began_here = isinstance(meta, dict) and meta.get("update") == update.update_id
        key = next((k for k in ALL_KEYS if k in user_data), None)
        if not began_here and key is not None and not _own_press(update, key):
            forget_all(context)
    await _say_ended(update, context)


async def _say_ended(update: Update, context: Context) -> None:
    """Says, once, which awaited questions ended during this update."""
    user_data = state(context)
    ended = user_data.pop(ENDED, None)
    if not ended or update.effective_user is None:
        return
    texts = context.bot_data.texts
    what = " / ".join(dict.fromkeys(texts(f"wait.{key}") for key in ended))
    with contextlib.suppress(BadRequest, Forbidden):
        await context.bot.send_message(
            update.effective_user.id, texts("wait.ended", what=Raw(what))
        )


#: A destructive step awaiting its ✅ 确认 (one at a time per person): what it is, its
#: target, the typed reason and when it was shown. Not ended by other actions (the buttons
#: show what they will do), but it expires like a typed answer.
CONFIRM = "confirm_pending"


def hold(context: Context, kind: str, **fields: Any) -> None:
    """Keeps a step shown back for confirmation, replacing any other held."""
    state(context)[CONFIRM] = {"kind": kind, "since": to_stamp(_now(context)), **fields}


def held(context: Context, kind: str, **match: Any) -> dict[str, Any] | None:
    """The step held for confirmation if it is this one and has not expired; else None."""
    pending = state(context).get(CONFIRM)
    if not isinstance(pending, dict) or pending.get("kind") != kind:
        return None
    if any(pending.get(name) != value for name, value in match.items()):
        return None
    try:
        since = datetime.fromisoformat(str(pending["since"]))
    except (KeyError, ValueError):
        return None
    if _now(context) - since > context.bot_data.rules.typed_answer:
        return None
    return pending


def release(context: Context) -> None:
    """Forgets the step held for confirmation (done or cancelled)."""
    state(context).pop(CONFIRM, None)


def minutes(context: Context) -> int:
    """The configured minutes a typed answer or a confirmation waits."""
    return int(context.bot_data.rules.typed_answer.total_seconds() // 60)
