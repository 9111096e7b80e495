"""Typed handler context: the services every handler reaches through `context.bot_data`."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from chat.capabilities import TELEGRAM, Capabilities, narrowest
from chat.dialogue import Engine
from chat.texts import Texts
from delivery.courier import Courier
from storage.db import Database
from workflow.rules import CentreRules
from workflow.schedule import ScheduleRules

from .options import TelegramOptions


class BotData:
    """The services shared by all handlers; set once before polling starts."""

    def __init__(self) -> None:
        self._db: Database | None = None
        self._rules: CentreRules | None = None
        self._options: TelegramOptions | None = None
        self._texts: Texts | None = None
        self._schedule: ScheduleRules | None = None
        self._courier: Courier | None = None
        self.capabilities: Capabilities = narrowest(TELEGRAM)  # what holds on every channel served
        #: The conversation engine, built on the first update (`handlers.dialogue.engine`).
        self.dialogues: Engine | None = None

    def setup(self, db: Database, rules: CentreRules, options: TelegramOptions) -> None:
        """Wires the services in (called by build_application)."""
        self._db, self._rules, self._options = db, rules, options
        self._texts = Texts(options.language)
        self._schedule = options.schedule

    def use_courier(self, courier: Courier) -> None:
        """Wires in the outbox's background sender (called by build_application)."""
        self._courier = courier

    @property
    def courier(self) -> Courier:
        """The outbox's background sender, which handlers wake after queuing notices."""
        assert self._courier is not None, "BotData.use_courier() was not called"
        return self._courier

    @property
    def schedule(self) -> ScheduleRules:
        """When scheduled messages go out."""
        assert self._schedule is not None, "BotData.setup() was not called"
        return self._schedule

    @property
    def db(self) -> Database:
        """The ledger."""
        assert self._db is not None, "BotData.setup() was not called"
        return self._db

    @property
    def rules(self) -> CentreRules:
        """The centre's rules."""
        assert self._rules is not None, "BotData.setup() was not called"
        return self._rules

    @property
    def options(self) -> TelegramOptions:
        """What the adapter reads of the configuration."""
        assert self._options is not None, "BotData.setup() was not called"
        return self._options

    @property
    def texts(self) -> Texts:
        """The text catalogue in the configured language."""
        assert self._texts is not None, "BotData.setup() was not called"
        return self._texts


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)
