"""The Telegram application: builds the PTB Application with every handler, in order, and
hands the composition root's timed work its services and error handler."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from telegram import BotCommand, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from channels.telegram.adapter import TelegramChannel, paced_rate_limiter
from channels.telegram.context import CONTEXT_TYPES, BotData, Context
from channels.telegram.handlers import (
    admin,
    briefs,
    campaigns,
    centre,
    dialogue,
    general,
    lookup,
    signoff,
    start,
    submit,
    survey,
    tasks,
    visits,
    webnews,
)
from channels.telegram.handlers import announce as announcements
from channels.telegram.options import TelegramOptions
from channels.telegram.ratelimit import PacedRateLimiter
from channels.telegram.request import RetryingRequest
from channels.telegram.transport import AiohttpRequest
from channels.telegram.updates import PerUserUpdateProcessor
from chat import actions
from chat.capabilities import narrowest
from chat.channel import Channel
from delivery import outbox as delivery
from delivery.courier import Courier
from delivery.outbox import DrainReport
from storage import outbox
from storage.db import Database
from storage.models import TELEGRAM, Room
from workflow.rules import CentreRules

BotApp = Application[Any, Context, dict[Any, Any], dict[Any, Any], BotData, Any]
OnError = Callable[[Exception], Awaitable[None]]
Timed = TypeVar("Timed")


def build_application(
    options: TelegramOptions,
    db: Database,
    rules: CentreRules,
    *,
    token: str,
    rate_limit: bool = True,
    channels: Mapping[str, Channel] | None = None,
) -> BotApp:
    """The bot: real PTB Application polling the configured Bot API endpoint; its courier
    sends through `channels` too (another chat network served in the same process)."""
    processor = PerUserUpdateProcessor(backlog=options.per_person_backlog)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(options.api_base_url)
        .base_file_url(options.file_base_url)
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML))  # every text is HTML-escaped by Texts
        .post_init(_post_init)
        .job_queue(None)  # timed work is the scheduler's (`scheduler_for`), not PTB's
        .concurrent_updates(processor)
        .request(RetryingRequest(connection_pool_size=256))  # a chat reply survives a blip
        .get_updates_request(AiohttpRequest())  # PTB polls again itself
    )
    limiter = paced_rate_limiter() if rate_limit else None
    if limiter is not None:
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    app: BotApp = builder.build()
    services = app.bot_data
    services.setup(db, rules, options)

    async def tell_flooding(update: Update) -> None:
        """One polite line to someone whose updates are dropped for coming too fast."""
        chat = update.effective_chat
        if chat is not None and chat.type == "private":
            with contextlib.suppress(TelegramError):
                await app.bot.send_message(chat.id, services.texts("flood"))

    processor.on_flood = tell_flooding

    async def queue_reply(data: dict[str, Any]) -> bool:
        """A chat reply Telegram kept refusing (sustained 429s) goes to the outbox instead of
        being lost: it arrives, in order, when Telegram takes messages again."""
        markup = data.get("reply_markup")
        payload: dict[str, Any] = {"text": str(data.get("text") or "")}
        if isinstance(markup, InlineKeyboardMarkup):
            payload["markup"] = markup.to_dict()
        if not payload["text"]:
            return False
        async with db.transaction() as tx:
            chat = Room(TELEGRAM, str(int(data["chat_id"])))  # a chat, whoever it belongs to
            await outbox.enqueue(tx, f"reply:{uuid.uuid4().hex}", chat, payload)
        services.courier.wake()
        return True

    if isinstance(limiter, PacedRateLimiter):
        limiter.fallback = queue_reply

    channels = {**(channels or {}), TELEGRAM: TelegramChannel(app.bot, db, services.texts)}
    # what one person writes once for readers on any channel (/announce) holds on all of them
    served = [channels[TELEGRAM], *(c for name, c in channels.items() if name != TELEGRAM)]
    services.capabilities = narrowest(*(channel.capabilities for channel in served))

    async def send_outbox() -> DrainReport:
        """One outbox pass through the channels the bot serves (Telegram: the application's
        bot)."""
        return await delivery.drain(channels, db, rules)

    async def next_retry() -> float | None:
        """Seconds until the outbox's soonest retry is due."""
        async with db.reading() as tx:
            due = await outbox.next_retry(tx)
        return None if due is None else (due - db.clock()).total_seconds()

    # The courier's passes are awaited by app.stop(); its naps end with the application.
    services.use_courier(
        Courier(send_outbox, app.create_task, next_retry, alive=lambda: app.running)
    )
    private = filters.ChatType.PRIVATE
    campaign_files = filters.PHOTO | filters.Document.ALL
    # First, and never stopping the update: a signer who writes gets waiting steps again.
    app.add_handler(MessageHandler(private, signoff.offer_again), group=-10)
    # A configured admin who never joined starts /announce: made a person for the engine.
    app.add_handler(CommandHandler("announce", announcements.enrol, filters=private), group=-6)
    # Then: typed answers another action overrides end, and the conversation engine's turn.
    app.add_handler(TypeHandler(Update, dialogue.route), group=-5)
    # Before it: a photo or file a campaign step takes is fetched and stored first.
    app.add_handler(MessageHandler(private & campaign_files, campaigns.on_file), group=-6)
    # After it: a text while a survey answer's comment is awaited (a stranger's too).
    typed = private & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(typed, survey.on_text), group=-4)
    # Group 0: one handler per update, first match wins.
    app.add_handlers(
        [
            CommandHandler("start", start.start, filters=private),
            CommandHandler("help", start.help_command),
            CommandHandler("notify", start.notify_command, filters=private),
            CommandHandler("link", start.link_command, filters=private),
            CallbackQueryHandler(start.notify_button, pattern=actions.notify.PATTERN),
            # /submit is the engine's (dialogue.route); what it leaves: strangers, stale or garbled data
            CommandHandler("submit", submit.no_unit, filters=private),
            CallbackQueryHandler(submit.stranger_revise, pattern=actions.revise.PATTERN),
            CallbackQueryHandler(submit.garbled, pattern=r"^sub:"),
            CallbackQueryHandler(signoff.on_button, pattern=actions.signoff.PATTERN),
            CallbackQueryHandler(centre.on_button, pattern=actions.editor.PATTERN),
            CallbackQueryHandler(lookup.item_button, pattern=actions.item.PATTERN),
            CommandHandler("queue", centre.queue, filters=private),
            CommandHandler("my", lookup.my_items, filters=private),
            CommandHandler("bulletin", lookup.bulletin, filters=private),
            CommandHandler("unit", lookup.my_unit, filters=private),
            CommandHandler("rank", lookup.ranking, filters=private),
            CommandHandler("item", lookup.show_item, filters=private),
            CommandHandler("pending", lookup.pending, filters=private),
            CommandHandler("find", lookup.find, filters=private),
            CommandHandler("invite", admin.invite, filters=private),
            CommandHandler("units", admin.list_units, filters=private),
            CommandHandler("noinformant", admin.no_informant, filters=private),
            CommandHandler("revoke", admin.revoke_menu, filters=private),
            CommandHandler("correct", admin.correct, filters=private),
            CommandHandler("task", tasks.open_task, filters=private),
            CommandHandler("tasks", tasks.list_tasks, filters=private),
            CallbackQueryHandler(tasks.on_button, pattern=actions.tasks.PATTERN),
            CallbackQueryHandler(admin.on_button, pattern=actions.admin.PATTERN),
            CommandHandler("guide", announcements.guide, filters=private),
            CommandHandler("announced", announcements.announced, filters=private),
            CallbackQueryHandler(
                announcements.report_button, pattern=actions.announce.REPORT_PATTERN
            ),
            CommandHandler("announce", announcements.start, filters=private),
            CallbackQueryHandler(announcements.stale, pattern=actions.announce.PATTERN),
            CommandHandler("brief", briefs.start_brief, filters=private),
            CallbackQueryHandler(briefs.draft_button, pattern=actions.briefs.OPEN_PATTERN),
            CallbackQueryHandler(briefs.draft_button, pattern=actions.briefs.MENU_PATTERN),
            CallbackQueryHandler(briefs.decision_button, pattern=actions.briefs.DECISION_PATTERN),
            CallbackQueryHandler(briefs.decision_button, pattern=actions.briefs.CONFIRM_PATTERN),
            CommandHandler("briefs", briefs.list_issues, filters=private),
            CallbackQueryHandler(briefs.get_button, pattern=actions.briefs.GET_PATTERN),
            CommandHandler("news", webnews.news_command, filters=private),
            CallbackQueryHandler(webnews.on_button, pattern=actions.webnews.PATTERN),
            CommandHandler("visit", visits.start_visit, filters=private),
            CallbackQueryHandler(visits.on_button, pattern=actions.visits.PATTERN),
            CommandHandler("campaign", campaigns.start_campaign, filters=private),
            CommandHandler("campaigns", campaigns.list_campaigns, filters=private),
            CallbackQueryHandler(survey.on_button, pattern=actions.campaign.SURVEY_PATTERN),
            CallbackQueryHandler(campaigns.on_button, pattern=actions.campaign.PATTERN),
            CommandHandler("cancel", general.cancel),
            CallbackQueryHandler(general.stale_button),
            MessageHandler(filters.ALL, general.fallback),
        ]
    )
    app.add_error_handler(general.on_error)
    return app


async def _post_init(app: BotApp) -> None:
    """Sets the default command menu."""
    texts = app.bot_data.texts
    await app.bot.set_my_commands(
        [
            BotCommand("start", "开始 / start"),
            BotCommand("help", texts("help.help").split("—", 1)[-1].strip()),
        ]
    )


def scheduler_for(app: BotApp, timed_work: Callable[[BotData, OnError], Timed]) -> Timed:
    """The bot's timed work (sweep, outbox retries), as the composition root builds it, on the
    application's services; a failed run goes to the application's error handler, which logs it
    and tells the admins."""

    async def report(error: Exception) -> None:
        """Hands a failed run to the error handlers, as PTB did for its own jobs."""
        await app.process_error(None, error)

    return timed_work(app.bot_data, report)
