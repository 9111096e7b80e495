"""《工作简报》 in chat: /brief (the editor's persisted drafting conversation), the review and
signing buttons with a typed return reason, and /briefs (issues, and their documents again).

Callback data: `bf:d:<issue>:<action>[:<item>]` drafting menu, `bf:open:<issue>` reopen a
draft or returned issue, `bf:<a|r>:<issue>:<round>:<rv|sg>` review / sign decisions,
`bf:get:<issue>` an issued document again.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.documents import offload
from bot.texts import Raw, Texts
from channels.telegram.context import Context
from chat.actions import briefs as bf
from scoring.vocab import Role
from storage.models import Person
from workflow import briefs
from workflow.briefs import BriefContent, BriefView
from workflow.outcomes import Refused
from workflow.submission import parse_event_date

from . import waits
from .common import (
    acknowledge,
    confirm_keyboard,
    current,
    deliver,
    drop_buttons,
    explain,
    mark_decided,
)
from .lookup import split_message

MENU, ADD, HEADING, BODY, DATE = range(5)
REASON = 10
WAITS = {"add": ADD, "heading": HEADING, "body": BODY, "date": DATE}
DRAFT = "brief"  # user_data: {"id": issue, "wait": None | add | heading | body | date, "item": n}
RETURNING = "brief_return"  # user_data: the decision waiting for its typed reason
ENDING = {"brief_not_editable", "brief_unknown", "not_editor"}  # refusals that close the draft
BODY_SHOWN = 3000  # of the current text shown before asking for a new one


def _draft(context: Context) -> dict[str, Any]:
    """The user's drafting state (JSON-friendly, kept by the persistence across restarts)."""
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def _forget(context: Context) -> None:
    """Drops the drafting state (the issue itself stays in the ledger)."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def _state(context: Context) -> int:
    """The conversation state the drafting state stands for."""
    wait = _draft(context).get("wait")
    return WAITS.get(str(wait), MENU)


async def _say(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Sends a message to the chat of the update."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def _state_name(texts: Texts, state: str) -> str:
    """An issue state's name."""
    return texts(f"brief.state.{state}")


def menu_text(texts: Texts, view: BriefView, title: str) -> str:
    """The draft as the editor sees it: number, date, state, return reason, entries."""
    brief = view.brief
    returned = Raw("")
    if brief.state == "returned" and brief.return_reason:
        by = next((d for d in reversed(view.decisions) if not d.approve), None)
        returned = Raw(
            texts(
                "brief.menu_returned",
                reason=brief.return_reason,
                by=view.names.get(by.decided_by, "") if by else "",
            )
        )
    if view.entries:
        lines = "\n".join(
            texts(
                "brief.menu_entry",
                n=n,
                heading=e.entry.heading,
                unit=e.unit,
                item=e.item.id,
            )
            for n, e in enumerate(view.entries, 1)
        )
        entries = Raw(texts("brief.menu_entries", count=len(view.entries), lines=Raw(lines)))
    else:
        entries = Raw(texts("brief.menu_empty"))
    return texts(
        "brief.menu",
        title=title,
        year=brief.year,
        number=brief.number,
        state=_state_name(texts, brief.state),
        date=brief.issue_date.isoformat(),
        returned=returned,
        entries=entries,
    )


def menu_keyboard(texts: Texts, view: BriefView) -> InlineKeyboardMarkup:
    """Per entry: heading, text, up, down, remove; then add, date, preview, send, save, cancel."""
    b = view.brief.id

    def button(
        key: str, verb: bf.DraftVerb | bf.EntryVerb, item: int | None = None, **params: Any
    ) -> InlineKeyboardButton:
        data = bf.encode(bf.DraftMenu(b, verb, item))
        return InlineKeyboardButton(texts(key, **params), callback_data=data)

    rows = []
    for n, e in enumerate(view.entries, 1):
        item = e.item.id
        rows.append(
            [
                button("btn.brief_heading", "h", item, n=n),
                button("btn.brief_body", "b", item, n=n),
                button("btn.brief_up", "up", item, n=n),
                button("btn.brief_down", "dn", item, n=n),
                button("btn.brief_remove", "rm", item, n=n),
            ]
        )
    rows.append([button("btn.brief_add", "add"), button("btn.brief_date", "date")])
    rows.append([button("btn.brief_view", "view"), button("btn.brief_send", "send")])
    rows.append([button("btn.brief_close", "close"), button("btn.brief_drop", "drop")])
    return InlineKeyboardMarkup(rows)


async def _show_menu(update: Update, context: Context, view: BriefView) -> int:
    """Sends the draft with its buttons; the conversation waits on the buttons."""
    texts = context.bot_data.texts
    draft = _draft(context)
    draft.update({"id": view.brief.id, "wait": None, "item": None})
    title = context.bot_data.rules.publishing.brief_title
    await _say(update, menu_text(texts, view, title), menu_keyboard(texts, view))
    return MENU


async def _reload(update: Update, context: Context, brief_id: int) -> int:
    """The draft again, as it stands now."""
    person, _ = await current(update, context)
    if person is None:
        raise Refused("not_editor")
    view = await briefs.open_brief(context.bot_data.db, person, brief_id)
    return await _show_menu(update, context, view)


async def start(update: Update, context: Context) -> int:
    """/brief: the editor's issue in progress, or a new one numbered and dated today."""
    person, _ = await current(update, context)
    services = context.bot_data
    try:
        if person is None:
            raise Refused("not_editor")
        view = await briefs.open_draft(services.db, services.rules, person)
    except Refused as refused:
        await explain(update, context, refused)
        return ConversationHandler.END
    return await _show_menu(update, context, view)


async def open_button(update: Update, context: Context) -> int:
    """bf:open:<issue>: reopens a draft or returned issue (from a return notice or /briefs)."""
    query = update.callback_query
    assert query is not None
    press = bf.decode(query.data or "")
    person, _ = await current(update, context)
    try:
        if not isinstance(press, bf.OpenBrief):
            raise Refused("forged")
        if person is None:
            raise Refused("not_editor")
        view = await briefs.open_brief(context.bot_data.db, person, press.brief_id)
    except Refused as refused:
        await explain(update, context, refused)
        return ConversationHandler.END
    await acknowledge(query)
    return await _show_menu(update, context, view)


async def menu_button(update: Update, context: Context) -> int:
    """A button of the drafting menu; every press re-checks the editor and the issue's state."""
    query = update.callback_query
    assert query is not None
    press = bf.decode(query.data or "")
    person, _ = await current(update, context)
    try:
        if not isinstance(press, bf.DraftMenu):
            raise Refused("forged")
        if person is None:
            raise Refused("not_editor")
        brief_id, action, item_id = press.brief_id, press.verb, press.item_id
        draft = _draft(context)
        draft.update({"id": brief_id, "wait": None, "item": None})
        return await _menu_action(update, context, person, brief_id, action, item_id)
    except Refused as refused:
        await explain(update, context, refused)
        if refused.key in ENDING:
            _forget(context)
            return ConversationHandler.END
        return _state(context)


async def _menu_action(
    update: Update,
    context: Context,
    person: Person,
    brief_id: int,
    action: str,
    item_id: int | None,
) -> int:
    """Carries out one menu action; returns the state to wait in."""
    query = update.callback_query
    assert query is not None
    services, texts = context.bot_data, context.bot_data.texts
    db, rules = services.db, services.rules
    draft = _draft(context)
    if action == "menu":
        await acknowledge(query)
        await drop_buttons(query)
        return await _reload(update, context, brief_id)
    if action == "add":
        found = await briefs.candidates(db, rules, person, brief_id)
        await acknowledge(query)
        lines = [texts("brief.candidates_head")] if found else [texts("brief.candidates_none")]
        lines += [
            texts(
                "brief.candidate",
                star="★ " if c.routed else "",
                item=c.item.id,
                title=c.item.title,
                unit=c.unit,
            )
            for c in found
        ]
        for piece in split_message("\n".join(lines)):
            await _say(update, piece)
        await _say(update, texts("brief.ask_numbers"))
        draft["wait"] = "add"
        return ADD
    if action == "date":
        view = await briefs.open_brief(db, person, brief_id)
        await acknowledge(query)
        await _say(update, texts("brief.ask_date", date=view.brief.issue_date.isoformat()))
        draft["wait"] = "date"
        return DATE
    if action in {"h", "b"}:
        assert item_id is not None
        view = await briefs.open_brief(db, person, brief_id)
        n, entry = next(
            ((n, e.entry) for n, e in enumerate(view.entries, 1) if e.item.id == item_id),
            (0, None),
        )
        if entry is None:
            raise Refused("brief_entry_unknown", item=item_id)
        await acknowledge(query)
        if action == "h":
            await _say(update, texts("brief.ask_heading", n=n, heading=entry.heading))
        else:
            shown = entry.body if len(entry.body) <= BODY_SHOWN else entry.body[:BODY_SHOWN] + "…"
            await _say(update, texts("brief.ask_body", n=n, body=shown))
        draft.update({"wait": "heading" if action == "h" else "body", "item": item_id})
        return HEADING if action == "h" else BODY
    if action in {"up", "dn"}:
        assert item_id is not None
        moved = await briefs.move(db, person, brief_id, item_id, -1 if action == "up" else 1)
        await acknowledge(query, texts("brief.moved" if moved else "brief.cant_move"))
        if not moved:
            return MENU
        await drop_buttons(query)
        return await _reload(update, context, brief_id)
    if action == "rm":
        assert item_id is not None
        removed = await briefs.remove(db, person, brief_id, item_id)
        await acknowledge(
            query, texts("brief.removed" if removed else "brief.not_in", item=item_id)
        )
        await drop_buttons(query)
        return await _reload(update, context, brief_id)
    if action == "view":
        view = await briefs.open_brief(db, person, brief_id)
        await acknowledge(query)
        await _preview(update, context, view)
        return await _show_menu(update, context, view)
    if action == "send":
        sent = await briefs.send_for_review(db, rules, person, brief_id)
        await acknowledge(query)
        await drop_buttons(query)
        await _say(update, texts("brief.sent", number=sent.brief.number))
        _forget(context)
        await deliver(context, sent.notices)
        return ConversationHandler.END
    if action == "drop":
        view = await briefs.open_brief(db, person, brief_id)
        await acknowledge(query)
        b = view.brief.id
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        texts("btn.brief_drop_ok"),
                        callback_data=bf.encode(bf.DraftMenu(b, "dropok")),
                    ),
                    InlineKeyboardButton(
                        texts("btn.brief_back"), callback_data=bf.encode(bf.DraftMenu(b, "menu"))
                    ),
                ]
            ]
        )
        await _say(update, texts("brief.ask_drop", number=view.brief.number), keyboard)
        return MENU
    if action == "dropok":
        dropped = await briefs.discard(db, person, brief_id)
        await acknowledge(query)
        await drop_buttons(query)
        await _say(update, texts("brief.dropped", number=dropped.number))
        _forget(context)
        return ConversationHandler.END
    # close: the draft stays in the ledger
    await briefs.open_brief(db, person, brief_id)
    await acknowledge(query)
    await drop_buttons(query)
    await _say(update, texts("brief.closed"))
    _forget(context)
    return ConversationHandler.END


async def _preview(update: Update, context: Context, view: BriefView) -> None:
    """Every entry's heading and full text, as it will be printed."""
    texts = context.bot_data.texts
    title = context.bot_data.rules.publishing.brief_title
    parts = [
        texts(
            "brief.preview_head",
            title=title,
            year=view.brief.year,
            number=view.brief.number,
            date=view.brief.issue_date.isoformat(),
        )
    ]
    parts += [
        texts("brief.preview_entry", n=n, heading=e.entry.heading, body=e.entry.body)
        for n, e in enumerate(view.entries, 1)
    ]
    for piece in split_message("\n\n".join(parts)):
        await _say(update, piece)


async def _typed(update: Update, context: Context) -> tuple[Person, int, str] | None:
    """The person, the draft's issue and the typed text; None (after saying why) if not usable."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    person, _ = await current(update, context)
    draft = _draft(context)
    if person is None or not draft.get("id"):
        await _say(update, context.bot_data.texts("brief.closed"))
        return None
    return person, int(draft["id"]), message.text


async def got_numbers(update: Update, context: Context) -> int:
    """Typed item numbers: added in that order; a bad list is explained and asked again."""
    typed = await _typed(update, context)
    if typed is None:
        return ConversationHandler.END
    person, brief_id, text = typed
    services, texts = context.bot_data, context.bot_data.texts
    try:
        numbers = briefs.parse_numbers(text)
        added, skipped = await briefs.add_items(
            services.db, services.rules, person, brief_id, numbers
        )
    except Refused as refused:
        await explain(update, context, refused)
        if refused.key in ENDING:
            _forget(context)
            return ConversationHandler.END
        return ADD
    if skipped:
        await _say(
            update,
            texts(
                "brief.added_skipped",
                added=len(added),
                skipped="、".join(f"#{n}" for n in skipped),
            ),
        )
    else:
        await _say(update, texts("brief.added", added=len(added)))
    return await _after_input(update, context, brief_id)


async def _after_input(update: Update, context: Context, brief_id: int) -> int:
    """Back to the menu after a typed answer (or the end, if the issue moved on meanwhile)."""
    try:
        return await _reload(update, context, brief_id)
    except Refused as refused:
        await explain(update, context, refused)
        _forget(context)
        return ConversationHandler.END


async def got_heading(update: Update, context: Context) -> int:
    """The typed heading of the entry being edited."""
    return await _got_text(update, context, "heading")


async def got_body(update: Update, context: Context) -> int:
    """The typed body of the entry being edited."""
    return await _got_text(update, context, "body")


async def _got_text(update: Update, context: Context, field: str) -> int:
    """Applies a typed heading or body; a refused text (too long, empty) is asked again."""
    typed = await _typed(update, context)
    if typed is None:
        return ConversationHandler.END
    person, brief_id, text = typed
    services, texts = context.bot_data, context.bot_data.texts
    item_id = int(_draft(context).get("item") or 0)
    try:
        changed = await briefs.edit_entry(
            services.db, services.rules, person, brief_id, item_id, **{field: text}
        )
    except Refused as refused:
        await explain(update, context, refused)
        if refused.key in ENDING or refused.key == "brief_entry_unknown":
            return await _after_input(update, context, brief_id)
        return HEADING if field == "heading" else BODY
    view = await briefs.open_brief(services.db, person, brief_id)
    n = next((n for n, e in enumerate(view.entries, 1) if e.item.id == item_id), 0)
    await _say(update, texts("brief.edited" if changed else "brief.unchanged", n=n))
    return await _show_menu(update, context, view)


async def got_date(update: Update, context: Context) -> int:
    """The typed issue date (not in the future)."""
    typed = await _typed(update, context)
    if typed is None:
        return ConversationHandler.END
    person, brief_id, text = typed
    services, texts = context.bot_data, context.bot_data.texts
    try:
        today = services.rules.local_now(services.db.clock()).date()
        day = parse_event_date(text, today)
        brief = await briefs.set_date(services.db, services.rules, person, brief_id, day)
    except Refused as refused:
        await explain(update, context, refused)
        if refused.key in ENDING:
            _forget(context)
            return ConversationHandler.END
        return DATE
    await _say(
        update,
        texts(
            "brief.date_set",
            date=brief.issue_date.isoformat(),
            year=brief.year,
            number=brief.number,
        ),
    )
    return await _after_input(update, context, brief_id)


async def want_text(update: Update, context: Context) -> int:
    """A photo or sticker where text was asked for."""
    await _say(update, context.bot_data.texts("brief.want_text"))
    return _state(context)


async def use_buttons(update: Update, context: Context) -> int:
    """Text while the menu waits on its buttons."""
    await _say(update, context.bot_data.texts("brief.use_buttons"))
    return MENU


async def cancel(update: Update, context: Context) -> int:
    """/cancel: leaves a typed question for the menu; at the menu, saves and leaves."""
    texts = context.bot_data.texts
    draft = _draft(context)
    if draft.get("wait") and draft.get("id"):
        await _say(update, texts("brief.input_cancelled"))
        return await _after_input(update, context, int(draft["id"]))
    _forget(context)
    await _say(update, texts("brief.closed"))
    return ConversationHandler.END


def drafting() -> ConversationHandler[Context]:
    """The persisted /brief conversation (menu buttons also re-enter it after it ended)."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, Context, Any]]] = {
        MENU: [MessageHandler(other, use_buttons)],
        ADD: [MessageHandler(text, got_numbers), MessageHandler(other, want_text)],
        HEADING: [MessageHandler(text, got_heading), MessageHandler(other, want_text)],
        BODY: [MessageHandler(text, got_body), MessageHandler(other, want_text)],
        DATE: [MessageHandler(text, got_date), MessageHandler(other, want_text)],
    }
    with warnings.catch_warnings():
        # Deliberate: one draft per user, so its buttons work on whichever message they sit.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("brief", start, filters=filters.ChatType.PRIVATE),
                CallbackQueryHandler(open_button, pattern=bf.OPEN_PATTERN),
                CallbackQueryHandler(menu_button, pattern=bf.MENU_PATTERN),
            ],
            states=states,
            fallbacks=[CommandHandler("cancel", cancel)],
            name="brief",
            persistent=True,
            allow_reentry=True,
        )


# --- review and signing ---------------------------------------------------------------------


def caption_for(texts: Texts) -> Callable[[BriefContent], str]:
    """The caption of an issued document, from its content."""

    def caption(content: BriefContent) -> str:
        return texts(
            "brief.caption",
            title=content.title,
            year=content.year,
            number=content.number,
            body=content.issuing_body,
            date=briefs.chinese_date(content.issue_date),
        )

    return caption


async def render_issue(content: BriefContent) -> bytes:
    """The issue's .docx, made in a child process (python-docx stays out of the bot)."""
    return await offload.render("bot.documents.briefdoc:render", content)


async def decision_button(update: Update, context: Context) -> int:
    """审核通过 / 签发 act at once; 退回 checks the step is open, then asks for the reason."""
    query = update.callback_query
    assert query is not None
    press = bf.decode(query.data or "")
    person, _ = await current(update, context)
    services, texts = context.bot_data, context.bot_data.texts
    try:
        if not isinstance(press, bf.Decide):
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        brief_id, round_, step = press.brief_id, press.round, press.step
        if press.decision == "r":
            view = await briefs.check_open(
                services.db, person, brief_id=brief_id, round_=round_, step=step
            )
            assert context.user_data is not None
            context.user_data[RETURNING] = {
                "id": brief_id,
                "round": round_,
                "step": step,
                "number": view.brief.number,
                "chat": query.message.chat.id if query.message else None,
                "message": query.message.message_id if query.message else None,
            }
            await acknowledge(query)
            await _say(update, texts("brief.ask_reason", number=view.brief.number))
            return REASON
        if step == briefs.REVIEW:
            decided = await briefs.approve_review(
                services.db, person, brief_id=brief_id, round_=round_
            )
            done, mark = texts("brief.done_reviewed"), "brief.marked_approved"
        else:
            decided = await briefs.issue(
                services.db,
                services.rules,
                person,
                brief_id=brief_id,
                round_=round_,
                render=render_issue,
                caption=caption_for(texts),
            )
            done = texts("brief.done_issued", number=decided.brief.number)
            mark = "brief.marked_issued"
    except Refused as refused:
        await explain(update, context, refused)
        return ConversationHandler.END
    await acknowledge(query, done)
    await mark_decided(context, query.message, texts(mark, by=person.name))
    await deliver(context, decided.notices)
    return ConversationHandler.END


async def got_reason(update: Update, context: Context) -> int:
    """The typed reason of a return, shown back with ✅ 确认 / ✖️ 取消: only the confirm sends
    the issue back to its editor."""
    message = update.effective_message
    if message is None or context.user_data is None:
        return ConversationHandler.END
    services, texts = context.bot_data, context.bot_data.texts
    pending = context.user_data.get(RETURNING)
    person, _ = await current(update, context)
    if not pending or person is None:
        return ConversationHandler.END
    brief_id, round_, step = int(pending["id"]), int(pending["round"]), str(pending["step"])
    try:
        reason = briefs.check_return_reason(message.text or "")
    except Refused as refused:
        await explain(update, context, refused)  # the question stays: type it again
        return REASON
    try:
        await briefs.check_open(services.db, person, brief_id=brief_id, round_=round_, step=step)
    except Refused as refused:
        context.user_data.pop(RETURNING, None)
        await explain(update, context, refused)
        return ConversationHandler.END
    context.user_data.pop(RETURNING, None)
    waits.hold(
        context,
        "brief_return",
        id=brief_id,
        round=round_,
        step=step,
        reason=reason,
        chat=pending.get("chat"),
        message=pending.get("message"),
    )
    shown = cast(bf.Step, step)  # as the decision's press carried it
    await _say(
        update,
        texts("brief.confirm_return", number=pending.get("number", ""), reason=reason),
        confirm_keyboard(
            texts,
            bf.ConfirmReturn(brief_id, round_, shown, True),
            bf.ConfirmReturn(brief_id, round_, shown, False),
        ),
    )
    return ConversationHandler.END


async def confirm_button(update: Update, context: Context) -> int:
    """✅ 确认 returns the issue with the reason shown (re-checking the person and the step);
    ✖️ 取消 leaves everything as it was."""
    query = update.callback_query
    assert query is not None
    services, texts = context.bot_data, context.bot_data.texts
    press = bf.decode(query.data or "")
    person, _ = await current(update, context)
    try:
        if not isinstance(press, bf.ConfirmReturn):
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        brief_id, round_, step = press.brief_id, press.round, press.step
        pending = waits.held(context, "brief_return", id=brief_id, round=round_, step=step)
        if pending is None:
            raise Refused("confirm_stale", minutes=waits.minutes(context))
        if not press.confirmed:
            waits.release(context)
            await acknowledge(query, texts("confirm.kept"))
            await mark_decided(context, query.message, texts("brief.return_kept"))
            return ConversationHandler.END
        try:
            decided = await briefs.return_issue(
                services.db,
                person,
                brief_id=brief_id,
                round_=round_,
                step=step,
                reason=str(pending["reason"]),
            )
        except Refused:
            waits.release(context)  # decided meanwhile, or no longer theirs
            raise
    except Refused as refused:
        await explain(update, context, refused)
        return ConversationHandler.END
    waits.release(context)
    reason = decided.brief.return_reason or ""
    await acknowledge(query, texts("brief.done_returned", number=decided.brief.number))
    await mark_decided(
        context, query.message, texts("brief.marked_returned", by=person.name, reason=reason)
    )
    if pending.get("chat") and pending.get("message"):
        with contextlib.suppress(BadRequest, Forbidden):
            await context.bot.edit_message_reply_markup(
                pending["chat"], pending["message"], reply_markup=None
            )
    await deliver(context, decided.notices)
    return ConversationHandler.END


async def want_reason(update: Update, context: Context) -> int:
    """Not text where the reason was asked for."""
    await _say(update, context.bot_data.texts("brief.reason_empty"))
    return REASON


async def cancel_reason(update: Update, context: Context) -> int:
    """/cancel while a return reason is asked: nothing is decided."""
    if context.user_data is not None:
        context.user_data.pop(RETURNING, None)
    await _say(update, context.bot_data.texts("brief.reason_cancelled"))
    return ConversationHandler.END


def reviewing() -> ConversationHandler[Context]:
    """The decision buttons, and the return reason they may ask for (persisted)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CallbackQueryHandler(decision_button, pattern=bf.DECISION_PATTERN),
                CallbackQueryHandler(confirm_button, pattern=bf.CONFIRM_PATTERN),
            ],
            states={
                REASON: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, got_reason),
                    MessageHandler(~filters.COMMAND, want_reason),
                ]
            },
            fallbacks=[CommandHandler("cancel", cancel_reason)],
            name="brief_review",
            persistent=True,
            allow_reentry=True,
        )


# --- listing and fetching -------------------------------------------------------------------


async def list_issues(update: Update, context: Context) -> None:
    """/briefs: the newest issues with their states; issued ones can be fetched again, drafts
    and returned ones reopened by editors."""
    message = update.effective_message
    if message is None:
        return
    person, grants = await current(update, context)
    services, texts = context.bot_data, context.bot_data.texts
    try:
        if person is None:
            raise Refused("brief_not_allowed")
        found = await briefs.list_briefs(services.db, person)
    except Refused as refused:
        await explain(update, context, refused)
        return
    if not found:
        await message.reply_text(texts("brief.list_empty"))
        return
    editor = any(g.role is Role.EDITOR for g in grants)
    lines = [texts("brief.list_head")]
    rows = []
    for brief in found:
        lines.append(
            texts(
                "brief.list_line",
                year=brief.year,
                number=brief.number,
                date=brief.issue_date.isoformat(),
                state=_state_name(texts, brief.state),
            )
        )
        if brief.state == "issued":
            label = texts("btn.brief_get", number=brief.number)
            rows.append(
                [InlineKeyboardButton(label, callback_data=bf.encode(bf.GetBrief(brief.id)))]
            )
        elif editor and brief.state in {"draft", "returned"}:
            label = texts("btn.brief_open", number=brief.number)
            rows.append(
                [InlineKeyboardButton(label, callback_data=bf.encode(bf.OpenBrief(brief.id)))]
            )
    await message.reply_text(
        "\n".join(lines),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(rows[:50]) if rows else None,
    )


async def get_button(update: Update, context: Context) -> None:
    """bf:get:<issue>: the issued document, sent again to whoever may read it."""
    query = update.callback_query
    if query is None:
        return
    press = bf.decode(query.data or "")
    person, _ = await current(update, context)
    services, texts = context.bot_data, context.bot_data.texts
    try:
        if not isinstance(press, bf.GetBrief):
            raise Refused("forged")
        if person is None:
            raise Refused("brief_not_allowed")
        brief, stored = await briefs.issued_file(services.db, person, press.brief_id)
    except Refused as refused:
        await explain(update, context, refused)
        return
    await acknowledge(query)
    view = await briefs.load(services.db, person, brief.id)
    content = briefs.content_of(services.rules, view)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(
            InputFile(stored.data, filename=stored.name),
            caption=caption_for(texts)(content),
            parse_mode=ParseMode.HTML,
        )
