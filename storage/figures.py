"""Aggregate queries that turn the ledger into per-unit counts for the scoring rules (in SQL)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final

from scoring.figures import UnitCounts
from scoring.policy import QuotaBasis, ScoringPolicy
from scoring.vocab import UnitKind
from storage.db import Tx, to_stamp

#: One statement for one period: every active unit with what it submitted, sent and earned.
PERIOD_COUNTS_SQL: Final[str] = """
WITH
sub AS (
    SELECT unit_id, count(*) AS submitted, sum(late_days > 0) AS late
    FROM items WHERE submitted_on BETWEEN :start AND :end GROUP BY unit_id
),
cen AS (
    SELECT unit_id, count(*) AS at_centre, sum(category = :research) AS research
    FROM items WHERE centre_on BETWEEN :start AND :end GROUP BY unit_id
),
per_item AS (
    SELECT item_id, count(*) AS adoptions, sum(points) AS points
    FROM adoptions WHERE adopted_on BETWEEN :start AND :end AND withdrawn_at IS NULL
    GROUP BY item_id
),
ado AS (
    SELECT i.unit_id, sum(p.adoptions) AS adoptions, count(*) AS adopted_items,
           sum(p.points) AS points
    FROM per_item p JOIN items i ON i.id = p.item_id
    GROUP BY i.unit_id
),
edited AS (
    SELECT e.section_unit_id AS unit_id, sum(p.points) AS points
    FROM (SELECT DISTINCT item_id, section_unit_id FROM edits) e
    JOIN items i ON i.id = e.item_id AND i.unit_id != e.section_unit_id
    JOIN per_item p ON p.item_id = e.item_id
    GROUP BY e.section_unit_id
),
inf AS (
    SELECT DISTINCT unit_id FROM roles
    WHERE role = 'informant' AND granted_at < :at AND (revoked_at IS NULL OR revoked_at >= :at)
)
SELECT u.id, u.name, u.kind, u.monthly_quota, u.annual_target,
       u.id IN (SELECT unit_id FROM inf) AS has_informant,
       ifnull(sub.submitted, 0) AS submitted, ifnull(sub.late, 0) AS late,
       ifnull(cen.at_centre, 0) AS at_centre, ifnull(cen.research, 0) AS research,
       ifnull(ado.adoptions, 0) AS adoptions, ifnull(ado.adopted_items, 0) AS adopted_items,
       ifnull(ado.points, 0) AS points, ifnull(edited.points, 0) AS edit_points
FROM units u
LEFT JOIN sub ON sub.unit_id = u.id
LEFT JOIN cen ON cen.unit_id = u.id
LEFT JOIN ado ON ado.unit_id = u.id
LEFT JOIN edited ON edited.unit_id = u.id
WHERE u.active = 1
ORDER BY u.name
"""

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


def period_params(start: date, end: date, informant_at: datetime, research: str) -> dict[str, str]:
    """The named parameters of PERIOD_COUNTS_SQL."""
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "at": to_stamp(informant_at),
        "research": research,
    }


async def period_counts(
    tx: Tx,
    policy: ScoringPolicy,
    start: date,
    end: date,
    *,
    informant_at: datetime,
    monthly: bool = False,
) -> list[UnitCounts]:
    """Each active unit's counts for the days start..end (inclusive), by name.

    `informant_at` is the instant at which "has an informant" is judged (the period's end).
    With `monthly`, each unit also gets its quota count per calendar month of the period's year.
    """
    params = period_params(start, end, informant_at, policy.research_category)
    rows = await tx.fetchall(PERIOD_COUNTS_SQL, params)
    per_month: dict[int, list[int]] = {}
    if monthly:
        for row in await tx.fetchall(_MONTHLY_SQL[policy.quota_basis], params):
            months = per_month.setdefault(int(row["unit_id"]), [0] * 12)
            months[int(row["month"]) - 1] = int(row["n"])
    return [
        UnitCounts(
            unit_id=int(row["id"]),
            name=str(row["name"]),
            kind=UnitKind(row["kind"]),
            monthly_quota=int(row["monthly_quota"]),
            annual_target=Decimal(row["annual_target"]),
            has_informant=bool(row["has_informant"]),
            submitted=int(row["submitted"]),
            at_centre=int(row["at_centre"]),
            late=int(row["late"]),
            adopted_items=int(row["adopted_items"]),
            adoptions=int(row["adoptions"]),
            own_points=int(row["points"]),
            edit_base_points=int(row["edit_points"]),
            research_articles=int(row["research"]),
            monthly_quota_counts=tuple(per_month.get(int(row["id"]), [0] * 12)) if monthly else (),
        )
        for row in rows
    ]
