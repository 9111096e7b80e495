"""Cards and buttons as Telegram shows them: the catalogue's HTML layout, inline keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from chat import actions
from chat.actions import Rows
from chat.cards import Card, Phrase, Value
from chat.texts import Raw, Texts

#: Buttons as a queued message keeps them: rows of (label key, callback data).
Keys = Sequence[Sequence[Sequence[str]]]


def phrase(texts: Texts, value: Phrase) -> Raw:
    """A catalogue phrase in the person's language, as HTML (its parameters escaped)."""
    return Raw(texts(value.key, **{name: _param(texts, v) for name, v in value.params.items()}))


def _param(texts: Texts, value: Value) -> str:
    """A parameter for the catalogue: text is escaped by it; a phrase or a card (a notice
    about an item holds its card) is rendered to HTML first."""
    if isinstance(value, Phrase):
        return phrase(texts, value)
    if isinstance(value, Card):
        return card_html(texts, value)
    return str(value)


def card_html(texts: Texts, card: Card) -> Raw:
    """A card's text as HTML, laid out by its catalogue text."""
    notes = "".join(phrase(texts, note) for note in card.notes)
    fields = {name: _param(texts, value) for name, value in card.fields.items()}
    return Raw(texts(card.layout, title=card.title, late=Raw(notes), body=card.body, **fields))


def keyboard(texts: Texts, rows: Rows) -> InlineKeyboardMarkup:
    """Buttons described by services and cards, as Telegram's inline keyboard: each label
    key in the person's language, each press encoded by its family's codec."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts(b.label), callback_data=actions.encode(b.press))
                for b in row
            ]
            for row in rows
        ]
    )


def stored_keyboard(texts: Texts, rows: Keys) -> InlineKeyboardMarkup:
    """Buttons a queued message kept in their wire form, as an inline keyboard."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts(str(k)), callback_data=str(d)) for k, d in row]
            for row in rows
        ]
    )


def render_card(texts: Texts, card: Card) -> tuple[Raw, InlineKeyboardMarkup | None]:
    """A card as one Telegram message: its HTML, and its buttons if it has any."""
    return card_html(texts, card), keyboard(texts, card.rows) if card.rows else None
