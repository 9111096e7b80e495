"""Typed answers awaited after a button: a return reason, an edited text, an adoption's date or
reference, a withdrawal reason, website news' reason or URL, the steps of /visit.

One at a time per person: asking for one forgets every other, so the next text always
answers the latest question. They live in `user_data`, which is written through to SQLite.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context

PENDING_RETURN = "pending_return"
PENDING_EDIT = "pending_edit"
PENDING_WITHDRAW = "pending_withdraw"
PENDING_DAY = "pending_adoption_day"
PENDING_REF = "pending_adoption_ref"
PENDING_WEB_RETURN = "pending_web_return"
PENDING_WEB_URL = "pending_web_url"
PENDING_VISIT = "pending_visit"
#: The centre editor's typed answers about an item or an adoption.
CENTRE_KEYS = (PENDING_EDIT, PENDING_WITHDRAW, PENDING_DAY, PENDING_REF)
ALL_KEYS = (PENDING_RETURN, *CENTRE_KEYS, PENDING_WEB_RETURN, PENDING_WEB_URL, PENDING_VISIT)


def state(context: Context) -> dict[str, Any]:
    """The person's chat state (a plain dict when PTB has none)."""
    return context.user_data if context.user_data is not None else {}


def expect(context: Context, key: str, value: Any) -> None:
    """Waits for one typed answer, forgetting any other awaited."""
    user_data = state(context)
    for other in ALL_KEYS:
        user_data.pop(other, None)
    user_data[key] = value


def forget_all(context: Context) -> list[str]:
    """Forgets every typed answer awaited; the keys that were."""
    user_data = state(context)
    return [key for key in ALL_KEYS if user_data.pop(key, None) is not None]


def any_awaited(context: Context) -> bool:
    """Whether some typed answer is awaited."""
    user_data = state(context)
    return any(key in user_data for key in ALL_KEYS)
