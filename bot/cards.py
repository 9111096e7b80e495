"""How an item looks in a message: its card, and the buttons that go with it."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup

from bot.texts import Raw, Texts
from channels.telegram.render import card_html, keyboard, phrase
from chat.actions import Button, Rows
from chat.actions import editor as ed
from chat.actions import signoff as so
from chat.actions import webnews as wn
from chat.cards import Card, Standing, item_card, standing_phrase
from scoring.vocab import ItemState
from storage.models import Item
from workflow.rules import CentreRules, Timeliness
from workflow.views import ItemView

__all__ = [
    "card",
    "editor_buttons",
    "editor_keyboard",
    "item_card_of",
    "keyboard",
    "signoff_buttons",
    "signoff_keyboard_for",
    "standing_text",
]


def _standing(standing: Timeliness) -> Standing | None:
    """A deadline's standing as a card shows it (None: the category has no deadline)."""
    if standing.deadline is None:
        return None
    return Standing(standing.deadline, standing.days_left, standing.late_days)


def standing_text(texts: Texts, standing: Timeliness) -> str:
    """How a deadline stands: working days left, due today, or working days past it."""
    return phrase(
        texts,
        standing_phrase(Standing(date.min, standing.days_left, standing.late_days)),
    )


def item_card_of(
    rules: CentreRules,
    view: ItemView,
    full: bool = False,
    today: date | None = None,
    rows: Rows = (),
) -> Card:
    """An item as a channel-neutral card; given today's date, a pending item also shows its
    deadline and the working days left (only while sign-offs count against it)."""
    item = view.item
    standing = None
    if today is not None and item.state is ItemState.PENDING and rules.judged_at_centre:
        standing = _standing(rules.timeliness(item.category, item.event_date, today))
    return item_card(
        number=item.id,
        title=item.title,
        unit=view.unit.name,
        category=rules.categories.get(item.category, item.category),
        event_date=item.event_date,
        state=ItemState(item.state).value,
        body=item.body,
        late_days=item.late_days,
        standing=standing,
        full=full,
        rows=rows,
    )


def card(
    texts: Texts, rules: CentreRules, view: ItemView, full: bool = False, today: date | None = None
) -> Raw:
    """An item as a message: number, title, unit, category, date, state, lateness, text; given
    today's date, a pending item also shows its deadline and the working days left."""
    return card_html(texts, item_card_of(rules, view, full=full, today=today))


def signoff_buttons(item_id: int, round_: int, step: int) -> Rows:
    """Approve / Return for one step of one round."""
    return (
        (
            Button("btn.approve", so.Signoff(item_id, round_, step, "a")),
            Button("btn.return", so.Signoff(item_id, round_, step, "r")),
        ),
    )


def signoff_keyboard_for(
    texts: Texts, item_id: int, round_: int, step: int
) -> InlineKeyboardMarkup:
    """Approve / Return buttons for one step of one round, as a notice asked for it."""
    return keyboard(texts, signoff_buttons(item_id, round_, step))


def editor_buttons(item_id: int) -> Rows:
    """The centre editor's buttons for an item: register, edit, record an adoption; choose
    where it goes (第六条) and send it to website sign-off (第七条)."""
    return (
        (
            Button("btn.register", ed.ItemAction("reg", item_id)),
            Button("btn.edit", ed.ItemAction("edit", item_id)),
            Button("btn.adopt", ed.ItemAction("adopt", item_id)),
        ),
        (
            Button("btn.route_open", ed.ItemAction("route", item_id)),
            Button("btn.web_send", wn.SendNews(item_id)),
        ),
    )


def editor_keyboard(texts: Texts, item: Item) -> InlineKeyboardMarkup:
    """The centre editor's buttons for an item, as an inline keyboard."""
    return keyboard(texts, editor_buttons(item.id))
