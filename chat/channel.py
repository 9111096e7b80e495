"""The channel adapter boundary: what the core asks of a chat network, and an in-memory one.

An adapter sends neutral content to an address only it parses, settles a card it sent (its
buttons dropped after a decision), answers a press, downloads a file people sent, and says
how a failed send is to be treated, so the outbox keeps one set of retry rules for every
channel: `Retry` (surely not delivered; after the wait the channel asked for, or on the
outbox's backoff), `Fail` (never deliverable) or `Uncertain` (it may have arrived; at most
once means it is not sent again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from chat.actions import Rows, encode
from chat.capabilities import Capabilities
from chat.cards import Card, Phrase

#: Buttons in their wire form, as a queued message keeps them: rows of (label key, data).
Keys = tuple[tuple[tuple[str, str], ...], ...]


def keys_of(rows: Rows) -> Keys:
    """Buttons described by services, in their wire form (each press by its family's codec)."""
    return tuple(tuple((b.label, encode(b.press)) for b in row) for row in rows)


def stored_keys(rows: Sequence[Sequence[Sequence[str]]]) -> Keys:
    """Buttons a queued message kept (`[[label key, data], …]` per row), as wire keys."""
    return tuple(tuple((str(k), str(d)) for k, d in row) for row in rows)


@dataclass(frozen=True, slots=True)
class Prepared:
    """Text already in the channel's own format (queued rendered, e.g. a bulletin part)."""

    text: str


@dataclass(frozen=True, slots=True)
class Text:
    """A text message: a catalogue phrase the adapter words, or prepared text; with buttons.

    `native` is the channel's own keyboard as its layer queued it (a chat reply the network
    refused, sent later from the outbox); only that channel's adapter reads it.
    """

    text: Phrase | Prepared
    buttons: Keys = ()
    native: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class File:
    """A stored file (by its key in the ledger), as a photo or a document, with a caption in
    the channel's format (`plain_caption`: a plain file name, to be escaped)."""

    key: str | None
    photo: bool = False
    caption: str | None = None
    plain_caption: bool = False
    remote_id: str | None = None  # the file's id on this channel, queued before files were bytes


Content = Text | Card | File


@dataclass(frozen=True, slots=True)
class SentRef:
    """A message the channel accepted: where, its id there, and the channel's id for a file it
    was given now (kept, so the file is never uploaded to that channel again)."""

    channel: str
    address: str
    message_id: int
    remote_file: str | None = None


@dataclass(frozen=True, slots=True)
class PressRef:
    """A button press to be answered (Telegram: the callback query's id)."""

    channel: str
    id: str


@dataclass(frozen=True, slots=True)
class Retry:
    """Surely not delivered: try again, after `after` when the channel asked for a wait (a
    flood limit), else on the outbox's own backoff."""

    after: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Fail:
    """Never deliverable (blocked, no such chat, a refused file): failed for good. `alert`
    names the admins' notice when nothing of the channel's will get through until they act
    (WeCom refusing the server's IP): the channel's other messages then wait."""

    reason: str
    alert: str | None = None


@dataclass(frozen=True, slots=True)
class Uncertain:
    """The request may have arrived (no answer came): at most once, so never sent again."""

    reason: str


Verdict = Retry | Fail | Uncertain


@runtime_checkable
class Channel(Protocol):
    """One chat network as the core sees it."""

    @property
    def name(self) -> str:
        """The channel's name in accounts and outbox rows (`telegram`, `wecom`)."""

    @property
    def capabilities(self) -> Capabilities:
        """What the channel's messages can hold."""

    async def start(self) -> None:
        """Connects (idempotent)."""

    async def stop(self) -> None:
        """Disconnects (idempotent)."""

    async def send(self, address: str, content: Content, *, again: bool = False) -> SentRef:
        """Sends once, never retrying by itself (the outbox decides, from `classify`); `again`
        when the outbox tries a message again that may have partly arrived (a channel whose
        network can drop what it already shows asks it to)."""

    async def settle(self, sent: SentRef, card: Card) -> None:
        """Shows a sent card as it now stands (e.g. without its buttons after a decision)."""

    async def answer(self, press: PressRef, text: str | None = None) -> None:
        """Acknowledges a press, with a short notice where the channel shows one."""

    def classify(self, error: BaseException) -> Verdict | None:
        """How the outbox treats a failed send; None: not the channel's error (raised on)."""

    async def download(self, remote_file: str) -> bytes:
        """The bytes of a file people sent on this channel, by the channel's id for it."""


class Simulated(Exception):
    """Base of the failures an in-memory channel is told to simulate."""


class Flooded(Simulated):
    """The channel asked for a wait (a flood limit)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"flood: retry after {seconds} s")
        self.seconds = seconds


class Unreachable(Simulated):
    """No connection was made: surely not delivered."""


class Lost(Simulated):
    """The request left but no answer came: maybe delivered."""


class Blocked(Simulated):
    """The channel refused for good (blocked, no such chat)."""


@dataclass(slots=True)
class Sent:
    """One message the in-memory channel accepted."""

    address: str
    content: Content
    message_id: int


@dataclass(slots=True)
class MemoryChannel:
    """A channel in memory for fast tests: records what it is asked to do, and fails the next
    sends with the errors it is told to."""

    name: str = "memory"
    capabilities: Capabilities = field(
        default_factory=lambda: Capabilities(
            channel="memory",
            text_chars=4096,
            text_bytes=None,
            caption_chars=1024,
            buttons_per_row=8,
            buttons_per_message=100,
            action_bytes=64,
            editable=True,
        )
    )
    sent: list[Sent] = field(default_factory=list)
    settled: list[tuple[SentRef, Card]] = field(default_factory=list)
    answered: list[tuple[PressRef, str | None]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    failures: list[BaseException] = field(default_factory=list)
    running: bool = False
    _next_id: int = 0

    def fail_next(self, *errors: BaseException) -> None:
        """The next sends raise these errors, one each, in order."""
        self.failures.extend(errors)

    def to(self, address: str) -> list[Content]:
        """What was sent to one address, in order."""
        return [s.content for s in self.sent if s.address == address]

    async def start(self) -> None:
        """Nothing to connect."""
        self.running = True

    async def stop(self) -> None:
        """Nothing to disconnect."""
        self.running = False

    async def send(self, address: str, content: Content, *, again: bool = False) -> SentRef:
        """Records the message, or raises the next failure it was told to."""
        if self.failures:
            raise self.failures.pop(0)
        self._next_id += 1
        self.sent.append(Sent(address, content, self._next_id))
        remote = None
        if isinstance(content, File) and content.key is not None and content.remote_id is None:
            remote = f"{self.name}-file-{self._next_id}"
        return SentRef(self.name, address, self._next_id, remote)

    async def settle(self, sent: SentRef, card: Card) -> None:
        """Records the card as the sent message now shows it."""
        self.settled.append((sent, card))

    async def answer(self, press: PressRef, text: str | None = None) -> None:
        """Records the acknowledgement."""
        self.answered.append((press, text))

    def classify(self, error: BaseException) -> Verdict | None:
        """The simulated failures, as the outbox is to treat them."""
        match error:
            case Flooded(seconds=seconds):
                return Retry(timedelta(seconds=seconds))
            case Unreachable():
                return Retry()
            case Lost():
                return Uncertain(str(error))
            case Blocked():
                return Fail(str(error))
        return None

    async def download(self, remote_file: str) -> bytes:
        """A file people sent, as the test stored it."""
        return self.files[remote_file]
