"""/submit: the informant's item, step by step, kept in the database at every step (persisted)."""

from __future__ import annotations

import contextlib
import secrets
import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.texts import Raw
from channels.telegram.cards import card, standing_text
from channels.telegram.context import Context
from chat.actions import revise as rv
from chat.actions import submit as sub
from scoring.vocab import Role, UnitKind
from storage import units as unit_repo
from storage.models import Item, Unit
from workflow import submission
from workflow.outcomes import Refused
from workflow.rules import Timeliness
from workflow.views import ItemView, item_view

from .common import acknowledge, current, deliver, drop_buttons, explain, keep_telegram_file

UNIT, CATEGORY, TITLE, BODY, DATE, FILES, PREVIEW = range(7)
CONVERSATION = "submit"  # its name in the persisted conversation states
DRAFT = "draft"
MAX_FILES = 10
MAX_FILE_BYTES = 20 * 1024 * 1024
PHOTO_NAME = "photo.jpg"  # what a stored photo is called (Telegram gives photos no name)
OCTET = "application/octet-stream"
DOCUMENT_TYPES = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".jpg", ".jpeg", ".png"}
AUTHOR_ROLES = {Role.INFORMANT, Role.SECTION_STAFF}


def _draft(context: Context) -> dict[str, Any]:
    """The user's draft (JSON-friendly, so the persistence can keep it across restarts)."""
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def _buttons(rows: Sequence[Sequence[tuple[str, sub.Press]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from (label, press) rows."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=sub.encode(press)) for label, press in row]
            for row in rows
        ]
    )


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replies in the chat the update came from."""
    message = update.effective_message
    if message is not None:
        with contextlib.suppress(Forbidden):  # blocked mid-flow: the draft still moves on
            await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _next(update: Update, context: Context, draft: dict[str, Any], state: int) -> int:
    """Asks for the given step, or returns to the preview if the user was changing one field."""
    if draft.get("back"):
        draft["back"] = False
        return await _preview(update, context)
    return await _ask(update, context, state)


async def _ask(update: Update, context: Context, state: int) -> int:
    """Prompts for one step of the draft."""
    texts, rules = context.bot_data.texts, context.bot_data.rules
    if state == CATEGORY:
        categories = [[(label, sub.PickCategory(key))] for key, label in rules.categories.items()]
        await _say(update, texts("submit.choose_category"), _buttons(categories))
    elif state == TITLE:
        await _say(update, texts("submit.ask_title", limit=rules.title_max))
    elif state == BODY:
        await _say(update, texts("submit.ask_body"))
    elif state == DATE:
        rows = [[(texts("btn.today"), sub.PickDay(0)), (texts("btn.yesterday"), sub.PickDay(1))]]
        await _say(update, texts("submit.ask_date"), _buttons(rows))
    elif state == FILES:
        await _say(
            update,
            texts("submit.ask_files"),
            _buttons([[(texts("btn.skip"), sub.Step("files:done"))]]),
        )
    else:
        return await _preview(update, context)
    return state


async def start(update: Update, context: Context) -> int:
    """/submit: picks the unit (asked only if several), then asks for the category."""
    person, grants = await current(update, context)
    units = sorted({g.unit_id for g in grants if g.role in AUTHOR_ROLES and g.unit_id})
    if person is None or not units:
        await _say(update, context.bot_data.texts("submit.no_unit"))
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[DRAFT] = {"files": [], "token": secrets.token_hex(12)}
    draft = _draft(context)
    if len(units) == 1:
        draft["unit_id"] = units[0]
        return await _next(update, context, draft, CATEGORY)
    async with context.bot_data.db.reading() as tx:
        names = {u: (await unit_repo.get_unit(tx, u)) for u in units}
    rows = [[(unit.name, sub.PickUnit(uid))] for uid, unit in names.items() if unit is not None]
    await _say(update, context.bot_data.texts("submit.choose_unit"), _buttons(rows))
    return UNIT


async def revise(update: Update, context: Context) -> int:
    """The Revise button of a returned item: its text becomes the draft, shown for review."""
    query = update.callback_query
    assert query is not None
    person, _ = await current(update, context)
    press = rv.decode(query.data or "")
    if press is None:
        await explain(update, context, Refused("forged"))
        return ConversationHandler.END
    try:
        item_id = press.item_id
        view = await item_view(context.bot_data.db, person, item_id)
        if person is None or view.item.author_id != person.id:
            raise Refused("item_not_yours")
        await submission.check_resubmittable(context.bot_data.db, person, item_id)
    except Refused as refused:
        await explain(update, context, refused)
        return ConversationHandler.END
    await acknowledge(query)
    item = view.item
    assert context.user_data is not None
    context.user_data[DRAFT] = {
        "revise": item.id,
        "unit_id": item.unit_id,
        "category": item.category,
        "title": item.title,
        "body": item.body,
        "event_date": item.event_date.isoformat(),
        "files": [],
    }
    return await _preview(update, context)


async def chose_unit(update: Update, context: Context) -> int:
    """Stores the chosen unit; asks for the category."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    _, grants = await current(update, context)
    allowed = {g.unit_id for g in grants if g.role in AUTHOR_ROLES}
    press = sub.decode(query.data or "")
    unit_id = press.unit_id if isinstance(press, sub.PickUnit) else -1
    if unit_id not in allowed:
        await explain(update, context, Refused("not_allowed"))
        return UNIT
    draft = _draft(context)
    draft["unit_id"] = unit_id
    return await _next(update, context, draft, CATEGORY)


async def chose_category(update: Update, context: Context) -> int:
    """Stores the category; asks for the title."""
    query = update.callback_query
    assert query is not None
    press = sub.decode(query.data or "")
    key = press.key if isinstance(press, sub.PickCategory) else ""
    if key not in context.bot_data.rules.categories:
        await explain(update, context, Refused("category_unknown"))
        return CATEGORY
    await acknowledge(query)
    draft = _draft(context)
    draft["category"] = key
    return await _next(update, context, draft, TITLE)


async def got_title(update: Update, context: Context) -> int:
    """Stores a valid title; asks for the body."""
    message = update.effective_message
    assert message is not None
    try:
        title = submission.check_title(context.bot_data.rules, message.text or "")
    except Refused as refused:
        await explain(update, context, refused)
        return TITLE
    draft = _draft(context)
    draft["title"] = title
    return await _next(update, context, draft, BODY)


async def got_body(update: Update, context: Context) -> int:
    """Appends a message to the body (several messages join); offers Done."""
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    text = submission.clean_text(message.text or "")
    if not text:
        await explain(update, context, Refused("body_empty"))
        return BODY
    if draft.pop("replace_body", False):
        draft["body"] = ""
    body = (draft.get("body") or "") + ("\n" if draft.get("body") else "") + text
    limit = context.bot_data.rules.body_max
    if len(body) > limit:
        # Nothing of this part is kept, and the person is told exactly where the text stands,
        # so the next part they send is this one shortened, not the one after it (no hole).
        kept = draft.get("body") or ""
        texts = context.bot_data.texts
        await _say(
            update,
            texts(
                "submit.body_part_refused",
                length=len(body),
                limit=limit,
                part=len(text),
                kept=len(kept),
                tail=kept[-12:] if kept else "",
            ),
            _buttons([[(texts("btn.done"), sub.Step("body:done"))]]) if kept else None,
        )
        return BODY
    draft["body"] = body
    texts = context.bot_data.texts
    await _say(
        update,
        texts("submit.body_more", length=len(body)),
        _buttons([[(texts("btn.done"), sub.Step("body:done"))]]),
    )
    return BODY


async def body_done(update: Update, context: Context) -> int:
    """Closes the body; asks for the date."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    if not draft.get("body"):
        await explain(update, context, Refused("body_empty"))
        return BODY
    await acknowledge(query)
    state = await _next(update, context, draft, DATE)
    await drop_buttons(query)  # last: a crash before it leaves Done to press again, not nothing
    return state


async def _set_date(update: Update, context: Context, day: date) -> int:
    """Stores a checked event date; asks for files."""
    services = context.bot_data
    try:
        checked = submission.check_event_date(services.rules, day, services.db.clock())
    except Refused as refused:
        await explain(update, context, refused)
        return DATE
    draft = _draft(context)
    draft["event_date"] = checked.isoformat()
    return await _next(update, context, draft, FILES)


def _today(context: Context) -> date:
    """The centre's date now."""
    services = context.bot_data
    return services.rules.local_now(services.db.clock()).date()


async def date_button(update: Update, context: Context) -> int:
    """Today / Yesterday."""
    query = update.callback_query
    assert query is not None
    press = sub.decode(query.data or "")
    if not isinstance(press, sub.PickDay):  # garbled data the route let through
        await explain(update, context, Refused("forged"))
        return DATE
    await acknowledge(query)
    back = press.days_ago
    return await _set_date(update, context, _today(context) - timedelta(days=back))


async def date_text(update: Update, context: Context) -> int:
    """A typed date in one of the accepted forms."""
    message = update.effective_message
    assert message is not None
    try:
        day = submission.parse_event_date(message.text or "", _today(context))
    except Refused as refused:
        await explain(update, context, refused)
        return DATE
    return await _set_date(update, context, day)


async def got_file(update: Update, context: Context) -> int:
    """Adds a photo (largest size) or an accepted document to the draft."""
    message = update.effective_message
    assert message is not None
    texts = context.bot_data.texts
    draft = _draft(context)
    files: list[list[Any]] = draft.setdefault("files", [])
    if len(files) >= MAX_FILES:
        await _say(update, texts("submit.file_many", limit=MAX_FILES))
        return FILES
    if message.photo:
        photo = message.photo[-1]
        key = await keep_telegram_file(context, photo.file_id, PHOTO_NAME, "image/jpeg")
        entry = ["photo", key, None, "image/jpeg", photo.file_size]
    elif message.document is not None:
        document = message.document
        name = submission.clean_file_name(document.file_name) or ""  # no direction overrides
        if PurePath(name.lower()).suffix not in DOCUMENT_TYPES:
            await _say(update, texts("submit.file_type", name=name or "?"))
            return FILES
        if (document.file_size or 0) > MAX_FILE_BYTES:
            size = round((document.file_size or 0) / 1024 / 1024, 1)
            await _say(update, texts("submit.file_big", size=size))
            return FILES
        mime = document.mime_type or OCTET
        key = await keep_telegram_file(context, document.file_id, name or "file", mime)
        entry = ["document", key, name, document.mime_type, document.file_size]
    else:
        await _say(update, texts("submit.want_file"))
        return FILES
    files.append(entry)
    await _say(
        update,
        texts("submit.file_added", count=len(files)),
        _buttons([[(texts("btn.done"), sub.Step("files:done"))]]),
    )
    return FILES


async def _stored_files(
    context: Context, entries: list[list[Any]]
) -> tuple[tuple[str, str, str | None, str | None, int | None], ...]:
    """The draft's attachments as stored files: (kind, key, name, type, size). A draft saved
    before files were stored lists Telegram ids (six fields): those are downloaded now."""
    stored = []
    for entry in entries:
        if len(entry) == 6:  # (kind, file_id, file_unique_id, name, mime_type, size)
            kind, file_id, _, name, mime, size = entry
            fallback = "image/jpeg" if kind == "photo" else OCTET
            key = await keep_telegram_file(
                context, str(file_id), name or PHOTO_NAME, mime or fallback
            )
        else:
            kind, key, name, mime, size = entry
        stored.append((str(kind), str(key), name, mime, size))
    return tuple(stored)


async def files_done(update: Update, context: Context) -> int:
    """Closes the attachments; shows the preview."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    draft = _draft(context)
    draft["back"] = False
    return await _preview(update, context)


def _draft_view(draft: dict[str, Any], unit_name: str) -> ItemView:
    """The draft dressed as an item, so the preview shows exactly the card others will see."""
    now = datetime.now(UTC)
    item = Item(
        id=int(draft.get("revise") or 0),
        unit_id=int(draft["unit_id"]),
        author_id=0,
        category=str(draft["category"]),
        title=str(draft["title"]),
        body=str(draft["body"]),
        event_date=date.fromisoformat(str(draft["event_date"])),
        state="draft",
        chain="",
        chain_round=0,
        chain_step=0,
        submitted_at=None,
        submitted_on=None,
        late_days=0,
        centre_at=None,
        centre_on=None,
        registered_at=None,
        registered_by=None,
        task_id=None,
        created_at=now,
        updated_at=now,
    )
    unit = Unit(
        id=item.unit_id,
        key=unit_name,
        name=unit_name,
        kind=UnitKind.WINDOW,
        monthly_quota=0,
        annual_target=0,
        active=True,
        created_at=now,
    )
    return ItemView(item, unit, None, [])


def _timeliness(
    context: Context, category: str, standing: Timeliness, settled: bool, *, done: bool
) -> str:
    """What the author is told of the deadline: none for an exempt category; on time or late
    when submitting settles it; else the deadline for reaching the centre and what is left."""
    texts, rules = context.bot_data.texts, context.bot_data.rules
    if standing.deadline is None:
        label = rules.categories.get(category, category)
        return texts("submit.exempt", category=label, days=rules.deadline_working_days)
    deadline = standing.deadline.isoformat()
    if standing.late_days:
        key = (
            ("submit.done_late" if settled else "submit.done_late_pending")
            if done
            else "submit.late"
        )
        return texts(key, deadline=deadline, days=standing.late_days)
    if settled:
        return texts("submit.done_on_time" if done else "submit.on_time", deadline=deadline)
    return texts(
        "submit.centre_due", deadline=deadline, standing=Raw(standing_text(texts, standing))
    )


async def _preview(update: Update, context: Context) -> int:
    """Shows the whole draft with its timeliness, and Confirm / Change / Cancel."""
    services, texts = context.bot_data, context.bot_data.texts
    draft = _draft(context)
    for key, state in (("category", CATEGORY), ("title", TITLE), ("body", BODY)):
        if not draft.get(key):
            return await _next(update, context, draft, state)
    if not draft.get("event_date"):
        return await _next(update, context, draft, DATE)
    async with services.db.reading() as tx:
        unit = await unit_repo.get_unit(tx, int(draft["unit_id"]))
    view = _draft_view(draft, unit.name if unit else "?")
    rules = services.rules
    person, _ = await current(update, context)
    if person is None:
        await explain(update, context, Refused("not_allowed"))
        return PREVIEW
    standing, settled = await submission.draft_standing(
        services.db, rules, person, view.item.unit_id, view.item.category, view.item.event_date
    )
    timeliness = _timeliness(context, view.item.category, standing, settled, done=False)
    rows: list[list[tuple[str, sub.Press]]] = [
        [(texts("btn.confirm"), sub.Step("ok"))],
        [(texts("btn.change"), sub.Change()), (texts("btn.cancel"), sub.Step("cancel"))],
    ]
    await _say(
        update,
        texts(
            "submit.preview",
            card=card(texts, rules, view),
            files=len(draft.get("files", [])),
            timeliness=Raw(timeliness),
        ),
        _buttons(rows),
    )
    return PREVIEW


async def preview_action(update: Update, context: Context) -> int:
    """Confirm submits; Change offers the fields; a field button goes back to that step."""
    query = update.callback_query
    assert query is not None
    texts = context.bot_data.texts
    press = sub.decode(query.data or "")
    draft = _draft(context)
    if press == sub.Step("ok"):
        return await _confirm(update, context)
    if press == sub.Step("cancel"):
        return await cancel(update, context)
    if not isinstance(press, sub.Change):  # garbled data the route let through
        await explain(update, context, Refused("forged"))
        return PREVIEW
    await acknowledge(query)
    if press.field is None:
        fields = ["category", "title", "body", "date", "files"]
        if draft.get("revise"):
            fields = ["title", "body"]
        rows = [[(texts(f"submit.field.{f}"), sub.Change(f)) for f in fields]]
        await _say(update, texts("submit.which_field"), _buttons(rows))
        return PREVIEW
    field = press.field
    states = {"category": CATEGORY, "title": TITLE, "body": BODY, "date": DATE, "files": FILES}
    if field not in states:
        return PREVIEW
    draft["back"] = True
    if field == "body":
        draft["replace_body"] = True
    if field == "files":
        draft["files"] = []
    return await _ask(update, context, states[field])


async def _confirm(update: Update, context: Context) -> int:
    """Submits (or resubmits) the draft and says at once whether it is on time."""
    query = update.callback_query
    assert query is not None
    services, texts = context.bot_data, context.bot_data.texts
    person, _ = await current(update, context)
    draft = _draft(context)
    try:
        if person is None:
            raise Refused("not_allowed")
        if draft.get("revise"):
            result = await submission.resubmit(
                services.db,
                services.rules,
                person,
                int(draft["revise"]),
                title=str(draft["title"]),
                body=str(draft["body"]),
            )
        else:
            result = await submission.submit(
                services.db,
                services.rules,
                person,
                submission.Draft(
                    unit_id=int(draft["unit_id"]),
                    category=str(draft["category"]),
                    title=str(draft["title"]),
                    body=str(draft["body"]),
                    event_date=date.fromisoformat(str(draft["event_date"])),
                    files=await _stored_files(context, draft.get("files", [])),
                    token=draft.get("token"),
                ),
            )
    except Refused as refused:
        await explain(update, context, refused)
        return PREVIEW
    await acknowledge(query)
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    item = result.item
    if draft.get("revise"):
        lines = [texts("submit.resubmitted", item=item.id)]
        if not result.judged:  # judged on this round's arrival at the centre
            lines.append(_timeliness(context, item.category, result.timeliness, False, done=True))
    else:
        lines = [texts("submit.done", item=item.id)]
        lines.append(
            _timeliness(context, item.category, result.timeliness, result.judged, done=True)
        )
    if result.reached_centre:
        lines.append(texts("submit.to_centre"))
    else:
        lines.append(texts("submit.to_chain", role=texts.role(item.chain_roles[item.chain_step])))
    await _say(update, "\n".join(lines))
    await drop_buttons(query)  # last: a crash before it leaves Confirm, which answers again
    await deliver(context, result.notices)
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    """/cancel or the Cancel button: forgets the draft."""
    if update.callback_query is not None:
        await acknowledge(update.callback_query)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await _say(update, context.bot_data.texts("submit.cancelled"))
    return ConversationHandler.END


async def want_text(update: Update, context: Context) -> int | None:
    """Something other than text where text is expected."""
    await _say(update, context.bot_data.texts("submit.want_text"))
    return None


async def use_buttons(update: Update, context: Context) -> int | None:
    """Typing where a button is expected."""
    await _say(update, context.bot_data.texts("submit.use_buttons"))
    return None


async def _want_file(update: Update, context: Context) -> int | None:
    """Text where a file is expected."""
    await _say(update, context.bot_data.texts("submit.want_file"))
    return None


def conversation() -> ConversationHandler[Context]:
    """The persisted /submit conversation."""
    text = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND
    private = filters.ChatType.PRIVATE
    states: dict[object, list[BaseHandler[Update, Context, Any]]] = {
        UNIT: [
            CallbackQueryHandler(chose_unit, pattern=sub.UNIT_PATTERN),
            MessageHandler(other, use_buttons),
        ],
        CATEGORY: [
            CallbackQueryHandler(chose_category, pattern=sub.CATEGORY_PATTERN),
            MessageHandler(other, use_buttons),
        ],
        TITLE: [MessageHandler(text, got_title), MessageHandler(other, want_text)],
        BODY: [
            MessageHandler(text, got_body),
            CallbackQueryHandler(body_done, pattern=sub.BODY_DONE_PATTERN),
            MessageHandler(other, want_text),
        ],
        DATE: [
            CallbackQueryHandler(date_button, pattern=sub.DAY_PATTERN),
            MessageHandler(text, date_text),
            MessageHandler(other, want_text),
        ],
        FILES: [
            MessageHandler(filters.PHOTO | filters.Document.ALL, got_file),
            CallbackQueryHandler(files_done, pattern=sub.FILES_DONE_PATTERN),
            MessageHandler(other, _want_file),
        ],
        PREVIEW: [
            CallbackQueryHandler(preview_action, pattern=sub.PREVIEW_PATTERN),
            MessageHandler(other, use_buttons),
        ],
    }
    with warnings.catch_warnings():
        # Deliberate: the draft is per user, not per message, so buttons of the current step
        # are handled whichever message they sit on; PTB warns about exactly that choice.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return _conversation(states, private)


def _conversation(
    states: dict[object, list[BaseHandler[Update, Context, Any]]], private: filters.BaseFilter
) -> ConversationHandler[Context]:
    """The ConversationHandler itself."""
    return ConversationHandler(
        entry_points=[
            CommandHandler("submit", start, filters=private),
            CallbackQueryHandler(revise, pattern=rv.PATTERN),
        ],
        states=states,
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(cancel, pattern=sub.CANCEL_PATTERN),
        ],
        name=CONVERSATION,
        persistent=True,
        allow_reentry=True,
    )
