"""How an item looks in a message: its card, and the buttons that go with it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import Raw, Texts
from storage.models import Item
from workflow.rules import CentreRules
from workflow.views import ItemView

BODY_PREVIEW = 1500


def card(texts: Texts, rules: CentreRules, view: ItemView, full: bool = False) -> Raw:
    """An item as a message: number, title, unit, category, date, state, lateness, text."""
    item = view.item
    body = item.body if full or len(item.body) <= BODY_PREVIEW else item.body[:BODY_PREVIEW] + "…"
    late = Raw(texts("card.late", days=item.late_days)) if item.late_days else Raw("")
    return Raw(
        texts(
            "card",
            number=f"#{item.id} " if item.id else "",
            title=item.title,
            unit=view.unit.name,
            category=rules.categories.get(item.category, item.category),
            event_date=item.event_date.isoformat(),
            state=texts.state(item.state),
            late=late,
            body=body,
        )
    )


def signoff_keyboard_for(
    texts: Texts, item_id: int, round_: int, step: int
) -> InlineKeyboardMarkup:
    """Approve / Return buttons for one step of one round, as a notice asked for it."""
    base = f"so:{item_id}:{round_}:{step}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts("btn.approve"), callback_data=f"{base}:a"),
                InlineKeyboardButton(texts("btn.return"), callback_data=f"{base}:r"),
            ]
        ]
    )


def editor_keyboard(texts: Texts, item: Item) -> InlineKeyboardMarkup:
    """The centre editor's buttons for an item: register, edit, record an adoption; choose
    where it goes (第六条) and send it to website sign-off (第七条)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts("btn.register"), callback_data=f"ed:reg:{item.id}"),
                InlineKeyboardButton(texts("btn.edit"), callback_data=f"ed:edit:{item.id}"),
                InlineKeyboardButton(texts("btn.adopt"), callback_data=f"ed:adopt:{item.id}"),
            ],
            [
                InlineKeyboardButton(texts("btn.route_open"), callback_data=f"ed:route:{item.id}"),
                InlineKeyboardButton(texts("btn.web_send"), callback_data=f"wn:send:{item.id}"),
            ],
        ]
    )
