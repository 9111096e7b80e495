"""A person's place in a dialogue on one channel, what arrives from them and what goes back."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from chat.actions import Rows


@dataclass(frozen=True, slots=True)
class Session:
    """Where one person is on one channel: the flow that waits, its step, the draft so far
    (plain JSON), and when and by which inbound event the step's question was asked."""

    person_id: int
    channel: str
    flow: str
    step: str
    draft: Mapping[str, Any]
    asked_at: datetime
    asked_by: str | None = None

    def live(self, now: datetime, limit: timedelta) -> bool:
        """Whether the question still takes an answer (it has not waited longer than limit)."""
        return now - self.asked_at <= limit

    def asked(self, step: str, draft: Mapping[str, Any], now: datetime, by: str) -> Session:
        """The session once this step's question is asked (again) by this event."""
        return replace(self, step=step, draft=dict(draft), asked_at=now, asked_by=by)


@dataclass(frozen=True, slots=True)
class FileIn:
    """A file a person sent: the stored file's key (the channel layer stored the bytes)."""

    key: str
    name: str | None
    mime_type: str | None
    size: int | None
    kind: str = "document"
    caption: str | None = None  # what the sender wrote with it (图注), cleaned to one line


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did on a channel: typed a text, pressed a button, sent a file or
    gave a command (by its id in `chat.commands`). `event_id` is the channel's id for it."""

    person_id: int
    channel: str
    event_id: str
    text: str | None = None
    press: object | None = None
    command: str | None = None
    argument: str = ""
    file: FileIn | None = None
    #: The channel's reference to the message pressed (plain JSON), for a later reply that
    #: removes its buttons.
    origin: Mapping[str, Any] | None = None

    @property
    def is_action(self) -> bool:
        """A command or a press (not an answer typed or sent)."""
        return self.command is not None or self.press is not None


@dataclass(frozen=True, slots=True)
class Ref:
    """A parameter that is another text of the catalogue, rendered before it is put in."""

    key: str


@dataclass(frozen=True, slots=True)
class InviteLink:
    """A parameter standing for how to join with an invite code, worded by each channel (on
    Telegram a deep link to the bot)."""

    code: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message for the person, channel-neutral: a catalogue key, its parameters and rows of
    buttons (label key and press), rendered by the channel. `how` says where it goes: "say" a
    message of its own, "toast" the press's brief answer, "mark" a note under the pressed
    message (its buttons removed), "clear" no text: the buttons of `params["origin"]` go.
    `also`: texts that follow in the same message, each on a line of its own."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    buttons: Rows = ()
    how: str = "say"
    also: tuple[Reply, ...] = ()


class Invalid(Exception):
    """Raised by a step's validator: the answer is not one, this reply says why, and the
    question stands (for checks of the dialogue's own, not the services' refusals)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.key)
        self.reply = reply


class Stop(Exception):
    """Raised by a step or a finish: the dialogue ends here (decided meanwhile, no longer
    theirs, or given up), these replies say so, and the session ends."""

    def __init__(self, *replies: Reply) -> None:
        super().__init__(*(reply.key for reply in replies))
        self.replies = replies


class Ride(Protocol):
    """A session write handed to the next transaction the step's effect commits."""

    @property
    def committed(self) -> bool:
        """Whether it was committed with the effect (if not, the engine writes it itself)."""
        ...


class SessionStore(Protocol):
    """Where sessions persist (the ledger; a dict in tests)."""

    async def load(self, person_id: int, channel: str) -> Session | None:
        """The person's session on the channel, if any."""
        ...

    async def write(self, person_id: int, channel: str, session: Session | None) -> None:
        """Stores the session (None: there is none) in a transaction of its own."""
        ...

    def riding(
        self, person_id: int, channel: str, session: Session | None
    ) -> AbstractContextManager[Ride]:
        """Within the block, the first transaction that commits writes the session too."""
        ...
