"""Joining by invite (/start CODE), a survey link (/start sv-TOKEN), help per role, the
command menus and /notify (where notices go) on Telegram: what is said is decided by
`workflow.commands.start` and `.notify`."""

from __future__ import annotations

import contextlib

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError

from channels.telegram.context import Context
from chat.actions import notify as nt
from storage.models import RoleGrant
from workflow import campaign_survey
from workflow.commands import notify
from workflow.commands import start as starting
from workflow.commands.start import HELP_KEYS

from . import survey
from .answers import send_answer
from .common import current, telegram_account


def is_admin(context: Context, tg_user_id: int, grants: list[RoleGrant]) -> bool:
    """Admins are listed in config.yaml or hold the admin role."""
    return starting.is_admin(context.bot_data.rules, telegram_account(tg_user_id), grants)


async def set_commands(context: Context, chat_id: int, names: list[str]) -> None:
    """Shows exactly the allowed commands in this person's command menu."""
    texts = context.bot_data.texts
    commands = [
        BotCommand(name, texts(HELP_KEYS[name]).split("—", 1)[-1].strip()[:256]) for name in names
    ]
    with contextlib.suppress(TelegramError):  # the menu is a convenience; /help always works
        await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))


async def start(update: Update, context: Context) -> None:
    """/start CODE joins by invite; /start alone greets members and explains to strangers."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.bot_data
    code = context.args[0] if context.args else ""
    token = campaign_survey.token_of(code)
    if token is not None:  # a unit's satisfaction-survey link: anyone may answer
        await survey.start(update, context, token)
        return
    if not code:
        await help_command(update, context)
        return
    account = telegram_account(user.id)
    answer = await starting.join(
        services.db, services.rules, account, code, name=user.full_name, username=user.username
    )
    await send_answer(update, context, answer, None)
    if answer.menu is None:
        return
    await set_commands(context, user.id, list(answer.menu))
    await send_answer(
        update, context, await starting.offer_waiting(services.db, services.rules, account), None
    )


async def help_command(update: Update, context: Context) -> None:
    """/help: the commands this person may use; strangers learn how to join."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.bot_data
    answer = await starting.help_for(services.db, services.rules, telegram_account(user.id))
    await send_answer(update, context, answer, None)


async def notify_command(update: Update, context: Context) -> None:
    """/notify: where this person's notices go, and the choice (accounts on both channels)."""
    if update.effective_message is None:
        return
    person, _ = await current(update, context)
    answer = await notify.ask(context.bot_data.db, person)
    await send_answer(update, context, answer, person)


async def link_command(update: Update, context: Context) -> None:
    """/link: a code to send from the person's account on the other channel."""
    if update.effective_message is None:
        return
    person, _ = await current(update, context)
    services = context.bot_data
    answer = await notify.link_code(services.db, services.rules, person)
    await send_answer(update, context, answer, person)


async def notify_button(update: Update, context: Context) -> None:
    """Telegram, 企业微信 or 跟随最近使用 pressed: the choice recorded and said back."""
    query = update.callback_query
    if query is None:
        return
    person, _ = await current(update, context)
    pressed = nt.decode(query.data or "")
    answer = await notify.press(context.bot_data.db, person, pressed)
    await send_answer(update, context, answer, person)
