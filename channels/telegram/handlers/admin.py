"""Admin commands: /invite (the conversation engine's flow, `workflow/dialogues/admin.py`),
/units (units and their people), /noinformant, /revoke, /correct."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from channels.telegram.context import Context
from chat.actions import admin as ad
from chat.texts import Raw
from scoring.vocab import Role
from storage import people, units
from storage.models import Person, RoleGrant
from workflow import joining
from workflow import periods as closing
from workflow.outcomes import Refused
from workflow.typed_dates import parse_day

from . import dialogue
from .common import (
    acknowledge,
    confirm_keyboard,
    current,
    explain,
    mark_decided,
    telegram_account,
)
from .lookup import split_message
from .start import is_admin


async def _admin(update: Update, context: Context) -> bool:
    """Whether the sender is an admin; tells them plainly if not."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return False
    _, grants = await current(update, context)
    if is_admin(context, user.id, grants):
        return True
    await message.reply_text(context.bot_data.texts("admin.only"))
    return False


async def invite(update: Update, context: Context) -> None:
    """/invite from an admin the conversation engine does not know yet (listed only in
    config.yaml): added to the ledger, then the engine's /invite runs for them."""
    message = update.effective_message
    if message is None or not await _admin(update, context):
        return
    await _person(update, context)
    await dialogue.route(update, context)


async def list_units(update: Update, context: Context) -> None:
    """/units: the centre's own people (roles held without a unit), then every active unit
    with its people and their roles."""
    message = update.effective_message
    if message is None or not await _admin(update, context):
        return
    texts, db = context.bot_data.texts, context.bot_data.db
    lines = [texts("admin.units_head")]
    async with db.reading() as tx:
        centre = [
            f"{holder.name}（{texts.role(role)}）"
            for role in Role
            for holder in await people.role_holders(tx, None, role)
        ]
        if centre:
            lines.append(
                texts(
                    "admin.unit_line",
                    unit=Raw(texts("admin.invite_centre")),
                    people="、".join(centre),
                )
            )
        for unit in await units.list_units(tx):
            held = []
            for role in Role:
                for holder in await people.role_holders(tx, unit.id, role):
                    held.append(f"{holder.name}（{texts.role(role)}）")
            lines.append(
                texts(
                    "admin.unit_line",
                    unit=unit.name,
                    people="、".join(held) or texts("admin.no_people"),
                )
            )
    for chunk in split_message("\n".join(lines)):
        await message.reply_text(chunk, parse_mode=ParseMode.HTML)


async def no_informant(update: Update, context: Context) -> None:
    """/noinformant: units that have not designated an informant (第三条, 第十一条)."""
    message = update.effective_message
    if message is None or not await _admin(update, context):
        return
    texts = context.bot_data.texts
    async with context.bot_data.db.reading() as tx:
        missing = await people.units_without_informant(tx)
    if not missing:
        await message.reply_text(texts("admin.noinformant_none"))
        return
    await message.reply_text(
        "\n".join([texts("admin.noinformant_head"), *(f"· {u.name}" for u in missing)])
    )


async def revoke_menu(update: Update, context: Context) -> None:
    """/revoke: one button per role held now."""
    message = update.effective_message
    if message is None or not await _admin(update, context):
        return
    texts = context.bot_data.texts
    held = await joining.grants(context.bot_data.db)
    if not held:
        await message.reply_text(texts("admin.revoke_none"))
        return
    rows = [
        [
            InlineKeyboardButton(
                f"{unit.name + ' · ' if unit else ''}{person.name} · {texts.role(grant.role)}"[:60],
                callback_data=ad.encode(ad.Revoke(grant.id)),
            )
        ]
        for grant, person, unit in held[:60]
    ]
    await message.reply_text(texts("admin.revoke_head"), reply_markup=InlineKeyboardMarkup(rows))


async def on_button(update: Update, context: Context) -> None:
    """An admin button: revoke (below), or an /invite choice the engine did not take (that
    invite was made, given up or expired).

    A revoke button shows what it will do with ✅ 确认 / ✖️ 取消 (`ad:rv:G:ok|no`); only the
    confirm ends the role, re-checking that the tapper is an admin and the role still held."""
    query = update.callback_query
    if query is None:
        return
    texts = context.bot_data.texts
    user = update.effective_user
    _, grants = await current(update, context)
    if user is None or not is_admin(context, user.id, grants):
        await acknowledge(query, texts("admin.only"), alert=True)
        return
    press = ad.decode(query.data or "")
    if press is None:
        await explain(update, context, Refused("forged"))
        return
    if not isinstance(press, ad.Revoke):  # an /invite button the engine did not take
        await explain(update, context, Refused("invite_step_passed"))
        return
    grant_id, step = press.grant_id, press.step
    if step == "no":
        await acknowledge(query, texts("confirm.kept"))
        await mark_decided(context, query.message, texts("admin.revoke_kept"))
        return
    try:
        if step is None:  # shown back first: nothing changes yet
            async with context.bot_data.db.reading() as tx:
                grant = await people.get_grant(tx, grant_id)
                if grant is None or grant.revoked_at is not None:
                    raise Refused("already_revoked")
            await acknowledge(query)
            if query.message is not None:
                await context.bot.send_message(
                    query.message.chat.id,
                    await _grant_text(context, "admin.confirm_revoke", grant),
                    reply_markup=confirm_keyboard(
                        texts, ad.Revoke(grant_id, "ok"), ad.Revoke(grant_id, "no")
                    ),
                )
            return
        person, _ = await current(update, context)
        ended = await joining.revoke(context.bot_data.db, grant_id, person)
    except Refused as refused:
        await explain(update, context, refused)
        return
    context.bot_data.courier.wake()  # the person is told
    done = await _grant_text(context, "admin.revoked", ended.grant)
    if ended.waiting:
        done += "\n" + await _grant_text(
            context,
            "admin.revoked_waiting_others" if ended.others else "admin.revoked_waiting_nobody",
            ended.grant,
            count=ended.waiting,
            others="、".join(ended.others),
        )
    await acknowledge(query)
    await mark_decided(context, query.message, done)
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, done)


async def _grant_text(context: Context, key: str, grant: RoleGrant, **more: object) -> str:
    """A text naming a role grant: its holder, unit and role (and any more parameters)."""
    texts = context.bot_data.texts
    async with context.bot_data.db.reading() as tx:
        holder = await people.get_person(tx, grant.person_id)
        unit = await units.get_unit(tx, grant.unit_id) if grant.unit_id else None
    return texts(
        key,
        name=holder.name if holder else "?",
        unit=f"{unit.name} " if unit else "",
        role=texts.role(grant.role),
        **more,
    )


async def correct(update: Update, context: Context) -> None:
    """/correct: an admin's correction (更正) of a closed month — an adoption recorded there
    after its bulletin (`/correct 12 渠道 2026-10-28 原因`) or withdrawn
    (`/correct 撤销 12 渠道 原因`); the next bulletin lists it, the closed sheet stays."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not await _admin(update, context):
        return
    texts, services = context.bot_data.texts, context.bot_data
    args = context.args or []
    withdrawing = bool(args) and args[0] == "撤销"
    fields = args[1:] if withdrawing else args
    wanted = 3 if withdrawing else 4
    if len(fields) < wanted or not fields[0].lstrip("#").isdigit():
        await message.reply_text(texts("admin.correct_usage"), parse_mode=ParseMode.HTML)
        return
    item_id, outlet = int(fields[0].lstrip("#")), fields[1]
    person = await _person(update, context)
    try:
        if withdrawing:
            reason = " ".join(fields[2:])
            adoption = await closing.correct_withdrawal(
                services.db, services.rules, person, item_id, outlet, reason
            )
        else:
            today = services.rules.local_now(services.db.clock()).date()
            try:
                day = parse_day(fields[2], today)
            except ValueError:
                await message.reply_text(texts("admin.correct_usage"), parse_mode=ParseMode.HTML)
                return
            reason = " ".join(fields[3:])
            adoption = await closing.correct_adoption(
                services.db,
                services.rules,
                person,
                item_id,
                outlet_name=outlet,
                adopted_on=day,
                reason=reason,
            )
    except Refused as refused:
        await explain(update, context, refused)
        return
    await message.reply_text(
        texts(
            "admin.corrected_withdrawal" if withdrawing else "admin.corrected_adoption",
            item=adoption.item_id,
            outlet=adoption.outlet,
            points=adoption.points,
            day=adoption.adopted_on.isoformat(),
            year=adoption.adopted_on.year,
            month=adoption.adopted_on.month,
        )
    )


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
