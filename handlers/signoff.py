"""Sign-off buttons (so:<item>:<round>:<step>:<a|r>), the reason typed after Return and its
confirmation (…:c confirms, …:x cancels), and steps offered again to a signer who writes to the
bot."""

from __future__ import annotations

import contextlib
import logging
import sqlite3

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from chat.actions import signoff as so
from workflow import reach, signoff
from workflow.outcomes import Refused

from . import waits
from .common import (
    acknowledge,
    confirm_keyboard,
    current,
    deliver,
    explain,
    mark_decided,
    telegram_account,
)
from .general import flush as write_through
from .waits import PENDING_RETURN

log = logging.getLogger(__name__)


async def on_button(update: Update, context: Context) -> None:
    """Approve records at once; Return first checks the step is open, then asks for a reason
    (shown back for confirmation before the item is returned)."""
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
    if isinstance(press, so.ConfirmReturn):  # the return's reason, shown back
        await on_confirm(update, context, item_id, round_, step, confirm=press.confirmed)
        return
    try:
        if press.decision == "r":
            await signoff.check_open(services.db, person, item_id=item_id, round_=round_, step=step)
            waits.expect(
                update,
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
        offered = await reach.offer_to(services.db, services.rules, telegram_account(user.id))
    except sqlite3.OperationalError as error:  # busy: the next sweep offers it instead
        log.warning("could not offer waiting sign-offs to %s now: %s", user.id, error)
        return
    if offered:
        services.courier.wake()


async def on_reason(update: Update, context: Context) -> None:
    """The text after a Return tap is its reason, shown back with ✅ 确认 / ✖️ 取消 before
    anything changes; other text passes on to other handlers."""
    user_data = context.user_data
    message = update.effective_message
    if user_data is None or PENDING_RETURN not in user_data or message is None:
        return
    texts, services = context.bot_data.texts, context.bot_data
    if (message.text or "").lstrip().startswith("/"):
        return  # commands (/cancel) are handled elsewhere
    if not await waits.gate(update, context, (PENDING_RETURN,)):
        return
    pending = user_data[PENDING_RETURN]
    person, _ = await current(update, context)
    item_id, round_, step = int(pending["item"]), int(pending["round"]), int(pending["step"])
    try:
        if person is None:
            raise Refused("not_allowed")
        reason = signoff.check_reason(message.text or "")  # the question stays: type again
    except Refused as refused:
        if refused.key == "return_needs_reason":
            await message.reply_text(texts("signoff.reason_empty"))
        else:
            await explain(update, context, refused)
        raise ApplicationHandlerStop from None
    try:
        user_data.pop(PENDING_RETURN, None)
        item = await signoff.check_open(
            services.db, person, item_id=item_id, round_=round_, step=step
        )
    except Refused as refused:
        await explain(update, context, refused)
        raise ApplicationHandlerStop from None
    waits.hold(
        context,
        "return",
        item=item_id,
        round=round_,
        step=step,
        reason=reason,
        chat=pending.get("chat"),
        message=pending.get("message"),
    )
    await message.reply_text(
        texts("signoff.confirm_return", item=item_id, title=item.title, reason=reason),
        reply_markup=confirm_keyboard(
            texts,
            so.ConfirmReturn(item_id, round_, step, True),
            so.ConfirmReturn(item_id, round_, step, False),
        ),
    )
    await write_through(update, context)  # the held reason survives a restart
    raise ApplicationHandlerStop


async def on_confirm(
    update: Update, context: Context, item_id: int, round_: int, step: int, confirm: bool
) -> None:
    """✅ 确认 returns the item with the reason shown (re-checking the signer and the step);
    ✖️ 取消 leaves everything as it was."""
    query = update.callback_query
    assert query is not None
    services, texts = context.bot_data, context.bot_data.texts
    pending = waits.held(context, "return", item=item_id, round=round_, step=step)
    person, _ = await current(update, context)
    try:
        if person is None:
            raise Refused("not_allowed")
        if pending is None:
            raise Refused("confirm_stale", minutes=waits.minutes(context))
        if not confirm:
            waits.release(context)
            await acknowledge(query, texts("confirm.kept"))
            await mark_decided(context, query.message, texts("signoff.return_kept"))
            return
        reason = str(pending["reason"])
        decided = await signoff.decide(
            services.db,
            services.rules,
            person,
            item_id=item_id,
            round_=round_,
            step=step,
            approve=False,
            reason=reason,
        )
    except Refused as refused:
        if refused.key != "confirm_stale":
            waits.release(context)  # decided meanwhile, or no longer theirs: nothing to confirm
        await explain(update, context, refused)
        return
    waits.release(context)
    await acknowledge(query, texts("signoff.done_returned"))
    await mark_decided(
        context, query.message, texts("signoff.returned", by=person.name, reason=reason)
    )
    if pending.get("chat") and pending.get("message"):
        with contextlib.suppress(BadRequest, Forbidden):
            await context.bot.edit_message_reply_markup(
                pending["chat"], pending["message"], reply_markup=None
            )
    await deliver(context, decided.notices)
