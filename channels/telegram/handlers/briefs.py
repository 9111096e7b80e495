"""《工作简报》 in chat: what the conversation engine leaves here of /brief (the editor's
menu of an issue in progress, `workflow.dialogues.briefs`) and of an issue's return with its
typed reason held for ✅ 确认 (the engine's, `channels/telegram/handlers/dialogue.py`); the
review and signing buttons that act at once (审核通过 renders the 清样 for signing, 签发 the
issued .docx, both with the root's renderer), and
/briefs (issues, and their documents again); what each decides and says is
`workflow.commands.briefs`'.

Callback data: `bf:d:<issue>:<action>[:<item>]` drafting menu, `bf:open:<issue>` reopen a
draft or returned issue, `bf:<a|r>:<issue>:<round>:<rv|sg>` review / sign decisions,
`bf:<c|x>:<issue>:<round>:<rv|sg>` a return confirmed or kept, `bf:get:<issue>` an issued
document again.
"""

from __future__ import annotations

from telegram import Update

from channels.telegram.context import Context
from chat.actions import briefs as bf
from chat.texts import Texts
from workflow.briefs import BriefContent
from workflow.commands import briefs as brief_commands
from workflow.outcomes import Refused

from .answers import send_answer
from .common import acknowledge, current, explain, press_chat, send_stored_file

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


def caption_for(texts: Texts) -> brief_commands.Caption:
    """The caption of an issued document, from its content."""

    def caption(content: BriefContent) -> str:
        return texts("brief.caption", **brief_commands.caption_params(content))

    return caption


async def decision_button(update: Update, context: Context) -> None:
    """审核通过 / 签发 act at once; 退回 and its confirmation are the engine's."""
    query = update.callback_query
    assert query is not None
    person, _ = await current(update, context)
    services = context.bot_data
    answer = await brief_commands.decide(
        services.db,
        services.rules,
        person,
        bf.decode(query.data or ""),
        render=services.options.render_issue,
        caption=caption_for(services.texts),
    )
    await send_answer(update, context, answer, person)


# --- listing and fetching -------------------------------------------------------------------


async def list_issues(update: Update, context: Context) -> None:
    """/briefs: the newest issues with their states; issued ones can be fetched again, drafts
    and returned ones reopened by editors."""
    if update.effective_message is None:
        return
    person, grants = await current(update, context)
    answer = await brief_commands.list_issues(context.bot_data.db, person, grants)
    await send_answer(update, context, answer, person)


async def get_button(update: Update, context: Context) -> None:
    """bf:get:<issue>: the issued document, sent again to whoever may read it."""
    query = update.callback_query
    if query is None:
        return
    person, _ = await current(update, context)
    services, texts = context.bot_data, context.bot_data.texts
    answer = await brief_commands.issued(
        services.db, services.rules, person, bf.decode(query.data or "")
    )
    [reply] = answer.replies
    if reply.key.startswith("refused."):
        await explain(update, context, Refused(reply.key.removeprefix("refused."), **reply.params))
        return
    await acknowledge(query)
    chat_id = press_chat(query, person)
    if chat_id is not None:
        file = reply.params["file"]
        params = {k: v for k, v in reply.params.items() if k != "file"}
        caption = texts(reply.key, **params)
        await send_stored_file(context, chat_id, "document", str(file["key"]), caption)
