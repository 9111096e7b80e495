"""The satisfaction survey (民主测评) on Telegram, thin: a survey link's /start, the survey's
presses (anyone's, a stranger's too), the comment typed after an answer, and the office's
📊 测评二维码; the replies are `workflow.dialogues.campaign_survey`'s."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from channels.telegram.context import Context
from chat.actions import campaign as ca
from chat.dialogue import Reply
from workflow import campaign_survey
from workflow.dialogues.campaign_survey import CampaignSurvey
from workflow.outcomes import Refused

from .common import acknowledge, current, explain, mark_decided, send_stored_file, telegram_account
from .dialogue import reply_keyboard


def _survey(context: Context) -> CampaignSurvey:
    """The survey's replies over the bot's ledger and rules."""
    services = context.bot_data
    return CampaignSurvey(services.db, services.rules)


def link_of(context: Context) -> Callable[[str], str]:
    """How a token becomes the bot's deep link (`t.me/<bot>?start=sv-<token>`)."""
    username = context.bot_data.options.bot_username or context.bot.username

    def url(token: str) -> str:
        """The deep link of one token."""
        return f"https://t.me/{username}?start={campaign_survey.PREFIX}{token}"

    return url


async def _refuse(update: Update, context: Context, refused: Refused) -> None:
    """A refusal told (a flood's after the first is not answered at all, a press only
    acknowledged)."""
    if refused.params.get("quiet"):
        if update.callback_query is not None:
            await acknowledge(update.callback_query)
        return
    await explain(update, context, refused)


async def _send(update: Update, context: Context, replies: list[Reply]) -> None:
    """The replies: a press's brief answer, a note under the pressed message, a file before
    its text, texts with their buttons in the chat written from."""
    texts, query = context.bot_data.texts, update.callback_query
    chat = update.effective_chat
    answered = False
    for reply in replies:
        params = {k: v for k, v in reply.params.items() if k != "file"}
        text = texts(reply.key, **params)
        if reply.how == "toast" and query is not None:
            await acknowledge(query, text)
            answered = True
            continue
        if reply.how == "mark" and query is not None:
            await mark_decided(context, query.message, text)
            continue
        if chat is None:
            continue
        file = reply.params.get("file")
        with contextlib.suppress(Forbidden, BadRequest):  # blocked meanwhile: nobody to tell
            if file:
                await send_stored_file(
                    context, chat.id, str(file["kind"]), str(file["key"]), str(file["caption"])
                )
            markup = reply_keyboard(context, reply) if reply.buttons else None
            await context.bot.send_message(chat.id, text, reply_markup=markup)
    if query is not None and not answered:
        await acknowledge(query)


async def start(update: Update, context: Context, token: str) -> None:
    """/start sv-<token>: anyone who opens a unit's survey link is asked the question."""
    user = update.effective_user
    if user is None:
        return
    try:
        replies = await _survey(context).survey_opened(telegram_account(user.id), token)
    except Refused as refused:
        await _refuse(update, context, refused)
        return
    await _send(update, context, replies)


async def on_button(update: Update, context: Context) -> None:
    """满意 / 基本满意 / 不满意, 跳过 (anyone), and 📊 测评二维码 (the office)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    press = ca.decode(query.data or "")
    survey = _survey(context)
    try:
        if isinstance(press, ca.SurveyCodes):
            person, _ = await current(update, context)
            if person is None:
                raise Refused("not_allowed")
            replies = await survey.survey_codes(
                person.id,
                press.campaign_id,
                link_of(context),
                context.bot_data.options.render_survey_qr,
            )
        elif isinstance(press, (ca.SurveyAnswer, ca.SurveySkip)):
            replies = await survey.survey_press(telegram_account(user.id), press)
        else:
            raise Refused("forged")
    except Refused as refused:
        await _refuse(update, context, refused)
        return
    await _send(update, context, replies)


async def on_text(update: Update, context: Context) -> None:
    """A text while the writer's survey comment is awaited: kept, thanks (the update stops
    there); any other text goes on to the other handlers."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    try:
        replies = await _survey(context).survey_typed(telegram_account(user.id), message.text)
    except Refused as refused:
        await explain(update, context, refused)
        raise ApplicationHandlerStop from None
    if replies is None:
        return
    await _send(update, context, replies)
    raise ApplicationHandlerStop


async def started(update: Update, context: Context, press: ca.Press | None) -> None:
    """After a plan's approval: once the campaign runs, the office that planned it is sent each
    unit's QR code and link (queued once per unit; the courier woken)."""
    if not isinstance(press, ca.Decide) or press.subject != "p" or press.decision != "a":
        return
    queued = await campaign_survey.send_codes(
        context.bot_data.db,
        press.campaign_id,
        link_of(context),
        context.bot_data.options.render_survey_qr,
    )
    if queued:
        context.bot_data.courier.wake()
