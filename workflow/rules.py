"""What the services need to know of the centre's configuration, free of config-file details."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from scoring.policy import ScoringPolicy
from scoring.vocab import Role, UnitKind
from scoring.workdays import WorkCalendar
from storage.models import Account, Room


class JudgedAt(StrEnum):
    """When an item's timeliness is judged (第五条: 报送市政务服务中心)."""

    CENTRE = "centre"  # when it reaches the centre: the sign-offs count against the deadline
    SUBMISSION = "submission"  # when the informant submits it (the sign-offs do not count)


class OwnItem(StrEnum):
    """Who signs a step of an item whose author holds that step's role themself."""

    OTHER_HOLDER_ELSE_NEXT = "other_holder_else_next"  # another holder; none: the next step
    NEXT_STEP = "next_step"  # always the next step up the chain (or the centre)


@dataclass(frozen=True, slots=True)
class Timeliness:
    """An item's deadline as of one day: how many working days are left, or how late it is."""

    deadline: date | None  # None: the category has no deadline (调研报告)
    late_days: int = 0  # working days past the deadline on that day; 0 = not late
    days_left: int = 0  # working days after that day up to the deadline; 0 on or past it

    @property
    def exempt(self) -> bool:
        """Whether the item's category has no deadline at all."""
        return self.deadline is None


@dataclass(frozen=True, slots=True)
class Outlet:
    """A place that may adopt items, with its level (1–4) and whether it is news media."""

    name: str
    level: int
    media: bool = False


@dataclass(frozen=True, slots=True)
class RoutingHint:
    """第六条: items of these categories, or with one of these markers, suit these outlets."""

    label: str
    categories: tuple[str, ...]
    markers: tuple[str, ...]
    outlets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Publishing:
    """The centre's own publishing: issue masthead, distribution, outlets, routing hints."""

    brief_title: str = "工作简报"
    issuing_body: str = "市政务服务中心"
    brief_outlet: str = "《工作简报》"
    website_outlet: str = "市政务服务中心网站"
    report_to: tuple[str, ...] = ()
    send_to: tuple[str, ...] = ()
    issue_to: tuple[str, ...] = ()
    brief_rooms: tuple[Room, ...] = ()  # chats an issued 《工作简报》 goes to
    #: the day an issued issue's adoptions are dated: "issue_date" (printed) or "signing_day"
    brief_adopted_on: str = "issue_date"
    #: how many days after today an issue may be dated
    brief_ahead_days: int = 31
    #: the issuing body's code (机关代字) printed before the monthly 通报's number
    bulletin_code: str = ""
    office_unit: str = "办公室"
    routing: tuple[RoutingHint, ...] = ()


@dataclass(frozen=True, slots=True)
class CentreRules:
    """The centre's configured rules as the workflow services use them."""

    zone: ZoneInfo
    calendar: WorkCalendar
    policy: ScoringPolicy
    chains: Mapping[UnitKind, tuple[Role, ...]]
    categories: Mapping[str, str]  # key → label
    outlets: Mapping[str, Outlet]  # name → outlet
    deadline_working_days: int = 2
    timeliness_judged_at: JudgedAt = JudgedAt.CENTRE
    deadline_exempt_categories: frozenset[str] = frozenset({"research"})
    invite_ttl: timedelta = timedelta(hours=72)
    admins: tuple[Account, ...] = ()  # config.yaml's admins: accounts, held without a role
    title_max: int = 100
    body_max: int = 20_000
    publishing: Publishing = field(default_factory=Publishing)
    #: A step whose role the item's author holds never goes to the author (see OwnItem).
    own_item: OwnItem = OwnItem.OTHER_HOLDER_ELSE_NEXT
    #: How long a typed answer awaited after a button (a return reason, a date) stays asked.
    typed_answer: timedelta = timedelta(minutes=10)
    #: How many times a minute one account may open satisfaction-survey links (民主测评).
    survey_starts_per_minute: int = 10

    def chain(self, kind: UnitKind) -> tuple[Role, ...]:
        """The roles that sign an item of this kind of unit, in order (第三条)."""
        return self.chains.get(kind, ())

    def local_now(self, moment: datetime) -> datetime:
        """An instant in the centre's time zone."""
        return moment.astimezone(self.zone)

    @property
    def judged_at_centre(self) -> bool:
        """Whether lateness is judged when an item reaches the centre (the default of 第五条)."""
        return self.timeliness_judged_at is JudgedAt.CENTRE

    def timeliness(self, category: str, event_day: date, on: date) -> Timeliness:
        """An item's deadline and standing on a day; an exempt category has no deadline."""
        if category in self.deadline_exempt_categories:
            return Timeliness(None)
        allowed = self.deadline_working_days
        deadline = self.calendar.deadline(event_day, allowed)
        return Timeliness(
            deadline,
            late_days=self.calendar.working_days_late(event_day, on, allowed),
            days_left=self.calendar.working_days_between(on, deadline),
        )
