"""Cards, channel-neutral: a title, named fields, a body and rows of buttons; each channel
renders them its own way (Telegram: the catalogue's HTML layout and an inline keyboard).

Values are plain text or a `Phrase` (a catalogue key with its parameters), so nothing here
is in any channel's format: a renderer escapes the text and words the phrases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from chat.actions import Button, Rows

#: Characters of an item's text a card shows unless asked for the whole of it.
BODY_PREVIEW: Final = 1500


@dataclass(frozen=True, slots=True)
class Phrase:
    """A text of the catalogue by key, with its parameters (text, numbers or phrases)."""

    key: str
    params: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Card:
    """What a channel shows as one card: `layout` names the catalogue text that lays the
    title, fields, notes and body out where a channel shows cards as text."""

    title: str
    fields: Mapping[str, Value]
    body: str
    rows: Rows = ()
    notes: tuple[Phrase, ...] = ()  # short lines under the fields (lateness, a deadline)
    layout: str = "card"


#: What a phrase's parameter or a card's field holds: text, a number, a phrase, a card.
Value = str | int | Phrase | Card


@dataclass(frozen=True, slots=True)
class Standing:
    """A pending item's deadline as its signers see it: working days left or past it."""

    deadline: date
    days_left: int
    late_days: int


def standing_phrase(days_left: int, late_days: int) -> Phrase:
    """How a deadline stands: working days left, due today, or working days past it."""
    if late_days:
        return Phrase("due.overdue", {"days": late_days})
    if days_left:
        return Phrase("due.left", {"days": days_left})
    return Phrase("due.today")


def preview_cut(body: str) -> tuple[Phrase, ...]:
    """What the author's own preview adds when a long text is cut on the card: that all of
    it is kept (the preview has no 全文 button)."""
    if len(body) <= BODY_PREVIEW:
        return ()
    return (Phrase("submit.preview_cut", {"length": len(body), "shown": BODY_PREVIEW}),)


def item_card(
    *,
    number: int,
    title: str,
    unit: str,
    category: str,
    event_date: date,
    state: str,
    body: str,
    late_days: int = 0,
    standing: Standing | None = None,
    full: bool = False,
    rows: tuple[tuple[Button, ...], ...] = (),
    history: tuple[Phrase, ...] = (),
) -> Card:
    """An item as a card: number, title, unit, category, date, state, lateness and (for its
    signers) the deadline and what came before (`history`: its author, the earlier steps'
    decisions, a previous return's reason), then the text (cut to a preview unless `full`)."""
    if not full and len(body) > BODY_PREVIEW:
        body = body[:BODY_PREVIEW] + "…"
    notes: list[Phrase] = list(history)
    if late_days:
        notes.append(Phrase("card.late", {"days": late_days}))
    if standing is not None:
        due = f"{standing.deadline:%m-%d}"
        notes.append(
            Phrase(
                "card.due",
                {"due": due, "standing": standing_phrase(standing.days_left, standing.late_days)},
            )
        )
    return Card(
        title=title,
        fields={
            "number": f"#{number} " if number else "",
            "unit": unit,
            "category": category,
            "event_date": event_date.isoformat(),
            "state": Phrase(f"state.{state}"),
        },
        body=body,
        rows=rows,
        notes=tuple(notes),
    )
