"""Assessment campaigns in the ledger: the plan, its units and groups, decisions, grades,
consequences and the closed sheets. Every change writes its audit row; state moves are
compare-and-set, so a second tap changes nothing."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.db import Tx

ENTITY = "campaign"


@dataclass(frozen=True, slots=True)
class Campaign:
    """A campaign's plan and where it stands."""

    id: int
    title: str
    year: int
    template_key: str
    template: dict[str, Any]  # the template as planned (AssessmentTemplate's JSON)
    scope: str
    state: str
    plan_round: int
    grade_round: int
    created_by: int
    created_at: datetime
    approved_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class CampaignUnit:
    """A unit under assessment: its on-site date and its self-check report."""

    campaign_id: int
    unit_id: int
    onsite_on: date
    notified_at: datetime | None
    report_text: str | None
    report_file: str | None
    report_by: int | None
    report_at: datetime | None
    signed_by: int | None
    signed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Member:
    """A person in the campaign's leading group (in approval order) or assessment group."""

    role: str
    person_id: int
    position: int


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


@dataclass(frozen=True, slots=True)
class Talk:
    """A recorded 诫勉谈话."""

    id: int
    unit_id: int
    held_on: date
    talker: str
    with_whom: str
    note: str


@dataclass(frozen=True, slots=True)
class Rectification:
    """A 限期整改 task of a unit."""

    campaign_id: int
    unit_id: int
    due_on: date
    state: str
    report_text: str | None
    report_file: str | None
    return_reason: str | None
    accepted_by: int | None


@dataclass(frozen=True, slots=True)
class Sheet:
    """A closed campaign's published results, one numbered version."""

    version: int
    sheet: dict[str, Any]
    closed_at: datetime
    closed_by: int | None
    reason: str | None


def _moment(value: object) -> datetime | None:
    """A stored timestamp, or None."""
    return None if value is None else datetime.fromisoformat(str(value))


def _campaign(row: sqlite3.Row) -> Campaign:
    """A campaigns row as a Campaign."""
    created = _moment(row["created_at"])
    assert created is not None
    return Campaign(
        int(row["id"]),
        str(row["title"]),
        int(row["year"]),
        str(row["template_key"]),
        json.loads(row["template"]),
        str(row["scope"]),
        str(row["state"]),
        int(row["plan_round"]),
        int(row["grade_round"]),
        int(row["created_by"]),
        created,
        _moment(row["approved_at"]),
        _moment(row["closed_at"]),
    )


def _unit(row: sqlite3.Row) -> CampaignUnit:
    """A campaign_units row."""
    return CampaignUnit(
        int(row["campaign_id"]),
        int(row["unit_id"]),
        date.fromisoformat(str(row["onsite_on"])),
        _moment(row["notified_at"]),
        row["report_text"],
        row["report_file"],
        row["report_by"],
        _moment(row["report_at"]),
        row["signed_by"],
        _moment(row["signed_at"]),
    )


# --- the plan ----------------------------------------------------------------------------------


async def create(
    tx: Tx,
    *,
    title: str,
    year: int,
    template_key: str,
    template: dict[str, Any],
    scope: str,
    created_by: int,
    units: dict[int, date],
    leading: list[int],
    assessors: list[int],
) -> int:
    """Stores a new campaign in draft with its units' on-site dates and its two groups."""
    campaign_id = await tx.execute(
        "INSERT INTO campaigns (title, year, template_key, template, scope, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            title,
            year,
            template_key,
            json.dumps(template, ensure_ascii=False, sort_keys=True),
            scope,
            created_by,
            tx.stamp,
        ),
    )
    for unit_id, onsite in sorted(units.items()):
        await tx.execute(
            "INSERT INTO campaign_units (campaign_id, unit_id, onsite_on) VALUES (?, ?, ?)",
            (campaign_id, unit_id, onsite.isoformat()),
        )
    for role, people in (("leading", leading), ("assessor", assessors)):
        for position, person_id in enumerate(people, start=1):
            await tx.execute(
                "INSERT INTO campaign_members (campaign_id, role, person_id, position)"
                " VALUES (?, ?, ?, ?)",
                (campaign_id, role, person_id, position),
            )
    await tx.audit(
        created_by,
        "campaign.create",
        ENTITY,
        campaign_id,
        title=title,
        template=template_key,
        scope=scope,
        units={str(k): v.isoformat() for k, v in sorted(units.items())},
        leading=leading,
        assessors=assessors,
    )
    return campaign_id


async def get(tx: Tx, campaign_id: int) -> Campaign | None:
    """A campaign by id."""
    row = await tx.fetchone("SELECT * FROM campaigns WHERE id = ?", (campaign_id,))
    return None if row is None else _campaign(row)


async def listed(tx: Tx) -> list[Campaign]:
    """Every campaign, newest first."""
    rows = await tx.fetchall("SELECT * FROM campaigns ORDER BY id DESC")
    return [_campaign(row) for row in rows]


async def move(
    tx: Tx, campaign_id: int, expected: str, state: str, actor_id: int | None, **detail: Any
) -> bool:
    """Compare-and-set: moves the campaign from `expected` to `state`; False if it was not there.
    Entering review counts a new round; approval and closing stamp their times."""
    sets = ["state = :state"]
    if state == "plan_review":
        sets.append("plan_round = plan_round + 1")
    elif state == "grade_review":
        sets.append("grade_round = grade_round + 1")
    elif state == "running" and expected == "plan_review":
        sets.append("approved_at = :now")
    elif state == "closed":
        sets.append("closed_at = :now")
    changed = await tx.changed(
        f"UPDATE campaigns SET {', '.join(sets)} WHERE id = :id AND state = :expected",
        {"state": state, "now": tx.stamp, "id": campaign_id, "expected": expected},
    )
    if changed:
        await tx.audit(
            actor_id, f"campaign.{state}", ENTITY, campaign_id, previous=expected, **detail
        )
    return bool(changed)


async def set_onsite(tx: Tx, campaign_id: int, unit_id: int, onsite: date, actor_id: int) -> bool:
    """Changes a unit's on-site date (while the plan is a draft); False if not in the plan."""
    changed = await tx.changed(
        "UPDATE campaign_units SET onsite_on = ? WHERE campaign_id = ? AND unit_id = ?"
        " AND (SELECT state FROM campaigns WHERE id = ?) = 'draft'",
        (onsite.isoformat(), campaign_id, unit_id, campaign_id),
    )
    if changed:
        await tx.audit(
            actor_id, "campaign.onsite", ENTITY, campaign_id, unit=unit_id, onsite=onsite
        )
    return bool(changed)


async def units_of(tx: Tx, campaign_id: int) -> list[CampaignUnit]:
    """The campaign's units, in the units' listing order."""
    rows = await tx.fetchall(
        "SELECT cu.* FROM campaign_units cu JOIN units u ON u.id = cu.unit_id"
        " WHERE cu.campaign_id = ? ORDER BY u.position, u.id",
        (campaign_id,),
    )
    return [_unit(row) for row in rows]


async def unit_of(tx: Tx, campaign_id: int, unit_id: int) -> CampaignUnit | None:
    """One unit of the campaign."""
    row = await tx.fetchone(
        "SELECT * FROM campaign_units WHERE campaign_id = ? AND unit_id = ?",
        (campaign_id, unit_id),
    )
    return None if row is None else _unit(row)


async def members(tx: Tx, campaign_id: int, role: str) -> list[Member]:
    """The leading group (approval order) or the assessment group."""
    rows = await tx.fetchall(
        "SELECT role, person_id, position FROM campaign_members"
        " WHERE campaign_id = ? AND role = ? ORDER BY position",
        (campaign_id, role),
    )
    return [Member(str(r["role"]), int(r["person_id"]), int(r["position"])) for r in rows]


async def mark_notified(tx: Tx, campaign_id: int, actor_id: int | None) -> list[int]:
    """Stamps the notice on every unit not yet notified; returns those units."""
    rows = await tx.fetchall(
        "UPDATE campaign_units SET notified_at = ? WHERE campaign_id = ? AND notified_at IS NULL"
        " RETURNING unit_id",
        (tx.stamp, campaign_id),
    )
    notified = sorted(int(row[0]) for row in rows)
    if notified:
        await tx.audit(actor_id, "campaign.notify", ENTITY, campaign_id, units=notified)
    return notified


# --- decisions ---------------------------------------------------------------------------------


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


# --- the self-check report ---------------------------------------------------------------------


async def put_report(
    tx: Tx, campaign_id: int, unit_id: int, *, text: str | None, file_key: str | None, by: int
) -> bool:
    """Stores the unit's self-check report (text or file) while unsigned; False once signed."""
    changed = await tx.changed(
        "UPDATE campaign_units SET report_text = ?, report_file = ?, report_by = ?, report_at = ?"
        " WHERE campaign_id = ? AND unit_id = ? AND signed_at IS NULL",
        (text, file_key, by, tx.stamp, campaign_id, unit_id),
    )
    if changed:
        await tx.audit(
            by,
            "campaign.report",
            ENTITY,
            campaign_id,
            unit=unit_id,
            file=file_key,
            chars=len(text or ""),
        )
    return bool(changed)


async def sign_report(tx: Tx, campaign_id: int, unit_id: int, leader_id: int) -> bool:
    """The unit leader's signature on a written report; False if none or already signed."""
    changed = await tx.changed(
        "UPDATE campaign_units SET signed_by = ?, signed_at = ? WHERE campaign_id = ?"
        " AND unit_id = ? AND report_at IS NOT NULL AND signed_at IS NULL",
        (leader_id, tx.stamp, campaign_id, unit_id),
    )
    if changed:
        await tx.audit(leader_id, "campaign.report_signed", ENTITY, campaign_id, unit=unit_id)
    return bool(changed)


# --- grades ------------------------------------------------------------------------------------


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
            int(r["unit_id"]), str(r["total"]), str(r["preliminary"]), r["final"], r["reason"]
        )
        for r in rows
    }


# --- consequences ------------------------------------------------------------------------------


async def add_outcome(
    tx: Tx, campaign_id: int, unit_id: int, kind: str, actor_id: int | None
) -> bool:
    """Records 通报表扬, 通报批评 or the result sent on (once per unit and kind)."""
    changed = await tx.changed(
        "INSERT INTO campaign_outcomes (campaign_id, unit_id, kind, recorded_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (campaign_id, unit_id, kind, tx.stamp),
    )
    if changed:
        await tx.audit(actor_id, f"campaign.{kind}", ENTITY, campaign_id, unit=unit_id)
    return bool(changed)


async def outcomes(tx: Tx, campaign_id: int) -> dict[int, set[str]]:
    """Each unit's recorded consequences."""
    found: dict[int, set[str]] = {}
    rows = await tx.fetchall(
        "SELECT unit_id, kind FROM campaign_outcomes WHERE campaign_id = ?", (campaign_id,)
    )
    for row in rows:
        found.setdefault(int(row[0]), set()).add(str(row[1]))
    return found


async def add_talk(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    *,
    held_on: date,
    talker: str,
    with_whom: str,
    note: str,
    actor_id: int,
) -> int:
    """Records a 诫勉谈话: who talked with whom, when."""
    talk_id = await tx.execute(
        "INSERT INTO campaign_talks (campaign_id, unit_id, held_on, talker, with_whom, note,"
        " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (campaign_id, unit_id, held_on.isoformat(), talker, with_whom, note, actor_id, tx.stamp),
    )
    await tx.audit(
        actor_id,
        "campaign.talk",
        ENTITY,
        campaign_id,
        unit=unit_id,
        talk=talk_id,
        held_on=held_on,
        talker=talker,
        with_whom=with_whom,
    )
    return talk_id


async def talks(tx: Tx, campaign_id: int) -> list[Talk]:
    """The campaign's recorded talks, oldest first."""
    rows = await tx.fetchall(
        "SELECT * FROM campaign_talks WHERE campaign_id = ? ORDER BY id", (campaign_id,)
    )
    return [
        Talk(
            int(r["id"]),
            int(r["unit_id"]),
            date.fromisoformat(str(r["held_on"])),
            str(r["talker"]),
            str(r["with_whom"]),
            str(r["note"]),
        )
        for r in rows
    ]


def _rectification(row: sqlite3.Row) -> Rectification:
    """A campaign_rectifications row."""
    return Rectification(
        int(row["campaign_id"]),
        int(row["unit_id"]),
        date.fromisoformat(str(row["due_on"])),
        str(row["state"]),
        row["report_text"],
        row["report_file"],
        row["return_reason"],
        row["accepted_by"],
    )


async def open_rectification(
    tx: Tx, campaign_id: int, unit_id: int, due_on: date, actor_id: int | None
) -> bool:
    """Opens a unit's 限期整改 task (once)."""
    changed = await tx.changed(
        "INSERT INTO campaign_rectifications (campaign_id, unit_id, due_on, opened_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (campaign_id, unit_id, due_on.isoformat(), tx.stamp),
    )
    if changed:
        await tx.audit(
            actor_id, "campaign.rectification_open", ENTITY, campaign_id, unit=unit_id, due=due_on
        )
    return bool(changed)


async def rectification(tx: Tx, campaign_id: int, unit_id: int) -> Rectification | None:
    """A unit's rectification task, if any."""
    row = await tx.fetchone(
        "SELECT * FROM campaign_rectifications WHERE campaign_id = ? AND unit_id = ?",
        (campaign_id, unit_id),
    )
    return None if row is None else _rectification(row)


async def open_rectifications(tx: Tx) -> list[Rectification]:
    """Every rectification task not yet accepted, soonest due first."""
    rows = await tx.fetchall(
        "SELECT * FROM campaign_rectifications WHERE state != 'accepted'"
        " ORDER BY due_on, campaign_id, unit_id"
    )
    return [_rectification(row) for row in rows]


async def submit_rectification(
    tx: Tx, campaign_id: int, unit_id: int, *, text: str | None, file_key: str | None, by: int
) -> bool:
    """The unit's rectification report: open → submitted (compare-and-set)."""
    changed = await tx.changed(
        "UPDATE campaign_rectifications SET state = 'submitted', report_text = ?, report_file = ?,"
        " submitted_by = ?, submitted_at = ? WHERE campaign_id = ? AND unit_id = ?"
        " AND state = 'open'",
        (text, file_key, by, tx.stamp, campaign_id, unit_id),
    )
    if changed:
        await tx.audit(
            by, "campaign.rectification_report", ENTITY, campaign_id, unit=unit_id, file=file_key
        )
    return bool(changed)


async def review_rectification(
    tx: Tx, campaign_id: int, unit_id: int, *, accept: bool, reason: str | None, by: int
) -> bool:
    """The office accepts the report (closing the task) or sends it back with a reason."""
    if accept:
        sql = (
            "UPDATE campaign_rectifications SET state = 'accepted', accepted_by = ?,"
            " accepted_at = ? WHERE campaign_id = ? AND unit_id = ? AND state = 'submitted'"
        )
        params: tuple[Any, ...] = (by, tx.stamp, campaign_id, unit_id)
    else:
        sql = (
            "UPDATE campaign_rectifications SET state = 'open', return_reason = ?"
            " WHERE campaign_id = ? AND unit_id = ? AND state = 'submitted'"
        )
        params = (reason, campaign_id, unit_id)
    changed = await tx.changed(sql, params)
    if changed:
        await tx.audit(
            by,
            "campaign.rectification_accepted" if accept else "campaign.rectification_returned",
            ENTITY,
            campaign_id,
            unit=unit_id,
            reason=reason,
        )
    return bool(changed)


# --- closed sheets -----------------------------------------------------------------------------


async def add_sheet(
    tx: Tx, campaign_id: int, sheet: dict[str, Any], actor_id: int | None, reason: str | None
) -> int:
    """Publishes the next version of the campaign's results; earlier versions are kept."""
    row = await tx.fetchone(
        "SELECT ifnull(max(version), 0) + 1 FROM campaign_sheets WHERE campaign_id = ?",
        (campaign_id,),
    )
    version = int(row[0]) if row else 1
    await tx.execute(
        "INSERT INTO campaign_sheets (campaign_id, version, sheet, closed_at, closed_by, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            campaign_id,
            version,
            json.dumps(sheet, ensure_ascii=False, sort_keys=True),
            tx.stamp,
            actor_id,
            reason,
        ),
    )
    await tx.audit(actor_id, "campaign.sheet", ENTITY, campaign_id, version=version, reason=reason)
    return version


async def sheet(tx: Tx, campaign_id: int, version: int | None = None) -> Sheet | None:
    """A published version of the results (the latest when none is named)."""
    row = await tx.fetchone(
        "SELECT * FROM campaign_sheets WHERE campaign_id = ?"
        + (" AND version = ?" if version is not None else " ORDER BY version DESC LIMIT 1"),
        (campaign_id, version) if version is not None else (campaign_id,),
    )
    if row is None:
        return None
    return Sheet(
        int(row["version"]),
        json.loads(row["sheet"]),
        datetime.fromisoformat(str(row["closed_at"])),
        row["closed_by"],
        row["reason"],
    )
