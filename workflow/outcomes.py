"""What services hand back to the chat layer: refusals to explain, and notices to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    def purpose(self) -> str:
        """The outbox key: one message per (purpose, recipient)."""
        return f"notice:{self.key}:{self.event}"
