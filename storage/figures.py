"""Aggregate queries that turn the ledger into per-unit counts for the scoring rules (in SQL).

Long because the whole-ledger aggregate, its per-unit form for the open month and the audit
change feed that says which units to recount must agree column for column; they are kept side
by side so a change to one is seen next to the others (a split by query is the next step).
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from scoring import periods
from scoring.figures import UnitCounts
from scoring.policy import SEED_EDIT_CREDIT_KINDS, QuotaBasis, ScoringPolicy
from scoring.vocab import UnitKind
from storage.db import Tx, to_stamp

#: Item ids as the figures keep them: 8 bytes each in an array, not a tuple of int objects
#: (a province's year holds hundreds of thousands).
ItemIds = Sequence[int]

#: One statement for one period: every active unit with what it submitted, sent and earned.
PERIOD_COUNTS_SQL: Final[str] = """
WITH
sub AS (
    SELECT unit_id, count(*) AS submitted
    FROM items WHERE submitted_on BETWEEN :start AND :end GROUP BY unit_id
),
cen AS (
    SELECT unit_id, count(*) AS at_centre, sum(category = :research) AS research,
           sum(late_days > 0) AS late
    FROM items WHERE centre_on BETWEEN :start AND :end GROUP BY unit_id
),
per_item AS (
    SELECT item_id, count(*) AS adoptions, sum(points) AS points
    FROM adoptions WHERE adopted_on BETWEEN :start AND :end AND withdrawn_at IS NULL
    GROUP BY item_id
),
adopted AS (
    SELECT p.item_id, i.unit_id, p.adoptions, p.points
    FROM per_item p JOIN items i ON i.id = p.item_id
),
ado AS (
    SELECT unit_id, sum(adoptions) AS adoptions, count(*) AS adopted_items,
           sum(points) AS points
    FROM adopted
    GROUP BY unit_id
),
edited AS (
    SELECT c.section_unit_id AS unit_id, sum(c.points) AS points
    FROM (SELECT DISTINCT a.item_id, a.unit_id, a.points, e.section_unit_id
          FROM adopted a JOIN edits e ON e.item_id = a.item_id) c
    JOIN units editor ON editor.id = c.section_unit_id AND editor.kind = 'section'
    JOIN units author ON author.id = c.unit_id AND c.unit_id != c.section_unit_id
        AND author.kind IN (SELECT value FROM json_each(:credit_kinds))
    GROUP BY c.section_unit_id
),
inf AS (
    SELECT DISTINCT unit_id FROM roles
    WHERE role = 'informant' AND granted_at < :at AND (revoked_at IS NULL OR revoked_at >= :at)
)
SELECT u.id, u.name, u.kind, u.monthly_quota, u.annual_target, u.active, u.position,
       u.id IN (SELECT unit_id FROM inf) AS has_informant,
       ifnull(sub.submitted, 0) AS submitted, ifnull(cen.late, 0) AS late,
       ifnull(cen.at_centre, 0) AS at_centre, ifnull(cen.research, 0) AS research,
       ifnull(ado.adoptions, 0) AS adoptions, ifnull(ado.adopted_items, 0) AS adopted_items,
       ifnull(ado.points, 0) AS points, ifnull(edited.points, 0) AS edit_points
FROM units u
LEFT JOIN sub ON sub.unit_id = u.id
LEFT JOIN cen ON cen.unit_id = u.id
LEFT JOIN ado ON ado.unit_id = u.id
LEFT JOIN edited ON edited.unit_id = u.id
ORDER BY u.position, u.name
"""


#: PERIOD_COUNTS_SQL that also lists, per unit, its items with a live adoption in the period.
PERIOD_COUNTS_ITEMS_SQL: Final[str] = PERIOD_COUNTS_SQL.replace(
    "sum(points) AS points\n    FROM adopted",
    "sum(points) AS points, group_concat(item_id) AS item_ids\n    FROM adopted",
).replace(
    "ifnull(edited.points, 0) AS edit_points\n",
    "ifnull(edited.points, 0) AS edit_points, ado.item_ids\n",
)
assert PERIOD_COUNTS_ITEMS_SQL.count("item_ids") == 2, "PERIOD_COUNTS_SQL changed shape"

#: PERIOD_COUNTS_ITEMS_SQL for only the units in :units (a JSON list): their own items, and the
#: items their sections edited (edit credit), found by index instead of over the whole period.
UNIT_COUNTS_ITEMS_SQL: Final[str] = """
WITH
chosen AS (SELECT value AS unit_id FROM json_each(:units)),
sub AS (
    SELECT unit_id, count(*) AS submitted
    FROM items WHERE unit_id IN (SELECT unit_id FROM chosen)
        AND submitted_on BETWEEN :start AND :end
    GROUP BY unit_id
),
cen AS (
    SELECT unit_id, count(*) AS at_centre, sum(category = :research) AS research,
           sum(late_days > 0) AS late
    FROM items WHERE unit_id IN (SELECT unit_id FROM chosen)
        AND centre_on BETWEEN :start AND :end
    GROUP BY unit_id
),
candidates AS (
    SELECT id AS item_id FROM items WHERE unit_id IN (SELECT unit_id FROM chosen)
    UNION
    SELECT item_id FROM edits WHERE section_unit_id IN (SELECT unit_id FROM chosen)
),
per_item AS (
    SELECT a.item_id, count(*) AS adoptions, sum(a.points) AS points
    FROM candidates c  -- CROSS JOIN: the candidates first, then their live adoptions by index
    CROSS JOIN adoptions a INDEXED BY adoptions_once_per_outlet ON a.item_id = c.item_id
    WHERE a.withdrawn_at IS NULL AND a.adopted_on BETWEEN :start AND :end
    GROUP BY a.item_id
),
adopted AS (
    SELECT p.item_id, i.unit_id, p.adoptions, p.points
    FROM per_item p JOIN items i ON i.id = p.item_id
),
ado AS (
    SELECT unit_id, sum(adoptions) AS adoptions, count(*) AS adopted_items,
           sum(points) AS points, group_concat(item_id) AS item_ids
    FROM adopted WHERE unit_id IN (SELECT unit_id FROM chosen)
    GROUP BY unit_id
),
edited AS (
    SELECT c.section_unit_id AS unit_id, sum(c.points) AS points
    FROM (SELECT DISTINCT a.item_id, a.unit_id, a.points, e.section_unit_id
          FROM adopted a JOIN edits e ON e.item_id = a.item_id
          WHERE e.section_unit_id IN (SELECT unit_id FROM chosen)) c
    JOIN units editor ON editor.id = c.section_unit_id AND editor.kind = 'section'
    JOIN units author ON author.id = c.unit_id AND c.unit_id != c.section_unit_id
        AND author.kind IN (SELECT value FROM json_each(:credit_kinds))
    GROUP BY c.section_unit_id
),
inf AS (
    SELECT DISTINCT unit_id FROM roles
    WHERE unit_id IN (SELECT unit_id FROM chosen) AND role = 'informant'
        AND granted_at < :at AND (revoked_at IS NULL OR revoked_at >= :at)
)
SELECT u.id, u.name, u.kind, u.monthly_quota, u.annual_target, u.active, u.position,
       u.id IN (SELECT unit_id FROM inf) AS has_informant,
       ifnull(sub.submitted, 0) AS submitted, ifnull(cen.late, 0) AS late,
       ifnull(cen.at_centre, 0) AS at_centre, ifnull(cen.research, 0) AS research,
       ifnull(ado.adoptions, 0) AS adoptions, ifnull(ado.adopted_items, 0) AS adopted_items,
       ifnull(ado.points, 0) AS points, ifnull(edited.points, 0) AS edit_points, ado.item_ids
FROM units u
LEFT JOIN sub ON sub.unit_id = u.id
LEFT JOIN cen ON cen.unit_id = u.id
LEFT JOIN ado ON ado.unit_id = u.id
LEFT JOIN edited ON edited.unit_id = u.id
WHERE u.id IN (SELECT unit_id FROM chosen)
ORDER BY u.position, u.name
"""

_MONTHLY_UNITS_SQL: Final[dict[QuotaBasis, str]] = {
    basis: f"""
SELECT unit_id, CAST(substr({column}, 6, 2) AS INTEGER) AS month, count(*) AS n
FROM items WHERE unit_id IN (SELECT value FROM json_each(:units))
    AND {column} BETWEEN :start AND :end
GROUP BY unit_id, month
"""
    for basis, column in (
        (QuotaBasis.AT_CENTRE, "centre_on"),
        (QuotaBasis.SUBMITTED, "submitted_on"),
    )
}

_MONTHLY_SQL: Final[dict[QuotaBasis, str]] = {
    basis: f"""
SELECT unit_id, CAST(substr({column}, 6, 2) AS INTEGER) AS month, count(*) AS n
FROM items WHERE {column} BETWEEN :start AND :end GROUP BY unit_id, month
"""
    for basis, column in (
        (QuotaBasis.AT_CENTRE, "centre_on"),
        (QuotaBasis.SUBMITTED, "submitted_on"),
    )
}


def period_params(
    start: date,
    end: date,
    informant_at: datetime,
    research: str,
    credit_kinds: Iterable[UnitKind] = SEED_EDIT_CREDIT_KINDS,
) -> dict[str, str]:
    """The named parameters of PERIOD_COUNTS_SQL."""
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "at": to_stamp(informant_at),
        "research": research,
        "credit_kinds": json.dumps(sorted(kind.value for kind in credit_kinds)),
    }


@dataclass(frozen=True, slots=True)
class _Terms:
    """A unit's settings in force from a month on (a row of unit_terms)."""

    from_month: str
    name: str
    kind: UnitKind
    monthly_quota: int
    annual_target: Decimal
    active: bool


def _months(start: date, end: date) -> list[tuple[int, int]]:
    """The (year, month) pairs the days start..end touch, in order."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


async def _terms(tx: Tx, units: str | None = None) -> dict[int, list[_Terms]]:
    """Every unit's settings history, oldest first (only the units of a JSON list if given)."""
    if units is None:
        rows = await tx.fetchall("SELECT * FROM unit_terms ORDER BY unit_id, from_month")
    else:
        rows = await tx.fetchall(
            "SELECT * FROM unit_terms WHERE unit_id IN (SELECT value FROM json_each(?))"
            " ORDER BY unit_id, from_month",
            (units,),
        )
    history: dict[int, list[_Terms]] = {}
    for row in rows:
        history.setdefault(int(row["unit_id"]), []).append(
            _Terms(
                from_month=str(row["from_month"]),
                name=str(row["name"]),
                kind=UnitKind(row["kind"]),
                monthly_quota=int(row["monthly_quota"]),
                annual_target=Decimal(row["annual_target"]),
                active=bool(row["active"]),
            )
        )
    return history


def _in_force(history: list[_Terms], month: str) -> _Terms | None:
    """The terms in force in a month ('YYYY-MM'): the latest from on or before it."""
    found = None
    for terms in history:
        if terms.from_month > month:
            break
        found = terms
    return found


async def _informant_spans(
    tx: Tx, units: str | None = None
) -> dict[int, list[tuple[str, str | None]]]:
    """Per unit, when someone held the informant role: (granted_at, revoked_at) stamps (only
    the units of a JSON list if given)."""
    if units is None:
        rows = await tx.fetchall(
            "SELECT unit_id, granted_at, revoked_at FROM roles"
            " WHERE role = 'informant' AND unit_id IS NOT NULL"
        )
    else:
        rows = await tx.fetchall(
            "SELECT unit_id, granted_at, revoked_at FROM roles WHERE role = 'informant'"
            " AND unit_id IN (SELECT value FROM json_each(?))",
            (units,),
        )
    spans: dict[int, list[tuple[str, str | None]]] = {}
    for row in rows:
        spans.setdefault(int(row["unit_id"]), []).append(
            (str(row["granted_at"]), row["revoked_at"])
        )
    return spans


def _in_place(spans: list[tuple[str, str | None]], at: str) -> bool:
    """Whether an informant was in place at the stamp `at` (granted before, not yet revoked)."""
    return any(granted < at and (revoked is None or revoked >= at) for granted, revoked in spans)


async def period_counts(
    tx: Tx,
    policy: ScoringPolicy,
    start: date,
    end: date,
    *,
    informant_at: datetime,
    monthly: bool = False,
    zone: ZoneInfo | None = None,
) -> list[UnitCounts]:
    """Each unit's counts for the days start..end (inclusive), in config order.

    A unit is listed when it existed in a month of the period (its settings history), with
    the settings in force in the last such month. With `zone`, "has an informant" is judged at
    the end of every month of the period the unit existed in (第十一条); without it, at the
    instant `informant_at` only. With `monthly`, each unit also gets its quota count per
    calendar month of the period's year.
    """
    counts, _ = await _period_counts(
        tx, policy, start, end, PERIOD_COUNTS_SQL, informant_at, monthly, zone, None
    )
    return counts


async def period_counts_with_items(
    tx: Tx,
    policy: ScoringPolicy,
    start: date,
    end: date,
    *,
    informant_at: datetime,
    monthly: bool = False,
    zone: ZoneInfo | None = None,
    units: Collection[int] | None = None,
) -> tuple[list[UnitCounts], dict[int, ItemIds]]:
    """`period_counts`, and per unit the ids of its items with a live adoption dated in the
    period (what makes distinct adopted items add up over months). With `units`, only those
    units are counted (by index: what a commit touched), each exactly as the whole count has it."""
    if units is None:
        return await _period_counts(
            tx, policy, start, end, PERIOD_COUNTS_ITEMS_SQL, informant_at, monthly, zone, None
        )
    return await _period_counts(
        tx, policy, start, end, UNIT_COUNTS_ITEMS_SQL, informant_at, monthly, zone, units
    )


async def _period_counts(
    tx: Tx,
    policy: ScoringPolicy,
    start: date,
    end: date,
    sql: str,
    informant_at: datetime,
    monthly: bool,
    zone: ZoneInfo | None,
    units: Collection[int] | None,
) -> tuple[list[UnitCounts], dict[int, ItemIds]]:
    """The counts of `period_counts` from one of the statements, with the adopted items'
    ids per unit when the statement lists them (only `units` when given)."""
    params = period_params(
        start, end, informant_at, policy.research_category, policy.edit_credit_author_kinds
    )
    chosen = None if units is None else json.dumps(sorted(set(units)))
    if chosen is not None:
        params["units"] = chosen
    rows = await tx.fetchall(sql, params)
    per_month: dict[int, list[int]] = {}
    if monthly:
        monthly_sql = (_MONTHLY_SQL if chosen is None else _MONTHLY_UNITS_SQL)[policy.quota_basis]
        for row in await tx.fetchall(monthly_sql, params):
            months = per_month.setdefault(int(row["unit_id"]), [0] * 12)
            months[int(row["month"]) - 1] = int(row["n"])
    history = await _terms(tx, chosen)
    spans = await _informant_spans(tx, chosen) if zone is not None else {}
    span_months = _months(start, end)
    month_ends = (  # each month's closing instant, stamped once for every unit
        {ym: to_stamp(periods.month(*ym).closes_at(zone)) for ym in span_months}
        if zone is not None
        else {}
    )
    listed = sql is not PERIOD_COUNTS_SQL
    adopted: dict[int, ItemIds] = {}
    result = []
    for row in rows:
        unit_id = int(row["id"])
        current = _Terms(
            from_month="0000-01",
            name=str(row["name"]),
            kind=UnitKind(row["kind"]),
            monthly_quota=int(row["monthly_quota"]),
            annual_target=Decimal(row["annual_target"]),
            active=bool(row["active"]),
        )
        unit_history = history.get(unit_id) or [current]
        existed: list[tuple[int, int]] = []
        quotas = [current.monthly_quota] * 12
        last: _Terms | None = None
        for year, month in span_months:
            terms = _in_force(unit_history, f"{year:04d}-{month:02d}")
            if terms is not None and terms.active:
                existed.append((year, month))
                quotas[month - 1] = terms.monthly_quota
                last = terms
        if last is None:
            continue
        if listed and row["item_ids"]:
            adopted[unit_id] = array("q", map(int, str(row["item_ids"]).split(",")))
        has_informant = bool(row["has_informant"])
        missing: tuple[int, ...] = ()
        if zone is not None:
            unit_spans = spans.get(unit_id, [])
            missing = tuple(
                month
                for year, month in existed
                if not _in_place(unit_spans, month_ends[(year, month)])
            )
            has_informant = not missing
        result.append(
            UnitCounts(
                unit_id=unit_id,
                name=last.name,
                kind=last.kind,
                monthly_quota=last.monthly_quota,
                annual_target=last.annual_target,
                has_informant=has_informant,
                submitted=int(row["submitted"]),
                at_centre=int(row["at_centre"]),
                late=int(row["late"]),
                adopted_items=int(row["adopted_items"]),
                adoptions=int(row["adoptions"]),
                own_points=int(row["points"]),
                edit_base_points=int(row["edit_points"]),
                research_articles=int(row["research"]),
                monthly_quota_counts=tuple(per_month.get(unit_id, [0] * 12)) if monthly else (),
                months_without_informant=missing,
                months_in=tuple(month for _, month in existed),
                monthly_quotas=tuple(quotas),
                position=int(row["position"]),
            )
        )
    return result, adopted


@dataclass(frozen=True, slots=True)
class UnitPlace:
    """A unit as the units table holds it now: its place in config order and current quota."""

    unit_id: int
    name: str
    position: int
    monthly_quota: int


#: The last unit list read, as (its JSON, the places): the figures read it after every commit
#: to see that no unit moved, and 2,000 rows made into objects each time cost more than the
#: recount of a few units; one string from SQLite compared with the last costs a fraction.
_LAST_PLACES: list[tuple[str, Mapping[int, UnitPlace]]] = []


async def unit_places(tx: Tx) -> Mapping[int, UnitPlace]:
    """Every unit's current name, config position and quota (the year's listing order); the
    same (read-only) mapping as the last call's while no unit changed in any of these."""
    row = await tx.fetchone(
        "SELECT json_group_array(json_array(id, name, position, monthly_quota)) FROM units"
    )
    listed = str(row[0]) if row else "[]"
    if _LAST_PLACES and _LAST_PLACES[0][0] == listed:
        return _LAST_PLACES[0][1]
    places = MappingProxyType(
        {
            int(unit_id): UnitPlace(int(unit_id), str(name), int(position), int(quota))
            for unit_id, name, position, quota in json.loads(listed)
        }
    )
    _LAST_PLACES[:] = [(listed, places)]
    return places


@dataclass(frozen=True, slots=True)
class CorrectedItem:
    """An item whose adoption a correction (更正) added or withdrew, as the year counts it."""

    item_id: int
    unit_id: int
    adopted_in_span: bool  # it has a live adoption dated in the span now
    credited_sections: tuple[int, ...]  # sections that earn edit credit on its adoptions


async def corrected_items(
    tx: Tx, policy: ScoringPolicy, adoption_ids: Iterable[int], start: date, end: date
) -> dict[int, CorrectedItem]:
    """Per adoption id, its item with what the year needs to count a correction of it
    (the same edit-credit rules as PERIOD_COUNTS_SQL)."""
    ids = json.dumps(sorted(set(adoption_ids)))
    rows = await tx.fetchall(
        "SELECT a.id, a.item_id, i.unit_id FROM adoptions a JOIN items i ON i.id = a.item_id"
        " WHERE a.id IN (SELECT value FROM json_each(?))",
        (ids,),
    )
    items = json.dumps(sorted({int(r["item_id"]) for r in rows}))
    live = {
        int(r["item_id"])
        for r in await tx.fetchall(
            "SELECT DISTINCT item_id FROM adoptions WHERE withdrawn_at IS NULL"
            " AND adopted_on BETWEEN ? AND ? AND item_id IN (SELECT value FROM json_each(?))",
            (start.isoformat(), end.isoformat(), items),
        )
    }
    credited: dict[int, list[int]] = {}
    for r in await tx.fetchall(
        "SELECT DISTINCT e.item_id, e.section_unit_id FROM edits e"
        " JOIN units editor ON editor.id = e.section_unit_id AND editor.kind = 'section'"
        " JOIN items i ON i.id = e.item_id AND i.unit_id != e.section_unit_id"
        " JOIN units author ON author.id = i.unit_id"
        "  AND author.kind IN (SELECT value FROM json_each(?))"
        " WHERE e.item_id IN (SELECT value FROM json_each(?)) ORDER BY e.section_unit_id",
        (
            json.dumps(sorted(kind.value for kind in policy.edit_credit_author_kinds)),
            items,
        ),
    ):
        credited.setdefault(int(r["item_id"]), []).append(int(r["section_unit_id"]))
    return {
        int(r["id"]): CorrectedItem(
            item_id=int(r["item_id"]),
            unit_id=int(r["unit_id"]),
            adopted_in_span=int(r["item_id"]) in live,
            credited_sections=tuple(credited.get(int(r["item_id"]), ())),
        )
        for r in rows
    }


#: Audit entities whose rows never feed the figures: a change to them that does (an issue's or
#: a website story's adoption) is recorded as an adoption, with an audit row on its item. A
#: period closed or reopened changes no month's live counts: which months a year takes from
#: their sheets follows the closed periods themselves (the kept runs are keyed by them).
QUIET_ENTITIES: Final[frozenset[str]] = frozenset(
    {
        "person",
        "account",
        "file",
        "invite",
        "brief",
        "web_news",
        "task",
        "visit",
        "outbox",
        "announcement",
        "wecom_inbox",
        "wecom_card",
        "document",
        "period",
    }
)
#: More audit rows than this since the last look: count everything again.
TOUCHED_ROWS: Final[int] = 2000


@dataclass(frozen=True, slots=True)
class LedgerMark:
    """Where the ledger stands for the figures: its last audit row and its schema's version."""

    audit_id: int
    schema: int


async def ledger_mark(tx: Tx) -> LedgerMark:
    """The ledger's mark in this snapshot (every state change writes an audit row)."""
    audit = await tx.fetchone("SELECT ifnull(max(id), 0) FROM audit_log")
    schema = await tx.fetchone("PRAGMA schema_version")
    return LedgerMark(int(audit[0]) if audit else 0, int(schema[0]) if schema else 0)


async def touched_units(tx: Tx, after: int, upto: int) -> frozenset[int] | None:
    """The units whose counts the audit rows after..upto may have changed: the units of the
    items changed (an adoption, a sign-off, an edit, a registration), the sections that edited
    them (edit credit), the units of informant grants changed; None when a row could change
    more (a unit's settings, an import, an unknown entity): count everything."""
    rows = await tx.fetchall(
        "SELECT entity, entity_id FROM audit_log WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
        (after, upto, TOUCHED_ROWS + 1),
    )
    if len(rows) > TOUCHED_ROWS:
        return None
    items: set[int] = set()
    adoption_ids: set[int] = set()
    grants: set[int] = set()
    for row in rows:
        entity, entity_id = str(row["entity"]), row["entity_id"]
        if entity in QUIET_ENTITIES:
            continue
        kept = {"item": items, "adoption": adoption_ids, "role": grants}.get(entity)
        if kept is None or entity_id is None:
            return None
        kept.add(int(entity_id))
    if adoption_ids:
        items.update(
            int(r[0])
            for r in await tx.fetchall(
                "SELECT item_id FROM adoptions WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(adoption_ids)),),
            )
        )
    units: set[int] = set()
    if grants:
        units.update(
            int(r[0])
            for r in await tx.fetchall(
                "SELECT unit_id FROM roles WHERE unit_id IS NOT NULL"
                " AND id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(grants)),),
            )
        )
    if items:
        chosen = json.dumps(sorted(items))
        units.update(
            int(r[0])
            for r in await tx.fetchall(
                "SELECT unit_id FROM items WHERE id IN (SELECT value FROM json_each(?))"
                " UNION SELECT section_unit_id FROM edits"
                " WHERE item_id IN (SELECT value FROM json_each(?))",
                (chosen, chosen),
            )
        )
    return frozenset(units)


@dataclass(frozen=True, slots=True)
class AdoptionLine:
    """One adoption of a month, as the bulletin's workbook lists it."""

    unit: str
    item_id: int
    title: str
    outlet: str
    level: int
    points: int
    adopted_on: date


@dataclass(frozen=True, slots=True)
class LateLine:
    """One item late to the centre in a month (迟报)."""

    unit: str
    item_id: int
    title: str
    event_date: date
    centre_on: date
    late_days: int


_ADOPTIONS_SQL: Final = (
    "SELECT u.name AS unit, i.id AS item_id, i.title, a.outlet, a.level, a.points,"
    " a.adopted_on FROM adoptions a JOIN items i ON i.id = a.item_id"
    " JOIN units u ON u.id = i.unit_id"
    " WHERE a.withdrawn_at IS NULL AND a.adopted_on BETWEEN ? AND ?"
    " AND (? IS NULL OR a.recorded_at < ?)"
    " ORDER BY u.position, u.name, a.adopted_on, a.id"
)
_LATE_SQL: Final = (
    "SELECT u.name AS unit, i.id AS item_id, i.title, i.event_date, i.centre_on,"
    " i.late_days FROM items i JOIN units u ON u.id = i.unit_id"
    " WHERE i.centre_on BETWEEN ? AND ? AND i.late_days > 0"
    " ORDER BY u.position, u.name, i.centre_on, i.id"
)


def _adoption_line(r: sqlite3.Row) -> AdoptionLine:
    """One row of `_ADOPTIONS_SQL`."""
    return AdoptionLine(
        str(r["unit"]),
        int(r["item_id"]),
        str(r["title"]),
        str(r["outlet"]),
        int(r["level"]),
        int(r["points"]),
        date.fromisoformat(str(r["adopted_on"])),
    )


def _late_line(r: sqlite3.Row) -> LateLine:
    """One row of `_LATE_SQL`."""
    return LateLine(
        str(r["unit"]),
        int(r["item_id"]),
        str(r["title"]),
        date.fromisoformat(str(r["event_date"])),
        date.fromisoformat(str(r["centre_on"])),
        int(r["late_days"]),
    )


def _detail_params(
    start: date, end: date, recorded_before: datetime | None
) -> tuple[tuple[str | None, ...], tuple[str, ...]]:
    """The two statements' parameters."""
    before = to_stamp(recorded_before) if recorded_before is not None else None
    span = (start.isoformat(), end.isoformat())
    return (*span, before, before), span


async def month_adoptions(
    tx: Tx, start: date, end: date, recorded_before: datetime | None = None
) -> list[AdoptionLine]:
    """Every adoption standing with its day in [start, end], with its item and unit, in unit
    and day order (`recorded_before`: only those recorded by then, as a bulletin saw them)."""
    params, _ = _detail_params(start, end, recorded_before)
    return [_adoption_line(r) for r in await tx.fetchall(_ADOPTIONS_SQL, params)]


async def month_late_items(tx: Tx, start: date, end: date) -> list[LateLine]:
    """Every item late to the centre in [start, end] (迟报), with its unit, in unit order."""
    _, params = _detail_params(start, end, None)
    return [_late_line(r) for r in await tx.fetchall(_LATE_SQL, params)]


def read_month_details(
    path: Path, start: date, end: date, recorded_before: datetime | None = None
) -> tuple[list[AdoptionLine], list[LateLine]]:
    """The same two lists read with a read-only sqlite3 connection of its own: for a render in
    a child process, so the bot never holds a province's month of adoptions."""
    adoption_params, late_params = _detail_params(start, end, recorded_before)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        found = [_adoption_line(r) for r in conn.execute(_ADOPTIONS_SQL, adoption_params)]
        late = [_late_line(r) for r in conn.execute(_LATE_SQL, late_params)]
    finally:
        conn.close()
    return found, late
