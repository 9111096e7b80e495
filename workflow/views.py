"""Read-only views for people: an item with its context, my items, my unit's figures, rankings."""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring.figures import UnitMonth, UnitYear
from scoring.vocab import Role
from storage import adoptions, items, people, units
from storage.db import Database
from storage.models import Adoption, Item, ItemFile, Person, Unit
from workflow.figures import MonthReport, month_report
from workflow.outcomes import Refused
from workflow.rules import CentreRules

#: Roles that may look at any item (the centre's people and admins).
CENTRE_READERS = frozenset(
    {Role.EDITOR, Role.CENTRE_LEADER, Role.MAIN_LEADER, Role.NETWORK_ADMIN, Role.ADMIN}
)


@dataclass(frozen=True, slots=True)
class ItemView:
    """An item with what a reader needs beside it."""

    item: Item
    unit: Unit
    author: Person | None
    adoptions: list[Adoption]
    files: list[ItemFile] = field(default_factory=list)

    @property
    def points(self) -> int:
        """The item's points so far (live adoptions)."""
        return sum(a.points for a in self.adoptions)


@dataclass(frozen=True, slots=True)
class UnitView:
    """A unit's line this month and its year to date."""

    unit: Unit
    month: UnitMonth | None
    year: UnitYear | None
    report: MonthReport


async def item_view(db: Database, person: Person | None, item_id: int) -> ItemView:
    """An item, if the reader may see it: its author, its unit's people, or the centre."""
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        grants = await people.active_roles(tx, person.id) if person else []
        may = any(g.role in CENTRE_READERS for g in grants) or any(
            g.unit_id == item.unit_id for g in grants
        )
        if person is None or not (may or item.author_id == person.id):
            raise Refused("item_unknown")
    return await load_item_view(db, item_id)


@dataclass(frozen=True, slots=True)
class Decision:
    """One sign-off decision as a signer sees it beside the item: step, role, who, what."""

    round: int
    step: int
    role: Role
    name: str
    decision: str
    reason: str | None


async def signing_history(db: Database, item_id: int) -> list[Decision]:
    """Every sign-off decision on the item, in order, with the signer's name."""
    async with db.reading() as tx:
        found = await items.signoffs_of(tx, item_id)
        names = {}
        for signoff in found:
            if signoff.signer_id not in names:
                person = await people.get_person(tx, signoff.signer_id)
                names[signoff.signer_id] = person.name if person else "?"
    return [
        Decision(s.round, s.step, s.role, names[s.signer_id], s.decision, s.reason) for s in found
    ]


async def load_item_view(db: Database, item_id: int) -> ItemView:
    """An item with its unit, author and adoptions, for the system's own notices (no rights check)."""
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        unit = await units.get_unit(tx, item.unit_id)
        assert unit is not None
        author = await people.get_person(tx, item.author_id)
        adopted = await adoptions.adoptions_of(tx, item.id)
        attached = await items.files_of(tx, item.id)
    return ItemView(item, unit, author, adopted, attached)


async def my_items(db: Database, person: Person, limit: int = 20) -> list[ItemView]:
    """The person's own items, newest first, with points."""
    async with db.reading() as tx:
        mine = await items.items_of_author(tx, person.id, limit)
        views = []
        for item in mine:
            unit = await units.get_unit(tx, item.unit_id)
            assert unit is not None
            views.append(ItemView(item, unit, person, await adoptions.adoptions_of(tx, item.id)))
    return views


async def search(db: Database, person: Person, text: str) -> list[Item]:
    """Items whose title contains the text, limited to what the person may see."""
    async with db.scanning() as tx:
        grants = await people.active_roles(tx, person.id)
        if any(g.role in CENTRE_READERS for g in grants):
            return await items.search_items(tx, text.strip()[:50], limit=20)
        mine = sorted({g.unit_id for g in grants if g.unit_id is not None})
        return await items.search_items(
            tx, text.strip()[:50], limit=20, unit_ids=mine, author_id=person.id
        )


async def unit_views(
    db: Database, rules: CentreRules, person: Person, year: int, month: int
) -> list[UnitView]:
    """This month's and the year's line for each unit the person belongs to."""
    async with db.reading() as tx:
        grants = await people.active_roles(tx, person.id)
        mine = [await units.get_unit(tx, g.unit_id) for g in grants if g.unit_id is not None]
    report = await month_report(db, rules.policy, rules.zone, year, month)
    views = []
    for unit in {u.id: u for u in mine if u is not None}.values():
        line = next((ln for ln in report.lines if ln.counts.unit_id == unit.id), None)
        ytd = next((ln for ln in report.year_to_date if ln.counts.unit_id == unit.id), None)
        views.append(UnitView(unit, line, ytd, report))
    return views
