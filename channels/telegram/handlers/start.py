"""Joining by invite (/start CODE), a survey link (/start sv-TOKEN), help per role, and a
polite answer to strangers."""

from __future__ import annotations

import contextlib
import re

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from channels.telegram.context import Context
from chat.texts import Raw, Texts
from scoring.vocab import Role
from storage.models import RoleGrant
from workflow import campaign_survey, joining, reach
from workflow.outcomes import Refused

from . import survey
from .common import current, explain, telegram_account

CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
AUTHORS = {Role.INFORMANT, Role.SECTION_STAFF}
UNIT_PEOPLE = {Role.INFORMANT, Role.SECTION_STAFF, Role.WINDOW_HEAD, Role.LEADER}
SIGNERS = {Role.WINDOW_HEAD, Role.LEADER}  # approvers: /pending lists what waits for them


def commands_for(roles: set[Role], is_admin: bool) -> list[str]:
    """The commands a person's roles allow, in the order help lists them."""
    names: list[str] = []
    if roles & AUTHORS:
        names += ["submit", "my"]
    if roles & UNIT_PEOPLE:
        names += ["unit"]
    if roles & SIGNERS:
        names += ["pending", "item"]  # read an item in full before signing it
    if roles:
        names += ["rank", "bulletin"]
    if roles or is_admin:
        names += ["guide"]
    if Role.EDITOR in roles:
        names += ["queue", *(["item"] if "item" not in names else []), "tasks", "brief", "visit"]
    elif Role.INFORMANT in roles:
        names += ["tasks"]
    if roles & {Role.EDITOR, Role.CENTRE_LEADER, Role.MAIN_LEADER}:
        names += ["briefs"]
    if roles & {Role.EDITOR, Role.CENTRE_LEADER, Role.NETWORK_ADMIN}:
        names += ["news"]
    if Role.EDITOR in roles or is_admin:
        names += ["announce", "announced"]
    if roles & {Role.EDITOR, Role.ADMIN}:  # the office (领导小组办公室) plans campaigns
        names += ["campaign", "campaigns"]
    elif roles & (UNIT_PEOPLE | {Role.CENTRE_LEADER, Role.MAIN_LEADER}):
        names += ["campaigns"]  # a unit's self-check; the assessment group's scoring
    if is_admin:
        names += ["invite", "revoke", "correct"]
    return [*names, "cancel", "help"]


HELP_KEYS = {
    "submit": "help.submit",
    "my": "help.my",
    "unit": "help.unit",
    "pending": "help.pending",
    "rank": "help.rank",
    "bulletin": "help.bulletin",
    "queue": "help.queue",
    "item": "help.item",
    "invite": "help.invite",
    "tasks": "help.tasks",
    "revoke": "help.revoke",
    "correct": "help.correct",
    "guide": "help.guide",
    "brief": "help.brief",
    "briefs": "help.briefs",
    "news": "help.news",
    "visit": "help.visit",
    "announce": "help.announce",
    "announced": "help.announced",
    "campaign": "help.campaign",
    "campaigns": "help.campaigns",
    "cancel": "help.cancel",
    "help": "help.help",
}


def help_text(texts: Texts, names: list[str]) -> str:
    """The help message for a list of commands."""
    return "\n".join([texts("help.head"), *(texts(HELP_KEYS[name]) for name in names)])


def is_admin(context: Context, tg_user_id: int, grants: list[RoleGrant]) -> bool:
    """Admins are listed in config.yaml or hold the admin role."""
    return telegram_account(tg_user_id) in context.bot_data.rules.admins or any(
        g.role is Role.ADMIN for g in grants
    )


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
    texts = context.bot_data.texts
    code = context.args[0] if context.args else ""
    token = campaign_survey.token_of(code)
    if token is not None:  # a unit's satisfaction-survey link: anyone may answer
        await survey.start(update, context, token)
        return
    if code:
        if not CODE.fullmatch(code):
            await explain(update, context, Refused("invite_unknown"))
            return
        try:
            joined = await joining.redeem(
                context.bot_data.db,
                code,
                account=telegram_account(user.id),
                name=user.full_name,
                username=user.username,
            )
        except Refused as refused:
            await explain(update, context, refused)
            return
        _, grants = await current(update, context)
        names = commands_for({g.role for g in grants}, is_admin(context, user.id, grants))
        key = "welcome" if joined.unit else "welcome_centre"
        await message.reply_text(
            texts(
                key,
                name=user.full_name,
                unit=joined.unit.name if joined.unit else "",
                role=texts.role(joined.grant.role),
                help=Raw(help_text(texts, names)),
            ),
            parse_mode=ParseMode.HTML,
        )
        await set_commands(context, user.id, names)
        # A new holder of a role (a head who joins later, a successor) gets what waits for it.
        if await reach.offer_to(
            context.bot_data.db, context.bot_data.rules, telegram_account(user.id)
        ):
            context.bot_data.courier.wake()
        return
    await help_command(update, context)


async def help_command(update: Update, context: Context) -> None:
    """/help: the commands this person may use; strangers learn how to join."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    texts = context.bot_data.texts
    person, grants = await current(update, context)
    admin = is_admin(context, user.id, grants)
    if person is None and not admin:
        await message.reply_text(texts("stranger"), parse_mode=ParseMode.HTML)
        return
    names = commands_for({g.role for g in grants}, admin)
    await message.reply_text(help_text(texts, names), parse_mode=ParseMode.HTML)
