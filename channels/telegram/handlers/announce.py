"""Announcements in chat (第八条): /announce's Telegram side, /announced, and /guide.

/announce itself runs on the conversation engine (`workflow.dialogues.announce`, drawn by
`dialogue.py`); what is Telegram's stays here: what the flow is handed (the limits of the
channels served, the caption's heading, whether /submit is under way), a photo or document
sent at the text's step downloaded into the ledger before the engine sees it, a configured admin who never
joined made a person so their draft has a session, and the answers to /announce and its
buttons from outside the dialogue."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from channels.telegram.context import Context
from chat.actions import announce as an
from chat.dialogue import SessionStore, aside_channel
from chat.dialogue.session import FileIn
from chat.texts import Raw, Texts
from scoring.vocab import Role, UnitKind
from storage.models import TELEGRAM, RoleGrant
from storage.sessions import LedgerSessions
from workflow import announce
from workflow.announce import DeliveryReport
from workflow.dialogues import Announcing
from workflow.outcomes import Refused

from .common import acknowledge, current, explain, keep_telegram_file, telegram_account
from .lookup import split_message
from .submit import MAX_FILE_BYTES, MAX_FILES, OCTET, PHOTO_NAME
from .submit import open_for as submit_open_for

FLOW = "announce"  # the engine's flow, kept aside

REPORT_NAMES = 60
NUMBER = re.compile(r"[0-9]{1,12}")


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


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replies in the chat the update came from."""
    message = update.effective_message
    if message is not None:
        with contextlib.suppress(Forbidden):  # blocked meanwhile: nobody to tell
            await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def _local(context: Context, announcement: Any) -> str:
    """When an announcement was made, on the centre's clock."""
    return context.bot_data.rules.local_now(announcement.created_at).strftime("%Y-%m-%d %H:%M")


def _summary(text: str, limit: int = 30) -> str:
    """The start of an announcement's text on one line."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "…"


# ----------------------------------------------------------------------------- the flow's side


def announcing(context: Context) -> Announcing:
    """What /announce's flow is handed on Telegram: the narrowest limits of the channels the
    bot serves (one text reaches readers on each), the caption's plain-text heading, and
    whether the person is in the middle of /submit (its session on the engine)."""
    services = context.bot_data

    async def submitting(person_id: int) -> bool:
        """Whether /submit's draft is open (its texts would be taken by /submit)."""
        return await submit_open_for(LedgerSessions(services.db), person_id)

    return Announcing(
        capabilities=services.capabilities,
        caption_head=html.unescape(services.texts("ann.heading")),
        submitting=submitting,
    )


async def incoming_file(
    update: Update, context: Context, store: SessionStore, person_id: int
) -> FileIn | None:
    """A photo or document sent while /announce asks for its text (or a file), its bytes
    stored in the ledger; None for anything else (the flow says what it awaits)."""
    message = update.effective_message
    if message is None or not (message.photo or message.document is not None):
        return None
    session = await store.load(person_id, aside_channel(TELEGRAM, FLOW))
    if session is None or session.step != "text":
        return None
    if message.photo:
        photo = message.photo[-1]
        key = await keep_telegram_file(context, photo.file_id, PHOTO_NAME, "image/jpeg")
        return FileIn(key, None, "image/jpeg", photo.file_size, kind="photo")
    document = message.document
    if document is None:
        return None
    key = await keep_telegram_file(
        context, document.file_id, document.file_name or "file", document.mime_type or OCTET
    )
    return FileIn(key, document.file_name, document.mime_type, document.file_size)


async def enrol(update: Update, context: Context) -> None:
    """Before the engine's turn (never stopping the update): /announce from a configured admin
    who never joined makes them a person, so the engine can keep their draft."""
    user = update.effective_user
    if user is None:
        return
    services = context.bot_data
    with contextlib.suppress(Refused):  # anyone else: the engine or `start` answers
        await announce.enrol(
            services.db,
            services.rules,
            telegram_account(user.id),
            name=user.full_name,
            username=user.username,
        )


async def start(update: Update, context: Context) -> None:
    """/announce from someone the engine does not know: only admins and editors announce."""
    await explain(update, context, Refused("ann_not_allowed"))


async def stale(update: Update, context: Context) -> None:
    """An announcement button outside its step (sent, cancelled, an old message): no change."""
    if update.callback_query is not None:
        await acknowledge(update.callback_query, context.bot_data.texts("ann.stale"), alert=True)


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
