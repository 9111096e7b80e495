"""Rectification reports kept round by round with their evidence, and 备案: the upper office
a lower level's campaign files its results to."""

from __future__ import annotations

from dataclasses import dataclass

from storage.campaigns import ENTITY
from storage.db import Tx


@dataclass(frozen=True, slots=True)
class Report:
    """One submission of a unit's rectification report and its review, if reviewed."""

    round: int
    text: str
    submitted_by: int
    submitted_at: str
    verdict: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """A photo or file sent with a report."""

    kind: str
    file_key: str


@dataclass(frozen=True, slots=True)
class Filing:
    """The upper office a campaign files to, and whom there it tells."""

    upper_office: str
    person_ids: tuple[int, ...]
    told: bool


async def add_report(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    *,
    text: str,
    evidence: list[tuple[str, str]],
    by: int,
) -> int:
    """Keeps a report as the next round with its evidence (kind, file key); the round."""
    row = await tx.fetchone(
        "SELECT ifnull(max(round), 0) FROM campaign_rectification_reports"
        " WHERE campaign_id = ? AND unit_id = ?",
        (campaign_id, unit_id),
    )
    round_ = int(row[0] if row is not None else 0) + 1
    await tx.execute(
        "INSERT INTO campaign_rectification_reports (campaign_id, unit_id, round, text,"
        " submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?)",
        (campaign_id, unit_id, round_, text, by, tx.stamp),
    )
    for position, (kind, key) in enumerate(evidence, start=1):
        await tx.execute(
            "INSERT INTO campaign_rectification_files (campaign_id, unit_id, round, position,"
            " kind, file_key) VALUES (?, ?, ?, ?, ?, ?)",
            (campaign_id, unit_id, round_, position, kind, key),
        )
    await tx.audit(
        by,
        "campaign.rectification_round",
        ENTITY,
        campaign_id,
        unit=unit_id,
        round=round_,
        files=[key for _, key in evidence],
    )
    return round_


async def reports(tx: Tx, campaign_id: int, unit_id: int) -> list[Report]:
    """A unit's reports, first round first."""
    rows = await tx.fetchall(
        "SELECT round, text, submitted_by, submitted_at, verdict, reason"
        " FROM campaign_rectification_reports WHERE campaign_id = ? AND unit_id = ?"
        " ORDER BY round",
        (campaign_id, unit_id),
    )
    return [Report(int(r[0]), str(r[1]), int(r[2]), str(r[3]), r[4], r[5]) for r in rows]


async def evidence(tx: Tx, campaign_id: int, unit_id: int, round_: int) -> list[Evidence]:
    """A report's photos and files, in the order sent."""
    rows = await tx.fetchall(
        "SELECT kind, file_key FROM campaign_rectification_files"
        " WHERE campaign_id = ? AND unit_id = ? AND round = ? ORDER BY position",
        (campaign_id, unit_id, round_),
    )
    return [Evidence(str(r[0]), str(r[1])) for r in rows]


async def review(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    round_: int,
    *,
    accept: bool,
    reason: str | None,
    by: int,
) -> bool:
    """The office's verdict on one round (compare-and-set: once per round)."""
    changed = await tx.changed(
        "UPDATE campaign_rectification_reports SET verdict = ?, reason = ?, reviewed_by = ?,"
        " reviewed_at = ? WHERE campaign_id = ? AND unit_id = ? AND round = ?"
        " AND verdict IS NULL",
        ("accepted" if accept else "returned", reason, by, tx.stamp, campaign_id, unit_id, round_),
    )
    if changed:
        await tx.audit(
            by,
            "campaign.rectification_reviewed",
            ENTITY,
            campaign_id,
            unit=unit_id,
            round=round_,
            verdict="accepted" if accept else "returned",
            reason=reason,
        )
    return bool(changed)


async def name_filing(
    tx: Tx, campaign_id: int, upper_office: str, person_ids: list[int], by: int
) -> None:
    """Names the upper office and its people (replacing those named before, while untold)."""
    await tx.changed(
        "DELETE FROM campaign_filings WHERE campaign_id = ? AND told_at IS NULL", (campaign_id,)
    )
    for person_id in person_ids:
        await tx.execute(
            "INSERT INTO campaign_filings (campaign_id, person_id, upper_office, named_by,"
            " named_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (campaign_id, person_id, upper_office, by, tx.stamp),
        )
    await tx.audit(
        by,
        "campaign.filing_named",
        ENTITY,
        campaign_id,
        upper_office=upper_office,
        people=person_ids,
    )


async def filing(tx: Tx, campaign_id: int) -> Filing | None:
    """Where the campaign files to, if it names an upper office."""
    rows = await tx.fetchall(
        "SELECT person_id, upper_office, told_at FROM campaign_filings WHERE campaign_id = ?"
        " ORDER BY person_id",
        (campaign_id,),
    )
    if not rows:
        return None
    return Filing(
        str(rows[0][1]),
        tuple(int(r[0]) for r in rows),
        all(r[2] is not None for r in rows),
    )


async def untold(tx: Tx) -> list[int]:
    """Closed campaigns whose upper office has not yet been told."""
    rows = await tx.fetchall(
        "SELECT DISTINCT f.campaign_id FROM campaign_filings f"
        " JOIN campaigns c ON c.id = f.campaign_id"
        " WHERE c.state = 'closed' AND f.told_at IS NULL ORDER BY f.campaign_id"
    )
    return [int(r[0]) for r in rows]


async def mark_told(tx: Tx, campaign_id: int) -> bool:
    """Records that the upper office was told (once)."""
    changed = await tx.changed(
        "UPDATE campaign_filings SET told_at = ? WHERE campaign_id = ? AND told_at IS NULL",
        (tx.stamp, campaign_id),
    )
    if changed:
        await tx.audit(None, "campaign.filed", ENTITY, campaign_id, people=changed)
    return bool(changed)
