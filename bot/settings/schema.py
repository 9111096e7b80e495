"""The whole configuration: `Settings`, its top-level keys and the checks across sections.

Principle 7 of ../shared/spec/DESIGN.md: `config.yaml` is validated at start-up. The numbers and
lists default to those of ../shared/spec/REGULATION.md; the shipped `config.yaml` comments
every key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.settings.fields import Count, SignoffRole, Slug, UserId, first_duplicate, problem
from bot.settings.sections import (
    DEFAULT_CATEGORIES,
    DEFAULT_OUTLETS,
    DEFAULT_SIGNOFF_CHAINS,
    BulletinSettings,
    CalendarSettings,
    CategoryConfig,
    ChatSettings,
    InvitesSettings,
    Language,
    OutletConfig,
    PublishingSettings,
    RemindersSettings,
    SignoffSettings,
    StorageSettings,
    TelegramSettings,
    UnitConfig,
    WecomSettings,
)
from scoring.policy import ScoringPolicy
from scoring.vocab import Role, UnitKind
from workflow.rules import JudgedAt


class Settings(BaseModel):
    """The whole validated configuration: config.yaml plus the BAOSONG_* environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "Asia/Shanghai"
    language: Language = Language.ZH
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    wecom: WecomSettings = Field(default_factory=WecomSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    admins: tuple[UserId, ...] = ()
    units: Annotated[tuple[UnitConfig, ...], Field(min_length=1)]
    signoff_chains: dict[UnitKind, tuple[SignoffRole, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_SIGNOFF_CHAINS)
    )
    signoff_any_of: bool = True
    signoff: SignoffSettings = Field(default_factory=SignoffSettings)
    outlets: Annotated[tuple[OutletConfig, ...], Field(min_length=1)] = DEFAULT_OUTLETS
    categories: Annotated[tuple[CategoryConfig, ...], Field(min_length=1)] = DEFAULT_CATEGORIES
    deadline_working_days: Count = 2
    timeliness_judged_at: JudgedAt = JudgedAt.CENTRE
    #: Not set in the file: the research category (调研报告 is not time-bound news).
    deadline_exempt_categories: tuple[Slug, ...] = ("research",)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    scoring: ScoringPolicy = Field(default_factory=ScoringPolicy)
    bulletin: BulletinSettings = Field(default_factory=BulletinSettings)
    reminders: RemindersSettings = Field(default_factory=RemindersSettings)
    invites: InvitesSettings = Field(default_factory=InvitesSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    publishing: PublishingSettings = Field(default_factory=PublishingSettings)
    #: From BAOSONG_BOT_TOKEN only; None runs the bot against the local emulator.
    bot_token: SecretStr | None = Field(default=None, exclude=True)
    #: The file these settings were loaded from (absolute), set by `load_settings`.
    config_path: Path | None = Field(default=None, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Business dates (deadlines, months) are reckoned in this zone, so it must exist."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise PydanticCustomError(
                "time_zone",
                "unknown time zone {zone} (use an IANA name like Asia/Shanghai)",
                {"zone": value},
            ) from None
        return value

    @field_validator("units")
    @classmethod
    def _unit_names_unique(cls, value: tuple[UnitConfig, ...]) -> tuple[UnitConfig, ...]:
        """Units are found by name, so two units may not share one."""
        duplicate = first_duplicate(unit.name for unit in value)
        if duplicate is not None:
            first, second = duplicate
            raise problem(
                f"duplicate unit name {value[second].name} (already used by units[{first}])",
                second,
                "name",
            )
        return value

    @field_validator("outlets")
    @classmethod
    def _outlet_names_unique(cls, value: tuple[OutletConfig, ...]) -> tuple[OutletConfig, ...]:
        """Adoptions are recorded against an outlet by name, so names must differ."""
        duplicate = first_duplicate(outlet.name for outlet in value)
        if duplicate is not None:
            first, second = duplicate
            raise problem(
                f"duplicate outlet name {value[second].name} (already used by outlets[{first}])",
                second,
                "name",
            )
        return value

    @field_validator("categories")
    @classmethod
    def _category_keys_unique(cls, value: tuple[CategoryConfig, ...]) -> tuple[CategoryConfig, ...]:
        """Items store the category key, and people pick by label, so both must differ."""
        for field in ("key", "name"):
            duplicate = first_duplicate(getattr(category, field) for category in value)
            if duplicate is not None:
                first, second = duplicate
                raise problem(
                    f"duplicate category {field} {getattr(value[second], field)} "
                    f"(already used by categories[{first}])",
                    second,
                    field,
                )
        return value

    @field_validator("signoff_chains")
    @classmethod
    def _complete_chains(
        cls, value: dict[UnitKind, tuple[SignoffRole, ...]]
    ) -> dict[UnitKind, tuple[SignoffRole, ...]]:
        """Fill unlisted kinds from 第三条 and refuse a role that signs twice in one chain."""
        for kind, chain in value.items():
            duplicate = first_duplicate(chain)
            if duplicate is not None:
                raise problem(
                    f"{chain[duplicate[1]].value} appears twice in the chain", kind, duplicate[1]
                )
        return {kind: value.get(kind, DEFAULT_SIGNOFF_CHAINS[kind]) for kind in UnitKind}

    @model_validator(mode="after")
    def _research_category_exists(self) -> Settings:
        """第十二条's research articles are counted by category, so that category must exist."""
        keys = self.category_keys
        if self.scoring.research_category not in keys:
            raise problem(
                "must be one of the category keys: " + ", ".join(keys),
                "scoring",
                "research_category",
            )
        return self

    @model_validator(mode="after")
    def _exempt_categories_exist(self) -> Settings:
        """Exempt categories are matched by key, so each must be a configured one; unset, the
        research category is exempt (调研报告 has no 2-day deadline)."""
        if "deadline_exempt_categories" not in self.model_fields_set:
            object.__setattr__(
                self, "deadline_exempt_categories", (self.scoring.research_category,)
            )
        keys = self.category_keys
        for position, key in enumerate(self.deadline_exempt_categories):
            if key not in keys:
                raise problem(
                    "must be one of the category keys: " + ", ".join(keys),
                    "deadline_exempt_categories",
                    position,
                )
        return self

    @model_validator(mode="after")
    def _publishing_names_exist(self) -> Settings:
        """Issues and website news record adoptions at configured outlets, and routing hints
        name outlets and categories: each name must be one configured above."""
        outlets = [outlet.name for outlet in self.outlets]
        publishing = self.publishing
        for key in ("brief_outlet", "website_outlet"):
            if getattr(publishing, key) not in outlets:
                raise problem(
                    "must be one of the outlet names: " + ", ".join(outlets), "publishing", key
                )
        sections = [u.name for u in self.units if u.kind is UnitKind.SECTION]
        if "office_unit" in publishing.model_fields_set and publishing.office_unit not in sections:
            raise problem(
                "must be the name of a section unit: "
                + (", ".join(sections) or "(none configured)"),
                "publishing",
                "office_unit",
            )
        keys = self.category_keys
        if "routing" not in publishing.model_fields_set:  # the defaults: keep what applies here
            kept = tuple(
                hint.model_copy(
                    update={"categories": tuple(k for k in hint.categories if k in keys)}
                )
                for hint in publishing.routing
                if all(outlet in outlets for outlet in hint.outlets)
            )
            object.__setattr__(publishing, "routing", kept)
        for index, hint in enumerate(publishing.routing):
            for position, outlet in enumerate(hint.outlets):
                if outlet not in outlets:
                    raise problem(
                        "must be one of the outlet names: " + ", ".join(outlets),
                        "publishing",
                        "routing",
                        index,
                        "outlets",
                        position,
                    )
            for position, key in enumerate(hint.categories):
                if key not in keys:
                    raise problem(
                        "must be one of the category keys: " + ", ".join(keys),
                        "publishing",
                        "routing",
                        index,
                        "categories",
                        position,
                    )
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The business time zone (deadlines, months, bulletin times are reckoned in it)."""
        return ZoneInfo(self.timezone)

    @property
    def category_keys(self) -> tuple[str, ...]:
        """The category keys, in configured order."""
        return tuple(category.key for category in self.categories)

    def chain_for(self, kind: UnitKind) -> tuple[Role, ...]:
        """The ordered roles that must sign an item of a unit of this kind (第三条)."""
        return self.signoff_chains[kind]
