"""Website news in chat: /news (what waits for me; /news N sends item N to sign-off), the
buttons `wn:send:<item>` (editor), `wn:a|r:<news>:<round>` (centre leader: 同意发布 / 退回),
`wn:s:<news>:<round>` (editor: resend after a return), `wn:p:<news>:<round>` (network admin:
已发布, then the URL is pasted), and the typed return reason or URL."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.cards import keyboard
from bot.context import Context
from bot.texts import Texts
from chat.actions import webnews as wn
from storage.models import Person
from workflow import webnews
from workflow.outcomes import Refused

from . import waits
from .common import (
    acknowledge,
    confirm_keyboard,
    current,
    deliver,
    explain,
    mark_decided,
    press_chat,
)
from .general import flush as write_through
from .waits import PENDING_WEB_RETURN, PENDING_WEB_URL

ITEM_ARG = re.compile(r"[#＃]?([0-9]{1,12})")


async def _unbutton(context: Context, pending: dict[str, Any]) -> None:
    """Removes the buttons of the message a typed answer was asked from."""
    if pending.get("chat") and pending.get("message"):
        with contextlib.suppress(BadRequest, Forbidden):
            await context.bot.edit_message_reply_markup(
                pending["chat"], pending["message"], reply_markup=None
            )


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
        elif action == "r":
            await webnews.check_signable(services.db, person, news_id, round_)
            waits.expect(update, context, PENDING_WEB_RETURN, _pending(query, news_id, round_))
            await acknowledge(query)
            if chat_id is not None:
                await context.bot.send_message(chat_id, texts("web.ask_reason", news=news_id))
        elif action in "cx":  # the return's reason, shown back: confirmed or cancelled
            await _on_confirm(update, context, person, news_id, round_, confirm=action == "c")
        elif action == "s":
            sent = await webnews.resend(services.db, services.rules, person, news_id, round_)
            await acknowledge(query, texts("web.sent_alert"))
            await mark_decided(
                context, query.message, texts("web.resent_note", round=sent.news.round)
            )
            if chat_id is not None:
                await context.bot.send_message(chat_id, _sent_text(texts, sent))
            await deliver(context, sent.notices)
        else:  # p: the network admin published it; the URL comes next
            await webnews.check_publishable(services.db, person, news_id, round_)
            waits.expect(update, context, PENDING_WEB_URL, _pending(query, news_id, round_))
            await acknowledge(query)
            if chat_id is not None:
                await context.bot.send_message(chat_id, texts("web.ask_url", news=news_id))
    except Refused as refused:
        await explain(update, context, refused)


async def _on_confirm(
    update: Update, context: Context, person: Person, news_id: int, round_: int, confirm: bool
) -> None:
    """✅ 确认 returns the news with the reason shown (re-checking the leader and the round);
    ✖️ 取消 leaves everything as it was."""
    query = update.callback_query
    assert query is not None
    services, texts = context.bot_data, context.bot_data.texts
    pending = waits.held(context, "web_return", news=news_id, round=round_)
    if pending is None:
        raise Refused("confirm_stale", minutes=waits.minutes(context))
    if not confirm:
        waits.release(context)
        await acknowledge(query, texts("confirm.kept"))
        await mark_decided(context, query.message, texts("web.return_kept"))
        return
    try:
        decided = await webnews.decide(
            services.db, person, news_id, round_, approve=False, reason=str(pending["reason"])
        )
    except Refused:
        waits.release(context)  # decided meanwhile, or no longer theirs: nothing to confirm
        raise
    waits.release(context)
    await acknowledge(query)
    await mark_decided(
        context,
        query.message,
        texts("web.returned_done", news=decided.news.id, reason=decided.news.return_reason),
    )
    await _unbutton(context, pending)
    await deliver(context, decided.notices)


def _pending(query: Any, news_id: int, round_: int) -> dict[str, Any]:
    """What a typed answer needs: the news round, and the message to take the buttons off."""
    message = query.message
    return {
        "news": news_id,
        "round": round_,
        "chat": message.chat.id if message else None,
        "message": message.message_id if message else None,
    }


async def on_text(update: Update, context: Context) -> None:
    """A return reason or a published URL, when one is awaited; other text passes on."""
    message, user_data = update.effective_message, context.user_data
    if message is None or not user_data or not message.text or message.text.startswith("/"):
        return
    if not await waits.gate(update, context, (PENDING_WEB_RETURN, PENDING_WEB_URL)):
        return
    services, texts = context.bot_data, context.bot_data.texts
    person, _ = await current(update, context)
    try:
        if person is None:
            raise Refused("not_allowed")
        if PENDING_WEB_RETURN in user_data:
            try:
                reason = webnews.check_return_reason(message.text)
            except Refused as refused:
                if refused.key != "web_return_needs_reason":
                    raise
                await message.reply_text(texts("web.reason_empty"))
                raise ApplicationHandlerStop from None
            pending = user_data.pop(PENDING_WEB_RETURN)
            news_id, round_ = int(pending["news"]), int(pending["round"])
            await webnews.check_signable(services.db, person, news_id, round_)
            waits.hold(
                context,
                "web_return",
                news=news_id,
                round=round_,
                reason=reason,
                chat=pending.get("chat"),
                message=pending.get("message"),
            )
            await message.reply_text(
                texts("web.confirm_return", news=news_id, reason=reason),
                reply_markup=confirm_keyboard(
                    texts, wn.NewsAction("c", news_id, round_), wn.NewsAction("x", news_id, round_)
                ),
            )
            await write_through(update, context)  # the held reason survives a restart
        else:
            pending = user_data[PENDING_WEB_URL]
            try:
                published = await webnews.publish(
                    services.db,
                    services.rules,
                    person,
                    int(pending["news"]),
                    int(pending["round"]),
                    message.text,
                )
            except Refused as refused:
                if refused.key not in ("web_bad_url", "web_url_too_long"):
                    user_data.pop(PENDING_WEB_URL, None)  # nothing left to publish
                raise  # a bad address: the question stays, to paste it again
            user_data.pop(PENDING_WEB_URL, None)
            await _unbutton(context, pending)
            adoption = published.adoption
            await message.reply_text(
                texts(
                    "web.published_done",
                    news=published.news.id,
                    url=published.news.url,
                    outlet=services.rules.publishing.website_outlet,
                )
                + "\n"
                + (
                    texts(
                        "web.adoption_recorded",
                        outlet=adoption.outlet,
                        level=adoption.level,
                        points=adoption.points,
                    )
                    if adoption is not None
                    else texts("web.adoption_existed")
                )
            )
            await deliver(context, published.notices)
    except Refused as refused:
        await explain(update, context, refused)
    raise ApplicationHandlerStop
