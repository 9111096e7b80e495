"""A closed campaign's published results in the ledger: numbered sheet versions, never changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.campaigns import ENTITY
from storage.db import Tx


@dataclass(frozen=True, slots=True)
class Sheet:
    """A closed campaign's published results, one numbered version."""

    version: int
    sheet: dict[str, Any]
    closed_at: datetime
    closed_by: int | None
    reason: str | None


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
