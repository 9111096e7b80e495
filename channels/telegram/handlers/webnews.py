"""Website news in chat: /news (what waits for me; /news N sends item N to sign-off), the
buttons `wn:send:<item>` (editor), `wn:a|r:<news>:<round>` (centre leader: 同意发布 / 退回),
`wn:s:<news>:<round>` (editor: resend after a return), `wn:p:<news>:<round>` (network admin:
已发布, then the URL is pasted). The return's typed reason and its confirmation, and the URL,
are the conversation engine's (`workflow.dialogues`, `channels/telegram/handlers/dialogue.py`);
what the rest decides and says is `workflow.commands.webnews`'."""

from __future__ import annotations

from telegram import Update

from channels.telegram.context import Context
from chat.actions import webnews as wn
from workflow.commands import webnews as news_commands

from .answers import send_answer
from .common import current


async def news_command(update: Update, context: Context) -> None:
    """/news N sends item N to website sign-off; /news lists the website news waiting for me."""
    if update.effective_message is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    typed = " ".join(context.args or [])
    answer = await news_commands.news(services.db, services.rules, person, typed)
    await send_answer(update, context, answer, person)


async def on_button(update: Update, context: Context) -> None:
    """Every website news button; each press re-checks the presser's role and the news state."""
    query = update.callback_query
    if query is None:
        return
    services = context.bot_data
    person, _ = await current(update, context)
    pressed = wn.decode(query.data or "")
    answer = await news_commands.press(services.db, services.rules, person, pressed)
    await send_answer(update, context, answer, person)
