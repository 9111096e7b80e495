"""A closed campaign's consequences in the ledger: 通报 outcomes, 诫勉谈话 and 限期整改 tasks."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from storage.campaigns import ENTITY
from storage.db import Tx


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
    withdrawn_version: int | None = None  # closed by this corrected version


async def add_outcome(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    kind: str,
    actor_id: int | None,
    *,
    version: int | None = None,
) -> bool:
    """Records 通报表扬, 通报批评 or the result sent on (once per unit and kind); one a
    corrected version had withdrawn is in force again (`version`: the version that says so)."""
    changed = await tx.changed(
        "INSERT INTO campaign_outcomes (campaign_id, unit_id, kind, recorded_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET withdrawn_at = NULL,"
        " withdrawn_version = NULL WHERE withdrawn_at IS NOT NULL",
        (campaign_id, unit_id, kind, tx.stamp),
    )
    if changed:
        await tx.audit(
            actor_id, f"campaign.{kind}", ENTITY, campaign_id, unit=unit_id, version=version
        )
    return bool(changed)


async def withdraw_outcome(
    tx: Tx, campaign_id: int, unit_id: int, kind: str, version: int, actor_id: int
) -> bool:
    """A consequence withdrawn by a corrected version: the row kept, marked with when and
    which version (False when none was in force)."""
    changed = await tx.changed(
        "UPDATE campaign_outcomes SET withdrawn_at = ?, withdrawn_version = ?"
        " WHERE campaign_id = ? AND unit_id = ? AND kind = ? AND withdrawn_at IS NULL",
        (tx.stamp, version, campaign_id, unit_id, kind),
    )
    if changed:
        await tx.audit(
            actor_id,
            f"campaign.{kind}_withdrawn",
            ENTITY,
            campaign_id,
            unit=unit_id,
            version=version,
        )
    return bool(changed)


async def outcomes(tx: Tx, campaign_id: int) -> dict[int, set[str]]:
    """Each unit's consequences in force (those a correction withdrew left out)."""
    found: dict[int, set[str]] = {}
    rows = await tx.fetchall(
        "SELECT unit_id, kind FROM campaign_outcomes WHERE campaign_id = ?"
        " AND withdrawn_at IS NULL",
        (campaign_id,),
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
        row["withdrawn_version"],
    )


async def open_rectification(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    due_on: date,
    actor_id: int | None,
    *,
    version: int | None = None,
) -> bool:
    """Opens a unit's 限期整改 task (once); one a corrected version had withdrawn opens
    again with the new deadline, where it stood (an accepted report stays accepted)."""
    changed = await tx.changed(
        "INSERT INTO campaign_rectifications (campaign_id, unit_id, due_on, opened_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET due_on = excluded.due_on,"
        " withdrawn_at = NULL, withdrawn_version = NULL WHERE withdrawn_at IS NOT NULL",
        (campaign_id, unit_id, due_on.isoformat(), tx.stamp),
    )
    if changed:
        await tx.audit(
            actor_id,
            "campaign.rectification_open",
            ENTITY,
            campaign_id,
            unit=unit_id,
            due=due_on,
            version=version,
        )
    return bool(changed)


async def withdraw_rectification(
    tx: Tx, campaign_id: int, unit_id: int, version: int, actor_id: int
) -> bool:
    """A task not yet accepted closed by a corrected version that moved the unit out of
    不合格: the row, its reports and reviews kept (False when none was open)."""
    changed = await tx.changed(
        "UPDATE campaign_rectifications SET withdrawn_at = ?, withdrawn_version = ?"
        " WHERE campaign_id = ? AND unit_id = ? AND state != 'accepted'"
        " AND withdrawn_at IS NULL",
        (tx.stamp, version, campaign_id, unit_id),
    )
    if changed:
        await tx.audit(
            actor_id,
            "campaign.rectification_withdrawn",
            ENTITY,
            campaign_id,
            unit=unit_id,
            version=version,
        )
    return bool(changed)


async def rectification(tx: Tx, campaign_id: int, unit_id: int) -> Rectification | None:
    """A unit's rectification task in force, if any (one a correction withdrew is none)."""
    row = await tx.fetchone(
        "SELECT * FROM campaign_rectifications WHERE campaign_id = ? AND unit_id = ?"
        " AND withdrawn_at IS NULL",
        (campaign_id, unit_id),
    )
    return None if row is None else _rectification(row)


async def open_rectifications(tx: Tx) -> list[Rectification]:
    """Every rectification task not yet accepted nor withdrawn, soonest due first."""
    rows = await tx.fetchall(
        "SELECT * FROM campaign_rectifications WHERE state != 'accepted'"
        " AND withdrawn_at IS NULL"
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
        " AND state = 'open' AND withdrawn_at IS NULL",
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
            " AND withdrawn_at IS NULL"
        )
        params: tuple[Any, ...] = (by, tx.stamp, campaign_id, unit_id)
    else:
        sql = (
            "UPDATE campaign_rectifications SET state = 'open', return_reason = ?"
            " WHERE campaign_id = ? AND unit_id = ? AND state = 'submitted'"
            " AND withdrawn_at IS NULL"
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
