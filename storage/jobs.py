"""Record of scheduled work done (a bulletin posted, a reminder sent), so nothing runs twice."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Tx


async def is_done(tx: Tx, key: str) -> bool:
    """Whether the work with this key was already done."""
    return await tx.fetchone("SELECT 1 FROM job_runs WHERE key = ?", (key,)) is not None


async def record(tx: Tx, key: str, **detail: Any) -> bool:
    """Marks work done; False if it already was (the caller's transaction then changes nothing)."""
    changed = await tx.changed(
        "INSERT INTO job_runs (key, done_at, detail) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, tx.stamp, json.dumps(detail, ensure_ascii=False, default=str)),
    )
    return changed > 0


async def forget_before(tx: Tx, prefix: str, before: str) -> int:
    """Drops the records of `prefix` work keyed before `before` (pacing marks read no more,
    which would otherwise pile up by the day); how many."""
    return await tx.changed(
        "DELETE FROM job_runs WHERE key GLOB ? AND key < ?", (f"{prefix}*", before)
    )


async def posted_periods(tx: Tx) -> list[str]:
    """The periods whose bulletin ('2026-10') or year-end report ('2026') was posted, in order."""
    rows = await tx.fetchall(
        "SELECT key FROM job_runs WHERE key GLOB 'bulletin:[0-9]*' OR key GLOB 'annual:[0-9]*'"
        " ORDER BY key"
    )
    return [str(row["key"]).partition(":")[2] for row in rows]
