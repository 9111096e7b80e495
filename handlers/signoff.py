"""Sign-off buttons (so:<item>:<round>:<step>:<a|r>), the reason typed after Return, and
steps offered again to a signer who writes to the bot."""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from workflow import reach, signoff
from workflow.outcomes import Refused
from workflow.submission import clean_text

from . import waits
from .common import acknowledge, current, deliver, explain, mark_decided
from .waits import PENDING_RETURN

log = logging.getLogger(__name__)
PATTERN = re.compile(r"so:([0-9]{1,12}):([0-9]{1,6}):([0-9]{1,3}):([ar])")


async def on_button(update: Update, context: Context) -> None:
    """Approve records at once; Return first checks the step is open, then asks for a reason."""
    query = update.callback_query
    if query is None:
        return
    match = PATTERN.fullmatch(query.data or "")
    if match is None:
        await explain(update, context, Refused("forged"))
        return
    item_id, round_, step = int(match[1]), int(match[2]), int(match[3])
    person, _ = await current(update, context)
    if person is None:
        await explain(update, context, Refused("not_allowed"))
        return
    services, texts = context.bot_data, context.bot_data.texts
    try:
        if match[4] == "r":
            await signoff.check_open(services.db, person, item_id=item_id, round_=round_, step=step)
            waits.expect(
                context,
                PENDING_RETURN,
                {
                    "item": item_id,
                    "round": round_,
                    "step": step,
                    "chat": query.message.chat.id if query.message else None,
                    "message": query.message.message_id if query.message else None,
                },
            )
            await acknowledge(query)
            if query.message is not None:
                with contextlib.suppress(Forbidden):
                    await context.bot.send_message(
                        query.message.chat.id, texts("signoff.ask_reason", item=item_id)
                    )
            return
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
        offered = await reach.offer_to(services.db, services.rules, user.id)
    except sqlite3.OperationalError as error:  # busy: the next sweep offers it instead
        log.warning("could not offer waiting sign-offs to %s now: %s", user.id, error)
        return
    if offered:
        services.courier.wake()


async def on_reason(update: Update, context: Context) -> None:
    """The text after a Return tap is its reason; other text passes on to other handlers."""
    user_data = context.user_data
    message = update.effective_message
    if user_data is None or PENDING_RETURN not in user_data or message is None:
        return
    texts, services = context.bot_data.texts, context.bot_data
    if (message.text or "").lstrip().startswith("/"):
        return  # commands (/cancel) are handled elsewhere
    reason = clean_text(message.text or "")
    if not reason:
        await message.reply_text(texts("signoff.reason_empty"))
        raise ApplicationHandlerStop
    pending = user_data.pop(PENDING_RETURN)
    person, _ = await current(update, context)
    try:
        if person is None:
            raise Refused("not_allowed")
        decided = await signoff.decide(
            services.db,
            services.rules,
            person,
            item_id=int(pending["item"]),
            round_=int(pending["round"]),
            step=int(pending["step"]),
            approve=False,
            reason=reason[:500],
        )
    except Refused as refused:
        await explain(update, context, refused)
        raise ApplicationHandlerStop from None
    await message.reply_text(texts("signoff.done_returned"))
    if pending.get("chat") and pending.get("message"):
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_reply_markup(
                pending["chat"], pending["message"], reply_markup=None
            )
    await context.bot.send_message(
        message.chat_id,
        texts("signoff.returned", by=person.name, reason=reason[:500]),
        parse_mode=ParseMode.HTML,
    )
    await deliver(context, decided.notices)
    raise ApplicationHandlerStop
