"""The commands and presses outside dialogues, channel-neutral: what each decides and says,
written once for every channel (../shared/spec/CHANNELS.md). A function takes the person (or
the account, for joining and for strangers) and what they typed as text, and returns an
`Answer`: the conversation engine's `Reply`s in order, rendered by the channel as it renders
the engine's. Beyond the engine's kinds of reply, two say how a command shows a result:

- `how="file"`: a stored file on its own (`params["file"]`: kind "photo" or "document", key),
  skipped when the ledger has nothing to send for it;
- `how="bulletin"`: a month's bulletin (`params["report"]`, the reader's unit
  `params["mine"]`), worded by the channel as its bulletins are posted.

A reply whose `params["split"]` is set is cut into messages like any long text even though it
holds a card (an item shown whole), its buttons under the last piece.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chat.actions import Rows
from chat.cards import Card
from chat.dialogue import Reply
from workflow.outcomes import Refused


@dataclass(frozen=True, slots=True)
class Answer:
    """What a command or press gets: the replies in order, whether something was queued in
    the outbox (the courier is to be woken), and, after joining, the commands the person's
    menu offers now (None: the menu stays as it is)."""

    replies: list[Reply] = field(default_factory=list)
    queued: bool = False
    menu: tuple[str, ...] | None = None


def say(key: str, params: Mapping[str, Any] | None = None, buttons: Rows = ()) -> Answer:
    """An answer of one message."""
    return Answer([Reply(key, params or {}, buttons)])


def refusal(refused: Refused) -> Reply:
    """A service's refusal as a reply (each channel explains it as it explains refusals)."""
    return Reply(f"refused.{refused.key}", dict(refused.params))


def card_reply(card: Card, buttons: Rows = (), *, split: bool = False) -> Reply:
    """An item's card as a message of its own, with the buttons under it; `split` when it is
    shown whole (cut into messages like a long text)."""
    return Reply("lookup.card", {"card": card, **({"split": True} if split else {})}, buttons)


def stored_file(kind: str, key: str) -> Reply:
    """A stored file sent on its own (skipped if the ledger has neither bytes nor an id)."""
    return Reply("", {"file": {"kind": kind, "key": key}}, how="file")
