"""Linear dialogues as data: a flow is what starts it, its steps (name, question, validator,
next) and what finishing it does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .session import Inbound, Reply

Draft = Mapping[str, Any]
#: Reads an answer into the draft's new fields; raises the service's refusal when it is not
#: one (the question stands). Today's validators in `workflow/` do the checking.
Take = Callable[[Inbound, Draft], Awaitable[Mapping[str, Any]]]
#: Whether an event starts the flow: the initial draft, or None (raises a refusal when it may
#: not start it).
Start = Callable[[Inbound], Awaitable[Mapping[str, Any] | None]]
#: Finishing: the flow's effects (its transaction also ends the session) and the replies.
Finish = Callable[[Inbound, Draft], Awaitable[list[Reply]]]
#: Reads what a question shows from the ledger (raises `Stop` when it can no longer be asked).
Show = Callable[[Inbound, Draft], Awaitable[Mapping[str, Any]]]
#: How a step is asked: one message, or several in order (a refusal shown before the question
#: it leaves standing).
Prompt = Callable[[Draft], Reply | tuple[Reply, ...]]


@dataclass(frozen=True, slots=True)
class Step:
    """One question: its name, how it is asked, how an answer is read, and the step after it
    (None: the flow finishes). `presses` are the button types that answer it (a press of
    another type ends the dialogue like a command). A `held` step is a destructive step shown
    back for its ✅ 确认: kept apart from the typed wait (one of each at a time), neither ended
    by other actions nor replacing the wait, but expiring like it."""

    name: str
    prompt: Prompt
    take: Take
    next: str | None = None
    presses: tuple[type, ...] = ()
    takes_text: bool = True
    takes_files: bool = False
    held: bool = False
    #: The step after it, chosen by the draft (overrides `next`).
    after: Callable[[Draft], str | None] | None = None
    #: Whether the draft already holds this step's answer (a /visit with its visitor typed):
    #: the flow goes straight on to the step after it.
    skip: Callable[[Draft], bool] | None = None
    #: A press answering it takes the pressed message's buttons off.
    clears: bool = False
    #: Narrows `presses` to the presses of these types that answer it (a verb of a family).
    press_test: Callable[[object], bool] | None = None
    #: A lasting step (a menu waiting on its buttons, a draft's question) does not expire, and
    #: another action ends it without a word.
    lasting: bool = False
    #: Commands (by id) that answer it instead of ending it (/cancel going back to a menu).
    commands: tuple[str, ...] = ()
    #: What a file or sticker sent at this step gets, if not the flow's `not_text`.
    not_text: str | None = None
    #: The step's own effects once its answer is read (a menu's action): they commit in the
    #: transaction that saves the session at the step after it, and their replies come first.
    effect: Finish | None = None
    #: Reads what the question shows from the ledger when it is asked (kept out of the draft).
    show: Show | None = None
    #: What a text, file or sticker that is not its answer gets (a catalogue key), in a flow
    #: kept aside (None: the channel's other handlers answer it).
    misfit: str | None = None

    def asked(self, draft: Draft) -> list[Reply]:
        """The messages that ask this step's question."""
        said = self.prompt(draft)
        return list(said) if isinstance(said, tuple) else [said]

    def answers(self, event: Inbound) -> bool:
        """Whether the event is meant as this step's answer."""
        if event.press is not None:
            return isinstance(event.press, self.presses) and (
                self.press_test is None or self.press_test(event.press)
            )
        if event.command is not None:
            return event.command in self.commands
        if event.file is not None:
            return self.takes_files
        return self.takes_text and event.text is not None


@dataclass(frozen=True, slots=True)
class Flow:
    """A linear dialogue: `what` is the catalogue key naming what it waits for (said when the
    wait ends or expires); `not_text` what a file or sticker sent where text is asked gets.

    A flow kept `aside` (/submit, as PTB's conversation was) has a session of its own on
    `aside_channel(channel, name)`, beside the typed wait: other actions neither end it nor are
    ended by it, it takes what no typed wait takes, its question does not expire (a draft is
    written over minutes), its step's session is written once the channel has sent the
    replies (`Engine.delivered`), and an event delivered again after a kill asks its question
    again instead of being taken twice."""

    name: str
    what: str
    start: Start
    steps: tuple[Step, ...]
    finish: Finish
    not_text: str = "submit.want_text"
    aside: bool = False
    #: The step a flow kept aside is left at by its finish (in the effect's transaction),
    #: until the channel has sent what finishing said (`Engine.delivered`): a kill in between
    #: leaves the finishing press to be answered again (by a finish that takes nothing twice,
    #: /submit's draft token), as PTB's conversation, written after its replies, did. None:
    #: the session ends with the effect.
    receipt: str | None = None

    def step(self, name: str) -> Step | None:
        """The step of that name (None for a step this code no longer has)."""
        return next((step for step in self.steps if step.name == name), None)

    def asking(self, name: str | None, draft: Draft) -> Step | None:
        """The step to ask from `name` on, past those the draft already answers (None: the
        flow finishes)."""
        while name is not None:
            step = self.step(name)
            assert step is not None, f"{self.name}: no step {name}"
            if step.skip is None or not step.skip(draft):
                return step
            name = step.after(draft) if step.after is not None else step.next
        return None

    def following(self, step: Step, draft: Draft) -> Step | None:
        """The step asked after this one's answer (None: the flow finishes)."""
        return self.asking(step.after(draft) if step.after is not None else step.next, draft)
