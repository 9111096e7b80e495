"""Visit write-ups (第七条): an editor logs a leader's visit; the unit that must write it up gets a
writing task due 2 working days later (第五条), opened through `workflow.tasks.open_task`.

Who writes it up: city leaders visiting the centre → the centre office (the section named
办公室, else the first section configured); a department leader visiting its window → that
window; leaders visiting a township centre → that township (or town) centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from scoring.vocab import UnitKind
from storage import units, visits
from storage.db import Database, Tx
from storage.models import Person, Unit, WritingTask
from storage.visits import Visit
from workflow import tasks
from workflow.centre import editor_grant
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules
from workflow.submission import check_event_date, clean_text

#: The centre office section that writes up city leaders' visits (第七条).
VISITOR_MAX = 40


class VisitKind(StrEnum):
    """Who visited where (第七条), which decides who writes it up."""

    CITY = "city"  # city leaders visiting the centre → the centre office
    DEPARTMENT = "department"  # a department leader visiting its window → that window
    TOWNSHIP = "township"  # leaders visiting a township centre → that centre


#: The kinds of unit each kind of visit is written up by.
UNIT_KINDS: dict[VisitKind, tuple[UnitKind, ...]] = {
    VisitKind.CITY: (UnitKind.SECTION,),
    VisitKind.DEPARTMENT: (UnitKind.WINDOW,),
    VisitKind.TOWNSHIP: (UnitKind.TOWNSHIP, UnitKind.TOWN_CENTRE),
}

#: The writing task's title per kind of visit (the ledger's records are in Chinese).
TITLES: dict[VisitKind, str] = {
    VisitKind.CITY: "{visitor}到市政务服务中心视察调研",
    VisitKind.DEPARTMENT: "{visitor}到{unit}调研指导",
    VisitKind.TOWNSHIP: "{visitor}到{unit}调研指导",
}


@dataclass(frozen=True, slots=True)
class Logged:
    """A logged visit, the task it opened, the unit writing it up, and the notices sent."""

    visit: Visit
    task: WritingTask
    unit: Unit
    notices: list[Notice] = field(default_factory=list)


def check_visitor(text: str) -> str:
    """The visitor's name and title as stored (one line, not empty, not too long)."""
    visitor = " ".join(clean_text(text).split())
    if not visitor:
        raise Refused("visit_visitor_empty")
    if len(visitor) > VISITOR_MAX:
        raise Refused("visit_visitor_too_long", limit=VISITOR_MAX, length=len(visitor))
    return visitor


def task_title(kind: VisitKind, visitor: str, unit: str) -> str:
    """The writing task's title for a visit."""
    return TITLES[kind].format(visitor=visitor, unit=unit)


async def _office(tx: Tx, office: str) -> Unit:
    """The centre office: the section named in config (publishing.office_unit), else the
    first section configured."""
    sections = [u for u in await units.list_units(tx) if u.kind is UnitKind.SECTION]
    if not sections:
        raise Refused("visit_no_office")
    named = next((u for u in sections if u.name == office), None)
    return named or min(sections, key=lambda u: u.id)


async def _choices(tx: Tx, kind: VisitKind) -> list[Unit]:
    """The active units that may write up this kind of visit (by name)."""
    return [u for u in await units.list_units(tx) if u.kind in UNIT_KINDS[kind]]


async def _unit_for(tx: Tx, kind: VisitKind, unit_id: int | None, office: str) -> Unit:
    """The unit that writes the visit up: the office for city visits, else the chosen one."""
    if kind is VisitKind.CITY:
        return await _office(tx, office)
    unit = await units.get_unit(tx, unit_id) if unit_id is not None else None
    if unit is None or not unit.active or unit.kind not in UNIT_KINDS[kind]:
        raise Refused("visit_unit_wrong")
    return unit


async def begin(db: Database, editor: Person) -> None:
    """Checks that the person may log visits (editors only)."""
    async with db.reading() as tx:
        await editor_grant(tx, editor)


async def choices(db: Database, rules: CentreRules, editor: Person, kind: VisitKind) -> list[Unit]:
    """The units to choose from for a kind of visit (for city visits: the office alone)."""
    async with db.reading() as tx:
        await editor_grant(tx, editor)
        if kind is VisitKind.CITY:
            return [await _office(tx, rules.publishing.office_unit)]
        found = await _choices(tx, kind)
    if not found:
        raise Refused("visit_no_units")
    return found


async def unit_for(
    db: Database, rules: CentreRules, editor: Person, kind: VisitKind, unit_id: int | None
) -> Unit:
    """The unit that would write the visit up, checked (editors only)."""
    async with db.reading() as tx:
        await editor_grant(tx, editor)
        return await _unit_for(tx, kind, unit_id, rules.publishing.office_unit)


def check_day(rules: CentreRules, day: date, db: Database) -> date:
    """A visit date that has happened and is not older than a year."""
    return check_event_date(rules, day, db.clock())


async def log_visit(
    db: Database,
    rules: CentreRules,
    editor: Person,
    *,
    visitor: str,
    kind: VisitKind,
    unit_id: int | None,
    visit_date: date,
) -> Logged:
    """Logs a visit and opens the unit's writing task, due N working days after the visit;
    the unit's informants get the task notice. The same visit logged twice is refused."""
    name = check_visitor(visitor)
    async with db.transaction() as tx:  # the visit and its task: both stored, or neither
        await editor_grant(tx, editor)
        unit = await _unit_for(tx, kind, unit_id, rules.publishing.office_unit)
        earlier = await visits.same_visit(
            tx, visitor=name, kind=kind.value, unit_id=unit.id, visit_date=visit_date
        )
        if earlier is not None:
            raise Refused("visit_duplicate", task=earlier.task_id or "")
        task, unit, notices = await tasks.open_task_in(
            tx,
            rules,
            editor,
            unit_name=unit.name,
            title=task_title(kind, name, unit.name),
            event_date=visit_date,
        )
        visit = await visits.create_visit(
            tx,
            visitor=name,
            kind=kind.value,
            unit_id=unit.id,
            visit_date=task.event_date,
            task_id=task.id,
            logged_by=editor.id,
        )
    return Logged(visit, task, unit, notices)
