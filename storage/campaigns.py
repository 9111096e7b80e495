"""Assessment campaigns in the ledger: plans, units, groups, notices and self-check reports."""

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


async def ask_grades_again(tx: Tx, campaign_id: int, actor_id: int, **detail: Any) -> bool:
    """A new round of the grades' approval while they stay under review (a grade changed after
    members approved): the approvals given so far stay recorded in their round."""
    changed = await tx.changed(
        "UPDATE campaigns SET grade_round = grade_round + 1 WHERE id = ? AND state = 'grade_review'",
        (campaign_id,),
    )
    if changed:
        await tx.audit(actor_id, "campaign.grades_asked_again", ENTITY, campaign_id, **detail)
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
