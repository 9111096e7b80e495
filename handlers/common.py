"""Shared glue: who is writing, explaining refusals, item cards and buttons, sending notices."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.context import Context
from bot.texts import Raw, Texts
from storage.models import Item, Person, RoleGrant
from workflow import joining
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules
from workflow.views import ItemView, load_item_view

log = logging.getLogger(__name__)
BODY_PREVIEW = 1500


async def current(update: Update, context: Context) -> tuple[Person | None, list[RoleGrant]]:
    """The person behind the update and the roles they hold now."""
    user = update.effective_user
    if user is None:
        return None, []
    return await joining.whoami(context.bot_data.db, user.id)


async def explain(update: Update, context: Context, refused: Refused) -> None:
    """Tells the user why a request was refused, as an alert on a button or as a reply."""
    texts = context.bot_data.texts
    key = f"refused.{refused.key}"
    params = dict(refused.params)
    if params.get("role"):
        params["role"] = texts.role(str(params["role"]))
    text = texts(key, **params) if texts.has(key) else texts("refused.not_allowed")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


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


def signoff_keyboard(texts: Texts, item: Item) -> InlineKeyboardMarkup:
    """Approve / Return buttons bound to the item's current round and step."""
    base = f"so:{item.id}:{item.chain_round}:{item.chain_step}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts("btn.approve"), callback_data=f"{base}:a"),
                InlineKeyboardButton(texts("btn.return"), callback_data=f"{base}:r"),
            ]
        ]
    )


def editor_keyboard(texts: Texts, item: Item) -> InlineKeyboardMarkup:
    """The centre editor's buttons for an item: register, edit, record an adoption."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts("btn.register"), callback_data=f"ed:reg:{item.id}"),
                InlineKeyboardButton(texts("btn.edit"), callback_data=f"ed:edit:{item.id}"),
                InlineKeyboardButton(texts("btn.adopt"), callback_data=f"ed:adopt:{item.id}"),
            ]
        ]
    )


async def deliver(context: Context, notices: list[Notice]) -> None:
    """Sends each notice to its person; people who blocked the bot are logged, not retried."""
    services = context.bot_data
    texts = services.texts
    for notice in notices:
        params = dict(notice.params)
        markup: InlineKeyboardMarkup | None = None
        if "role" in params:
            params["role"] = texts.role(str(params["role"]))
        if notice.item_id is not None:
            params.setdefault("item", notice.item_id)
            if notice.key in {"signoff_request", "editor_new_item"}:
                view = await load_item_view(services.db, notice.item_id)
                params["card"] = card(texts, services.rules, view)
                if notice.key == "signoff_request":
                    params["step_no"] = int(params.get("step", 0)) + 1
                    markup = signoff_keyboard(texts, view.item)
                else:
                    markup = editor_keyboard(texts, view.item)
        text = texts(f"notice.{notice.key}", **params)
        try:
            await context.bot.send_message(
                notice.tg_user_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except (Forbidden, BadRequest) as error:
            log.warning("notice %s to %s not delivered: %s", notice.key, notice.tg_user_id, error)
