"""A campaign's evidence and numbers: self-checks with evidence, each member's scores, the
office's settlements and the satisfaction survey's answers. Every change writes its audit row."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from storage.db import Tx
from storage.units import decimal_text

ENTITY = "campaign"


@dataclass(frozen=True, slots=True)
class SelfCheck:
    """A unit's own answer to one check."""

    unit_id: int
    check_id: str
    verdict: str
    note: str
    entered_by: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """A text, photo or document a unit gave for one check (a file's bytes are in `files`)."""

    id: int
    unit_id: int
    check_id: str
    kind: str
    text: str
    file_key: str | None


@dataclass(frozen=True, slots=True)
class Score:
    """One member's score for a unit's check."""

    unit_id: int
    check_id: str
    member_id: int
    points: Decimal
    comment: str
    source: str


@dataclass(frozen=True, slots=True)
class Settled:
    """The office's settled score for a unit's check, with its reason."""

    unit_id: int
    check_id: str
    version: int
    points: Decimal
    reason: str
    settled_by: int


async def put_selfcheck(
    tx: Tx, campaign_id: int, unit_id: int, check_id: str, verdict: str, note: str, by: int
) -> None:
    """Stores (or replaces) the unit's answer to a check; the audit keeps every answer."""
    await tx.execute(
        "INSERT INTO campaign_selfchecks (campaign_id, unit_id, check_id, verdict, note,"
        " entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (campaign_id, unit_id, check_id) DO UPDATE SET verdict = excluded.verdict,"
        " note = excluded.note, entered_by = excluded.entered_by, entered_at = excluded.entered_at",
        (campaign_id, unit_id, check_id, verdict, note, by, tx.stamp),
    )
    await tx.audit(
        by,
        "campaign.selfcheck",
        ENTITY,
        campaign_id,
        unit=unit_id,
        check=check_id,
        verdict=verdict,
        note=note,
    )


async def selfchecks(tx: Tx, campaign_id: int, unit_id: int | None = None) -> list[SelfCheck]:
    """The self-check answers of one unit, or of every unit."""
    rows = await tx.fetchall(
        "SELECT * FROM campaign_selfchecks WHERE campaign_id = ?"
        " AND (? IS NULL OR unit_id = ?) ORDER BY unit_id, check_id",
        (campaign_id, unit_id, unit_id),
    )
    return [
        SelfCheck(
            int(r["unit_id"]),
            str(r["check_id"]),
            str(r["verdict"]),
            str(r["note"]),
            int(r["entered_by"]),
        )
        for r in rows
    ]


async def add_evidence(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    *,
    kind: str,
    text: str,
    file_key: str | None,
    by: int,
) -> int:
    """Adds one piece of evidence to a check."""
    evidence_id = await tx.execute(
        "INSERT INTO campaign_evidence (campaign_id, unit_id, check_id, kind, text, file_key,"
        " added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (campaign_id, unit_id, check_id, kind, text, file_key, by, tx.stamp),
    )
    await tx.audit(
        by,
        "campaign.evidence",
        ENTITY,
        campaign_id,
        unit=unit_id,
        check=check_id,
        kind=kind,
        evidence=evidence_id,
        file=file_key,
    )
    return evidence_id


async def evidence(tx: Tx, campaign_id: int, unit_id: int) -> list[Evidence]:
    """A unit's evidence, in the order given."""
    rows = await tx.fetchall(
        "SELECT * FROM campaign_evidence WHERE campaign_id = ? AND unit_id = ? ORDER BY id",
        (campaign_id, unit_id),
    )
    return [
        Evidence(
            int(r["id"]),
            int(r["unit_id"]),
            str(r["check_id"]),
            str(r["kind"]),
            str(r["text"]),
            r["file_key"],
        )
        for r in rows
    ]


async def put_score(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    member_id: int,
    points: Decimal,
    comment: str,
    *,
    source: str,
    actor_id: int,
) -> bool:
    """Stores a member's score for a check (replacing theirs); False when it was the same."""
    text = decimal_text(points)
    changed = await tx.changed(
        "INSERT INTO campaign_scores (campaign_id, unit_id, check_id, member_id, points, comment,"
        " source, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (campaign_id, unit_id, check_id, member_id) DO UPDATE SET"
        " points = excluded.points, comment = excluded.comment, source = excluded.source,"
        " scored_at = excluded.scored_at"
        " WHERE points != excluded.points OR comment != excluded.comment",
        (campaign_id, unit_id, check_id, member_id, text, comment, source, tx.stamp),
    )
    if changed:
        await tx.audit(
            actor_id,
            "campaign.score",
            ENTITY,
            campaign_id,
            unit=unit_id,
            check=check_id,
            member=member_id,
            points=text,
            comment=comment,
            source=source,
        )
    return bool(changed)


async def scores(tx: Tx, campaign_id: int) -> list[Score]:
    """Every member's scores in the campaign."""
    rows = await tx.fetchall(
        "SELECT * FROM campaign_scores WHERE campaign_id = ? ORDER BY unit_id, check_id, member_id",
        (campaign_id,),
    )
    return [
        Score(
            int(r["unit_id"]),
            str(r["check_id"]),
            int(r["member_id"]),
            Decimal(r["points"]),
            str(r["comment"]),
            str(r["source"]),
        )
        for r in rows
    ]


async def settle(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    points: Decimal,
    reason: str,
    *,
    version: int,
    by: int,
) -> None:
    """Stores the office's settled score (replacing one of the same version)."""
    text = decimal_text(points)
    await tx.execute(
        "INSERT INTO campaign_settlements (campaign_id, unit_id, check_id, version, points,"
        " reason, settled_by, settled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (campaign_id, unit_id, check_id, version) DO UPDATE SET"
        " points = excluded.points, reason = excluded.reason, settled_by = excluded.settled_by,"
        " settled_at = excluded.settled_at",
        (campaign_id, unit_id, check_id, version, text, reason, by, tx.stamp),
    )
    await tx.audit(
        by,
        "campaign.settle",
        ENTITY,
        campaign_id,
        unit=unit_id,
        check=check_id,
        points=text,
        reason=reason,
        version=version,
    )


async def settlements(
    tx: Tx, campaign_id: int, up_to_version: int
) -> dict[tuple[int, str], Settled]:
    """The settled score in force per (unit, check): the latest version not above the given."""
    rows = await tx.fetchall(
        "SELECT * FROM campaign_settlements WHERE campaign_id = ? AND version <= ?"
        " ORDER BY version",
        (campaign_id, up_to_version),
    )
    return {
        (int(r["unit_id"]), str(r["check_id"])): Settled(
            int(r["unit_id"]),
            str(r["check_id"]),
            int(r["version"]),
            Decimal(r["points"]),
            str(r["reason"]),
            int(r["settled_by"]),
        )
        for r in rows
    }


async def answer_survey(
    tx: Tx, campaign_id: int, unit_id: int, account_hash: str, answer: str, comment: str
) -> bool:
    """Stores one survey answer; False when this account already answered for this unit."""
    changed = await tx.changed(
        "INSERT INTO campaign_survey (campaign_id, unit_id, account_hash, answer, comment,"
        " answered_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (campaign_id, unit_id, account_hash) DO NOTHING",
        (campaign_id, unit_id, account_hash, answer, comment, tx.stamp),
    )
    if changed:
        await tx.audit(None, "campaign.survey", ENTITY, campaign_id, unit=unit_id, answer=answer)
    return bool(changed)


async def survey_answers(tx: Tx, campaign_id: int) -> dict[int, list[str]]:
    """Each unit's survey answers."""
    found: dict[int, list[str]] = {}
    rows = await tx.fetchall(
        "SELECT unit_id, answer FROM campaign_survey WHERE campaign_id = ? ORDER BY unit_id",
        (campaign_id,),
    )
    for row in rows:
        found.setdefault(int(row[0]), []).append(str(row[1]))
    return found


async def survey_comments(tx: Tx, campaign_id: int, unit_id: int) -> list[str]:
    """A unit's non-empty survey comments, oldest first."""
    rows = await tx.fetchall(
        "SELECT comment FROM campaign_survey WHERE campaign_id = ? AND unit_id = ?"
        " AND comment != '' ORDER BY answered_at, account_hash",
        (campaign_id, unit_id),
    )
    return [str(row[0]) for row in rows]
