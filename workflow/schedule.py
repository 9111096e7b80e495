"""Scheduled work, derived from the ledger: what is due now and not yet done (第四、五、十一条).

Nothing here is a stored timer: every sweep asks the database, so downtime is caught up on the
next start, and `post_once` records each piece of work with its messages in one transaction,
so nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from scoring import periods
from scoring.vocab import Role
from storage import items, jobs, outbox, people, tasks, units
from storage.db import Database, Tx
from storage.models import Item, Person, Recipient, Room, Unit, WritingTask
from workflow import periods as closing
from workflow.figures import MonthReport, YearReport, year_report
from workflow.notices import admins_with
from workflow.rules import CentreRules


@dataclass(frozen=True, slots=True)
class ScheduleRules:
    """When the centre wants its scheduled messages."""

    bulletin_time: time = time(9, 0)
    bulletin_chats: tuple[Room, ...] = ()
    annual_report_day: int = 10  # the year-end report: first working day on/after it
    signoff_after_working_days: int = 1
    quota_warning_days: int = 5
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    #: Who gets the bulletin in their own chat: signers, informants, editors, centre_leaders.
    bulletin_audience: frozenset[str] = frozenset(
        {"signers", "informants", "editors", "centre_leaders"}
    )
    #: Whether the formal 通报 .docx goes with the bulletin's chart and workbook.
    bulletin_document: bool = True
    #: How often the sweep looks over every waiting step (offers again, the digest), minutes.
    recheck_minutes: int = 15

    def quiet(self, moment: time) -> bool:
        """Whether reminders should wait (quiet hours may span midnight)."""
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= moment < self.quiet_end
        return moment >= self.quiet_start or moment < self.quiet_end


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to queue: who gets it, under which once-only purpose, with what payload."""

    purpose: str
    to: Recipient  # a person's id or a room
    payload: dict[str, Any]
    kind: str = "text"


@dataclass(frozen=True, slots=True)
class StaleSignoff:
    """An item waiting too long at a step: who should sign, and who to tell beyond them."""

    item: Item
    unit: Unit
    waiting_days: int
    signers: list[Person]
    escalate_to: list[Person] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DueSignoff:
    """An item due at the centre today, waiting at a step: who should sign it today."""

    item: Item
    unit: Unit
    deadline: date
    signers: list[Person]


async def post_once(
    db: Database,
    key: str,
    messages: list[Outgoing],
    *,
    then: Callable[[Tx], Awaitable[object]] | None = None,
    count: int | None = None,
    **detail: Any,
) -> bool:
    """Queues the messages and records the work as done, atomically (with `then`, e.g. closing
    the period a bulletin publishes); False if already done. The record counts `count`
    messages if given (work whose other messages were queued before, held), else these."""
    async with db.transaction() as tx:
        total = len(messages) if count is None else count
        if not await jobs.record(tx, key, messages=total, **detail):
            return False
        for message in messages:
            await outbox.enqueue(
                tx, message.purpose, message.to, message.payload, kind=message.kind
            )
        if then is not None:
            await then(tx)
    return True


def local_now(rules: CentreRules, now: datetime) -> datetime:
    """The centre's wall clock."""
    return rules.local_now(now)


async def due_bulletin(
    db: Database, rules: CentreRules, schedule: ScheduleRules, now: datetime
) -> MonthReport | None:
    """Last month's figures if its bulletin is due (first working day, configured time) and unsent.

    A bulletin missed by downtime goes out on the next sweep of the same month.
    """
    local = local_now(rules, now)
    today = local.date()
    first = rules.calendar.first_working_day(today.year, today.month)
    if today < first or (today == first and local.time() < schedule.bulletin_time):
        return None
    year, month = periods.previous_month(today)
    async with db.reading() as tx:
        if await jobs.is_done(tx, bulletin_key(year, month)):
            return None
    return await closing.bulletin_report(db, rules.policy, rules.zone, year, month)


def annual_day(rules: CentreRules, schedule: ScheduleRules, year: int) -> date:
    """The day the year-end report of `year - 1` goes out: the first working day on or after
    the configured day of January (December's adoptions are often recorded in early January)."""
    day = date(year, 1, schedule.annual_report_day)
    while not rules.calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


async def due_annual(
    db: Database, rules: CentreRules, schedule: ScheduleRules, now: datetime
) -> YearReport | None:
    """Last year's report, from its day in January (configured time), once."""
    local = local_now(rules, now)
    today = local.date()
    if today.month > 2:  # a report missed by downtime still goes out, but not mid-year
        return None
    first = annual_day(rules, schedule, today.year)
    if today.month > first.month:
        return None
    if today < first or (today == first and local.time() < schedule.bulletin_time):
        return None
    year = today.year - 1
    async with db.reading() as tx:
        if await jobs.is_done(tx, f"annual:{year}"):
            return None
    return await closing.annual_report(db, rules.policy, rules.zone, year)


async def research_owing(
    db: Database, rules: CentreRules, schedule: ScheduleRules, now: datetime
) -> list[tuple[int, list[Person]]]:
    """In December, from its first working day: sections without a research article this year."""
    local = local_now(rules, now)
    today = local.date()
    if today.month != 12 or today < rules.calendar.first_working_day(today.year, 12):
        return []
    lines = await year_report(db, rules.policy, rules.zone, today.year)
    owing = [line.counts.unit_id for line in lines if line.research_duty_met is False]
    async with db.reading() as tx:
        return [(unit, await people.role_holders(tx, unit, Role.INFORMANT)) for unit in owing]


def bulletin_key(year: int, month: int) -> str:
    """The job key of a month's bulletin."""
    return f"bulletin:{year}-{month:02d}"


@dataclass(frozen=True, slots=True)
class Audience:
    """Who gets a month's bulletin: per unit, its people (their own unit marked), and the
    centre's people (the plain bulletin); each person once, in their first unit."""

    units: dict[int, list[Person]]
    centre: list[Person]

    @property
    def everyone(self) -> list[Person]:
        """Every recipient once."""
        seen: dict[int, Person] = {}
        for person in [*(p for ps in self.units.values() for p in ps), *self.centre]:
            seen.setdefault(person.id, person)
        return list(seen.values())


async def bulletin_audience(db: Database, rules: CentreRules, wanted: frozenset[str]) -> Audience:
    """The bulletin's recipients by the configured audience (reachable people only)."""
    signers = await unit_leaders(db, rules) if "signers" in wanted else {}
    placed: set[int] = set()
    per_unit: dict[int, list[Person]] = {}
    async with db.reading() as tx:
        for unit in await units.list_units(tx):
            found = list(signers.get(unit.id, []))
            if "informants" in wanted:
                for role in (Role.INFORMANT, Role.SECTION_STAFF):
                    found += await people.role_holders(tx, unit.id, role)
            kept = [p for p in found if p.reachable and p.id not in placed]
            placed.update(p.id for p in kept)
            if kept:
                per_unit[unit.id] = list({p.id: p for p in kept}.values())
        roles = [Role.EDITOR] if "editors" in wanted else []
        roles += [Role.CENTRE_LEADER, Role.MAIN_LEADER] if "centre_leaders" in wanted else []
        centre: dict[int, Person] = {}
        for role in roles:
            for person in await people.role_holders_anywhere(tx, role):
                if person.reachable and person.id not in placed:
                    centre.setdefault(person.id, person)
    return Audience(per_unit, list(centre.values()))


async def unit_leaders(db: Database, rules: CentreRules) -> dict[int, list[Person]]:
    """For each active unit, the people who sign its items (they get its bulletin line)."""
    found: dict[int, list[Person]] = {}
    async with db.reading() as tx:
        for unit in await units.list_units(tx):
            signers: dict[int, Person] = {}
            for role in {*rules.chain(unit.kind), Role.LEADER, Role.WINDOW_HEAD}:
                for person in await people.role_holders(tx, unit.id, role):
                    signers[person.id] = person
            found[unit.id] = list(signers.values())
    return found


def stale_before(rules: CentreRules, today: date, working_days: int) -> datetime:
    """The instant a step must have begun before to have waited `working_days` by `today`.

    A step begun on day D has waited the working days in (D, today]; the latest such D is
    found by walking back (bounded: holidays are at most a few weeks long).
    """
    day = today
    for _ in range(120):
        day -= timedelta(days=1)
        if rules.calendar.working_days_between(day, today) >= working_days:
            return datetime.combine(day + timedelta(days=1), time.min, tzinfo=rules.zone)
    return datetime.combine(day, time.min, tzinfo=rules.zone)


async def stale_signoffs(
    db: Database, rules: CentreRules, schedule: ScheduleRules, now: datetime
) -> list[StaleSignoff]:
    """Items waiting more than N working days at a step and not reminded today; past 2N, the
    next level is told too. The database returns only those (an index scan on step_since)."""
    today = local_now(rules, now).date()
    cutoff = stale_before(rules, today, schedule.signoff_after_working_days)
    stale = []
    async with db.reading() as tx:
        for item in await items.waiting_signoffs(tx, cutoff, today.isoformat()):
            assert item.step_since is not None
            started = local_now(rules, item.step_since).date()
            waiting = rules.calendar.working_days_between(started, today)
            chain = item.chain_roles
            unit = await units.get_unit(tx, item.unit_id)
            assert unit is not None
            signers = [  # nobody signs their own item: its author is not reminded
                p
                for p in await people.role_holders(tx, item.unit_id, chain[item.chain_step])
                if p.id != item.author_id
            ]
            escalate: list[Person] = []
            if waiting >= 2 * schedule.signoff_after_working_days:
                for role in chain[item.chain_step + 1 :] or (Role.LEADER,):
                    escalate += await people.role_holders(tx, item.unit_id, role)
                escalate = [p for p in escalate if p.id not in {s.id for s in signers}]
            stale.append(StaleSignoff(item, unit, waiting, signers, escalate))
    return stale


def events_due_on(rules: CentreRules, today: date) -> tuple[date, date] | None:
    """The first and last event day whose deadline is `today`, or None if none is (a day off).

    Deadlines never fall before their event and grow with it, so the days form one span,
    found by walking back from today (bounded: holidays are at most a few weeks long).
    """
    allowed = rules.deadline_working_days
    found: list[date] = []
    day = today
    for _ in range(120):
        due = rules.calendar.deadline(day, allowed)
        if due < today:
            break
        if due == today:
            found.append(day)
        day -= timedelta(days=1)
    return (found[-1], found[0]) if found else None


async def signoffs_due_today(db: Database, rules: CentreRules, now: datetime) -> list[DueSignoff]:
    """Items due at the centre today and still waiting at a step not yet reminded of it, when
    the sign-offs count (judged at the centre). A step begun today is left out: its own
    request, sent today, already says the deadline is today."""
    if not rules.judged_at_centre:
        return []
    today = local_now(rules, now).date()
    span = events_due_on(rules, today)
    if span is None:
        return []
    exempt = sorted(rules.deadline_exempt_categories)
    due = []
    async with db.reading() as tx:
        for item in await items.pending_due(tx, span[0], span[1], exempt):
            assert item.step_since is not None
            if local_now(rules, item.step_since).date() >= today:
                continue
            unit = await units.get_unit(tx, item.unit_id)
            assert unit is not None
            role = item.chain_roles[item.chain_step]
            signers = [
                p
                for p in await people.role_holders(tx, item.unit_id, role)
                if p.id != item.author_id
            ]
            due.append(DueSignoff(item, unit, today, signers))
    return due


async def tasks_due(db: Database, today: date) -> list[tuple[WritingTask, Unit, list[Person]]]:
    """Open writing tasks due today or overdue and not yet reminded, with unit informants."""
    found = []
    async with db.reading() as tx:
        for task in await tasks.tasks_to_remind(tx, today):
            unit = await units.get_unit(tx, task.unit_id)
            assert unit is not None
            found.append((task, unit, await people.role_holders(tx, unit.id, Role.INFORMANT)))
    return found


async def editors(db: Database) -> list[Person]:
    """Every centre editor."""
    async with db.reading() as tx:
        return await people.role_holders_anywhere(tx, Role.EDITOR)


async def admins(db: Database, rules: CentreRules) -> list[Recipient]:
    """The admins (config's and the admin role's): calendar gaps go to them."""
    async with db.reading() as tx:
        return await admins_with(tx, rules, (Role.ADMIN,))


async def admins_and_leaders(db: Database, rules: CentreRules) -> list[Recipient]:
    """The admins and the centre's leaders (the year-end report)."""
    async with db.reading() as tx:
        return await admins_with(tx, rules, (Role.ADMIN, Role.CENTRE_LEADER, Role.MAIN_LEADER))


def quota_warning_day(rules: CentreRules, schedule: ScheduleRules, today: date) -> bool:
    """Whether today is N working days before the month's last working day (第四条 reminder)."""
    return today == rules.calendar.working_days_before_month_end(
        today.year, today.month, schedule.quota_warning_days
    )


async def unit_informants(db: Database) -> dict[int, list[Person]]:
    """Each active unit's informants."""
    async with db.reading() as tx:
        return {
            unit.id: await people.role_holders(tx, unit.id, Role.INFORMANT)
            for unit in await units.list_units(tx)
        }


def digest_key(day: date) -> str:
    """The job key of a day's admin digest (sent at most once that day)."""
    return f"digest:{day.isoformat()}"


def digest_due(rules: CentreRules, schedule: ScheduleRules, now: datetime) -> bool:
    """Whether the admins' digest may go now: a working day, from the bulletin time, outside
    quiet hours."""
    local = local_now(rules, now)
    return (
        rules.calendar.is_working_day(local.date())
        and local.time() >= schedule.bulletin_time
        and not schedule.quiet(local.time())
    )


def digest_since(rules: CentreRules, schedule: ScheduleRules, today: date) -> datetime:
    """Where a day's digest starts: the bulletin time of the working day before, so failures
    over a weekend or a holiday are in the next working day's digest."""
    day = today - timedelta(days=1)
    for _ in range(60):  # holidays are at most a few weeks long
        if rules.calendar.is_working_day(day):
            break
        day -= timedelta(days=1)
    return datetime.combine(day, schedule.bulletin_time, tzinfo=rules.zone)
