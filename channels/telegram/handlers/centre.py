"""Centre editors: the desk (/queue, paged and filtered), register (登记), edit with section
credit, archive (归档) and its undo, record and withdraw adoptions."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from channels.telegram.cards import card
from channels.telegram.context import Context
from channels.telegram.render import keyboard
from chat.actions import Button
from chat.actions import editor as ed
from chat.texts import Raw, Texts
from delivery.cards import editor_rows_for
from scoring.vocab import ItemState
from storage import units
from storage.models import Person
from workflow import centre, joining, routing
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.typed_dates import parse_month
from workflow.views import load_item_view

from .common import (
    acknowledge,
    current,
    deliver,
    explain,
    press_chat,
)

#: How an editor narrows the desk in words: 未登记 / 已登记.
DESK_STATES: dict[str, ed.DeskState] = {"未登记": "s", "待登记": "s", "已登记": "r"}


def _desk_words(words: list[str], today: date) -> tuple[ed.DeskState, int, list[str]]:
    """The state (a/s/r) and month (YYYYMM, 0: any) a /queue line names, and its other words
    (a unit's name)."""
    state: ed.DeskState = "a"
    month, rest = 0, []
    for word in words:
        named = parse_month(word, today, bare=False)  # a number alone may be part of a name
        if word in DESK_STATES:
            state = DESK_STATES[word]
        elif named is not None:
            month = named[0] * 100 + named[1]
        else:
            rest.append(word)
    return state, month, rest


async def queue(update: Update, context: Context) -> None:
    """/queue [unit] [month] [未登记|已登记]: the editors' desk, a page at a time."""
    message = update.effective_message
    person, _ = await current(update, context)
    if message is None:
        return
    services = context.bot_data
    today = services.rules.local_now(services.db.clock()).date()
    state, month, rest = _desk_words(context.args or [], today)
    unit_id = 0
    try:
        if person is None:
            raise Refused("not_editor")
        await centre.ensure_editor(services.db, person)
        if rest:
            typed = " ".join(rest)
            near = await joining.units_named(services.db, typed)
            if len(near) != 1:
                if not near:
                    raise Refused("unknown_unit", name=typed[:40])
                await message.reply_text(
                    services.texts(
                        "centre.desk_unit_many",
                        typed=typed[:40],
                        names="、".join(u.name for u in near),
                    )
                )
                return
            unit_id = near[0].id
    except Refused as refused:
        await explain(update, context, refused)
        return
    await _send_desk(context, message.chat_id, person, ed.DeskPage(0, unit_id, state, month))


async def _send_desk(context: Context, chat_id: int, person: Person, press: ed.DeskPage) -> None:
    """One page of the desk: a head with the pages and filters as buttons, then each item's
    card with the editor's buttons."""
    services, texts = context.bot_data, context.bot_data.texts
    wanted = centre.DeskFilter(
        unit_id=press.unit_id or None,
        state={"s": ItemState.SUBMITTED, "r": ItemState.REGISTERED}.get(press.state),
        month=f"{press.month // 100:04d}-{press.month % 100:02d}" if press.month else None,
        page=press.page,
    )
    page = await centre.desk(services.db, person, wanted)
    filters = await _filters_text(context, press)
    shown = replace(press, page=page.filter.page)
    rows = _desk_rows(texts, shown, page.pages)
    if not page.items:
        await context.bot.send_message(
            chat_id,
            "\n".join([texts("centre.desk_empty", filters=filters), texts("centre.desk_hint")]),
            reply_markup=rows,
        )
        return
    await context.bot.send_message(
        chat_id,
        "\n".join(
            [
                texts(
                    "centre.desk_head",
                    total=page.total,
                    filters=filters,
                    page=shown.page + 1,
                    pages=page.pages,
                ),
                texts("centre.desk_hint"),
            ]
        ),
        reply_markup=rows,
    )
    for item in page.items:
        view = await load_item_view(services.db, item.id)
        await context.bot.send_message(
            chat_id,
            card(texts, services.rules, view),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(texts, editor_rows_for(item.state, item.id)),
        )
    if page.pages > 1:  # the pages again below the last card, where the eye is
        await context.bot.send_message(
            chat_id,
            texts(
                "centre.desk_head",
                total=page.total,
                filters=filters,
                page=shown.page + 1,
                pages=page.pages,
            ),
            reply_markup=_desk_rows(texts, shown, page.pages, filters_too=False),
        )


async def _filters_text(context: Context, press: ed.DeskPage) -> Raw:
    """The desk's filters in words (empty: none)."""
    texts, parts = context.bot_data.texts, []
    if press.unit_id:
        async with context.bot_data.db.reading() as tx:
            unit = await units.get_unit(tx, press.unit_id)
        parts.append(texts("centre.desk_filter_unit", unit=unit.name if unit else "?"))
    if press.month:
        parts.append(
            texts("centre.desk_filter_month", month=f"{press.month // 100}-{press.month % 100:02d}")
        )
    if press.state in ("s", "r"):
        parts.append(
            texts(
                "centre.desk_filter_new" if press.state == "s" else "centre.desk_filter_registered"
            )
        )
    return Raw("".join(parts))


def _desk_rows(
    texts: Texts, press: ed.DeskPage, pages: int, *, filters_too: bool = True
) -> InlineKeyboardMarkup:
    """Previous / next page, and the state filter (the chosen one marked)."""
    nav = []
    if press.page > 0:
        nav.append(Button("btn.page_prev", replace(press, page=press.page - 1)))
    if press.page + 1 < pages:
        nav.append(Button("btn.page_next", replace(press, page=press.page + 1)))
    rows: list[tuple[Button, ...]] = [tuple(nav)] if nav else []
    if filters_too:
        states: tuple[tuple[ed.DeskState, str], ...] = (
            ("a", "btn.desk_all"),
            ("s", "btn.desk_new"),
            ("r", "btn.desk_registered"),
        )
        rows.append(
            tuple(
                Button(label, replace(press, page=0, state=state))
                for state, label in states
                if state != press.state
            )
        )
    return keyboard(texts, tuple(rows))


def _outlet_keyboard(context: Context, item_id: int) -> InlineKeyboardMarkup:
    """One button per configured outlet, with its level and points."""
    rules, texts = context.bot_data.rules, context.bot_data.texts
    rows = []
    for index, outlet in enumerate(rules.outlets.values()):
        label = texts(
            "centre.outlet_button",
            name=outlet.name,
            level=outlet.level,
            points=rules.policy.points_for_level(outlet.level),
        )
        data = ed.encode(ed.Outlet(item_id, index))
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    return InlineKeyboardMarkup(rows)


async def on_button(update: Update, context: Context) -> None:
    """The editor's buttons; every tap re-checks the editor's role and the item's state."""
    query = update.callback_query
    if query is None:
        return
    press = ed.decode(query.data or "")
    if isinstance(press, ed.RouteToggle):
        await on_route(update, context)
        return
    if press is None:
        await explain(update, context, Refused("forged"))
        return
    action: str
    if isinstance(press, ed.ItemAction):
        action, number = press.verb, press.item_id
    elif isinstance(press, ed.AdoptionAction):
        action, number = press.verb, press.adoption_id
    elif isinstance(press, ed.DeskPage):
        action, number = "desk", 0
    else:
        action, number = "out", press.item_id
    person, _ = await current(update, context)
    services, texts, rules = context.bot_data, context.bot_data.texts, context.bot_data.rules
    chat_id = press_chat(query, person)
    try:
        if person is None:
            raise Refused("not_editor")
        if isinstance(press, ed.DeskPage):
            await centre.ensure_editor(services.db, person)  # rights before the page
            await acknowledge(query)
            if chat_id is not None:
                await _send_desk(context, chat_id, person, press)
        elif action == "arc":
            await centre.archive(services.db, person, number)
            await acknowledge(query)
            await deliver(context, [])
            if chat_id is not None:
                await context.bot.send_message(
                    chat_id,
                    texts("centre.archived", item=number),
                    reply_markup=keyboard(texts, editor_rows_for(ItemState.ARCHIVED, number)),
                )
        elif action == "unarc":
            item = await centre.unarchive(services.db, person, number)
            await acknowledge(query)
            await deliver(context, [])
            if chat_id is not None:
                await context.bot.send_message(
                    chat_id,
                    texts("centre.unarchived", item=number),
                    reply_markup=keyboard(texts, editor_rows_for(item.state, number)),
                )
        elif action == "reg":
            item = await centre.register(services.db, person, number)
            await deliver(context, [])
            await acknowledge(query, texts("centre.registered", item=item.id))
            if chat_id is not None:  # 第六条: where it belongs, for the editor to confirm
                await send_routes(context, chat_id, person, item.id)
        elif action == "route":
            view = await routing.view(services.db, rules, person, number)  # rights first
            await acknowledge(query)
            if chat_id is not None:
                await send_routes(context, chat_id, person, number, view)
        elif action == "adopt":
            await centre.adoptable(services.db, person, number)
            await acknowledge(query)
            today = rules.local_now(services.db.clock()).date()
            if chat_id is not None:
                await context.bot.send_message(
                    chat_id,
                    texts("centre.choose_outlet", item=number, today=today.isoformat()),
                    reply_markup=_outlet_keyboard(context, number),
                )
        elif action == "out":
            names = list(rules.outlets)
            index = press.index if isinstance(press, ed.Outlet) else -1
            if not 0 <= index < len(names):
                raise Refused("forged")
            today = rules.local_now(services.db.clock()).date()
            adopted = await centre.adopt(
                services.db, rules, person, number, outlet_name=names[index], adopted_on=today
            )
            await acknowledge(query)
            a = adopted.adoption
            if chat_id is not None:
                await context.bot.send_message(
                    chat_id,
                    texts(
                        "centre.adopted",
                        outlet=a.outlet,
                        item=number,
                        level=a.level,
                        points=a.points,
                        total=adopted.item_points,
                    ),
                    reply_markup=adoption_keyboard(context, a.id),
                )
            await deliver(context, adopted.notices)
        elif action in ("wdok", "wdno"):  # the engine takes one held: nothing is
            await centre.ensure_editor(services.db, person)  # the editor role first
            minutes = int(rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        elif action == "edok":  # the engine takes it while an edit waits for its parts
            raise Refused("edit_passed")
        else:
            raise Refused("forged")  # wd, edit, day, ref: the engine's, taken before this
    except Refused as refused:
        await explain(update, context, refused)


def route_keyboard(
    texts: Texts, rules: CentreRules, item_id: int, mask: int
) -> InlineKeyboardMarkup:
    """One toggle per configured outlet (✅ chosen, ⬜ not) and 确认去向; the choice so far
    travels in the buttons as a bit mask, so nothing is stored until confirmed."""
    rows = []
    for index, name in enumerate(rules.outlets):
        key = "btn.route_on" if mask >> index & 1 else "btn.route_off"
        data = ed.encode(ed.RouteToggle(item_id, mask, index))
        rows.append([InlineKeyboardButton(texts(key, outlet=name), callback_data=data)])
    rows.append(
        [
            InlineKeyboardButton(
                texts("btn.route_confirm"),
                callback_data=ed.encode(ed.RouteToggle(item_id, mask, None)),
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def route_text(texts: Texts, rules: CentreRules, view: routing.RouteView) -> str:
    """The routing suggestion: which hints fit and why, and the routes chosen so far."""
    lines = [texts("route.head", item=view.item.id, title=view.item.title)]
    for match in view.suggestion.matches:
        reasons = []
        if match.by_category:
            reasons.append(texts("route.by_category"))
        if match.markers:
            reasons.append(texts("route.by_markers", markers="、".join(match.markers)))
        lines.append(
            texts(
                "route.hint",
                label=match.label,
                why="；".join(reasons),
                outlets="、".join(match.outlets),
            )
        )
    if not view.suggestion.matches:
        lines.append(texts("route.no_hint"))
    if view.stored:
        lines.append(texts("route.stored", outlets="、".join(view.stored)))
    lines.append(
        texts(
            "route.howto",
            website=rules.publishing.website_outlet,
            brief=rules.publishing.brief_outlet,
        )
    )
    return "\n".join(lines)


async def send_routes(
    context: Context,
    chat_id: int,
    person: Person,
    item_id: int,
    view: routing.RouteView | None = None,
) -> None:
    """Shows the routing suggestion with the suggested (or stored) outlets pre-checked."""
    services, texts, rules = context.bot_data, context.bot_data.texts, context.bot_data.rules
    if view is None:
        view = await routing.view(services.db, rules, person, item_id)
    mask = routing.mask_of(view.outlets, view.initial)
    await context.bot.send_message(
        chat_id,
        route_text(texts, rules, view),
        reply_markup=route_keyboard(texts, rules, item_id, mask),
    )


async def on_route(update: Update, context: Context) -> None:
    """A routing toggle (only the buttons change) or 确认去向 (the routes are stored; the
    website outlet starts website news); rights and the item are re-checked at every press."""
    query = update.callback_query
    if query is None:
        return
    services, texts, rules = context.bot_data, context.bot_data.texts, context.bot_data.rules
    press = ed.decode(query.data or "")
    person, _ = await current(update, context)
    try:
        if not isinstance(press, ed.RouteToggle):
            raise Refused("forged")
        if person is None:
            raise Refused("not_editor")
        item_id, mask = press.item_id, press.mask
        outlets = tuple(rules.outlets)
        chosen = routing.chosen_of(outlets, mask)
        if press.index is not None:
            index = press.index
            if index >= len(outlets):
                raise Refused("forged")
            await routing.view(services.db, rules, person, item_id)  # editor, item exist
            await acknowledge(query)
            with contextlib.suppress(BadRequest, Forbidden):  # unchanged, or chat gone
                await query.edit_message_reply_markup(
                    route_keyboard(texts, rules, item_id, mask ^ (1 << index))
                )
            return
        routed = await routing.confirm(services.db, rules, person, item_id, chosen)
    except Refused as refused:
        await explain(update, context, refused)
        return
    shown = "、".join(routed.chosen) or texts("route.nowhere")
    await acknowledge(query, texts("route.confirmed_alert"))
    message = query.message
    if isinstance(message, Message) and message.text is not None:
        with contextlib.suppress(BadRequest, Forbidden):
            await context.bot.edit_message_text(
                message.text_html + "\n\n" + texts("route.confirmed", outlets=shown),
                chat_id=message.chat.id,
                message_id=message.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            )
    chat_id = message.chat.id if message is not None else query.from_user.id
    if chat_id is not None:
        notes = []
        if rules.publishing.brief_outlet in routed.added:
            notes.append(texts("route.brief_candidate", brief=rules.publishing.brief_outlet))
        if routed.started is not None:
            key = "route.web_started" if routed.started.leaders else "route.web_no_leader"
            notes.append(texts(key, news=routed.started.news.id, leaders=routed.started.leaders))
        if routed.stopped is not None:
            notes.append(texts("route.web_stopped", news=routed.stopped.id))
        others = [
            o
            for o in routed.added
            if o not in (rules.publishing.brief_outlet, rules.publishing.website_outlet)
        ]
        if others:
            notes.append(texts("route.report_by_hand", outlets="、".join(others)))
        if notes:
            await context.bot.send_message(chat_id, "\n".join(notes))
    await deliver(context, routed.notices)


def adoption_keyboard(context: Context, adoption_id: int) -> InlineKeyboardMarkup:
    """Follow-ups of a recorded adoption: change its date, add the issue / URL, withdraw it."""
    return keyboard(
        context.bot_data.texts,
        (
            (
                Button("btn.adoption_day", ed.AdoptionAction("day", adoption_id)),
                Button("btn.adoption_ref", ed.AdoptionAction("ref", adoption_id)),
            ),
            (Button("btn.withdraw", ed.AdoptionAction("wd", adoption_id)),),
        ),
    )
