"""A channel in memory: feeds a person's texts, presses, files and commands to the
conversation engine and records what each person is sent. No HTTP; the engine's tests use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

from chat.actions import Press
from chat.dialogue import Engine, Inbound, Reply
from chat.dialogue.session import FileIn

CHANNEL = "memory"
#: Event ids, unique in the process, as a channel's ids stay unique across restarts.
_IDS = count(1)


@dataclass(frozen=True, slots=True)
class Sent:
    """One message a person got: its text as the channel renders it and its buttons (label,
    press) row by row."""

    text: str
    buttons: tuple[tuple[tuple[str, Press], ...], ...] = ()
    reply: Reply | None = None

    def press(self, label: str) -> Press:
        """The press of the button with this label."""
        for row in self.buttons:
            for shown, press in row:
                if shown == label:
                    return press
        raise KeyError(f"no button {label!r} under {self.text!r}")


@dataclass(slots=True)
class MemoryChannel:
    """Delivers each event to the engine and keeps, per person, every reply rendered; an event
    the engine does not take is recorded in `unhandled` (a channel's other handlers')."""

    engine: Engine
    render: Callable[[Reply], str]
    label: Callable[[str], str] = str
    name: str = CHANNEL
    sent: dict[int, list[Sent]] = field(default_factory=dict)
    unhandled: list[Inbound] = field(default_factory=list)
    _ids: count[int] = field(default_factory=lambda: _IDS)  # new ids after a restart too

    async def _deliver(self, event: Inbound) -> list[Sent]:
        """Hands one event to the engine and records the replies it gives."""
        handled = await self.engine.handle(event)
        out = [
            Sent(
                self.render(reply),
                tuple(
                    tuple((self.label(button.label), button.press) for button in row)
                    for row in reply.buttons
                ),
                reply,
            )
            for reply in handled.replies
        ]
        self.sent.setdefault(event.person_id, []).extend(out)
        if not handled.taken:
            self.unhandled.append(event)
        else:
            await self.engine.delivered(event, handled)  # said: deferred writes, receipts
        return out

    def _event(self, person_id: int, **what: object) -> Inbound:
        """An inbound event with the next id."""
        return Inbound(person_id, self.name, str(next(self._ids)), **what)  # type: ignore[arg-type]

    async def text(self, person_id: int, text: str) -> list[Sent]:
        """The person types a text."""
        return await self._deliver(self._event(person_id, text=text))

    async def press(self, person_id: int, press: Press) -> list[Sent]:
        """The person presses a button."""
        return await self._deliver(self._event(person_id, press=press))

    async def command(self, person_id: int, command: str, argument: str = "") -> list[Sent]:
        """The person gives a command (by its id in `chat.commands`)."""
        return await self._deliver(self._event(person_id, command=command, argument=argument))

    async def file(self, person_id: int, file: FileIn) -> list[Sent]:
        """The person sends a file (already stored)."""
        return await self._deliver(self._event(person_id, file=file))

    def last(self, person_id: int) -> Sent:
        """The last message the person got."""
        return self.sent[person_id][-1]
