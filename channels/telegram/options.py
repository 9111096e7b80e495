"""What the Telegram adapter is handed by the composition root (`bot.wiring.telegram_options`):
what it reads of the configuration and the documents it sends, so it needs neither the
root's settings schema nor its document makers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from workflow.briefs import BriefContent
from workflow.figures import MonthReport
from workflow.schedule import ScheduleRules


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    """The Bot API's endpoints, the bot's name for links, how many updates a person may have
    queued, the catalogue's language, when scheduled messages go out, how an issued
    《工作简报》 becomes its .docx, how a month's bulletin reads and how a survey's QR code is drawn."""

    api_base_url: str
    file_base_url: str
    bot_username: str | None
    per_person_backlog: int
    language: str
    schedule: ScheduleRules
    render_issue: Callable[[BriefContent], Awaitable[bytes]]
    #: A month's bulletin as the chat shows it, in parts (one unit's line marked, or none).
    bulletin_parts: Callable[[MonthReport, int | None], list[str]]
    #: A unit's survey QR code as a PNG: (link, unit name, campaign title) → bytes.
    render_survey_qr: Callable[[str, str, str], bytes]
