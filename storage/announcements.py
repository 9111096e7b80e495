"""Announcements repository (第八条): notices to chosen roles and units, and their delivery."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring.vocab import Role, UnitKind
from storage.db import Tx
from storage.models import Person, Row
from storage.people import PERSON

#: Outbox states as the delivery report groups them ('sending' is a send in flight).
DELIVERY_STATES = ("sent", "pending", "failed", "uncertain")


class Announcement(Row):
    """One announcement: its text, an optional stored file, and the audience it went to."""

    id: int
    author_id: int
    text: str
    file_key: str | None
    file_kind: str | None
    file_name: str | None
    audience: str  # JSON: roles, scope, kinds, units
    created_at: datetime

    @property
    def audience_data(self) -> dict[str, Any]:
        """The stored audience, decoded."""
        data: dict[str, Any] = json.loads(self.audience)
        return data


@dataclass(frozen=True, slots=True)
class Delivery:
    """One recipient's outbox row for an announcement: who, and how far the message got."""

    address: str  # the account or room it went to, as its channel writes it
    name: str | None
    state: str  # sent, pending, failed or uncertain
    error: str | None


def purpose(announcement_id: int) -> str:
    """The outbox purpose of an announcement: one message per (announcement, recipient)."""
    return f"announce:{announcement_id}"


def draft_key(token: str) -> str:
    """The job_runs key that marks a draft as sent, so a replayed confirm sends nothing."""
    return f"announce:draft:{token}"


async def create_announcement(
    tx: Tx,
    *,
    author_id: int,
    text: str,
    file_key: str | None,
    file_kind: str | None,
    file_name: str | None,
    audience: dict[str, Any],
    recipients: int,
) -> Announcement:
    """Stores an announcement (with its audience) and audits it."""
    announcement_id = await tx.execute(
        "INSERT INTO announcements (author_id, text, file_key, file_kind, file_name, audience,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            author_id,
            text,
            file_key,
            file_kind,
            file_name,
            json.dumps(audience, ensure_ascii=False, sort_keys=True),
            tx.stamp,
        ),
    )
    await tx.audit(
        author_id,
        "announce.create",
        "announcement",
        announcement_id,
        recipients=recipients,
        file=file_kind,
        **audience,
    )
    found = await get_announcement(tx, announcement_id)
    assert found is not None
    return found


async def get_announcement(tx: Tx, announcement_id: int) -> Announcement | None:
    """One announcement by id."""
    row = await tx.fetchone("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
    return Announcement.from_row(row) if row else None


async def recent_announcements(tx: Tx, limit: int = 10) -> list[Announcement]:
    """The latest announcements, newest first."""
    rows = await tx.fetchall("SELECT * FROM announcements ORDER BY id DESC LIMIT ?", (limit,))
    return [Announcement.from_row(row) for row in rows]


async def recipients(
    tx: Tx,
    *,
    unit_roles: Collection[Role],
    centre_roles: Collection[Role],
    kinds: Collection[UnitKind] | None = None,
    unit_ids: Collection[int] | None = None,
) -> list[Person]:
    """People with a Telegram id holding a unit role in a chosen active unit, or a centre role
    anywhere; each person once, by name. Units: all (both None), of some kinds, or chosen ones."""
    clauses: list[str] = []
    params: list[Any] = []
    if unit_roles:
        scope = ""
        if unit_ids is not None:
            scope = f" AND u.id IN ({', '.join('?' * len(unit_ids)) or 'NULL'})"
            params_scope: list[Any] = list(unit_ids)
        elif kinds is not None:
            scope = f" AND u.kind IN ({', '.join('?' * len(kinds)) or 'NULL'})"
            params_scope = [kind.value for kind in kinds]
        else:
            params_scope = []
        clauses.append(f"(r.role IN ({', '.join('?' * len(unit_roles))}) AND u.active = 1{scope})")
        params += [role.value for role in unit_roles] + params_scope
    if centre_roles:
        clauses.append(f"r.role IN ({', '.join('?' * len(centre_roles))})")
        params += [role.value for role in centre_roles]
    if not clauses:
        return []
    rows = await tx.fetchall(
        f"SELECT {PERSON} FROM people p WHERE EXISTS ("
        " SELECT 1 FROM accounts AS a WHERE a.person_id = p.id) AND EXISTS ("
        " SELECT 1 FROM roles r LEFT JOIN units u ON u.id = r.unit_id"
        f" WHERE r.person_id = p.id AND r.revoked_at IS NULL AND ({' OR '.join(clauses)}))"
        " ORDER BY p.name, p.id",
        params,
    )
    return [Person.from_row(row) for row in rows]


async def deliveries(tx: Tx, announcement_id: int) -> list[Delivery]:
    """Each recipient's outbox row for an announcement, with the name the ledger knows."""
    rows = await tx.fetchall(
        "SELECT o.address, o.state, o.last_error, p.name FROM outbox o"
        " LEFT JOIN people p ON p.id = o.person_id"
        " WHERE o.purpose = ? ORDER BY ifnull(p.name, ''), o.person_id, o.address",
        (purpose(announcement_id),),
    )
    return [
        Delivery(
            address=str(row["address"]),
            name=row["name"],
            state="pending" if row["state"] == "sending" else str(row["state"]),
            error=row["last_error"],
        )
        for row in rows
    ]


async def delivery_counts(tx: Tx, announcement_id: int) -> dict[str, int]:
    """How many of an announcement's messages are sent, pending, failed and uncertain."""
    rows = await tx.fetchall(
        "SELECT CASE state WHEN 'sending' THEN 'pending' ELSE state END AS state, count(*) AS n"
        " FROM outbox WHERE purpose = ? GROUP BY 1",
        (purpose(announcement_id),),
    )
    counts = dict.fromkeys(DELIVERY_STATES, 0)
    for row in rows:
        counts[str(row["state"])] = counts.get(str(row["state"]), 0) + int(row["n"])
    return counts
