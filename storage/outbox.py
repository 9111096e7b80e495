"""Outbox repository: messages to send, each once per (purpose, person or room), with retry
state; a person's account is resolved when the message is queued."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from storage import people
from storage.db import Tx, to_stamp
from storage.models import OutboxMessage, Recipient, Room

#: When a held message is due: never, until `release_held` makes it due (see `enqueue`).
HELD_AT: Final = datetime(9999, 1, 1, tzinfo=UTC)
HELD: Final = to_stamp(HELD_AT)


async def address_of(tx: Tx, to: Recipient) -> tuple[int | None, str, str] | None:
    """Where a message to a person or a room goes: (person, channel, address); a person is
    reached on their account on the channel they chose for notices (`people.notices_to`),
    else on the account they used last (ties: the one added first), None if they have none."""
    if isinstance(to, Room):
        return None, to.channel, to.address
    row = await tx.fetchone(
        f"SELECT a.channel, a.external_id FROM accounts AS a WHERE a.person_id = ?"
        f" {people.DELIVERY_ORDER} LIMIT 1",
        (to,),
    )
    if row is None:
        return None
    return to, str(row["channel"]), str(row["external_id"])


async def enqueue(
    tx: Tx,
    purpose: str,
    to: Recipient,
    payload: dict[str, Any],
    *,
    kind: str = "text",
    not_before: datetime | None = None,
    held: bool = False,
) -> bool:
    """Queues a message to a person (on one account, chosen now) or a room; a (purpose,
    person) or (purpose, room) already queued, or a person with no account, is left alone.
    True if new. A `held` message is not sent until `release_held` releases it: work queued
    over several transactions goes out whole or not at all."""
    where = await address_of(tx, to)
    if where is None:
        return False
    person_id, channel, address = where
    changed = await tx.changed(
        "INSERT INTO outbox (purpose, person_id, channel, address, kind, payload,"
        " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            purpose,
            person_id,
            channel,
            address,
            kind,
            json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str),
            HELD if held else to_stamp(not_before) if not_before else tx.stamp,
            tx.stamp,
        ),
    )
    return changed > 0


def _range(prefix: str) -> tuple[str, str]:
    """The purposes starting with `prefix` as a range of the purpose index."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def release_held(tx: Tx, prefix: str) -> int:
    """Makes the held messages whose purpose starts with `prefix` due now; how many."""
    low, high = _range(prefix)
    return await tx.changed(
        "UPDATE outbox SET next_attempt_at = ? WHERE purpose >= ? AND purpose < ?"
        " AND state = 'pending' AND next_attempt_at = ?",
        (tx.stamp, low, high, HELD),
    )


async def discard_held(tx: Tx, prefix: str) -> int:
    """Deletes the held messages whose purpose starts with `prefix` (never sent: work a crash
    interrupted before it released them, about to be queued again); how many."""
    low, high = _range(prefix)
    gone = await tx.changed(
        "DELETE FROM outbox WHERE purpose >= ? AND purpose < ?"
        " AND state = 'pending' AND next_attempt_at = ?",
        (low, high, HELD),
    )
    if gone:
        await tx.audit(None, "outbox.discarded", "outbox", None, prefix=prefix, messages=gone)
    return gone


async def due(tx: Tx, channel: str, limit: int = 100) -> list[OutboxMessage]:
    """A channel's pending messages whose time has come, oldest first; none behind an earlier
    message to the same address that still waits (an address gets them in queued order)."""
    rows = await tx.fetchall(
        "SELECT * FROM outbox AS o WHERE o.state = 'pending' AND o.next_attempt_at <= ?"
        " AND o.channel = ?"
        " AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.channel = o.channel"
        " AND e.address = o.address AND e.state = 'pending' AND e.id < o.id"
        " AND e.next_attempt_at > ?)"
        " ORDER BY o.next_attempt_at, o.id LIMIT ?",
        (tx.stamp, channel, tx.stamp, limit),
    )
    return [OutboxMessage.from_row(row) for row in rows]


async def mark_sent(tx: Tx, message_id: int, remote_message_id: int | None) -> None:
    """Records a delivered message."""
    await tx.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1"
        " WHERE id = ?",
        (tx.stamp, remote_message_id, message_id),
    )


async def mark_failed(tx: Tx, message_id: int, error: str, *, uncertain: bool = False) -> None:
    """Records a message that will not be retried: failed for good, or maybe delivered."""
    await tx.execute(
        "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
        ("uncertain" if uncertain else "failed", error[:500], message_id),
    )
    await tx.audit(None, "outbox.failed", "outbox", message_id, error=error[:200])


async def undelivered(tx: Tx, limit: int = 50) -> list[OutboxMessage]:
    """Messages that failed for good or may not have arrived, newest first (for admins)."""
    rows = await tx.fetchall(
        "SELECT * FROM outbox WHERE state IN ('failed', 'uncertain') ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [OutboxMessage.from_row(row) for row in rows]


async def undelivered_since(tx: Tx, since: datetime, limit: int = 200) -> list[OutboxMessage]:
    """Messages that became failed or uncertain at or after `since` (by their audit row), in
    the order they were queued: what the admins' daily digest lists."""
    rows = await tx.fetchall(
        "SELECT * FROM outbox WHERE state IN ('failed', 'uncertain') AND id IN ("
        " SELECT entity_id FROM audit_log WHERE entity = 'outbox'"
        " AND action IN ('outbox.failed', 'outbox.interrupted') AND at >= ?)"
        " ORDER BY id LIMIT ?",
        (to_stamp(since), limit),
    )
    return [OutboxMessage.from_row(row) for row in rows]


async def sent_since(tx: Tx, channel: str, since: datetime) -> list[tuple[str, datetime]]:
    """(address, sent at) of a channel's messages sent at or after `since`, oldest first: to
    pace a channel's sends to each person again after a restart."""
    rows = await tx.fetchall(
        "SELECT address, sent_at FROM outbox WHERE state = 'sent' AND channel = ?"
        " AND sent_at >= ? ORDER BY sent_at, id",
        (channel, to_stamp(since)),
    )
    return [(str(row["address"]), datetime.fromisoformat(str(row["sent_at"]))) for row in rows]


async def by_purpose(tx: Tx, purpose: str, prefix: str) -> list[OutboxMessage]:
    """The rows queued under one purpose or under any purpose starting with `prefix` (every
    recipient), oldest first: whom a request and its later offers reached."""
    low, upper = _range(prefix)  # the range of the prefix, so the index serves
    rows = await tx.fetchall(
        "SELECT * FROM outbox WHERE purpose = ? OR (purpose >= ? AND purpose < ?) ORDER BY id",
        (purpose, low, upper),
    )
    return [OutboxMessage.from_row(row) for row in rows]


async def claim(tx: Tx, message_id: int) -> bool:
    """Marks a pending message as being sent now; False if someone else has it."""
    changed = await tx.changed(
        "UPDATE outbox SET state = 'sending' WHERE id = ? AND state = 'pending'", (message_id,)
    )
    return changed > 0


async def release(tx: Tx, message_id: int, error: str, next_attempt: datetime) -> None:
    """Puts a claimed message back for a later attempt (the send surely did not happen)."""
    await tx.execute(
        "UPDATE outbox SET state = 'pending', attempts = attempts + 1, last_error = ?,"
        " next_attempt_at = ? WHERE id = ?",
        (error[:500], to_stamp(next_attempt), message_id),
    )


async def orphaned_claims(tx: Tx) -> int:
    """After a restart: claims left by a crash mid-send become 'uncertain' (never resent)."""
    rows = await tx.fetchall("SELECT id FROM outbox WHERE state = 'sending' ORDER BY id")
    for row in rows:
        await tx.execute(
            "UPDATE outbox SET state = 'uncertain', last_error = 'interrupted while sending'"
            " WHERE id = ? AND state = 'sending'",
            (int(row["id"]),),
        )
        await tx.audit(None, "outbox.interrupted", "outbox", int(row["id"]))
    return len(rows)


async def postpone(tx: Tx, message_ids: list[int], not_before: datetime) -> None:
    """Makes pending messages wait until `not_before` (flood control), attempts untouched."""
    for message_id in message_ids:
        await tx.execute(
            "UPDATE outbox SET next_attempt_at = max(next_attempt_at, ?) WHERE id = ?"
            " AND state = 'pending'",
            (to_stamp(not_before), message_id),
        )


async def next_retry(tx: Tx) -> datetime | None:
    """When the soonest message waiting for a later attempt becomes due (None: none waits)."""
    row = await tx.fetchone(
        "SELECT min(next_attempt_at) AS at FROM outbox"
        " WHERE state = 'pending' AND next_attempt_at > ? AND next_attempt_at < ?",
        (tx.stamp, HELD),
    )
    return datetime.fromisoformat(str(row["at"])) if row and row["at"] else None
