"""Bulk import of historical ledger rows (a centre's spreadsheets, sandbox seeding), batch by batch.

Each `import_*` function inserts a batch with one `executemany` in the caller's transaction and
appends ONE audit row for the whole batch (`import.units`, `import.items`, ...) carrying the count,
rather than one per row. Rows may carry their own `id` (so a caller can link items to units and
adoptions to items before anything is written, see `next_id`); with `id=None` SQLite assigns one.
Timestamps are stored as the other repositories store them (`to_stamp`), dates as ISO dates.
Integrity errors (an unknown unit, a second live adoption of an item by one outlet, ...) propagate
as `sqlite3.IntegrityError`; the caller's transaction then rolls the whole import back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, Literal

from scoring.vocab import AT_CENTRE, ItemState, Role, UnitKind
from storage.db import Tx, to_stamp
from storage.models import Account
from storage.units import decimal_text

#: Tables the importer writes, for `next_id`.
ImportTable = Literal["units", "people", "roles", "items", "edits", "adoptions"]

#: The audit entity of each table's rows, as the single-row repositories name it.
_ENTITY: Final[dict[str, str]] = {
    "units": "unit",
    "people": "person",
    "roles": "role",
    "items": "item",
    "edits": "edit",
    "adoptions": "adoption",
}


@dataclass(frozen=True, slots=True)
class ImportedUnit:
    """A reporting unit as it stood in the imported records."""

    name: str
    kind: UnitKind
    monthly_quota: int = 0
    annual_target: Decimal = Decimal(0)
    active: bool = True
    created_at: datetime | None = None  # None: the import's own time
    id: int | None = None

    def __post_init__(self) -> None:
        """Rejects what the units table would reject, with a clearer message."""
        if not self.name.strip():
            raise ValueError("a unit needs a name")
        if self.monthly_quota < 0:
            raise ValueError(f"unit {self.name!r}: monthly quota below zero")


@dataclass(frozen=True, slots=True)
class ImportedPerson:
    """A person known from the records; their account is often unknown for history."""

    name: str
    account: Account | None = None
    username: str | None = None
    created_at: datetime | None = None  # None: the import's own time
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ImportedRole:
    """A role grant, possibly already revoked (an informant who left mid-year)."""

    person_id: int
    unit_id: int | None
    role: Role
    granted_at: datetime
    granted_by: int | None = None
    revoked_at: datetime | None = None
    revoked_by: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        """A grant cannot end before it began."""
        if self.revoked_at is not None and self.revoked_at < self.granted_at:
            raise ValueError("a role cannot be revoked before it was granted")


@dataclass(frozen=True, slots=True)
class ImportedItem:
    """An item with its final text and where it got to; sign-off history is not imported."""

    unit_id: int
    author_id: int
    category: str
    title: str
    body: str
    event_date: date
    state: ItemState
    submitted_on: date | None = None
    late_days: int = 0
    centre_on: date | None = None
    submitted_at: datetime | None = None  # None: only the day is known
    centre_at: datetime | None = None
    registered_at: datetime | None = None
    registered_by: int | None = None
    created_at: datetime | None = None  # None: the import's own time
    id: int | None = None
    chain: tuple[Role, ...] = ()  # the sign-off chain (for items still pending)
    chain_step: int = 0
    step_since: datetime | None = None  # when the current step began (pending items)

    def __post_init__(self) -> None:
        """Keeps the figures honest: an item counts at the centre only in an at-centre state."""
        if self.late_days < 0:
            raise ValueError("late_days below zero")
        if (self.centre_on is not None) != (self.state in AT_CENTRE):
            raise ValueError(
                f"item {self.title!r}: centre_on must be given exactly for items at the centre"
            )
        if self.state in AT_CENTRE and self.submitted_on is None:
            raise ValueError(f"item {self.title!r}: an item at the centre needs submitted_on")
        if (
            self.submitted_on is not None
            and self.centre_on is not None
            and self.centre_on < self.submitted_on
        ):
            raise ValueError(f"item {self.title!r}: reached the centre before it was submitted")


@dataclass(frozen=True, slots=True)
class ImportedEdit:
    """A section's edit of an item; the item itself is imported with its final text."""

    item_id: int
    editor_id: int
    section_unit_id: int
    old_title: str
    old_body: str
    new_title: str
    new_body: str
    edited_at: datetime
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ImportedAdoption:
    """An outlet's adoption of an item; points come from the caller's policy, as when recorded."""

    item_id: int
    outlet: str
    level: int
    points: int
    adopted_on: date
    recorded_by: int
    media: bool = False
    reference: str | None = None
    recorded_at: datetime | None = None  # None: the import's own time
    withdrawn_at: datetime | None = None
    withdrawn_by: int | None = None
    withdraw_reason: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        """Rejects what the adoptions table would reject, with a clearer message."""
        if not 1 <= self.level <= 4:
            raise ValueError(f"adoption of item {self.item_id}: level must be 1 to 4")
        if self.points < 0:
            raise ValueError(f"adoption of item {self.item_id}: points below zero")
        if self.withdrawn_at is not None and not (self.withdraw_reason or "").strip():
            raise ValueError(f"adoption of item {self.item_id}: a withdrawal needs a reason")


def _stamp(moment: datetime | None, default: str) -> str:
    """A timestamp as stored, or the default (the import's time) when unknown."""
    return default if moment is None else to_stamp(moment)


def _optional_stamp(moment: datetime | None) -> str | None:
    """A timestamp as stored, or NULL."""
    return None if moment is None else to_stamp(moment)


def _optional_day(day: date | None) -> str | None:
    """A date as stored (ISO), or NULL."""
    return None if day is None else day.isoformat()


async def _audit(
    tx: Tx, actor_id: int | None, table: ImportTable, count: int, source: str | None
) -> None:
    """The one audit row of an import batch (action `import.<table>`, entity as elsewhere)."""
    detail: dict[str, Any] = {"count": count}
    if source is not None:
        detail["source"] = source
    await tx.audit(actor_id, f"import.{table}", _ENTITY[table], None, **detail)


async def next_id(tx: Tx, table: ImportTable) -> int:
    """The first id above every row of the table, for callers that number rows before import."""
    if table not in _ENTITY:
        raise ValueError(f"not an importable table: {table}")
    row = await tx.fetchone(f"SELECT ifnull(max(id), 0) + 1 FROM {table}")
    return int(row[0]) if row else 1


async def import_units(
    tx: Tx,
    units: Sequence[ImportedUnit],
    *,
    actor_id: int | None = None,
    source: str | None = None,
) -> int:
    """Inserts units; returns how many."""
    if not units:
        return 0
    await tx.executemany(
        "INSERT INTO units (id, key, name, kind, monthly_quota, annual_target, active, position,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                unit.id,
                unit.name,
                unit.name,
                unit.kind.value,
                unit.monthly_quota,
                decimal_text(unit.annual_target),
                int(unit.active),
                unit.id,
                _stamp(unit.created_at, tx.stamp),
            )
            for unit in units
        ],
    )
    # An imported unit is history: its settings hold from the start, as the migration that
    # introduced unit_terms assumed of the units already in the ledger.
    await tx.executemany(
        "INSERT INTO unit_terms (unit_id, from_month, name, kind, monthly_quota, annual_target,"
        " active, position, recorded_at)"
        " SELECT id, '0000-01', name, kind, monthly_quota, annual_target, active, position, ?"
        " FROM units WHERE key = ?",
        [(tx.stamp, unit.name) for unit in units],
    )
    await _audit(tx, actor_id, "units", len(units), source)
    return len(units)


async def import_people(
    tx: Tx,
    people: Sequence[ImportedPerson],
    *,
    actor_id: int | None = None,
    source: str | None = None,
) -> int:
    """Inserts people; returns how many."""
    if not people:
        return 0
    row = await tx.fetchone("SELECT ifnull(max(id), 0) AS top FROM people")
    top = max([int(row["top"]) if row else 0] + [p.id for p in people if p.id is not None])
    ids = []
    for person in people:  # ids given up front, so each account finds its person
        if person.id is None:
            top += 1
        ids.append(person.id if person.id is not None else top)
    await tx.executemany(
        "INSERT INTO people (id, name, username, created_at) VALUES (?, ?, ?, ?)",
        [
            (person_id, person.name, person.username, _stamp(person.created_at, tx.stamp))
            for person_id, person in zip(ids, people, strict=True)
        ],
    )
    await tx.executemany(
        "INSERT INTO accounts (person_id, channel, external_id, added_at, used_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (
                person_id,
                person.account.channel,
                person.account.external_id,
                _stamp(person.created_at, tx.stamp),
                _stamp(person.created_at, tx.stamp),
            )
            for person_id, person in zip(ids, people, strict=True)
            if person.account is not None
        ],
    )
    await _audit(tx, actor_id, "people", len(people), source)
    return len(people)


async def import_roles(
    tx: Tx,
    roles: Sequence[ImportedRole],
    *,
    actor_id: int | None = None,
    source: str | None = None,
) -> int:
    """Inserts role grants (current and past); returns how many."""
    if not roles:
        return 0
    await tx.executemany(
        "INSERT INTO roles (id, person_id, unit_id, role, granted_at, granted_by, revoked_at,"
        " revoked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                grant.id,
                grant.person_id,
                grant.unit_id,
                grant.role.value,
                to_stamp(grant.granted_at),
                grant.granted_by,
                _optional_stamp(grant.revoked_at),
                grant.revoked_by,
            )
            for grant in roles
        ],
    )
    await _audit(tx, actor_id, "roles", len(roles), source)
    return len(roles)


async def import_items(
    tx: Tx,
    items: Sequence[ImportedItem],
    *,
    actor_id: int | None = None,
    source: str | None = None,
) -> int:
    """Inserts items in their final state; returns how many."""
    if not items:
        return 0
    rows = []
    for item in items:
        created = _stamp(item.created_at, tx.stamp)
        rows.append(
            (
                item.id,
                item.unit_id,
                item.author_id,
                item.category,
                item.title,
                item.body,
                item.event_date.isoformat(),
                item.state.value,
                _optional_stamp(item.submitted_at),
                _optional_day(item.submitted_on),
                item.late_days,
                _optional_stamp(item.centre_at),
                _optional_day(item.centre_on),
                _optional_stamp(item.registered_at),
                item.registered_by,
                created,
                created,
                ",".join(role.value for role in item.chain),
                item.chain_step,
                _optional_stamp(item.step_since),
            )
        )
    await tx.executemany(
        "INSERT INTO items (id, unit_id, author_id, category, title, body, event_date, state,"
        " submitted_at, submitted_on, late_days, centre_at, centre_on, registered_at,"
        " registered_by, created_at, updated_at, chain, chain_step, step_since)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    await _audit(tx, actor_id, "items", len(items), source)
    return len(items)


async def import_edits(
    tx: Tx,
    edits: Sequence[ImportedEdit],
    *,
    actor_id: int | None = None,
    source: str | None = None,
) -> int:
    """Inserts sections' edits of items (the items' text is left as imported); returns how many."""
    if not edits:
        return 0
    await tx.executemany(
        "INSERT INTO edits (id, item_id, editor_id, section_unit_id, old_title, old_body,"
        " new_title, new_body, edited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                edit.id,
                edit.item_id,
                edit.editor_id,
                edit.section_unit_id,
                edit.old_title,
                edit.old_body,
                edit.new_title,
                edit.new_body,
                to_stamp(edit.edited_at),
            )
            for edit in edits
        ],
    )
    await _audit(tx, actor_id, "edits", len(edits), source)
    return len(edits)


async def import_adoptions(
    tx: Tx,
    adoptions: Sequence[ImportedAdoption],
    *,
    actor_id: int | None = None,
    source: str | None = None,
) -> int:
    """Inserts adoptions (withdrawn ones too); returns how many."""
    if not adoptions:
        return 0
    await tx.executemany(
        "INSERT INTO adoptions (id, item_id, outlet, level, points, media, adopted_on, reference,"
        " recorded_by, recorded_at, withdrawn_at, withdrawn_by, withdraw_reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                adoption.id,
                adoption.item_id,
                adoption.outlet,
                adoption.level,
                adoption.points,
                int(adoption.media),
                adoption.adopted_on.isoformat(),
                adoption.reference,
                adoption.recorded_by,
                _stamp(adoption.recorded_at, tx.stamp),
                _optional_stamp(adoption.withdrawn_at),
                adoption.withdrawn_by,
                adoption.withdraw_reason,
            )
            for adoption in adoptions
        ],
    )
    await _audit(tx, actor_id, "adoptions", len(adoptions), source)
    return len(adoptions)
