"""An issue's return reason shown back for ✅ 确认, held in `user_data` (the issue's review is
still PTB's conversation). Every typed answer awaited after a button is the conversation
engine's now (`channels/telegram/handlers/dialogue.py`): a return's, a withdrawal's and website news' reason,
website news' URL, /visit's steps, an edited text, an adoption's date and reference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from channels.telegram.context import Context
from storage.db import to_stamp


def state(context: Context) -> dict[str, Any]:
    """The person's chat state (a plain dict when PTB has none)."""
    return context.user_data if context.user_data is not None else {}


def _now(context: Context) -> datetime:
    """The ledger's clock (the sandbox and the tests move it)."""
    return context.bot_data.db.clock()


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
