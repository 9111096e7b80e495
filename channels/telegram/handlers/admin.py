"""Admin commands on Telegram: /invite (the conversation engine's flow,
`workflow/dialogues/admin.py`), /units, /noinformant, /revoke and its buttons, /correct; what
is decided and said is `workflow.commands.admin`'s."""

from __future__ import annotations

from telegram import Update

from channels.telegram.context import Context
from chat.actions import admin as ad
from storage import people
from storage.models import Person
from workflow.commands import admin as admin_commands

from . import dialogue
from .answers import send_answer
from .common import current, telegram_account
from .start import is_admin


async def invite(update: Update, context: Context) -> None:
    """/invite from an admin the conversation engine does not know yet (listed only in
    config.yaml): added to the ledger, then the engine's /invite runs for them."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    _, grants = await current(update, context)
    if not is_admin(context, user.id, grants):
        await message.reply_text(context.bot_data.texts("admin.only"))
        return
    await _person(update, context)
    await dialogue.route(update, context)


async def list_units(update: Update, context: Context) -> None:
    """/units: the centre's own people, then every active unit with its people and roles."""
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    services = context.bot_data
    person, grants = await current(update, context)
    account = telegram_account(user.id)
    answer = await admin_commands.list_units(services.db, services.rules, account, grants)
    await send_answer(update, context, answer, person)


async def no_informant(update: Update, context: Context) -> None:
    """/noinformant: units that have not designated an informant (第三条, 第十一条)."""
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    services = context.bot_data
    person, grants = await current(update, context)
    account = telegram_account(user.id)
    answer = await admin_commands.no_informant(services.db, services.rules, account, grants)
    await send_answer(update, context, answer, person)


async def revoke_menu(update: Update, context: Context) -> None:
    """/revoke: one button per role held now."""
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    services = context.bot_data
    person, grants = await current(update, context)
    account = telegram_account(user.id)
    answer = await admin_commands.revoke_menu(services.db, services.rules, account, grants)
    await send_answer(update, context, answer, person)


async def on_button(update: Update, context: Context) -> None:
    """An admin button: revoke, its ✅ 确认 / ✖️ 取消, or an /invite choice the engine did not
    take (that invite was made, given up or expired)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    services = context.bot_data
    person, grants = await current(update, context)
    answer = await admin_commands.admin_press(
        services.db,
        services.rules,
        telegram_account(user.id),
        person,
        grants,
        ad.decode(query.data or ""),
    )
    await send_answer(update, context, answer, person)


async def correct(update: Update, context: Context) -> None:
    """/correct: an admin's correction (更正) of a closed month (a configured admin who never
    joined is added to the ledger first)."""
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    services = context.bot_data
    person, grants = await current(update, context)
    account = telegram_account(user.id)
    if person is None and is_admin(context, user.id, grants):
        person = await _person(update, context)
    typed = " ".join(context.args or [])
    answer = await admin_commands.correct(
        services.db, services.rules, account, person, grants, typed
    )
    await send_answer(update, context, answer, person)


async def _person(update: Update, context: Context) -> Person:
    """The admin as a person of the ledger (an admin listed only in config.yaml is added)."""
    user = update.effective_user
    assert user is not None
    person, _ = await current(update, context)
    if person is not None:
        return person
    async with context.bot_data.db.transaction() as tx:
        return await people.ensure_person(
            tx, telegram_account(user.id), user.full_name, user.username
        )
