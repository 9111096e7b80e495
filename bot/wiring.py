"""Turns validated settings into what the services use (rules, calendar)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.documents import offload
from bot.documents.bulletin import BulletinText
from bot.settings.fields import account_of, room_of
from bot.settings.schema import Settings
from channels.telegram.options import TelegramOptions
from chat.texts import Texts
from scoring.workdays import CalendarGap, WorkCalendar
from workflow.briefs import BriefContent
from workflow.figures import MonthReport
from workflow.rules import CentreRules, Outlet, Publishing, RoutingHint
from workflow.schedule import ScheduleRules

if TYPE_CHECKING:
    from channels.wecom.callback import CallbackConfig
    from channels.wecom.serve import WeComConfig, WeComSide
    from storage.db import Database


def centre_rules(
    settings: Settings, on_gap: Callable[[CalendarGap], None] | None = None
) -> CentreRules:
    """The services' view of the configuration, with a working-day calendar built from it."""
    calendar = work_calendar(settings, on_gap)
    return CentreRules(
        zone=settings.zone,
        calendar=calendar,
        policy=settings.scoring,
        chains={kind: tuple(settings.chain_for(kind)) for kind in settings.signoff_chains},
        categories={c.key: c.name for c in settings.categories},
        outlets={o.name: Outlet(o.name, o.level, o.media) for o in settings.outlets},
        deadline_working_days=settings.deadline_working_days,
        timeliness_judged_at=settings.timeliness_judged_at,
        deadline_exempt_categories=frozenset(settings.deadline_exempt_categories),
        invite_ttl=timedelta(hours=settings.invites.ttl_hours),
        admins=tuple(dict.fromkeys(account_of(a) for a in _numbers_first(settings.admins))),
        publishing=publishing(settings),
        own_item=settings.signoff.own_item,
        typed_answer=timedelta(minutes=settings.chat.typed_answer_minutes),
        survey_starts_per_minute=settings.chat.survey_starts_per_minute,
    )


def _numbers_first(values: tuple[int | str, ...]) -> list[int | str]:
    """Telegram admins in the order of their ids (as the bot always listed them), then others."""
    return sorted(v for v in values if isinstance(v, int)) + [
        v for v in values if isinstance(v, str)
    ]


def work_calendar(
    settings: Settings, on_gap: Callable[[CalendarGap], None] | None = None
) -> WorkCalendar:
    """The working-day calendar the configuration describes (overrides, complete years)."""
    config = settings.calendar
    return WorkCalendar(
        config.extra_holidays,
        config.extra_workdays,
        complete_years=config.complete_years,
        on_gap=on_gap,
    )


def publishing(settings: Settings) -> Publishing:
    """The publishing settings as the services use them."""
    config = settings.publishing
    return Publishing(
        brief_title=config.brief_title,
        issuing_body=config.issuing_body,
        brief_outlet=config.brief_outlet,
        website_outlet=config.website_outlet,
        report_to=tuple(config.report_to),
        send_to=tuple(config.send_to),
        issue_to=tuple(config.issue_to),
        brief_rooms=tuple(room_of(c) for c in config.brief_chat_ids),
        brief_adopted_on=config.brief_adopted_on,
        brief_ahead_days=config.brief_ahead_days,
        bulletin_code=config.bulletin_code,
        office_unit=config.office_unit,
        routing=tuple(
            RoutingHint(h.label, tuple(h.categories), tuple(h.markers), tuple(h.outlets))
            for h in config.routing
        ),
    )


def telegram_options(settings: Settings) -> TelegramOptions:
    """What the Telegram adapter reads of the configuration."""
    return TelegramOptions(
        api_base_url=str(settings.telegram.api_base_url),
        file_base_url=str(settings.telegram.file_base_url),
        bot_username=settings.telegram.bot_username,
        per_person_backlog=settings.telegram.per_person_backlog,
        language=settings.language.value,
        schedule=schedule_rules(settings),
        render_issue=render_issue,
        bulletin_parts=bulletin_parts(Texts(settings.language.value)),
        render_survey_qr=render_survey_qr,
    )


def render_survey_qr(link: str, unit_name: str, title: str) -> bytes:
    """A survey link's QR page (PNG); segno and Pillow are loaded on the first one, not at
    start (a bot whose centre runs no campaign need not carry them)."""
    from bot.documents import survey_qr

    return survey_qr.render(link, unit_name, title)


def wecom_callback_config(settings: Settings) -> CallbackConfig | None:
    """What WeCom's callback server is handed, or None when callbacks are not configured
    (the server's module loaded only then: a Telegram-only bot does not carry aiohttp's web
    server and the crypto library)."""
    from channels.wecom.callback import CallbackConfig

    wecom = settings.wecom
    if not wecom.api_ready or wecom.corp_id is None or wecom.token is None or wecom.aes_key is None:
        return None
    return CallbackConfig(
        corp_id=wecom.corp_id,
        token=wecom.token.get_secret_value(),
        encoding_aes_key=wecom.aes_key.get_secret_value(),
        path=wecom.callback_path,
        max_body_bytes=wecom.max_body_bytes,
        replay_window=timedelta(seconds=wecom.replay_window_seconds),
    )


def bulletin_parts(texts: Texts) -> Callable[[MonthReport, int | None], list[str]]:
    """A month's bulletin in the catalogue's words, in message-sized parts."""

    def parts(report: MonthReport, mine: int | None) -> list[str]:
        return BulletinText(texts, report).parts(mine=mine)

    return parts


async def render_issue(content: BriefContent) -> bytes:
    """An issue's .docx, made in a child process (python-docx stays out of the bot)."""
    return await offload.render("bot.documents.briefdoc:render", content)


def schedule_rules(settings: Settings) -> ScheduleRules:
    """When bulletins and reminders go out, from the configuration."""
    reminders = settings.reminders
    return ScheduleRules(
        bulletin_time=settings.bulletin.time,
        bulletin_chats=tuple(room_of(c) for c in settings.bulletin.chat_ids),
        annual_report_day=settings.bulletin.annual_report_day,
        signoff_after_working_days=reminders.signoff_after_working_days,
        quota_warning_days=reminders.quota_warning_working_days_before_month_end,
        quiet_start=reminders.quiet_hours.start,
        quiet_end=reminders.quiet_hours.end,
        recheck_minutes=reminders.recheck_minutes,
        bulletin_audience=frozenset(who.value for who in settings.bulletin.audience),
        bulletin_document=settings.bulletin.document,
    )


def wecom_config(settings: Settings) -> WeComConfig | None:
    """What the WeCom side is handed (None: WeCom is not configured, or only in part)."""
    from channels.wecom.serve import WeComConfig  # aiohttp's server only when WeCom is used

    callback = wecom_callback_config(settings)
    wecom = settings.wecom
    if callback is None or wecom.agent_id is None or wecom.secret is None:
        return None
    host, _, port = wecom.listen.rpartition(":")
    return WeComConfig(
        corp_id=callback.corp_id,
        agent_id=wecom.agent_id,
        secret=wecom.secret.get_secret_value(),
        api_base_url=str(wecom.api_base_url).rstrip("/"),
        callback=callback,
        host=host.strip("[]"),
        port=int(port),
        language=settings.language.value,
        menu=wecom.menu,
        corp_sends_per_minute=wecom.corp_sends_per_minute,
    )


def wecom_side(settings: Settings, db: Database, rules: CentreRules) -> WeComSide | None:
    """The WeCom side of a running bot, when WeCom is configured."""
    config = wecom_config(settings)
    if config is None:
        return None
    from channels.wecom.serve import WeComSide

    return WeComSide(
        config,
        db,
        rules,
        bulletin_parts=bulletin_parts(Texts(settings.language.value)),
        bulletin_document=settings.bulletin.document,
        render_issue=render_issue,
    )
