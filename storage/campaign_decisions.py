"""A campaign's approval decisions and grades in the ledger, each step decided once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.campaigns import ENTITY
from storage.db import Tx


@dataclass(frozen=True, slots=True)
class Decision:
    """One step's approval or return of the plan or the grades."""

    subject: str
    round: int
    step: int
    person_id: int
    decision: str
    reason: str | None
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class Grade:
    """A unit's total, its preliminary grade and, once approved, its final grade."""

    unit_id: int
    total: str
    preliminary: str
    final: str | None
    reason: str | None
    changed_by: int | None = None


async def decide(
    tx: Tx,
    campaign_id: int,
    *,
    subject: str,
    round_: int,
    step: int,
    person_id: int,
    decision: str,
    reason: str | None,
) -> bool:
    """Records one step's decision; False when the step was already decided (a second tap)."""
    changed = await tx.changed(
        "INSERT INTO campaign_decisions (campaign_id, subject, round, step, person_id, decision,"
        " reason, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (campaign_id, subject, round, step) DO NOTHING",
        (campaign_id, subject, round_, step, person_id, decision, reason, tx.stamp),
    )
    if changed:
        await tx.audit(
            person_id,
            f"campaign.{subject}.{decision}",
            ENTITY,
            campaign_id,
            round=round_,
            step=step,
            reason=reason,
        )
    return bool(changed)


async def decisions(tx: Tx, campaign_id: int, subject: str, round_: int) -> list[Decision]:
    """A round's decisions, in step order."""
    rows = await tx.fetchall(
        "SELECT * FROM campaign_decisions WHERE campaign_id = ? AND subject = ? AND round = ?"
        " ORDER BY step",
        (campaign_id, subject, round_),
    )
    return [
        Decision(
            str(r["subject"]),
            int(r["round"]),
            int(r["step"]),
            int(r["person_id"]),
            str(r["decision"]),
            r["reason"],
            datetime.fromisoformat(str(r["decided_at"])),
        )
        for r in rows
    ]


async def put_preliminary(
    tx: Tx, campaign_id: int, lines: dict[int, tuple[str, str]], actor_id: int
) -> None:
    """Stores each unit's total and preliminary grade, clearing any earlier final grade."""
    for unit_id, (total, grade) in sorted(lines.items()):
        await tx.execute(
            "INSERT INTO campaign_grades (campaign_id, unit_id, total, preliminary)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, unit_id) DO UPDATE SET"
            " total = excluded.total, preliminary = excluded.preliminary, final = NULL,"
            " reason = NULL, changed_by = NULL, changed_at = NULL",
            (campaign_id, unit_id, total, grade),
        )
    await tx.audit(
        actor_id,
        "campaign.preliminary",
        ENTITY,
        campaign_id,
        grades={str(k): v for k, v in sorted(lines.items())},
    )


async def change_grade(
    tx: Tx, campaign_id: int, unit_id: int, grade: str, reason: str, actor_id: int
) -> bool:
    """The leading group's changed grade for a unit, with its reason (while under review)."""
    changed = await tx.changed(
        "UPDATE campaign_grades SET final = ?, reason = ?, changed_by = ?, changed_at = ?"
        " WHERE campaign_id = ? AND unit_id = ?"
        " AND (SELECT state FROM campaigns WHERE id = ?) = 'grade_review'",
        (grade, reason, actor_id, tx.stamp, campaign_id, unit_id, campaign_id),
    )
    if changed:
        await tx.audit(
            actor_id,
            "campaign.grade_changed",
            ENTITY,
            campaign_id,
            unit=unit_id,
            grade=grade,
            reason=reason,
        )
    return bool(changed)


async def grades(tx: Tx, campaign_id: int) -> dict[int, Grade]:
    """Each unit's grade line."""
    rows = await tx.fetchall("SELECT * FROM campaign_grades WHERE campaign_id = ?", (campaign_id,))
    return {
        int(r["unit_id"]): Grade(
            int(r["unit_id"]),
            str(r["total"]),
            str(r["preliminary"]),
            r["final"],
            r["reason"],
            r["changed_by"],
        )
        for r in rows
    }


async def correct_grade(
    tx: Tx, campaign_id: int, unit_id: int, grade: str, reason: str, version: int, actor_id: int
) -> bool:
    """A closed campaign's grade corrected by the office (更正, published as `version`): the
    grade every later version keeps; the published sheets keep theirs."""
    changed = await tx.changed(
        "UPDATE campaign_grades SET final = ?, reason = ?, changed_by = ?, changed_at = ?"
        " WHERE campaign_id = ? AND unit_id = ?"
        " AND (SELECT state FROM campaigns WHERE id = ?) = 'closed'",
        (grade, reason, actor_id, tx.stamp, campaign_id, unit_id, campaign_id),
    )
    if changed:
        await tx.audit(
            actor_id,
            "campaign.grade_corrected",
            ENTITY,
            campaign_id,
            unit=unit_id,
            grade=grade,
            reason=reason,
            version=version,
        )
    return bool(changed)
