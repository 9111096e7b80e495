"""《工作简报》 issues repository: issues, their entries (items in order) and review decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from scoring.vocab import AT_CENTRE
from storage.db import Tx, to_stamp
from storage.models import Item, Row

#: Issue states in which the editor may still change the content.
EDITABLE = ("draft", "returned")
#: A position far above any real one, used to move entries without breaking the primary key.
_PARKED = 1_000_000


class Brief(Row):
    """One issue of the work bulletin (第N期 of a year) and where it stands."""

    id: int
    year: int
    number: int
    issue_date: date
    state: str  # draft, review, signing, returned, issued, cancelled
    round: int
    return_reason: str | None
    created_by: int
    created_at: datetime
    issued_by: int | None
    issued_at: datetime | None
    file_key: str | None


class BriefEntry(Row):
    """An item in an issue, with the heading and body printed for it."""

    brief_id: int
    position: int
    item_id: int
    heading: str
    body: str


class BriefDecision(Row):
    """A centre leader's review or a main leader's signing decision on one round."""

    id: int
    brief_id: int
    round: int
    step: str  # review, sign
    decided_by: int
    approve: bool
    reason: str | None
    decided_at: datetime


async def next_number(tx: Tx, year: int) -> int:
    """The next free issue number of a year (cancelled issues free theirs)."""
    row = await tx.fetchone(
        "SELECT max(number) FROM briefs WHERE year = ? AND state != 'cancelled'", (year,)
    )
    return int(row[0] or 0) + 1 if row else 1


async def create_brief(tx: Tx, *, issue_date: date, created_by: int) -> Brief:
    """Opens a draft issue with the next free number of its date's year."""
    number = await next_number(tx, issue_date.year)
    brief_id = await tx.execute(
        "INSERT INTO briefs (year, number, issue_date, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (issue_date.year, number, issue_date.isoformat(), created_by, tx.stamp),
    )
    await tx.audit(
        created_by, "brief.create", "brief", brief_id, year=issue_date.year, number=number
    )
    brief = await get_brief(tx, brief_id)
    assert brief is not None
    return brief


async def get_brief(tx: Tx, brief_id: int) -> Brief | None:
    """One issue by id."""
    row = await tx.fetchone("SELECT * FROM briefs WHERE id = ?", (brief_id,))
    return Brief.from_row(row) if row else None


async def open_brief_of(tx: Tx, person_id: int) -> Brief | None:
    """The person's newest issue still being written (a draft or a returned one)."""
    row = await tx.fetchone(
        "SELECT * FROM briefs WHERE created_by = ? AND state IN ('draft', 'returned')"
        " ORDER BY id DESC LIMIT 1",
        (person_id,),
    )
    return Brief.from_row(row) if row else None


async def list_briefs(tx: Tx, limit: int = 20) -> list[Brief]:
    """The newest issues, cancelled ones left out."""
    rows = await tx.fetchall(
        "SELECT * FROM briefs WHERE state != 'cancelled' ORDER BY year DESC, number DESC, id DESC"
        " LIMIT ?",
        (limit,),
    )
    return [Brief.from_row(row) for row in rows]


async def entries_of(tx: Tx, brief_id: int) -> list[BriefEntry]:
    """An issue's entries in print order."""
    rows = await tx.fetchall(
        "SELECT * FROM brief_entries WHERE brief_id = ? ORDER BY position", (brief_id,)
    )
    return [BriefEntry.from_row(row) for row in rows]


async def add_entry(
    tx: Tx, brief_id: int, item: Item, *, heading: str, body: str, actor_id: int
) -> bool:
    """Appends an item to an issue; False if the item is already in it."""
    present = await tx.fetchone(
        "SELECT 1 FROM brief_entries WHERE brief_id = ? AND item_id = ?", (brief_id, item.id)
    )
    if present is not None:
        return False
    row = await tx.fetchone(
        "SELECT ifnull(max(position), 0) + 1 FROM brief_entries WHERE brief_id = ?", (brief_id,)
    )
    position = int(row[0]) if row else 1
    await tx.execute(
        "INSERT INTO brief_entries (brief_id, position, item_id, heading, body)"
        " VALUES (?, ?, ?, ?, ?)",
        (brief_id, position, item.id, heading, body),
    )
    await tx.audit(actor_id, "brief.add", "brief", brief_id, item_id=item.id, position=position)
    return True


async def update_entry(
    tx: Tx,
    brief_id: int,
    item_id: int,
    *,
    actor_id: int,
    heading: str | None = None,
    body: str | None = None,
) -> bool:
    """Changes an entry's heading or body for this issue (the item keeps its own text)."""
    row = await tx.fetchone(
        "SELECT heading, body FROM brief_entries WHERE brief_id = ? AND item_id = ?",
        (brief_id, item_id),
    )
    if row is None:
        return False
    new_heading = heading if heading is not None else str(row["heading"])
    new_body = body if body is not None else str(row["body"])
    if (new_heading, new_body) == (row["heading"], row["body"]):
        return False
    await tx.execute(
        "UPDATE brief_entries SET heading = ?, body = ? WHERE brief_id = ? AND item_id = ?",
        (new_heading, new_body, brief_id, item_id),
    )
    changed = [name for name, value in (("heading", heading), ("body", body)) if value is not None]
    await tx.audit(actor_id, "brief.entry_edit", "brief", brief_id, item_id=item_id, fields=changed)
    return True


async def remove_entry(tx: Tx, brief_id: int, item_id: int, *, actor_id: int) -> bool:
    """Takes an item out of an issue and closes the gap in the order; False if not in it."""
    row = await tx.fetchone(
        "SELECT position FROM brief_entries WHERE brief_id = ? AND item_id = ?",
        (brief_id, item_id),
    )
    if row is None:
        return False
    position = int(row["position"])
    await tx.execute(
        "DELETE FROM brief_entries WHERE brief_id = ? AND item_id = ?", (brief_id, item_id)
    )
    # Two steps, so no intermediate row collides with the (brief, position) key.
    await tx.execute(
        "UPDATE brief_entries SET position = position + ? WHERE brief_id = ? AND position > ?",
        (_PARKED, brief_id, position),
    )
    await tx.execute(
        "UPDATE brief_entries SET position = position - ? WHERE brief_id = ? AND position > ?",
        (_PARKED + 1, brief_id, _PARKED),
    )
    await tx.audit(actor_id, "brief.remove", "brief", brief_id, item_id=item_id)
    return True


async def move_entry(tx: Tx, brief_id: int, item_id: int, step: int, *, actor_id: int) -> bool:
    """Swaps an entry with its neighbour (step -1 up, +1 down); False at either end."""
    row = await tx.fetchone(
        "SELECT position FROM brief_entries WHERE brief_id = ? AND item_id = ?",
        (brief_id, item_id),
    )
    if row is None:
        return False
    here = int(row["position"])
    there = here + step
    other = await tx.fetchone(
        "SELECT item_id FROM brief_entries WHERE brief_id = ? AND position = ?",
        (brief_id, there),
    )
    if other is None:
        return False
    swaps = ((_PARKED, item_id), (here, int(other["item_id"])), (there, item_id))
    for position, moved in swaps:
        await tx.execute(
            "UPDATE brief_entries SET position = ? WHERE brief_id = ? AND item_id = ?",
            (position, brief_id, moved),
        )
    await tx.audit(actor_id, "brief.move", "brief", brief_id, item_id=item_id, to=there)
    return True


async def set_issue_date(tx: Tx, brief: Brief, day: date, *, actor_id: int) -> Brief:
    """Changes an issue's date; a date in another year takes that year's next free number."""
    year, number = brief.year, brief.number
    if day.year != brief.year:
        year, number = day.year, await next_number(tx, day.year)
    await tx.execute(
        "UPDATE briefs SET issue_date = ?, year = ?, number = ? WHERE id = ?",
        (day.isoformat(), year, number, brief.id),
    )
    await tx.audit(
        actor_id, "brief.date", "brief", brief.id, issue_date=day, year=year, number=number
    )
    changed = await get_brief(tx, brief.id)
    assert changed is not None
    return changed


async def transition(
    tx: Tx,
    brief_id: int,
    *,
    expected: tuple[str, ...],
    new: str,
    actor_id: int,
    action: str,
    expected_round: int | None = None,
    **fields: Any,
) -> bool:
    """Moves an issue to a new state only if it is still where the caller saw it."""
    values = {
        key: (
            to_stamp(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v
        )
        for key, v in fields.items()
    }
    assignments = "".join(f", {key} = ?" for key in values)
    marks = ", ".join("?" for _ in expected)
    where = f"id = ? AND state IN ({marks})"
    params: list[Any] = [new, *values.values(), brief_id, *expected]
    if expected_round is not None:
        where += " AND round = ?"
        params.append(expected_round)
    changed = await tx.execute(f"UPDATE briefs SET state = ?{assignments} WHERE {where}", params)
    if changed:
        await tx.audit(actor_id, action, "brief", brief_id, after=new, fields=values)
    return bool(changed)


async def record_decision(
    tx: Tx,
    brief_id: int,
    *,
    round_: int,
    step: str,
    decided_by: int,
    approve: bool,
    reason: str | None,
) -> BriefDecision | None:
    """Records one decision per (issue, round, step); None if that step was decided already."""
    changed = await tx.changed(
        "INSERT INTO brief_decisions (brief_id, round, step, decided_by, approve, reason,"
        " decided_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (brief_id, round, step) DO NOTHING",
        (brief_id, round_, step, decided_by, int(approve), reason, tx.stamp),
    )
    if not changed:
        return None
    await tx.audit(
        decided_by,
        f"brief.{step}.{'approve' if approve else 'return'}",
        "brief",
        brief_id,
        round=round_,
        reason=reason,
    )
    row = await tx.fetchone(
        "SELECT * FROM brief_decisions WHERE brief_id = ? AND round = ? AND step = ?",
        (brief_id, round_, step),
    )
    assert row is not None
    return BriefDecision.from_row(row)


async def decisions_of(tx: Tx, brief_id: int) -> list[BriefDecision]:
    """An issue's decisions in the order taken."""
    rows = await tx.fetchall(
        "SELECT * FROM brief_decisions WHERE brief_id = ? ORDER BY id", (brief_id,)
    )
    return [BriefDecision.from_row(row) for row in rows]


async def candidates(tx: Tx, brief_id: int, outlet: str, limit: int = 15) -> list[Item]:
    """Items at the centre an issue may take: routed to the bulletin first, then the newest
    to reach the centre; items already in this issue or already adopted by it are left out."""
    states = sorted(state.value for state in AT_CENTRE)
    marks = ", ".join("?" for _ in states)
    rows = await tx.fetchall(
        f"SELECT i.* FROM items i WHERE i.state IN ({marks})"
        " AND NOT EXISTS (SELECT 1 FROM brief_entries e WHERE e.brief_id = ? AND e.item_id = i.id)"
        " AND NOT EXISTS (SELECT 1 FROM adoptions a WHERE a.item_id = i.id AND a.outlet = ?"
        "  AND a.withdrawn_at IS NULL)"
        " ORDER BY EXISTS (SELECT 1 FROM item_routes r WHERE r.item_id = i.id AND r.outlet = ?)"
        " DESC, ifnull(i.centre_at, i.created_at) DESC, i.id DESC LIMIT ?",
        (*states, brief_id, outlet, outlet, limit),
    )
    return [Item.from_row(row) for row in rows]


async def routed_to(tx: Tx, item_ids: list[int], outlet: str) -> set[int]:
    """Which of these items an editor routed to the outlet (第六条)."""
    if not item_ids:
        return set()
    marks = ", ".join("?" for _ in item_ids)
    rows = await tx.fetchall(
        f"SELECT item_id FROM item_routes WHERE outlet = ? AND item_id IN ({marks})",
        (outlet, *item_ids),
    )
    return {int(row["item_id"]) for row in rows}


async def running_number(tx: Tx, year: int, number: int) -> int:
    """An issue's running number over every year (总第N期): the issues issued before it, in
    any year, plus itself."""
    row = await tx.fetchone(
        "SELECT count(*) AS n FROM briefs WHERE state = 'issued'"
        " AND (year < ? OR (year = ? AND number < ?))",
        (year, year, number),
    )
    return (int(row["n"]) if row else 0) + 1
