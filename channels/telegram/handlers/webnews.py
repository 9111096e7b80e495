"""Website news in chat: /news (what waits for me; /news N sends item N to sign-off), the
buttons `wn:send:<item>` (editor), `wn:a|r:<news>:<round>` (centre leader: 同意发布 / 退回),
`wn:s:<news>:<round>` (editor: resend after a return), `wn:p:<news>:<round>` (network admin:
已发布, then the URL is pasted). The return's typed reason and its confirmation, and the URL,
are the conversation engine's (`workflow.dialogues`, `channels/telegram/handlers/dialogue.py`)."""

from __future__ import annotations

import re

from telegram import Update

from channels.telegram.context import Context
from channels.telegram.render import keyboard
from chat.actions import webnews as wn
from chat.texts import Texts
from workflow import webnews
from workflow.outcomes import Refused

from .common import (
    acknowledge,
    current,
    deliver,
    explain,
    mark_decided,
    press_chat,
)

ITEM_ARG = re.compile(r"[#＃]?([0-9]{1,12})")


def _sent_text(texts: Texts, sent: webnews.Sent) -> str:
    """What the editor is told after sending (or resending) news to sign-off."""
    key = "web.sent" if sent.leaders else "web.sent_no_leader"
    return texts(
        key,
        news=sent.news.id,
        item=sent.item.id,
        round=sent.news.round,
        leaders=sent.leaders,
        heading=sent.news.heading,
    )


async def news_command(update: Update, context: Context) -> None:
    """/news N sends item N to website sign-off; /news lists the website news waiting for me."""
    message = update.effective_message
    if message is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    args = context.args or []
    person, _ = await current(update, context)
    try:
        if person is None:
            raise Refused("web_no_role")
        if args:
            number = ITEM_ARG.fullmatch(args[0].strip()) if len(args) == 1 else None
            if number is None:
                await message.reply_text(texts("web.usage"))
                return
            sent = await webnews.send(services.db, services.rules, person, int(number[1]))
            await message.reply_text(_sent_text(texts, sent))
            await deliver(context, sent.notices)
            return
        waiting = await webnews.waiting_for(services.db, person)
    except Refused as refused:
        await explain(update, context, refused)
        return
    if not (waiting.to_sign or waiting.to_publish or waiting.mine):
        await message.reply_text(texts("web.none"))
        return
    for entry in waiting.to_sign:
        news = entry.news
        await message.reply_text(
            texts(
                "web.line_sign",
                news=news.id,
                item=entry.item.id,
                heading=news.heading,
                unit=entry.unit,
                round=news.round,
            ),
            reply_markup=keyboard(texts, webnews.sign_buttons(news.id, news.round)),
        )
    for entry in waiting.to_publish:
        news = entry.news
        await message.reply_text(
            texts(
                "web.line_publish",
                news=news.id,
                item=entry.item.id,
                heading=news.heading,
                unit=entry.unit,
            ),
            reply_markup=keyboard(texts, webnews.publish_buttons(news.id, news.round)),
        )
    for entry in waiting.mine:
        news = entry.news
        markup = (
            keyboard(texts, webnews.returned_buttons(entry.item.id, news.id, news.round))
            if news.state == "returned"
            else None
        )
        await message.reply_text(
            texts(
                "web.line_mine_returned" if news.state == "returned" else "web.line_mine",
                news=news.id,
                item=entry.item.id,
                heading=news.heading,
                state=texts(f"web.state_{news.state}"),
                reason=news.return_reason or "",
            ),
            reply_markup=markup,
        )


async def on_button(update: Update, context: Context) -> None:
    """Every website news button; each press re-checks the presser's role and the news state."""
    query = update.callback_query
    if query is None:
        return
    services, texts = context.bot_data, context.bot_data.texts
    press = wn.decode(query.data or "")
    person, _ = await current(update, context)
    chat_id = press_chat(query, person)
    try:
        if press is None:
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        if isinstance(press, wn.SendNews):  # the editor sends an item
            sent = await webnews.send(services.db, services.rules, person, press.item_id)
            await acknowledge(query, texts("web.sent_alert"))
            if chat_id is not None:
                await context.bot.send_message(chat_id, _sent_text(texts, sent))
            await deliver(context, sent.notices)
            return
        action, news_id, round_ = press.verb, press.news_id, press.round
        if action == "a":
            decided = await webnews.decide(services.db, person, news_id, round_, approve=True)
            await acknowledge(query, texts("web.approved_alert"))
            await mark_decided(context, query.message, texts("web.approved_note", by=person.name))
            if not decided.publishers and chat_id is not None:
                await context.bot.send_message(chat_id, texts("web.no_publisher"))
            await deliver(context, decided.notices)
        elif action in "cx":  # the engine takes one held: nothing is
            minutes = int(services.rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        elif action == "s":
            sent = await webnews.resend(services.db, services.rules, person, news_id, round_)
            await acknowledge(query, texts("web.sent_alert"))
            await mark_decided(
                context, query.message, texts("web.resent_note", round=sent.news.round)
            )
            if chat_id is not None:
                await context.bot.send_message(chat_id, _sent_text(texts, sent))
            await deliver(context, sent.notices)
        else:  # r, p: the engine's, taken before this
            raise Refused("forged")
    except Refused as refused:
        await explain(update, context, refused)
