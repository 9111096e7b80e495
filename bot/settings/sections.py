"""The sections of config.yaml (telegram, storage, units, outlets, calendar, bulletin,
publishing, reminders, …) and the regulation's defaults for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.settings.fields import (
    ChatId,
    ClockTime,
    Count,
    HttpUrl,
    IsoDate,
    Points,
    SignoffRole,
    Slug,
    Text,
    first_duplicate,
    non_empty_path,
    not_bool,
    problem,
)
from scoring.holidays import LAW_IN_FORCE_FROM, statutory_holidays
from scoring.vocab import Role, UnitKind
from workflow.rules import OwnItem


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


_LISTEN: Final = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})")
_CORP_ID: Final = re.compile(r"[A-Za-z0-9]{1,64}")


class WecomSettings(BaseModel):
    """The WeCom (企业微信) self-built application: who it is, where its callback listens and
    where its API lives. Its secret, Token and EncodingAESKey come from the environment only
    (BAOSONG_WECOM_SECRET, BAOSONG_WECOM_TOKEN, BAOSONG_WECOM_AES_KEY), set by the loader."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    corp_id: str | None = None
    agent_id: Annotated[int, BeforeValidator(not_bool), Field(ge=1)] | None = None
    listen: str = "127.0.0.1:8089"
    callback_path: str = "/wecom/callback"
    api_base_url: HttpUrl = "https://qyapi.weixin.qq.com"
    max_body_bytes: Annotated[int, BeforeValidator(not_bool), Field(ge=1024, le=1024 * 1024)] = (
        64 * 1024
    )
    replay_window_seconds: Annotated[int, BeforeValidator(not_bool), Field(ge=30, le=3600)] = 300
    #: Whether the bot sets the application's menu (menu/create) at start.
    menu: bool = True
    #: message/send calls the bot makes in any minute (WeCom allows a corp 10,000 an API;
    #: lower it when other applications of the corp send too): beyond it WeCom answers 45009.
    corp_sends_per_minute: Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=10_000)] = (
        10_000
    )
    #: The application's Secret (BAOSONG_WECOM_SECRET), for gettoken.
    secret: SecretStr | None = Field(default=None, exclude=True)
    #: The callback's Token (BAOSONG_WECOM_TOKEN), for signatures.
    token: SecretStr | None = Field(default=None, exclude=True)
    #: The callback's EncodingAESKey (BAOSONG_WECOM_AES_KEY), 43 characters.
    aes_key: SecretStr | None = Field(default=None, exclude=True)

    @field_validator("corp_id")
    @classmethod
    def _corp_id(cls, value: str | None) -> str | None:
        """A CorpID is letters and digits (ww…, wx…); it is the callbacks' receive id too."""
        if value is None:
            return None
        value = value.strip()
        if not _CORP_ID.fullmatch(value):
            raise PydanticCustomError(
                "corp_id", "must be the CorpID from the admin console, letters and digits only"
            )
        return value

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        """The callback server's address: host:port, the port 1–65535."""
        value = value.strip()
        match = _LISTEN.fullmatch(value)
        if match is None or not 1 <= int(match[2]) <= 65535:
            raise PydanticCustomError(
                "listen", "must be host:port, like 127.0.0.1:8089 or [::]:8089 (port 1–65535)"
            )
        return value

    @field_validator("callback_path")
    @classmethod
    def _path(cls, value: str) -> str:
        """The callback's path in the URL given to the admin console."""
        value = value.strip()
        if not re.fullmatch(r"/[A-Za-z0-9._~/-]*", value):
            raise PydanticCustomError(
                "path", "must be a URL path starting with /, like the default"
            )
        return value

    @field_validator("api_base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        """The API is called over HTTP(S) at this base (政务微信 and the emulator differ)."""
        if not re.fullmatch(r"https?://\S+", value):
            raise PydanticCustomError(
                "url", "must be a URL starting with http:// or https://, like the default"
            )
        return value.rstrip("/")

    @property
    def host(self) -> str:
        """The address the callback server binds (an IPv6 address without its brackets)."""
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        """The port the callback server binds."""
        return int(self.listen.rpartition(":")[2])

    @property
    def api_ready(self) -> bool:
        """Whether the API can be called: CorpID, AgentID and the Secret are all set."""
        return None not in (self.corp_id, self.agent_id, self.secret)

    @property
    def callbacks_ready(self) -> bool:
        """Whether callbacks can be received: the API is set up, and the Token and the AES key."""
        return self.api_ready and None not in (self.token, self.aes_key)


class StorageSettings(BaseModel):
    """The SQLite database file (DESIGN.md: one machine, SQLite)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Annotated[Path, BeforeValidator(non_empty_path)] = Path("data/baosong.db")
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
    level: Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=4)]
    media: bool = False


class CategoryConfig(BaseModel):
    """An item category (第二条): a stable key for the database and a label for people."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: Slug
    name: Text


#: A year for calendar.complete_years: a plain number within the years the bot can reckon with.
CalendarYear = Annotated[int, BeforeValidator(not_bool), Field(ge=2000, le=2100)]


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
                raise problem(
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
                    raise problem(
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
        duplicate = first_duplicate(value)
        if duplicate is not None:
            raise problem(f"{value[duplicate[1]]} is listed twice", duplicate[1])
        return value


class BulletinAudience(StrEnum):
    """Who gets the monthly bulletin in their own chat."""

    SIGNERS = "signers"  # each unit's approvers (窗口负责人, 分管领导 …), their unit marked
    INFORMANTS = "informants"  # each unit's informants and section staff, their unit marked
    EDITORS = "editors"  # the centre's editors
    CENTRE_LEADERS = "centre_leaders"  # the centre's leaders (分管, 主要领导)


class BulletinSettings(BaseModel):
    """Where, when and to whom the monthly bulletin (通报, 第四条) is posted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chat_ids: tuple[ChatId, ...] = ()
    audience: tuple[BulletinAudience, ...] = tuple(BulletinAudience)
    time: ClockTime = time(9, 0)
    annual_report_day: Annotated[int, Field(ge=1, le=28)] = 10
    document: bool = True  # the formal 通报 .docx (红头, number, table, items) beside the workbook


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
    brief_adopted_on: Literal["issue_date", "signing_day"] = "issue_date"
    #: how many days after today an issue may be dated (an issue printed ahead of its day)
    brief_ahead_days: Annotated[int, Field(ge=0, le=92)] = 31
    #: the issuing body's code (机关代字) before the monthly 通报's number: 市政务通〔2026〕3号
    bulletin_code: Annotated[str, Field(max_length=20)] = ""
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

    signoff_after_working_days: Annotated[int, BeforeValidator(not_bool), Field(ge=1)] = 1
    quota_warning_working_days_before_month_end: Count = 5
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    #: how often the sweep looks over every waiting step (a request to offer again, steps
    #: nobody can sign for the admins' digest), minutes; between, a sweep leaves them be
    recheck_minutes: Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=720)] = 15


class ChatSettings(BaseModel):
    """How the chat waits for people (a typed answer after a button)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Minutes a question asked after a button (a return reason, a date) waits for its typed
    #: answer; a text arriving later is not taken as the answer.
    typed_answer_minutes: Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=24 * 60)] = 10
    #: How many times a minute one account may open satisfaction-survey links (民主测评): a
    #: flood of starts beyond it is refused, said once a minute.
    survey_starts_per_minute: Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=600)] = 10


class SignoffSettings(BaseModel):
    """How sign-off steps treat an item whose author holds the step's role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    own_item: OwnItem = OwnItem.OTHER_HOLDER_ELSE_NEXT


class InvitesSettings(BaseModel):
    """Invite links that bind a Telegram account to a person, unit and role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ttl_hours: Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=24 * 366)] = 72


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
