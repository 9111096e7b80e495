"""What the services need to know of the centre's configuration, free of config-file details."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scoring.policy import ScoringPolicy
from scoring.vocab import Role, UnitKind
from scoring.workdays import WorkCalendar


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
    brief_chat_ids: tuple[int, ...] = ()
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
    invite_ttl: timedelta = timedelta(hours=72)
    admin_tg_ids: frozenset[int] = field(default_factory=frozenset)
    title_max: int = 100
    body_max: int = 20_000
    publishing: Publishing = field(default_factory=Publishing)

    def chain(self, kind: UnitKind) -> tuple[Role, ...]:
        """The roles that sign an item of this kind of unit, in order (第三条)."""
        return self.chains.get(kind, ())

    def local_now(self, moment: datetime) -> datetime:
        """An instant in the centre's time zone."""
        return moment.astimezone(self.zone)
