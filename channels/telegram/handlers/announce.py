"""Announcements in chat (第八条): /announce (a persisted guided flow), /announced, and /guide."""

from __future__ import annotations

import contextlib
import html
import re
import secrets
import warnings
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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

from channels.telegram.context import Context
from chat.actions import announce as an
from chat.capabilities import Capabilities
from chat.texts import Raw, Texts
from scoring.vocab import Role, UnitKind
from storage import units as unit_repo
from storage.models import RoleGrant
from storage.sessions import LedgerSessions
from workflow import announce
from workflow.announce import Audience, DeliveryReport
from workflow.outcomes import Refused

from .common import (
    acknowledge,
    current,
    deliver,
    drop_buttons,
    explain,
    keep_telegram_file,
    send_stored_file,
    telegram_account,
)
from .lookup import split_message
from .submit import MAX_FILE_BYTES, MAX_FILES, OCTET, PHOTO_NAME
from .submit import open_for as submit_open_for

TEXT, AUDIENCE, PREVIEW = range(3)
ANN = "announce"  # the draft in user_data (JSON-friendly, persisted with it)
MAX_UNIT_BUTTONS = 90
PREVIEW_NAMES = 20
REPORT_NAMES = 60
NUMBER = re.compile(r"[0-9]{1,12}")
KINDS = tuple(UnitKind)


# ----------------------------------------------------------------------------- helpers


def _draft(context: Context) -> dict[str, Any] | None:
    """The announcement being prepared, if any."""
    if context.user_data is None:
        return None
    draft = context.user_data.get(ANN)
    return draft if isinstance(draft, dict) else None


def _audience(draft: dict[str, Any]) -> Audience:
    """The draft's audience, checked."""
    return Audience.from_data(draft.get("aud") or {})


def _keyboard(rows: Sequence[Sequence[tuple[str, an.Press]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from (label, press) rows."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=an.encode(press)) for label, press in row]
            for row in rows
        ]
    )


def _pairs(buttons: Sequence[tuple[str, an.Press]]) -> list[Sequence[tuple[str, an.Press]]]:
    """Buttons two to a row."""
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _mark(texts: Texts, on: bool, label: str) -> str:
    """A toggle button's label."""
    return texts("btn.ann_on" if on else "btn.ann_off", label=label)


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replies in the chat the update came from."""
    message = update.effective_message
    if message is not None:
        with contextlib.suppress(Forbidden):  # blocked mid-flow: the draft stays
            await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def _caption_head(context: Context) -> str:
    """The plain-text heading a file announcement's caption starts with."""
    return html.unescape(context.bot_data.texts("ann.heading"))


def _local(context: Context, announcement: Any) -> str:
    """When an announcement was made, on the centre's clock."""
    return context.bot_data.rules.local_now(announcement.created_at).strftime("%Y-%m-%d %H:%M")


def _summary(text: str, limit: int = 30) -> str:
    """The start of an announcement's text on one line."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "…"


async def _scope_text(context: Context, audience: Audience) -> str:
    """The units part of an audience, in words."""
    texts = context.bot_data.texts
    if audience.scope == "kinds":
        return "、".join(texts(f"ann.kind.{k.value}") for k in audience.kinds)
    if audience.scope == "units":
        async with context.bot_data.db.reading() as tx:
            names = [u.name for u in await unit_repo.list_units(tx) if u.id in audience.units]
        shown = "、".join(names[:10]) + ("…" if len(names) > 10 else "")
        return texts("ann.units_chosen", count=len(names), names=shown)
    return texts("ann.units_all")


def _roles_text(texts: Texts, audience: Audience) -> str:
    """The roles part of an audience, in words."""
    return "、".join(texts.role(r) for r in audience.roles) or texts("ann.roles_none")


# ----------------------------------------------------------------------------- the flow


async def _submit_open(update: Update, context: Context) -> bool:
    """Whether this person is in the middle of /submit (its session on the engine)."""
    person, _ = await current(update, context)
    store = LedgerSessions(context.bot_data.db)
    return person is not None and await submit_open_for(store, person.id)


async def start(update: Update, context: Context) -> int:
    """/announce: checks the right to announce, then asks for the text or a file."""
    user = update.effective_user
    if user is None or context.user_data is None:
        return ConversationHandler.END
    services = context.bot_data
    try:
        await announce.check_announcer(services.db, services.rules, telegram_account(user.id))
        if await _submit_open(update, context):  # its steps would take the texts typed here
            raise Refused("ann_finish_submit")
    except Refused as refused:
        await explain(update, context, refused)
        return ConversationHandler.END
    context.user_data[ANN] = {
        "token": secrets.token_hex(12),
        "text": "",
        "file": None,
        "aud": Audience().to_data(),
        "view": "audience",
    }
    await _say(update, services.texts("ann.ask_text"))
    return TEXT


async def got_text(update: Update, context: Context) -> int:
    """The text (or, after a file, its caption); then the audience."""
    message, draft = update.effective_message, _draft(context)
    if message is None or draft is None:
        return ConversationHandler.END
    head = _caption_head(context) if draft.get("file") else None
    try:
        draft["text"] = announce.check_text(
            message.text or "", _channel(context), caption_head=head
        )
    except Refused as refused:
        await explain(update, context, refused)
        return TEXT
    return await _show_audience(update, context, draft)


async def _kept(context: Context, file: list[Any]) -> str:
    """The draft's file as a stored file's key; a draft saved before files were stored holds a
    Telegram file id, downloaded now."""
    key = str(file[1])
    if key.startswith("sha256:"):
        return key
    kind, name = str(file[0]), file[2]
    mime = "image/jpeg" if kind == "photo" else OCTET
    file[1] = await keep_telegram_file(context, key, name or PHOTO_NAME, mime)
    return str(file[1])


async def got_file(update: Update, context: Context) -> int:
    """A photo or document: its bytes stored; its caption is the text, else asked for."""
    message, draft = update.effective_message, _draft(context)
    if message is None or draft is None:
        return ConversationHandler.END
    texts = context.bot_data.texts
    if message.photo:
        key = await keep_telegram_file(context, message.photo[-1].file_id, PHOTO_NAME, "image/jpeg")
        draft["file"] = ["photo", key, None]
        name = texts("ann.file_kind.photo")
    elif message.document is not None:
        name = message.document.file_name or texts("ann.file_kind.document")
        key = await keep_telegram_file(
            context,
            message.document.file_id,
            message.document.file_name or "file",
            message.document.mime_type or OCTET,
        )
        draft["file"] = ["document", key, message.document.file_name]
    else:
        return await want_text(update, context)
    head = _caption_head(context)
    if message.caption:
        try:
            draft["text"] = announce.check_text(
                message.caption, _channel(context), caption_head=head
            )
        except Refused as refused:
            await explain(update, context, refused)
            await _say(
                update, texts("ann.ask_caption", name=name, limit=_caption_limit(context, head))
            )
            return TEXT
        return await _show_audience(update, context, draft)
    await _say(update, texts("ann.ask_caption", name=name, limit=_caption_limit(context, head)))
    return TEXT


def _caption_limit(context: Context, head: str) -> int:
    """How long the text of a file announcement may be."""
    return announce.caption_limit(_channel(context), head)


def _channel(context: Context) -> Capabilities:
    """What an announcement must fit: it is written once for readers on every channel."""
    return context.bot_data.capabilities


async def want_text(update: Update, context: Context) -> int:
    """Something other than text or a file where the text is expected."""
    await _say(update, context.bot_data.texts("ann.want_text"))
    return TEXT


async def use_buttons(update: Update, context: Context) -> None:
    """Typing where a button is expected."""
    await _say(update, context.bot_data.texts("ann.use_buttons"))


async def _audience_view(
    context: Context, draft: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    """The audience message: what is chosen, how many it reaches, and the toggles."""
    services, texts = context.bot_data, context.bot_data.texts
    audience = _audience(draft)
    if draft.get("view") == "units":
        async with services.db.reading() as tx:
            listed = (await unit_repo.list_units(tx))[:MAX_UNIT_BUTTONS]
        chosen = set(audience.units) if audience.scope == "units" else set()
        buttons = [(_mark(texts, u.id in chosen, u.name), an.PickUnit(u.id)) for u in listed]
        rows = [*_pairs(buttons), [(texts("btn.ann_units_done"), an.Step("ub"))]]
        text = texts("ann.units_pick", count=len(chosen))
        return text, _keyboard(rows)
    reached = await announce.recipients(services.db, audience)
    roles = [
        (_mark(texts, r in audience.roles, texts.role(r)), an.Toggle("r", r.value))
        for r in announce.AUDIENCE_ROLES
    ]
    kinds = [
        (
            _mark(
                texts,
                audience.scope == "kinds" and k in audience.kinds,
                texts(f"ann.kind.{k.value}"),
            ),
            an.Toggle("k", k.value),
        )
        for k in KINDS
    ]
    picked = len(audience.units) if audience.scope == "units" else 0
    rows = [
        *_pairs(roles),
        [(_mark(texts, audience.scope == "all", texts("ann.units_all")), an.Step("all"))],
        *_pairs(kinds),
        [(_mark(texts, picked > 0, texts("btn.ann_pick_units", count=picked)), an.Step("u"))],
        [(texts("btn.ann_preview"), an.Step("pv")), (texts("btn.ann_cancel"), an.Step("x"))],
    ]
    text = texts(
        "ann.audience",
        roles=_roles_text(texts, audience),
        units=await _scope_text(context, audience),
        count=len(reached),
    )
    return text, _keyboard(rows)


async def _show_audience(update: Update, context: Context, draft: dict[str, Any]) -> int:
    """Sends a fresh audience message."""
    draft["view"] = "audience"
    text, markup = await _audience_view(context, draft)
    await _say(update, text, markup)
    return AUDIENCE


async def audience_button(update: Update, context: Context) -> int:
    """A toggle (role, unit kind, all units, one unit), the unit list, or the preview."""
    query, draft = update.callback_query, _draft(context)
    if query is None:
        return AUDIENCE
    if draft is None:
        await acknowledge(query, context.bot_data.texts("ann.stale"), alert=True)
        return ConversationHandler.END
    press = an.decode(query.data or "")
    aud = dict(draft.get("aud") or {})
    if press == an.Step("pv"):
        return await _preview(update, context, draft)
    toggle = press if isinstance(press, an.Toggle) else None
    if toggle and toggle.group == "r" and toggle.name in {r.value for r in announce.AUDIENCE_ROLES}:
        roles, role = list(aud.get("roles") or []), toggle.name
        aud["roles"] = [r for r in roles if r != role] + ([] if role in roles else [role])
    elif toggle and toggle.group == "k" and toggle.name in {k.value for k in KINDS}:
        kinds = list(aud.get("kinds") or []) if aud.get("scope") == "kinds" else []
        kind = toggle.name
        kinds = [k for k in kinds if k != kind] + ([] if kind in kinds else [kind])
        aud.update(scope="kinds" if kinds else "all", kinds=kinds, units=[])
    elif press == an.Step("all"):
        aud.update(scope="all", kinds=[], units=[])
    elif press == an.Step("u"):
        draft["view"] = "units"
    elif press == an.Step("ub"):
        draft["view"] = "audience"
    elif isinstance(press, an.PickUnit):
        async with context.bot_data.db.reading() as tx:
            known = {u.id for u in await unit_repo.list_units(tx)}
        unit = press.unit_id
        if unit not in known:
            await explain(update, context, Refused("forged"))
            return AUDIENCE
        chosen = list(aud.get("units") or []) if aud.get("scope") == "units" else []
        chosen = [u for u in chosen if u != unit] + ([] if unit in chosen else [unit])
        aud.update(scope="units" if chosen else "all", kinds=[], units=chosen)
    else:
        await explain(update, context, Refused("forged"))
        return AUDIENCE
    draft["aud"] = Audience.from_data(aud).to_data()
    await acknowledge(query)
    text, markup = await _audience_view(context, draft)
    with contextlib.suppress(BadRequest):  # unchanged, or the message is gone
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return AUDIENCE


async def _preview(update: Update, context: Context, draft: dict[str, Any]) -> int:
    """Shows the announcement as recipients will see it, the audience and the count."""
    query = update.callback_query
    assert query is not None
    services, texts = context.bot_data, context.bot_data.texts
    audience = _audience(draft)
    if not audience.roles:
        await explain(update, context, Refused("ann_no_roles"))
        return AUDIENCE
    if not draft.get("text"):
        await explain(update, context, Refused("ann_text_empty"))
        return TEXT
    await acknowledge(query)
    reached = await announce.recipients(services.db, audience)
    chat_id = query.message.chat.id if query.message is not None else None
    file = draft.get("file")
    if file and chat_id is not None:  # the file exactly as it will go out
        caption = html.escape(f"{_caption_head(context)}\n\n{draft['text']}", quote=False)
        with contextlib.suppress(Forbidden):
            await send_stored_file(
                context, chat_id, str(file[0]), await _kept(context, file), caption
            )
        body = texts("ann.preview_file")
    else:
        body = texts("notice.ann_text", text=draft["text"], author=_name(update), id="")
    names = "、".join(p.name for p in reached[:PREVIEW_NAMES])
    if len(reached) > PREVIEW_NAMES:
        names = texts("ann.names_more", names=names)
    text = texts(
        "ann.preview",
        body=Raw(body),
        roles=_roles_text(texts, audience),
        units=await _scope_text(context, audience),
        count=len(reached),
        names=names or "—",
    )
    rows: list[list[tuple[str, an.Press]]] = [
        [(texts("btn.ann_send"), an.Send(str(draft["token"])))],
        [(texts("btn.ann_edit"), an.Step("ed")), (texts("btn.ann_cancel"), an.Step("x"))],
    ]
    for part in split_message(text)[:-1]:
        await _say(update, part)
    await _say(update, split_message(text)[-1], _keyboard(rows))
    await drop_buttons(query)  # the audience message: choices are made
    return PREVIEW


def _name(update: Update) -> str:
    """The sender's name as Telegram gives it."""
    return update.effective_user.full_name if update.effective_user else ""


async def preview_button(update: Update, context: Context) -> int:
    """Send, change the audience, or (via the fallback) cancel."""
    query, draft = update.callback_query, _draft(context)
    if query is None:
        return PREVIEW
    texts = context.bot_data.texts
    press = an.decode(query.data or "")
    sent = isinstance(press, an.Send)
    if draft is None or (sent and press != an.Send(str(draft.get("token")))):
        await acknowledge(query, texts("ann.stale"), alert=True)
        return PREVIEW if draft is not None else ConversationHandler.END
    if not sent and press != an.Step("ed"):  # garbled data the route let through
        await explain(update, context, Refused("forged"))
        return PREVIEW
    if press == an.Step("ed"):
        await acknowledge(query)
        state = await _show_audience(update, context, draft)
        await drop_buttons(query)
        return state
    return await _confirm(update, context, draft)


async def _confirm(update: Update, context: Context, draft: dict[str, Any]) -> int:
    """Stores the announcement and queues it for every recipient, once; then sends."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    if user is None:
        return PREVIEW
    services, texts = context.bot_data, context.bot_data.texts
    file = draft.get("file") or [None, None, None]
    try:
        published = await announce.publish(
            services.db,
            services.rules,
            account=telegram_account(user.id),
            name=user.full_name,
            username=user.username,
            draft=announce.Draft(
                token=str(draft["token"]),
                text=str(draft.get("text") or ""),
                audience=_audience(draft),
                file_kind=file[0],
                file_key=await _kept(context, file) if file[1] else None,
                file_name=file[2],
            ),
            caption_head=_caption_head(context),
            channel=_channel(context),
        )
    except Refused as refused:
        await explain(update, context, refused)
        if refused.key == "ann_already_sent" and context.user_data is not None:
            context.user_data.pop(ANN, None)
            return ConversationHandler.END
        return PREVIEW
    await acknowledge(query)
    assert context.user_data is not None
    context.user_data.pop(ANN, None)
    number = published.announcement.id
    await _say(
        update,
        texts("ann.queued", id=number, count=published.recipients),
        _keyboard([[(texts("btn.ann_report"), an.Report(number))]]),
    )
    await drop_buttons(query)  # last: a crash before it leaves 发送, which answers "sent"
    await deliver(context, [])
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    """/cancel or the Cancel button: forgets the draft."""
    if update.callback_query is not None:
        await acknowledge(update.callback_query)
        with contextlib.suppress(BadRequest):
            await drop_buttons(update.callback_query)
    if context.user_data is not None:
        context.user_data.pop(ANN, None)
    await _say(update, context.bot_data.texts("ann.cancelled"))
    return ConversationHandler.END


async def stale(update: Update, context: Context) -> None:
    """An announcement button outside its step (sent, cancelled, an old message): no change."""
    if update.callback_query is not None:
        await acknowledge(update.callback_query, context.bot_data.texts("ann.stale"), alert=True)


def conversation() -> ConversationHandler[Context]:
    """The persisted /announce conversation."""
    other = ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, Context, Any]]] = {
        TEXT: [
            MessageHandler(filters.TEXT & other, got_text),
            MessageHandler(filters.PHOTO | filters.Document.ALL, got_file),
            MessageHandler(other, want_text),
        ],
        AUDIENCE: [
            CallbackQueryHandler(audience_button, pattern=an.AUDIENCE_PATTERN),
            CallbackQueryHandler(audience_button, pattern=an.UNIT_PATTERN),
            MessageHandler(other, use_buttons),
        ],
        PREVIEW: [
            CallbackQueryHandler(preview_button, pattern=an.PREVIEW_PATTERN),
            MessageHandler(other, use_buttons),
        ],
    }
    with warnings.catch_warnings():
        # As in /submit: the draft is per user, so the current step's buttons are handled
        # whichever message they sit on; PTB warns about exactly that choice.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("announce", start, filters=filters.ChatType.PRIVATE)],
            states=states,
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=an.CANCEL_PATTERN),
            ],
            name="announce",
            persistent=True,
            allow_reentry=True,
        )


# ----------------------------------------------------------------------------- delivery report


def report_text(context: Context, report: DeliveryReport) -> list[str]:
    """An announcement's delivery: counts, then who has not been reached and why."""
    texts = context.bot_data.texts
    item, counts = report.announcement, report.counts
    lines = [
        texts(
            "ann.report",
            id=item.id,
            when=_local(context, item),
            author=report.author,
            summary=_summary(item.text),
            total=report.total,
            sent=counts["sent"],
            pending=counts["pending"],
            failed=counts["failed"],
            uncertain=counts["uncertain"],
        )
    ]
    if not report.unreached:
        lines.append(texts("ann.report_all_sent"))
    else:
        lines.append(texts("ann.report_unreached"))
        for delivery in report.unreached[:REPORT_NAMES]:
            lines.append(
                texts(
                    "ann.report_line",
                    name=delivery.name or delivery.address,
                    state=texts(f"ann.state.{delivery.state}"),
                )
            )
        if len(report.unreached) > REPORT_NAMES:
            lines.append(texts("ann.report_more", count=len(report.unreached) - REPORT_NAMES))
        if counts["failed"]:
            lines.append(texts("ann.report_failed_note"))
        if counts["uncertain"]:
            lines.append(texts("ann.report_uncertain_note"))
    return split_message("\n".join(lines))


async def _send_report(update: Update, context: Context, number: int) -> None:
    """Shows one announcement's delivery report (refusals explained)."""
    user = update.effective_user
    if user is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    try:
        report = await announce.delivery_report(
            services.db, services.rules, telegram_account(user.id), number
        )
    except Refused as refused:
        await explain(update, context, refused)
        return
    if update.callback_query is not None:
        await acknowledge(update.callback_query)
    parts = report_text(context, report)
    refresh = _keyboard([[(texts("btn.ann_refresh"), an.Report(number))]])
    for index, part in enumerate(parts):
        await _say(update, part, refresh if index == len(parts) - 1 else None)


async def announced(update: Update, context: Context) -> None:
    """/announced: recent announcements with their counts; /announced N: one report."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    args = context.args or []
    if args:
        if len(args) != 1 or not NUMBER.fullmatch(args[0].lstrip("#")):
            await message.reply_text(texts("ann.report_usage"))
            return
        await _send_report(update, context, int(args[0].lstrip("#")))
        return
    try:
        found = await announce.recent(services.db, services.rules, telegram_account(user.id))
    except Refused as refused:
        await explain(update, context, refused)
        return
    if not found:
        await message.reply_text(texts("ann.list_empty"))
        return
    lines = [texts("ann.list_head", count=len(found))]
    for report in found:
        item = report.announcement
        lines.append(
            texts(
                "ann.list_line",
                id=item.id,
                when=_local(context, item),
                author=report.author,
                summary=_summary(item.text, 20),
                sent=report.counts["sent"],
                total=report.total,
            )
        )
    rows = _pairs(
        [
            (texts("btn.ann_report_of", id=r.announcement.id), an.Report(r.announcement.id))
            for r in found
        ]
    )
    await message.reply_text("\n".join(lines), reply_markup=_keyboard(rows))


async def report_button(update: Update, context: Context) -> None:
    """The 查看发送情况 / 刷新 button: the report, rights re-checked."""
    query = update.callback_query
    if query is None:
        return
    press = an.decode(query.data or "")
    if not isinstance(press, an.Report):
        await explain(update, context, Refused("forged"))
        return
    await _send_report(update, context, press.announcement_id)


# ----------------------------------------------------------------------------- /guide


def _share(value: Decimal) -> str:
    """A share (0.5) as people say it (50%)."""
    percent = (value * 100).normalize()
    return f"{percent:f}%"


async def guide(update: Update, context: Context) -> None:
    """/guide: what to report, how to write it, by when, who signs, how it scores."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    texts, rules = context.bot_data.texts, context.bot_data.rules
    person, grants = await current(update, context)
    if person is None and not announce.may_announce(rules, telegram_account(user.id), grants):
        await message.reply_text(texts("stranger"), parse_mode=ParseMode.HTML)
        return
    for section in await guide_sections(context, grants):
        for part in split_message(section, 4000):
            await message.reply_text(part, parse_mode=ParseMode.HTML)


async def guide_sections(context: Context, grants: list[RoleGrant]) -> list[str]:
    """The guide's messages: topics, format, deadline, the asker's sign-off chain, scoring."""
    services, texts, rules = context.bot_data, context.bot_data.texts, context.bot_data.rules
    policy = rules.policy
    topics = [texts("guide.head"), "", texts("guide.topics_head")]
    for number, (key, label) in enumerate(rules.categories.items(), start=1):
        topics.append(texts("guide.topic_line", n=number, label=label))
        if key == policy.research_category:
            topics.append(texts("guide.research", count=policy.research_articles_per_year))
    writing = texts(
        "guide.format",
        title_max=rules.title_max,
        files=MAX_FILES,
        mb=MAX_FILE_BYTES // 1024 // 1024,
    )
    today = rules.local_now(services.db.clock()).date()
    deadline = texts(
        "guide.deadline",
        days=rules.deadline_working_days,
        event=today.isoformat(),
        last=rules.calendar.deadline(today, rules.deadline_working_days).isoformat(),
    )
    chains = [texts("guide.chain_head")]
    mine = await announce.my_chains(services.db, rules, grants)
    for unit, chain in mine:
        chains.append(
            texts(
                "guide.chain_line",
                unit=unit.name,
                kind=texts(f"ann.kind.{unit.kind.value}"),
                steps=Raw(_steps(texts, chain)),
            )
        )
    if not mine:  # centre staff and admins: every kind of unit
        for kind in UnitKind:
            chains.append(
                texts(
                    "guide.chain_kind",
                    kind=texts(f"ann.kind.{kind.value}"),
                    steps=Raw(_steps(texts, rules.chain(kind))),
                )
            )
        staff = Raw(_steps(texts, (Role.INFORMANT,)))
        chains.append(texts("guide.chain_kind", kind=texts("guide.section_staff"), steps=staff))
    chains.append(texts("guide.chain_note"))
    scoring = [texts("guide.scoring_head")]
    for level in range(1, 5):
        outlets = [o.name for o in rules.outlets.values() if o.level == level]
        scoring.append(
            texts(
                "guide.level_line",
                level=level,
                outlets="、".join(outlets) or texts(f"guide.level.{level}"),
                points=policy.points_for_level(level),
            )
        )
    scoring.append(
        texts(
            "guide.scoring_rules",
            share=_share(policy.edit_credit_share),
            no_informant=_share(policy.deduction_no_informant),
            quota_missed=_share(policy.deduction_quota_missed),
            base=f"{policy.reward_base_yuan.normalize():f}",
            per_point=f"{policy.reward_per_point_yuan.normalize():f}",
        )
    )
    scoring += ["", texts("guide.footer")]
    return ["\n".join(topics), writing, deadline, "\n".join(chains), "\n".join(scoring)]


def _steps(texts: Texts, chain: tuple[Role, ...]) -> str:
    """A sign-off chain in words."""
    if not chain:
        return texts("guide.chain_direct")
    signers = " → ".join(texts("guide.chain_sign", role=texts.role(r)) for r in chain)
    return texts("guide.chain_steps", signers=Raw(signers))
