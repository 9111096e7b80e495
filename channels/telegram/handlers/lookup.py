"""Looking things up on Telegram: /my, /unit, /rank, /bulletin, /item N, /find words,
/pending and an item's own buttons (📄 全文, 撤回): the update read, the answer decided and
worded by `workflow.commands.lookup`, sent as the engine's replies are."""

from __future__ import annotations

from telegram import Update

from channels.telegram.context import Context
from chat.actions import item as it
from workflow.commands import lookup

from .answers import send_answer
from .common import current
from .common import split_message as split_message  # where the other handlers find it


def _typed(context: Context) -> str:
    """What followed the command, its words as PTB split them."""
    return " ".join(context.args or [])


async def my_items(update: Update, context: Context) -> None:
    """/my: the person's latest items, their states and points; returned ones can be revised."""
    if update.effective_message is None:
        return
    person, _ = await current(update, context)
    await send_answer(update, context, await lookup.my_items(context.bot_data.db, person), person)


async def my_unit(update: Update, context: Context) -> None:
    """/unit: each of the person's units this month (submitted / quota, points, rank) and the year."""
    if update.effective_message is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    answer = await lookup.my_unit(services.db, services.rules, person)
    await send_answer(update, context, answer, person)


async def bulletin(update: Update, context: Context) -> None:
    """/bulletin [2026-10 | 10月]: a month's bulletin again (default last month), the
    reader's unit marked, with its files once published."""
    if update.effective_message is None:
        return
    services = context.bot_data
    person, grants = await current(update, context)
    answer = await lookup.bulletin(
        services.db,
        services.rules,
        person,
        grants,
        "".join(context.args or []),
        with_document=services.schedule.bulletin_document,
    )
    await send_answer(update, context, answer, person)


async def ranking(update: Update, context: Context) -> None:
    """/rank: this month's and this year's ranking (top 20 of each)."""
    if update.effective_message is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    answer = await lookup.ranking(services.db, services.rules, person)
    await send_answer(update, context, answer, person)


async def show_item(update: Update, context: Context) -> None:
    """/item N: one item with its adoptions, if the person may see it."""
    if update.effective_message is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    answer = await lookup.show_item(services.db, services.rules, person, _typed(context))
    await send_answer(update, context, answer, person)


async def item_button(update: Update, context: Context) -> None:
    """An item's own button: 📄 全文 (the item whole, if the presser may read it) or the
    author's 撤回 (shown back, then confirmed or kept)."""
    query = update.callback_query
    if query is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    press = it.decode(query.data or "")
    if isinstance(press, it.Withdraw):
        answer = await lookup.withdraw(services.db, person, press)
    elif press is None:
        answer = lookup.forged()
    else:
        answer = await lookup.full_text(services.db, services.rules, person, press.item_id)
    await send_answer(update, context, answer, person)


async def pending(update: Update, context: Context) -> None:
    """/pending (待我审签): every item waiting for this person's sign-off, with its buttons."""
    if update.effective_message is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    answer = await lookup.pending(services.db, services.rules, person)
    await send_answer(update, context, answer, person)


async def find(update: Update, context: Context) -> None:
    """/find words: items whose title contains the words."""
    if update.effective_message is None:
        return
    person, _ = await current(update, context)
    answer = await lookup.find(context.bot_data.db, person, _typed(context))
    await send_answer(update, context, answer, person)
