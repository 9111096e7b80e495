"""The bot's configuration: the schema of config.yaml and a loader whose errors name key paths.

Principle 7 of ../shared/spec/DESIGN.md: `config.yaml` is validated at start-up, every problem is
reported as `<key path>: <message>` (e.g. `units[3].monthly_quota: must be ≥ 0`), and the one
secret, the bot token, comes from the environment only. The numbers and lists default to those
of ../shared/spec/REGULATION.md; the shipped `config.yaml` comments every key.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from scoring.holidays import LAW_IN_FORCE_FROM, statutory_holidays
from scoring.policy import ScoringPolicy
from scoring.vocab import Role, UnitKind
from storage.models import TELEGRAM, Account, Room
from workflow.rules import JudgedAt, OwnItem

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_OUTLETS",
    "DEFAULT_SIGNOFF_CHAINS",
    "ENV_API_BASE_URL",
    "ENV_BOT_TOKEN",
    "ENV_CONFIG",
    "ENV_DB",
    "BulletinSettings",
    "CalendarSettings",
    "CategoryConfig",
    "ConfigError",
    "InvitesSettings",
    "Language",
    "OutletConfig",
    "QuietHours",
    "RemindersSettings",
    "Settings",
    "SignoffRole",
    "StorageSettings",
    "TelegramSettings",
    "UnitConfig",
    "config_file",
    "load_settings",
]

#: Environment variable naming the config file; wins over the path given to `load_settings`.
ENV_CONFIG: Final = "BAOSONG_CONFIG"
#: Environment variable overriding `storage.path` (relative values: against the current directory).
ENV_DB: Final = "BAOSONG_DB"
#: Environment variable overriding `telegram.api_base_url` (e.g. a local Bot API server).
ENV_API_BASE_URL: Final = "BAOSONG_API_BASE_URL"
#: Environment variable holding the bot token from @BotFather; never written in the file.
ENV_BOT_TOKEN: Final = "BAOSONG_BOT_TOKEN"
#: The config file used when neither BAOSONG_CONFIG nor a path is given (current directory).
DEFAULT_CONFIG_FILE: Final = Path("config.yaml")

_AT: Final = "config_problem"  # error type whose ctx["at"] continues the key path
_TOKEN_KEYS: Final = frozenset({"token", "bot_token", "api_token", "telegram_token"})
_TOKEN_MESSAGE: Final = (
    f"the bot token must not be written in this file; delete the line and set the "
    f"{ENV_BOT_TOKEN} environment variable instead"
)
_NOT_IN_FILE: Final = frozenset({"bot_token", "config_path"})  # Settings fields the loader sets
_TOKEN_SHAPE: Final = re.compile(r"\d+:[A-Za-z0-9_-]+")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and each problem's key path."""

    def __init__(self, header: str, problems: Sequence[str] = ()) -> None:
        """Keep the header and problem lines apart for callers, and join them for humans."""
        self.header = header
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join([header, *(f"  {line}" for line in self.problems)]))


def _problem(message: str, *at: str | int) -> PydanticCustomError:
    """A validation error whose key path continues with `at` below the validator's location."""
    return PydanticCustomError(_AT, message, {"at": at})


# --- field types -------------------------------------------------------------------------------


def _not_bool(value: object) -> object:
    """Refuse true/false where a number is meant (pydantic alone would read true as 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "must be a number, not true/false")
    return value


_HHMM: Final = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _clock_time(value: object) -> object:
    """Read "HH:MM" (24-hour) into a time, so 25:00 or 9am is an error rather than a guess."""
    if isinstance(value, time):
        return value
    if isinstance(value, str) and (match := _HHMM.fullmatch(value.strip())):
        return time(int(match[1]), int(match[2]))
    raise PydanticCustomError("clock_time", "must be a time like 09:00 (24-hour HH:MM)")


def _iso_date(value: object) -> object:
    """Read "YYYY-MM-DD" into a date; pydantic alone would take 0 as 1970-01-01."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("iso_date", "must be a date like 2026-10-01")


def _slug(value: str) -> str:
    """Category keys are short ASCII identifiers, stable in the database and callback data."""
    if not re.fullmatch(r"[a-z_]+", value):
        raise PydanticCustomError("slug", "must be lowercase letters a-z and _ only, like research")
    return value


def _non_empty_path(value: object) -> object:
    """An empty path would silently mean the current directory."""
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("empty_path", "must not be empty")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[int, BeforeValidator(_not_bool), Field(ge=0)]
Points = Annotated[Decimal, BeforeValidator(_not_bool), Field(ge=0)]


def _address(value: object) -> object:
    """An account or a chat: an integer (a Telegram id, as always) or "channel:id"."""
    value = _not_bool(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)  # a quoted number is still a Telegram id
    if isinstance(value, str):
        channel, sep, rest = value.strip().partition(":")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", channel) or not rest.strip():
            raise PydanticCustomError(
                "address",
                "must be a whole number (a Telegram id) or channel:id, like wecom:zhangwei",
            )
        if channel == TELEGRAM:  # telegram:123 is the plain number
            return int(rest) if re.fullmatch(r"-?[0-9]+", rest.strip()) else value.strip()
        return f"{channel}:{rest.strip()}"
    return value


def _user_address(value: object) -> object:
    """An account in settings: a Telegram user id is above zero."""
    value = _address(value)
    if isinstance(value, int) and value <= 0:
        raise PydanticCustomError("user_id", "must be > 0")
    return value


def account_of(value: int | str) -> Account:
    """The account a settings entry names: a plain number is a Telegram user id."""
    if isinstance(value, int):
        return Account(TELEGRAM, str(value))
    channel, _, external_id = value.partition(":")
    return Account(channel, external_id)


def room_of(value: int | str) -> Room:
    """The chat a settings entry names: a plain number is a Telegram chat id."""
    account = account_of(value)
    return Room(account.channel, account.external_id)


UserId = Annotated[int | str, BeforeValidator(_user_address)]
ChatId = Annotated[int | str, BeforeValidator(_address)]
ClockTime = Annotated[time, BeforeValidator(_clock_time)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_slug)]
HttpUrl = Annotated[str, StringConstraints(strip_whitespace=True)]

#: Roles that may sign an item off before it reaches the centre (第三条); `informant` is the
#: section head signing for section staff.
SignoffRole = Literal[Role.WINDOW_HEAD, Role.LEADER, Role.INFORMANT]


def _first_duplicate(values: Iterable[Hashable]) -> tuple[int, int] | None:
    """Indexes (first, second) of the first value that repeats, or None when all differ."""
    seen: dict[Hashable, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            return seen[value], index
        seen[value] = index
    return None


# --- sections ----------------------------------------------------------------------------------


class Language(StrEnum):
    """Language of the bot's texts to staff."""

    ZH = "zh"
    EN = "en"


class TelegramSettings(BaseModel):
    """Where the Bot API lives (a local Bot API server or the test fake can replace it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_base_url: HttpUrl = "https://api.telegram.org/bot"
    file_base_url: HttpUrl = "https://api.telegram.org/file/bot"
    bot_username: str | None = None
    per_person_backlog: Annotated[int, Field(ge=2, le=10_000)] = 200

    @field_validator("api_base_url", "file_base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        """PTB appends the token to these, so they must be http(s) URLs."""
        if not re.fullmatch(r"https?://\S+", value):
            raise PydanticCustomError(
                "url", "must be a URL starting with http:// or https://, like the default"
            )
        return value

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        """Deep links are t.me/<username>?start=…, so it must be a bare Telegram username."""
        if value is None:
            return None
        value = value.strip().removeprefix("@")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise PydanticCustomError(
                "username", "must be the bot's Telegram username, like baosong_bot"
            )
        return value


class StorageSettings(BaseModel):
    """The SQLite database file (DESIGN.md: one machine, SQLite)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Annotated[Path, BeforeValidator(_non_empty_path)] = Path("data/baosong.db")
    busy_timeout_ms: Count = 5000


class UnitConfig(BaseModel):
    """A reporting unit (单位) with its monthly quota and annual target (第一条, 第四条, 第十条)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Text
    kind: UnitKind
    monthly_quota: Count
    annual_target: Points
    key: Text | None = None  # a stable key: set it to the old name when renaming a unit


class OutletConfig(BaseModel):
    """A place that adopts (采用) items, and the level its adoptions score at (第九条)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Text
    level: Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=4)]
    media: bool = False


class CategoryConfig(BaseModel):
    """An item category (第二条): a stable key for the database and a label for people."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: Slug
    name: Text


#: A year for calendar.complete_years: a plain number within the years the bot can reckon with.
CalendarYear = Annotated[int, BeforeValidator(_not_bool), Field(ge=2000, le=2100)]


class CalendarSettings(BaseModel):
    """Corrections to the official working-day calendar (第五条; DESIGN.md principle 6), and the
    years whose whole schedule they give (so those years count as covered)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    extra_holidays: tuple[IsoDate, ...] = ()
    extra_workdays: tuple[IsoDate, ...] = ()
    complete_years: tuple[CalendarYear, ...] = ()

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarSettings:
        """A day cannot be both off and a working day."""
        holidays = set(self.extra_holidays)
        for index, day in enumerate(self.extra_workdays):
            if day in holidays:
                raise _problem(
                    f"{day.isoformat()} is also in extra_holidays; "
                    "a day is either off or a working day",
                    "extra_workdays",
                    index,
                )
        return self

    @model_validator(mode="after")
    def _no_statutory_workday(self) -> CalendarSettings:
        """A statutory holiday (《全国年节及纪念日放假办法》) is never a working day."""
        for index, day in enumerate(self.extra_workdays):
            if day.year < LAW_IN_FORCE_FROM:
                continue
            for holiday in statutory_holidays(day.year):
                if holiday.day == day:
                    raise _problem(
                        f"{day.isoformat()} is {holiday.name}, a statutory holiday; "
                        "it is never a working day",
                        "extra_workdays",
                        index,
                    )
        return self

    @field_validator("complete_years")
    @classmethod
    def _years_unique(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        """Each year is declared complete once."""
        duplicate = _first_duplicate(value)
        if duplicate is not None:
            raise _problem(f"{value[duplicate[1]]} is listed twice", duplicate[1])
        return value


class BulletinSettings(BaseModel):
    """Where and when the monthly bulletin (通报, 第四条) is posted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chat_ids: tuple[ChatId, ...] = ()
    time: ClockTime = time(9, 0)
    annual_report_day: Annotated[int, Field(ge=1, le=28)] = 10


class RoutingHintConfig(BaseModel):
    """One routing rule of 第六条: items of these categories, or whose text has one of these
    markers, are suggested for these outlets when an editor registers them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: Text
    categories: tuple[Slug, ...] = ()
    markers: tuple[Text, ...] = ()
    outlets: Annotated[tuple[Text, ...], Field(min_length=1)]


DEFAULT_ROUTING: Final[tuple[RoutingHintConfig, ...]] = (
    RoutingHintConfig(
        label="领导调研、创新做法：中心网站，报省中心",
        categories=("research", "measures"),
        markers=("调研", "视察", "考察", "创新", "首创", "试点"),
        outlets=("市政务服务中心网站", "省政务服务中心"),
    ),
    RoutingHintConfig(
        label="特色工作：《工作简报》，报送市四大班子和市直部门",
        categories=("centre_building", "culture", "service_stations", "implementation"),
        markers=("特色", "亮点", "经验", "典型", "品牌"),
        outlets=("《工作简报》",),
    ),
)


class PublishingSettings(BaseModel):
    """The centre's own publishing (第六条, 第七条): 《工作简报》 issues and website news."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    brief_title: Text = "工作简报"
    issuing_body: Text = "市政务服务中心"
    brief_outlet: Text = "《工作简报》"
    website_outlet: Text = "市政务服务中心网站"
    report_to: tuple[Text, ...] = ("省政务服务中心",)
    send_to: tuple[Text, ...] = ("市委、市人大、市政府、市政协领导",)
    issue_to: tuple[Text, ...] = ("各市直部门，各乡镇便民服务中心，中心各科室",)
    brief_chat_ids: tuple[ChatId, ...] = ()
    office_unit: Text = "办公室"
    routing: tuple[RoutingHintConfig, ...] = DEFAULT_ROUTING


class QuietHours(BaseModel):
    """Hours in which reminders wait (start > end wraps past midnight; start == end: none)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: ClockTime = time(20, 0)
    end: ClockTime = time(8, 0)

    def contains(self, moment: time) -> bool:
        """Whether a reminder due at this local time of day must wait until `end`."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class RemindersSettings(BaseModel):
    """When the bot nudges people (sign-offs waiting, quotas not yet met)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signoff_after_working_days: Annotated[int, BeforeValidator(_not_bool), Field(ge=1)] = 1
    quota_warning_working_days_before_month_end: Count = 5
    quiet_hours: QuietHours = Field(default_factory=QuietHours)


class ChatSettings(BaseModel):
    """How the chat waits for people (a typed answer after a button)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Minutes a question asked after a button (a return reason, a date) waits for its typed
    #: answer; a text arriving later is not taken as the answer.
    typed_answer_minutes: Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=24 * 60)] = 10


class SignoffSettings(BaseModel):
    """How sign-off steps treat an item whose author holds the step's role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    own_item: OwnItem = OwnItem.OTHER_HOLDER_ELSE_NEXT


class InvitesSettings(BaseModel):
    """Invite links that bind a Telegram account to a person, unit and role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ttl_hours: Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=24 * 366)] = 72


#: Sign-off chains of 第三条: window head then leader; township director; town 常务副主任; none.
DEFAULT_SIGNOFF_CHAINS: Final[Mapping[UnitKind, tuple[SignoffRole, ...]]] = {
    UnitKind.WINDOW: (Role.WINDOW_HEAD, Role.LEADER),
    UnitKind.TOWNSHIP: (Role.LEADER,),
    UnitKind.TOWN_CENTRE: (Role.LEADER,),
    UnitKind.SECTION: (),
}

#: Outlets of 第九条 with their levels, plus one news medium as an example.
DEFAULT_OUTLETS: Final[tuple[OutletConfig, ...]] = (
    OutletConfig(name="市政务服务中心网站", level=1),
    OutletConfig(name="《工作简报》", level=1),
    OutletConfig(name="市委、市政府", level=2),
    OutletConfig(name="省政务服务中心", level=3),
    OutletConfig(name="省委、省政府", level=4),
    OutletConfig(name="省级报纸", level=3, media=True),
)

#: The seven categories of 第二条, in its order.
DEFAULT_CATEGORIES: Final[tuple[CategoryConfig, ...]] = (
    CategoryConfig(key="implementation", name="贯彻落实上级决策部署"),
    CategoryConfig(key="centre_building", name="窗口和中心建设决策部署"),
    CategoryConfig(key="measures", name="主要措施和创新做法"),
    CategoryConfig(key="culture", name="文化建设"),
    CategoryConfig(key="service_stations", name="便民服务站工作动态"),
    CategoryConfig(key="public_work", name="其他面向社会的工作动态、政策解读"),
    CategoryConfig(key="research", name="调研报告"),
)


class Settings(BaseModel):
    """The whole validated configuration: config.yaml plus the BAOSONG_* environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "Asia/Shanghai"
    language: Language = Language.ZH
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
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
        duplicate = _first_duplicate(unit.name for unit in value)
        if duplicate is not None:
            first, second = duplicate
            raise _problem(
                f"duplicate unit name {value[second].name} (already used by units[{first}])",
                second,
                "name",
            )
        return value

    @field_validator("outlets")
    @classmethod
    def _outlet_names_unique(cls, value: tuple[OutletConfig, ...]) -> tuple[OutletConfig, ...]:
        """Adoptions are recorded against an outlet by name, so names must differ."""
        duplicate = _first_duplicate(outlet.name for outlet in value)
        if duplicate is not None:
            first, second = duplicate
            raise _problem(
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
            duplicate = _first_duplicate(getattr(category, field) for category in value)
            if duplicate is not None:
                first, second = duplicate
                raise _problem(
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
            duplicate = _first_duplicate(chain)
            if duplicate is not None:
                raise _problem(
                    f"{chain[duplicate[1]].value} appears twice in the chain", kind, duplicate[1]
                )
        return {kind: value.get(kind, DEFAULT_SIGNOFF_CHAINS[kind]) for kind in UnitKind}

    @model_validator(mode="after")
    def _research_category_exists(self) -> Settings:
        """第十二条's research articles are counted by category, so that category must exist."""
        keys = self.category_keys
        if self.scoring.research_category not in keys:
            raise _problem(
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
                raise _problem(
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
                raise _problem(
                    "must be one of the outlet names: " + ", ".join(outlets), "publishing", key
                )
        sections = [u.name for u in self.units if u.kind is UnitKind.SECTION]
        if "office_unit" in publishing.model_fields_set and publishing.office_unit not in sections:
            raise _problem(
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
                    raise _problem(
                        "must be one of the outlet names: " + ", ".join(outlets),
                        "publishing",
                        "routing",
                        index,
                        "outlets",
                        position,
                    )
            for position, key in enumerate(hint.categories):
                if key not in keys:
                    raise _problem(
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


# --- YAML --------------------------------------------------------------------------------------

_INT_TAG: Final = "tag:yaml.org,2002:int"
_FLOAT_TAG: Final = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG: Final = "tag:yaml.org,2002:timestamp"
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that keeps 20:00 and 2026-10-01 as text and refuses duplicate keys.

    YAML 1.1 reads an unquoted 20:00 as the base-60 number 1200 and turns dates into objects
    (failing outright on 2026-02-30); both are left to the schema, which explains itself better.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        """Refuse a key written twice in one mapping (YAML would silently keep the last)."""
        first_line: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            key = str(key_node.value)
            if key in first_line:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key} (first written on line {first_line[key]})",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_ConfigLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in {_INT_TAG, _FLOAT_TAG, _TIMESTAMP_TAG}
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ConfigLoader.add_implicit_resolver(
    _INT_TAG,
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)
_ConfigLoader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _read_mapping(file: Path, name: str, hint: str) -> dict[Any, Any]:
    """Parse the file into a mapping, turning every way that can fail into a ConfigError."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {file}{hint}",
            [
                "copy the sample config.yaml shipped with the bot to that path and edit it, "
                f"or set {ENV_CONFIG} to the path of an existing config file"
            ],
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{name} is not UTF-8 text{hint}",
            [f"byte {exc.start}: save the file as UTF-8 (not GBK/GB2312) and try again"],
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{name} cannot be read{hint}", [exc.strerror or type(exc).__name__]
        ) from None
    try:
        data = yaml.load(text, Loader=_ConfigLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top level)"
        problem = exc.problem or exc.context or "unreadable YAML"
        raise ConfigError(f"{name} is not valid YAML{hint}:", [f"{where}: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name} is not valid YAML{hint}:", [f"(top level): {exc}"]) from None
    if data is None:
        raise ConfigError(
            f"{name} is invalid{hint}:",
            [
                "(top level): the file is empty; start from the sample config.yaml shipped with the bot"
            ],
        )
    if not isinstance(data, dict):
        raise ConfigError(
            f"{name} is invalid{hint}:",
            [
                "(top level): must be a mapping of keys such as timezone: and units:, "
                f"not a {_kind_of(data)}"
            ],
        )
    return data


def _kind_of(value: object) -> str:
    """A plain word for a YAML value's type, for messages."""
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


# --- errors ------------------------------------------------------------------------------------

Loc = tuple[int | str, ...]


def _expected(ctx: Mapping[str, Any]) -> str:
    """The choices of an enum/literal error, as `a, b, c`."""
    raw = str(ctx.get("expected", ""))
    choices = re.findall(r"'([^']*)'", raw)
    return ", ".join(choices) if choices else raw


_NUMBER_TYPES: Final = frozenset(
    {"decimal_type", "decimal_parsing", "float_type", "float_parsing", "bool_not_number"}
)
_WHOLE_TYPES: Final = frozenset({"int_type", "int_parsing", "int_from_float", "int_parsing_size"})
_CONTAINER_TYPES: Final = frozenset({"list_type", "tuple_type", "set_type", "frozen_set_type"})
_MAPPING_TYPES: Final = frozenset({"dict_type", "model_type", "model_attributes_type"})


_NO_VALUE: Final = "has no value"


def _message(error: ErrorDetails) -> str:
    """A short human message for one pydantic error, instead of pydantic's own wording."""
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind in {"extra_forbidden", "invalid_key"}:
        return "unknown key (check spelling)"
    if error["input"] is None and kind.endswith("_type"):
        return _NO_VALUE
    bounds = {
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, name = bounds[kind]
        return f"must be {sign} {ctx[name]}"
    if kind in {"enum", "literal_error"}:
        return f"must be one of {_expected(ctx)}"
    if kind in _WHOLE_TYPES:
        return "must be a whole number"
    if kind == "bool_not_number":
        return error["msg"]
    if kind in _NUMBER_TYPES:
        return "must be a number"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in {"bool_type", "bool_parsing"}:
        return "must be true or false"
    if kind == "string_type":
        return "must be text"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return "must list at least one item" if least == 1 else f"must list at least {least} items"
    if kind in _CONTAINER_TYPES:
        return "must be a list (one `- item` per line, or [] for none)"
    if kind in _MAPPING_TYPES:
        return "must be a mapping of keys to values"
    if kind.startswith("date"):
        return "must be a date like 2026-10-01"
    if kind == "path_type":
        return "must be a file path"
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    return error["msg"]


def _inner_type(annotation: Any) -> Any:
    """Strip Annotated[...] and `| None` to reach the type that holds keys or items."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _step(annotation: Any, part: int | str) -> tuple[Any, bool]:
    """The schema type one location step down, and whether the step indexes a list."""
    annotation = _inner_type(annotation)
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return (None if field is None else field.annotation), False
    if origin in (tuple, list):
        return get_args(annotation)[0], True
    if origin is dict:
        return get_args(annotation)[1], False
    return None, isinstance(part, int)


def _key_path(loc: Loc) -> str:
    """Write a pydantic location as a key path: `units[3].monthly_quota`, `level_points.4`."""
    out = ""
    annotation: Any = Settings
    for part in loc:
        if part == "[key]":
            continue
        annotation, indexed = _step(annotation, part)
        if indexed:
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class the schema expects at this location, if it is a mapping of known keys."""
    annotation: Any = Settings
    for part in loc:
        annotation, _ = _step(annotation, part)
    annotation = _inner_type(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _keys_at(loc: Loc) -> list[str]:
    """The keys the schema allows in the mapping at this location (for spelling suggestions)."""
    model = _model_at(loc)
    if model is None:
        return []
    return [name for name in model.model_fields if name not in _NOT_IN_FILE]


def _has_default(loc: Loc) -> bool:
    """Whether the key at this location may be left out (it has a default)."""
    if not loc or not isinstance(loc[-1], str):
        return False
    model = _model_at(loc[:-1])
    field = model.model_fields.get(loc[-1]) if model is not None else None
    return field is not None and not field.is_required()


def _problem_lines(exc: ValidationError, overrides: Mapping[Loc, str]) -> list[str]:
    """One `<key path>: <message>` line per problem, a misspelt key merged with its suggestion."""
    errors = exc.errors(include_url=False)
    found: list[tuple[Loc, str]] = []
    for error in errors:
        loc: Loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc
            for other in errors
        ):
            continue  # pydantic counts only the valid items; the bad item is the real problem
        if error["type"] == _AT:
            loc += tuple(error.get("ctx", {}).get("at", ()))
            found.append((loc, error["msg"]))
        else:
            message = _message(error)
            if message == _NO_VALUE:
                message += (
                    " (give one, or delete the key to use the default)"
                    if _has_default(loc)
                    else " (give one)"
                )
            found.append((loc, message))
    missing = {loc for loc, message in found if message == "required"}
    merged: set[Loc] = set()
    lines: list[tuple[Loc, str]] = []
    for loc, message in found:
        if message.startswith("unknown key") and loc and isinstance(loc[-1], str):
            close = difflib.get_close_matches(loc[-1], _keys_at(loc[:-1]), n=1, cutoff=0.6)
            if close:
                message = f"unknown key (check spelling: did you mean {close[0]}?)"
                merged.add((*loc[:-1], close[0]))
        lines.append((loc, message))
    out: list[str] = []
    for loc, message in lines:
        if loc in merged and loc in missing and message == "required":
            continue
        for prefix, variable in overrides.items():
            if loc[: len(prefix)] == prefix:
                message += f" (value from {variable})"
        line = f"{_key_path(loc)}: {message}"
        if line not in out:
            out.append(line)
    return out


# --- loading -----------------------------------------------------------------------------------


def config_file(path: Path | None, env: Mapping[str, str]) -> Path:
    """Which file to load: $BAOSONG_CONFIG, else the given path, else ./config.yaml."""
    from_env = env.get(ENV_CONFIG, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return path if path is not None else DEFAULT_CONFIG_FILE


def _pop_secrets(data: dict[Any, Any]) -> list[str]:
    """Remove and report token-like keys (the token lives in the environment only)."""
    problems: list[str] = []
    sections: list[tuple[str, Any]] = [("", data), ("telegram.", data.get("telegram"))]
    for prefix, section in sections:
        if not isinstance(section, dict):
            continue
        for key in list(section):
            if isinstance(key, str) and key.strip().lower() in _TOKEN_KEYS:
                del section[key]
                problems.append(f"{prefix}{key}: {_TOKEN_MESSAGE}")
    if "config_path" in data:
        del data["config_path"]
        problems.append("config_path: unknown key (check spelling)")
    return problems


def _apply_env(data: dict[Any, Any], env: Mapping[str, str]) -> dict[Loc, str]:
    """Put BAOSONG_DB and BAOSONG_API_BASE_URL into the data; return what came from where."""
    overrides: dict[Loc, str] = {}
    targets: list[tuple[str, str, str]] = [
        (ENV_DB, "storage", "path"),
        (ENV_API_BASE_URL, "telegram", "api_base_url"),
    ]
    for variable, section, key in targets:
        value = env.get(variable, "").strip()
        if not value:
            continue
        if data.get(section) is None:
            data[section] = {}
        if isinstance(data[section], dict):
            if variable == ENV_DB and value != ":memory:":
                value = str(Path(value).expanduser().absolute())
            data[section][key] = value
            overrides[(section, key)] = variable
    return overrides


def _token(env: Mapping[str, str]) -> tuple[SecretStr | None, list[str]]:
    """The bot token from the environment, and a problem line if it is malformed (never shown)."""
    value = env.get(ENV_BOT_TOKEN, "").strip()
    if not value:
        return None, []
    if not _TOKEN_SHAPE.fullmatch(value):
        return None, [
            f"{ENV_BOT_TOKEN}: does not look like a bot token from @BotFather "
            "(digits, a colon, then letters, digits, _ or -)"
        ]
    return SecretStr(value), []


def load_settings(path: Path | None, env: Mapping[str, str]) -> Settings:
    """Load and validate the config file and the BAOSONG_* environment, or raise ConfigError."""
    file = config_file(path, env)
    hint = f" (from {ENV_CONFIG})" if env.get(ENV_CONFIG, "").strip() else ""
    name = str(file)
    data = _read_mapping(file, name, hint)
    problems = _pop_secrets(data)
    overrides = _apply_env(data, env)
    token, token_problems = _token(env)
    problems += token_problems
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems += _problem_lines(exc, overrides)
    if problems or settings is None:
        raise ConfigError(f"{name} is invalid{hint}:", problems)
    config_path = file.expanduser().absolute()
    storage_path = settings.storage.path.expanduser()
    if str(storage_path) != ":memory:" and not storage_path.is_absolute():
        storage_path = config_path.parent / storage_path
    storage = settings.storage.model_copy(update={"path": storage_path})
    return settings.model_copy(
        update={"storage": storage, "bot_token": token, "config_path": config_path}
    )
