"""What the Telegram adapter reads of the configuration: the composition root fills it in
(`bot.wiring.telegram_options`), so the adapter needs no settings schema of the root's."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.schedule import ScheduleRules


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    """The Bot API's endpoints, the bot's name for links, how many updates a person may have
    queued, the catalogue's language and when scheduled messages go out."""

    api_base_url: str
    file_base_url: str
    bot_username: str | None
    per_person_backlog: int
    language: str
    schedule: ScheduleRules
