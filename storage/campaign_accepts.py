"""The office's acceptance of a campaign's rule for a check its members scored differently
(the scores it was accepted over kept, so a later change of score makes the check differ
again). Every change writes its audit row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

from storage.db import Tx
from storage.units import decimal_text

ENTITY = "campaign"


def scores_text(scores: Mapping[int, Decimal]) -> str:
    """Members' scores as stored: JSON, member ids in order, points as decimal text."""
    return json.dumps(
        {str(member): decimal_text(points) for member, points in sorted(scores.items())},
        sort_keys=True,
    )


async def accept(
    tx: Tx,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    scores: Mapping[int, Decimal],
    points: Decimal,
    *,
    by: int,
) -> bool:
    """Records that the office took the rule's result over these scores (replacing an
    acceptance over other scores); False when this very acceptance is already recorded."""
    over, result = scores_text(scores), decimal_text(points)
    changed = await tx.changed(
        "INSERT INTO campaign_rule_accepts (campaign_id, unit_id, check_id, scores, points,"
        " accepted_by, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (campaign_id, unit_id, check_id) DO UPDATE SET scores = excluded.scores,"
        " points = excluded.points, accepted_by = excluded.accepted_by,"
        " accepted_at = excluded.accepted_at WHERE scores != excluded.scores",
        (campaign_id, unit_id, check_id, over, result, by, tx.stamp),
    )
    if changed:
        await tx.audit(
            by,
            "campaign.accept_rule",
            ENTITY,
            campaign_id,
            unit=unit_id,
            check=check_id,
            scores=over,
            points=result,
        )
    return bool(changed)


async def accepted(tx: Tx, campaign_id: int) -> dict[tuple[int, str], str]:
    """The scores (as stored) each (unit, check) had when the office accepted the rule."""
    rows = await tx.fetchall(
        "SELECT unit_id, check_id, scores FROM campaign_rule_accepts WHERE campaign_id = ?",
        (campaign_id,),
    )
    return {(int(r["unit_id"]), str(r["check_id"])): str(r["scores"]) for r in rows}
