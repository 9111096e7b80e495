"""How an item looks in a Telegram message: its card as HTML, and its buttons as keyboards."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup

from channels.telegram.render import card_html, keyboard, phrase
from chat.cards import standing_phrase
from chat.texts import Raw, Texts
from delivery.cards import editor_buttons, item_card_of, signoff_buttons
from storage.models import Item
from workflow.rules import CentreRules, Timeliness
from workflow.views import ItemView


def standing_text(texts: Texts, standing: Timeliness) -> str:
    """How a deadline stands: working days left, due today, or working days past it."""
    return phrase(texts, standing_phrase(standing.days_left, standing.late_days))


def card(
    texts: Texts, rules: CentreRules, view: ItemView, full: bool = False, today: date | None = None
) -> Raw:
    """An item as a message: number, title, unit, category, date, state, lateness, text; given
    today's date, a pending item also shows its deadline and the working days left."""
    return card_html(texts, item_card_of(rules, view, full=full, today=today))


def signoff_keyboard_for(
    texts: Texts, item_id: int, round_: int, step: int
) -> InlineKeyboardMarkup:
    """Approve / Return buttons for one step of one round, as a notice asked for it."""
    return keyboard(texts, signoff_buttons(item_id, round_, step))


def editor_keyboard(texts: Texts, item: Item) -> InlineKeyboardMarkup:
    """The centre editor's buttons for an item, as an inline keyboard."""
    return keyboard(texts, editor_buttons(item.id))
