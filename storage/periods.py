"""Closed periods: the frozen sheets of posted months and years, and corrections to them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.db import Tx


def from_stamp(stamp: str) -> datetime:
    """A stored timestamp back as an aware datetime."""
    return datetime.fromisoformat(stamp)


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One numbered version of a period's published sheet."""

    period: str
    version: int
    sheet: str
    closed_at: datetime
    reopened_at: datetime | None
    reopen_reason: str | None

    @property
    def in_force(self) -> bool:
        """Whether this version is the period's sheet now (not reopened since)."""
        return self.reopened_at is None


@dataclass(frozen=True, slots=True)
class CorrectionRow:
    """An admin's correction (更正) of a closed month."""

    id: int
    period: str
    kind: str
    adoption_id: int
    unit_id: int
    points: int
    reason: str
    recorded_at: datetime
    version: int  # the version of the period's sheet it corrects (a later one holds it)
    shown_in: str | None


def _sheet(r: sqlite3.Row) -> SheetRow:
    """A SheetRow from a period_sheets row."""
    reopened = r["reopened_at"]
    return SheetRow(
        period=str(r["period"]),
        version=int(r["version"]),
        sheet=str(r["sheet"]),
        closed_at=from_stamp(str(r["closed_at"])),
        reopened_at=from_stamp(str(reopened)) if reopened else None,
        reopen_reason=r["reopen_reason"],
    )


async def latest(tx: Tx, period: str) -> SheetRow | None:
    """The period's newest version, closed or reopened; None if it never closed."""
    row = await tx.fetchone(
        "SELECT * FROM period_sheets WHERE period = ? ORDER BY version DESC LIMIT 1", (period,)
    )
    return _sheet(row) if row else None


async def versions(tx: Tx, period: str) -> list[SheetRow]:
    """Every version of a period's sheet, oldest first."""
    rows = await tx.fetchall(
        "SELECT * FROM period_sheets WHERE period = ? ORDER BY version", (period,)
    )
    return [_sheet(row) for row in rows]


async def version(tx: Tx, period: str, number: int) -> SheetRow | None:
    """One numbered version of a period's sheet."""
    row = await tx.fetchone(
        "SELECT * FROM period_sheets WHERE period = ? AND version = ?", (period, number)
    )
    return _sheet(row) if row else None


async def all_periods(tx: Tx) -> list[str]:
    """Every period that has closed at least once, in order."""
    rows = await tx.fetchall("SELECT DISTINCT period FROM period_sheets ORDER BY period")
    return [str(row["period"]) for row in rows]


async def is_closed(tx: Tx, period: str) -> bool:
    """Whether the period is closed: its newest version has not been reopened."""
    row = await tx.fetchone(
        "SELECT reopened_at IS NULL AS closed FROM period_sheets WHERE period = ?"
        " ORDER BY version DESC LIMIT 1",
        (period,),
    )
    return bool(row and row["closed"])


async def close(tx: Tx, period: str, sheet: str, actor_id: int | None, **detail: object) -> int:
    """Stores the period's sheet as its next version; the caller checked it was open."""
    row = await tx.fetchone(
        "SELECT ifnull(max(version), 0) + 1 AS next FROM period_sheets WHERE period = ?",
        (period,),
    )
    number = int(row["next"]) if row else 1
    await tx.execute(
        "INSERT INTO period_sheets (period, version, sheet, closed_at, closed_by)"
        " VALUES (?, ?, ?, ?, ?)",
        (period, number, sheet, tx.stamp, actor_id),
    )
    await tx.audit(
        actor_id, "period.close", "period", None, period=period, version=number, **detail
    )
    return number


async def reopen(tx: Tx, period: str, reason: str, actor_id: int | None) -> int | None:
    """Reopens a closed period (its sheet is kept); the version reopened, or None if open."""
    row = await tx.fetchone(
        "SELECT version FROM period_sheets WHERE period = ? AND reopened_at IS NULL"
        " ORDER BY version DESC LIMIT 1",
        (period,),
    )
    if row is None or not await is_closed(tx, period):
        return None
    number = int(row["version"])
    await tx.execute(
        "UPDATE period_sheets SET reopened_at = ?, reopened_by = ?, reopen_reason = ?"
        " WHERE period = ? AND version = ?",
        (tx.stamp, actor_id, reason, period, number),
    )
    await tx.audit(
        actor_id, "period.reopen", "period", None, period=period, version=number, reason=reason
    )
    return number


async def add_correction(
    tx: Tx,
    *,
    period: str,
    kind: str,
    adoption_id: int,
    unit_id: int,
    points: int,
    reason: str,
    actor_id: int | None,
) -> int:
    """Records a correction of a closed month's sheet in force, to be listed in the next
    bulletin."""
    row = await latest(tx, period)
    if row is None or not row.in_force:
        raise ValueError(f"{period} is not closed: a correction is for a closed month")
    correction_id = await tx.execute(
        "INSERT INTO corrections (period, kind, adoption_id, unit_id, points, reason,"
        " recorded_by, recorded_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (period, kind, adoption_id, unit_id, points, reason, actor_id, tx.stamp, row.version),
    )
    await tx.audit(
        actor_id,
        f"correction.{kind}",
        "adoption",
        adoption_id,
        period=period,
        points=points,
        reason=reason,
        correction=correction_id,
    )
    return correction_id


async def unshown_corrections(tx: Tx) -> list[CorrectionRow]:
    """Corrections no bulletin has listed yet, oldest first."""
    rows = await tx.fetchall("SELECT * FROM corrections WHERE shown_in IS NULL ORDER BY id")
    return [_correction(row) for row in rows]


async def mark_shown(tx: Tx, ids: list[int], period: str) -> None:
    """Records that a month's bulletin listed these corrections."""
    for correction_id in ids:
        await tx.execute(
            "UPDATE corrections SET shown_in = ? WHERE id = ? AND shown_in IS NULL",
            (period, correction_id),
        )


def _correction(r: sqlite3.Row) -> CorrectionRow:
    """A CorrectionRow from a corrections row."""
    return CorrectionRow(
        id=int(r["id"]),
        period=str(r["period"]),
        kind=str(r["kind"]),
        adoption_id=int(r["adoption_id"]),
        unit_id=int(r["unit_id"]),
        points=int(r["points"]),
        reason=str(r["reason"]),
        recorded_at=from_stamp(str(r["recorded_at"])),
        version=int(r["version"]),
        shown_in=r["shown_in"],
    )


@dataclass(frozen=True, slots=True)
class ClosedMonth:
    """A closed month of a year: which version of its sheet is in force."""

    month: int
    version: int


async def closed_months(tx: Tx, year: int) -> list[ClosedMonth]:
    """The year's closed months (their sheets in force), by month; no sheet text is read."""
    rows = await tx.fetchall(
        "SELECT s.period, s.version FROM period_sheets s"
        " WHERE s.period GLOB ? AND s.reopened_at IS NULL AND s.version ="
        " (SELECT max(version) FROM period_sheets t WHERE t.period = s.period) ORDER BY s.period",
        (f"{year:04d}-[0-9][0-9]",),
    )
    return [ClosedMonth(int(str(r["period"])[5:7]), int(r["version"])) for r in rows]


async def sheet_text(tx: Tx, period: str, number: int) -> str | None:
    """One version's sheet (JSON) only."""
    row = await tx.fetchone(
        "SELECT sheet FROM period_sheets WHERE period = ? AND version = ?", (period, number)
    )
    return str(row["sheet"]) if row else None


async def corrections_of(tx: Tx, periods: list[str]) -> list[CorrectionRow]:
    """The corrections recorded against these periods, oldest first."""
    rows = await tx.fetchall(
        "SELECT * FROM corrections WHERE period IN (SELECT value FROM json_each(?)) ORDER BY id",
        (json.dumps(periods),),
    )
    return [_correction(row) for row in rows]
