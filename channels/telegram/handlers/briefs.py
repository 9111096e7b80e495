"""《工作简报》 in chat: what the conversation engine leaves here of /brief (the editor's
menu of an issue in progress, `workflow.dialogues.briefs`) and of an issue's return with its
typed reason held for ✅ 确认 (the engine's, `channels/telegram/handlers/dialogue.py`); the
review and signing buttons that act at once (审核通过 renders the 清样 for signing, 签发 the
issued .docx, both with the root's renderer), and
/briefs (issues, and their documents again).

Callback data: `bf:d:<issue>:<action>[:<item>]` drafting menu, `bf:open:<issue>` reopen a
draft or returned issue, `bf:<a|r>:<issue>:<round>:<rv|sg>` review / sign decisions,
`bf:<c|x>:<issue>:<round>:<rv|sg>` a return confirmed or kept, `bf:get:<issue>` an issued
document again.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode

from channels.telegram.context import Context
from chat.actions import briefs as bf
from chat.texts import Texts
from scoring.vocab import Role
from workflow import briefs
from workflow.briefs import BriefContent
from workflow.outcomes import Refused

from .common import acknowledge, current, deliver, explain, mark_decided


def _state_name(texts: Texts, state: str) -> str:
    """An issue state's name."""
    return texts(f"brief.state.{state}")


# --- drafting: the engine's; what it leaves -------------------------------------------------


async def start_brief(update: Update, context: Context) -> None:
    """/brief from someone the engine does not know: editors only."""
    await explain(update, context, Refused("not_editor"))


async def draft_button(update: Update, context: Context) -> None:
    """A menu or reopen button the engine did not take: forged, or pressed by a stranger."""
    query = update.callback_query
    if query is None:
        return
    person, _ = await current(update, context)
    forged = bf.decode(query.data or "") is None or person is not None  # known: the engine's
    await explain(update, context, Refused("forged" if forged else "not_editor"))


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


async def decision_button(update: Update, context: Context) -> None:
    """审核通过 / 签发 act at once. 退回 and its confirmation are the engine's, which takes
    them before this runs: a 退回 left here is a stranger's, a confirmation had nothing held
    (expired, or done)."""
    query = update.callback_query
    assert query is not None
    press = bf.decode(query.data or "")
    person, _ = await current(update, context)
    services, texts = context.bot_data, context.bot_data.texts
    try:
        if not isinstance(press, bf.Decide | bf.ConfirmReturn):
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        if isinstance(press, bf.ConfirmReturn) or press.decision != "a":
            minutes = int(services.rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        brief_id, round_, step = press.brief_id, press.round, press.step
        if step == briefs.REVIEW:
            decided = await briefs.approve_review(
                services.db,
                services.rules,
                person,
                brief_id=brief_id,
                round_=round_,
                render=services.options.render_issue,
            )
            done, mark = texts("brief.done_reviewed"), "brief.marked_approved"
        else:
            decided = await briefs.issue(
                services.db,
                services.rules,
                person,
                brief_id=brief_id,
                round_=round_,
                render=services.options.render_issue,
                caption=caption_for(texts),
            )
            done = texts("brief.done_issued", number=decided.brief.number)
            mark = "brief.marked_issued"
    except Refused as refused:
        await explain(update, context, refused)
        return
    await acknowledge(query, done)
    await mark_decided(context, query.message, texts(mark, by=person.name))
    await deliver(context, decided.notices)


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
