"""How an item looks in a message: its card, and the buttons that go with it."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import Raw, Texts
from chat import actions
from chat.actions import Button, Rows
from chat.actions import editor as ed
from chat.actions import signoff as so
from chat.actions import webnews as wn
from scoring.vocab import ItemState
from storage.models import Item
from workflow.rules import CentreRules, Timeliness
from workflow.views import ItemView

BODY_PREVIEW = 1500


def standing_text(texts: Texts, standing: Timeliness) -> str:
    """How a deadline stands: working days left, due today, or working days past it."""
    if standing.late_days:
        return texts("due.overdue", days=standing.late_days)
    if standing.days_left:
        return texts("due.left", days=standing.days_left)
    return texts("due.today")


def due_line(texts: Texts, rules: CentreRules, item: Item, today: date) -> str:
    """A pending item's deadline for its signers ("时限 12-08，还剩 1 个工作日"): only while the
    sign-offs count against it (judged at the centre) and its category has a deadline."""
    if item.state is not ItemState.PENDING or not rules.judged_at_centre:
        return ""
    standing = rules.timeliness(item.category, item.event_date, today)
    if standing.deadline is None:
        return ""
    return texts(
        "card.due", due=f"{standing.deadline:%m-%d}", standing=Raw(standing_text(texts, standing))
    )


def card(
    texts: Texts, rules: CentreRules, view: ItemView, full: bool = False, today: date | None = None
) -> Raw:
    """An item as a message: number, title, unit, category, date, state, lateness, text; given
    today's date, a pending item also shows its deadline and the working days left."""
    item = view.item
    body = item.body if full or len(item.body) <= BODY_PREVIEW else item.body[:BODY_PREVIEW] + "…"
    late = texts("card.late", days=item.late_days) if item.late_days else ""
    if today is not None:
        late += due_line(texts, rules, item, today)
    return Raw(
        texts(
            "card",
            number=f"#{item.id} " if item.id else "",
            title=item.title,
            unit=view.unit.name,
            category=rules.categories.get(item.category, item.category),
            event_date=item.event_date.isoformat(),
            state=texts.state(item.state),
            late=Raw(late),
            body=body,
        )
    )


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
