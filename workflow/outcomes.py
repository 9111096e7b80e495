"""What services hand back to the chat layer: refusals to explain, and notices to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chat.actions import Rows, stored_rows
from storage.models import Recipient


class Refused(Exception):
    """A request the rules do not allow; `key` names the explanation the user is shown."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class Notice:
    """A message some person (or room) should get because of what just happened."""

    to: Recipient  # a person's id (reached on one of their accounts) or a room
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    item_id: int | None = None  # the item the notice is about, for buttons
    event: str = ""  # what happened, unique per event (with key and recipient: sent once)

    @property
    def buttons(self) -> Rows:
        """The notice's own buttons (issues, website news): `params["buttons"]`, rows of
        `Button`s, each a label key and the press it asks for."""
        rows: Rows = self.params.get("buttons") or ()
        return rows

    def stored_params(self) -> dict[str, Any]:
        """The params as the outbox keeps them: the buttons in their wire form, so a queued
        message is sent with exactly the buttons it was queued with."""
        if not self.buttons:
            return self.params
        return {**self.params, "buttons": stored_rows(self.buttons)}

    @property
    def purpose(self) -> str:
        """The outbox key: one message per (purpose, recipient)."""
        return f"notice:{self.key}:{self.event}"
