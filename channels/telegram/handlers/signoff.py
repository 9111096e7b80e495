"""Sign-off buttons (so:<item>:<round>:<step>:<a|r>) and steps offered again to a signer who
writes to the bot. Return, its typed reason and its confirmation (…:c confirms, …:x cancels)
are the conversation engine's (`workflow.dialogues`, `channels/telegram/handlers/dialogue.py`)."""

from __future__ import annotations

import logging
import sqlite3

from telegram import Update

from channels.telegram.context import Context
from chat.actions import signoff as so
from workflow import reach, signoff
from workflow.outcomes import Refused

from .common import acknowledge, current, deliver, explain, mark_decided, telegram_account

log = logging.getLogger(__name__)


async def on_button(update: Update, context: Context) -> None:
    """Approve records at once. Return and its confirmation are the engine's, which takes
    them before this runs: a confirmation left here had nothing held (expired, or done)."""
    query = update.callback_query
    if query is None:
        return
    press = so.decode(query.data or "")
    if press is None:
        await explain(update, context, Refused("forged"))
        return
    item_id, round_, step = press.item_id, press.round, press.step
    person, _ = await current(update, context)
    if person is None:
        await explain(update, context, Refused("not_allowed"))
        return
    services, texts = context.bot_data, context.bot_data.texts
    minutes = int(services.rules.typed_answer.total_seconds() // 60)
    if isinstance(press, so.ConfirmReturn) or press.decision != "a":
        await explain(update, context, Refused("confirm_stale", minutes=minutes))
        return
    try:
        decided = await signoff.decide(
            services.db,
            services.rules,
            person,
            item_id=item_id,
            round_=round_,
            step=step,
            approve=True,
        )
    except Refused as refused:
        await explain(update, context, refused)
        return
    done = {
        signoff.Result.NEXT_STEP: "signoff.done_next",
        signoff.Result.AT_CENTRE: "signoff.done_centre",
    }[decided.result]
    await acknowledge(query, texts(done))
    await mark_decided(context, query.message, texts("signoff.approved", by=person.name))
    await deliver(context, decided.notices)


async def offer_again(update: Update, context: Context) -> None:
    """Anything a person writes to the bot: steps waiting for them whose request never surely
    reached them (blocked, lost in a crash, sent before they held the role) come again now.
    Runs before every other handler and never stops the update."""
    user = update.effective_user
    if user is None or update.effective_chat is None or update.effective_chat.type != "private":
        return
    services = context.bot_data
    try:
        offered = await reach.offer_to(services.db, services.rules, telegram_account(user.id))
    except sqlite3.OperationalError as error:  # busy: the next sweep offers it instead
        log.warning("could not offer waiting sign-offs to %s now: %s", user.id, error)
        return
    if offered:
        services.courier.wake()
