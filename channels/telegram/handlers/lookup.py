"""Looking things up: /my, /unit, /rank, /item N, /find words, /pending."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from channels.telegram.cards import card, signoff_keyboard_for
from channels.telegram.context import Context
from channels.telegram.render import keyboard
from chat import numbers
from chat.actions import item as it
from chat.actions import revise as rv
from chat.capabilities import TELEGRAM
from chat.render import TELEGRAM_HTML
from chat.split import split_text, within
from chat.texts import Raw, Texts
from delivery.cards import editor_rows_for
from scoring.figures import UnitMonth, UnitYear, any_points
from scoring.vocab import ItemState
from storage.models import Person
from workflow import centre, reach, views, withdrawal
from workflow import periods as closing
from workflow.figures import month_report
from workflow.outcomes import Refused
from workflow.typed_dates import parse_month

from .common import (
    acknowledge,
    confirm_keyboard,
    current,
    deliver,
    explain,
    mark_decided,
    reply_stored_file,
)

FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")  # typed with a Chinese IME


async def member(update: Update, context: Context) -> Person | None:
    """The person writing, or None after telling a stranger how to join."""
    person, _ = await current(update, context)
    if person is None and update.effective_message is not None:
        await update.effective_message.reply_text(
            context.bot_data.texts("stranger"), parse_mode=ParseMode.HTML
        )
    return person


async def my_items(update: Update, context: Context) -> None:
    """/my: the person's latest items, their states and points; returned ones can be revised."""
    message, person = update.effective_message, await member(update, context)
    if message is None or person is None:
        return
    texts = context.bot_data.texts
    mine = await views.my_items(context.bot_data.db, person)
    if not mine:
        await message.reply_text(texts("my.empty"))
        return
    lines = [texts("my.head", count=len(mine))]
    buttons = []
    for view in mine:
        points = Raw(texts("my.points", points=view.points)) if view.adoptions else Raw("")
        lines.append(
            texts(
                "my.line",
                id=view.item.id,
                title=view.item.title,
                state=texts.state(view.item.state),
                points=points,
            )
        )
        row = []
        if view.item.state is ItemState.RETURNED:
            label = f"{texts('btn.revise')} #{view.item.id}"
            row.append(
                InlineKeyboardButton(label, callback_data=rv.encode(rv.Revise(view.item.id)))
            )
        if view.item.state in withdrawal.WITHDRAWABLE:
            label = f"{texts('btn.item_withdraw')} #{view.item.id}"
            row.append(
                InlineKeyboardButton(label, callback_data=it.encode(it.Withdraw(view.item.id)))
            )
        if row:
            buttons.append(row)
    await message.reply_text(
        "\n".join(lines),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


async def my_unit(update: Update, context: Context) -> None:
    """/unit: each of the person's units this month (submitted / quota, points, rank) and the year."""
    message, person = update.effective_message, await member(update, context)
    if message is None or person is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    today = services.rules.local_now(services.db.clock()).date()
    found = await views.unit_views(services.db, services.rules, person, today.year, today.month)
    if not found:
        await message.reply_text(texts("unit.none"))
        return
    for view in found:
        month, year = view.month, view.year
        if month is None or year is None:
            continue
        await message.reply_text(
            texts(
                "unit.summary",
                unit=view.unit.name,
                year=today.year,
                month=today.month,
                submitted=month.counts.submitted,
                at_centre=month.counts.at_centre,
                quota=month.counts.monthly_quota,
                quota_state=texts("unit.met" if month.quota_met else "unit.not_met"),
                adopted=month.counts.adopted_items,
                score=numbers.points(month.score),
                late=month.counts.late,
                rank=_rank(texts, month.rank, any_points(view.report.lines)),
                year_score=numbers.points(year.score),
                target=numbers.points(year.counts.annual_target),
                year_count=year.quota_count,
                year_quota=year.quota_required,
                year_rank=_rank(texts, year.rank, any_points(view.report.year_to_date)),
            ),
            parse_mode=ParseMode.HTML,
        )


async def bulletin(update: Update, context: Context) -> None:
    """/bulletin [2026-10 | 10月]: a month's bulletin again (default last month), the
    reader's unit marked; as published (with its chart, workbook and formal 通报) once the
    month is closed, else a preview that says so."""
    message, person = update.effective_message, await member(update, context)
    if message is None or person is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    today = services.rules.local_now(services.db.clock()).date()
    typed = "".join(context.args or [])
    if typed:
        named = parse_month(typed, today)
        if named is None:
            await message.reply_text(texts("bulletin.usage"))
            return
        year, month = named
    else:
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if (year, month) > (today.year, today.month):
        await message.reply_text(texts("bulletin.usage"))
        return
    report = await closing.bulletin_report(
        services.db, services.rules.policy, services.rules.zone, year, month
    )
    _, grants = await current(update, context)
    mine = next((g.unit_id for g in grants if g.unit_id is not None), None)
    parts = services.options.bulletin_parts(report, mine)
    if report.version is None:
        parts = [texts("bulletin.preview", year=year, month=month), *parts]
    for part in parts:
        await message.reply_text(part, parse_mode=ParseMode.HTML)
    if report.version is not None:
        period = f"{year}-{month:02d}"
        stored = [("photo", f"bulletin:{period}:png"), ("document", f"bulletin:{period}:xlsx")]
        if services.schedule.bulletin_document:  # the formal 通报, unless switched off
            stored.append(("document", f"bulletin:{period}:docx"))
        for kind, key in stored:
            try:
                await reply_stored_file(context, message, kind, key)
            except Refused:  # posted before files were kept: the text is the bulletin
                continue


async def ranking(update: Update, context: Context) -> None:
    """/rank: this month's and this year's ranking (top 20 of each)."""
    message, person = update.effective_message, await member(update, context)
    if message is None or person is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    today = services.rules.local_now(services.db.clock()).date()
    report = await month_report(
        services.db, services.rules.policy, services.rules.zone, today.year, today.month
    )
    lines = [texts("rank.month_head", year=today.year, month=today.month)]
    lines += _rank_lines(texts, report.lines)
    lines += ["", texts("rank.year_head", year=today.year)]
    lines += _rank_lines(texts, report.year_to_date)
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


def _rank(texts: Texts, rank: int, ranked: bool) -> str:
    """第 N 名, or "none yet" while every unit has 0 points."""
    return texts("rank.nth", rank=rank) if ranked else texts("rank.none")


def _rank_lines(texts: Texts, lines: Sequence[UnitMonth] | Sequence[UnitYear]) -> list[str]:
    """The top 20 of a ranking; one line saying so while every unit has 0 points."""
    if not any_points(lines):
        return [texts("rank.all_zero")]
    return [
        texts("rank.line", rank=ln.rank, unit=ln.counts.name, score=numbers.points(ln.score))
        for ln in lines[:20]
    ]


async def show_item(update: Update, context: Context) -> None:
    """/item N: one item with its adoptions, if the person may see it."""
    message = update.effective_message
    if message is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    args = context.args or []
    typed = args[0].strip().translate(FULLWIDTH_DIGITS) if len(args) == 1 else ""
    number = re.fullmatch(r"[#＃]?([0-9]{1,12})", typed)
    if number is None:
        await message.reply_text(texts("item.usage"))
        return
    person, _ = await current(update, context)
    try:
        view = await views.item_view(services.db, person, int(number[1]))
    except Refused as refused:
        await explain(update, context, refused)
        return
    await _show_whole(context, message, person, view)


async def item_button(update: Update, context: Context) -> None:
    """An item's own button: 📄 全文 (the item whole, as /item N shows it, if the presser
    may read it) or the author's 撤回 (shown back, then confirmed or kept)."""
    query = update.callback_query
    if query is None:
        return
    press = it.decode(query.data or "")
    if isinstance(press, it.Withdraw):
        await _withdraw(update, context, press)
        return
    person, _ = await current(update, context)
    try:
        if press is None:
            raise Refused("forged")
        view = await views.item_view(context.bot_data.db, person, press.item_id)
    except Refused as refused:
        await explain(update, context, refused)
        return
    await acknowledge(query)
    if isinstance(query.message, Message):
        await _show_whole(context, query.message, person, view)


async def _withdraw(update: Update, context: Context, press: it.Withdraw) -> None:
    """撤回: the item named and ✅ 确认 / ✖️ 取消 first; only the confirmation takes it back
    (re-checking the author and the item's state)."""
    query = update.callback_query
    assert query is not None
    services, texts = context.bot_data, context.bot_data.texts
    person, _ = await current(update, context)
    try:
        if person is None:
            raise Refused("not_allowed")
        if press.step == "no":
            await acknowledge(query, texts("confirm.kept"))
            await mark_decided(context, query.message, texts("item.withdraw_kept"))
            return
        if press.step is None:
            item = await withdrawal.check(services.db, person, press.item_id)
            await acknowledge(query)
            if query.message is not None:
                await context.bot.send_message(
                    query.message.chat.id,
                    texts("item.confirm_withdraw", item=item.id, title=item.title),
                    reply_markup=confirm_keyboard(
                        texts, it.Withdraw(item.id, "ok"), it.Withdraw(item.id, "no")
                    ),
                )
            return
        done = await withdrawal.withdraw(services.db, person, press.item_id)
    except Refused as refused:
        await explain(update, context, refused)
        return
    await acknowledge(query)
    await deliver(context, done.notices)
    await mark_decided(context, query.message, texts("item.withdrawn", item=done.item.id))


async def _show_whole(
    context: Context, message: Message, person: Person | None, view: views.ItemView
) -> None:
    """An item whole (across messages), its adoptions and credits, its files, and the actions
    open to the reader (a signer's step, an editor's desk)."""
    services, texts = context.bot_data, context.bot_data.texts
    text = str(card(texts, services.rules, view, full=True))
    if view.adoptions:
        text += "\n\n" + texts("centre.adoptions_head", total=view.points)
        for a in view.adoptions:
            text += "\n" + texts(
                "centre.adoption_line",
                outlet=a.outlet,
                level=a.level,
                points=a.points,
                day=a.adopted_on.isoformat(),
            )
    credits = await centre.section_credit_preview(services.db, services.rules, view.item.id)
    for section, points in credits.items():
        text += "\n" + texts(
            "centre.edit_credit_line", section=section, points=numbers.points(points)
        )
    # Whoever may sign its current step gets that step's buttons (re-checked on a press).
    step = await reach.signable(services.db, person, view.item.id) if person else None
    markup = (
        signoff_keyboard_for(texts, step.id, step.chain_round, step.chain_step) if step else None
    )
    if markup is None and person is not None:  # an editor gets the actions open to them
        try:
            await centre.ensure_editor(services.db, person)
        except Refused:
            pass
        else:
            rows = editor_rows_for(view.item.state, view.item.id)
            markup = keyboard(texts, rows) if rows else None
    chunks = split_message(text)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await message.reply_text(
            chunk, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
        )
    for attached in view.files:
        try:
            await reply_stored_file(context, message, attached.kind, attached.file_key)
        except Refused:  # neither bytes nor a Telegram id: nothing to show
            continue


PENDING_SHOWN = 20  # items /pending lists at once, each a message with its buttons


async def pending(update: Update, context: Context) -> None:
    """/pending (待我审签): every item waiting for this person's sign-off, each with the
    step's ✅ / ↩️ buttons, so a lost request never leaves them without a way to act."""
    message, person = update.effective_message, await member(update, context)
    if message is None or person is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    waiting = await reach.waiting_for(services.db, person)
    if not waiting:
        await message.reply_text(texts("pending.none"))
        return
    await message.reply_text(texts("pending.head", count=len(waiting)))
    today = services.rules.local_now(services.db.clock()).date()
    for entry in waiting[:PENDING_SHOWN]:
        item = entry.item
        view = views.ItemView(item, entry.unit, None, [])
        await message.reply_text(
            str(card(texts, services.rules, view, today=today)),
            parse_mode=ParseMode.HTML,
            reply_markup=signoff_keyboard_for(texts, item.id, item.chain_round, item.chain_step),
        )
    if len(waiting) > PENDING_SHOWN:
        await message.reply_text(texts("pending.more", count=len(waiting) - PENDING_SHOWN))


async def find(update: Update, context: Context) -> None:
    """/find words: items whose title contains the words."""
    message = update.effective_message
    if message is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    words = " ".join(context.args or []).strip()
    person, _ = await current(update, context)
    if not words:
        await message.reply_text(texts("find.usage"))
        return
    if person is None:
        await message.reply_text(texts("stranger"), parse_mode=ParseMode.HTML)
        return
    found = await views.search(services.db, person, words)
    if not found:
        await message.reply_text(texts("find.none", text=words[:50]))
        return
    lines = [texts("find.head", count=len(found))]
    lines += [f"#{i.id} {texts.state(i.state)} — {i.title}" for i in found]
    await message.reply_text(html.escape("\n".join(lines), quote=False))


def split_message(text: str, limit: int | None = None) -> list[str]:
    """Telegram-sized pieces of an HTML text, cut at line breaks (`chat.split`); `limit` asks
    for pieces shorter than a message holds."""
    if limit is None:
        return TELEGRAM.split(text, TELEGRAM_HTML.cut)
    return split_text(text, within(limit), TELEGRAM_HTML.cut)
