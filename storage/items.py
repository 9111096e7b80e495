"""Items repository: drafts, submissions, sign-off decisions, edits and attachments of items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from scoring.vocab import ItemState, Role
from storage.db import Tx, to_stamp
from storage.models import Edit, Item, ItemFile, Signoff


@dataclass(frozen=True, slots=True)
class NewItem:
    """What an author gives to create an item."""

    unit_id: int
    author_id: int
    category: str
    title: str
    body: str
    event_date: date
    task_id: int | None = None
    submit_token: str | None = None


async def item_by_submit_token(tx: Tx, token: str) -> Item | None:
    """The item a draft already became, if it did."""
    row = await tx.fetchone("SELECT * FROM items WHERE submit_token = ?", (token,))
    return Item.from_row(row) if row else None


async def create_item(tx: Tx, new: NewItem) -> Item:
    """Stores a new draft item."""
    item_id = await tx.execute(
        "INSERT INTO items (unit_id, author_id, category, title, body, event_date, state,"
        " task_id, created_at, updated_at, submit_token)"
        " VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?)",
        (
            new.unit_id,
            new.author_id,
            new.category,
            new.title,
            new.body,
            new.event_date.isoformat(),
            new.task_id,
            tx.stamp,
            tx.stamp,
            new.submit_token,
        ),
    )
    await tx.audit(new.author_id, "item.create", "item", item_id, title=new.title)
    item = await get_item(tx, item_id)
    assert item is not None
    return item


async def get_item(tx: Tx, item_id: int) -> Item | None:
    """One item by number."""
    row = await tx.fetchone("SELECT * FROM items WHERE id = ?", (item_id,))
    return Item.from_row(row) if row else None


async def items_of_author(tx: Tx, author_id: int, limit: int = 50) -> list[Item]:
    """An author's items, newest first."""
    rows = await tx.fetchall(
        "SELECT * FROM items WHERE author_id = ? ORDER BY id DESC LIMIT ?", (author_id, limit)
    )
    return [Item.from_row(row) for row in rows]


async def items_in_state(tx: Tx, states: Sequence[ItemState], limit: int = 100) -> list[Item]:
    """Items in any of these states, oldest first (a work queue)."""
    marks = ", ".join("?" for _ in states)
    rows = await tx.fetchall(
        f"SELECT * FROM items WHERE state IN ({marks}) ORDER BY id LIMIT ?",
        (*[state.value for state in states], limit),
    )
    return [Item.from_row(row) for row in rows]


#: What still needs the centre's editors: not registered, or registered with no adoption
#: standing (archived and withdrawn items are done).
_DESK = (
    "(i.state = 'submitted' OR (i.state = 'registered' AND NOT EXISTS ("
    "SELECT 1 FROM adoptions a WHERE a.item_id = i.id AND a.withdrawn_at IS NULL)))"
)


async def desk(
    tx: Tx,
    *,
    unit_id: int | None = None,
    state: ItemState | None = None,
    month: str | None = None,
    offset: int = 0,
    limit: int = 10,
) -> tuple[list[Item], int]:
    """One page of the editors' desk and how many items it holds in all: unregistered items
    first, then registered ones without an adoption, each oldest first (by the day they
    reached the centre); narrowed to a unit, a state (submitted / registered) or a month
    (YYYY-MM, of reaching the centre)."""
    where: list[str] = [_DESK]
    params: list[Any] = []
    if unit_id is not None:
        where.append("i.unit_id = ?")
        params.append(unit_id)
    if state is not None:
        where.append("i.state = ?")
        params.append(state.value)
    if month is not None:
        where.append("i.centre_on >= ? AND i.centre_on < ?")
        year, number = (int(part) for part in month.split("-"))
        following = f"{year + number // 12}-{number % 12 + 1:02d}"
        params += [f"{month}-01", f"{following}-01"]
    clause = " AND ".join(where)
    total = await tx.fetchone(f"SELECT count(*) AS n FROM items i WHERE {clause}", params)
    rows = await tx.fetchall(
        f"SELECT i.* FROM items i WHERE {clause}"
        " ORDER BY i.state = 'registered', ifnull(i.centre_on, ''), i.id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [Item.from_row(row) for row in rows], int(total["n"]) if total else 0


async def search_items(
    tx: Tx,
    text: str,
    limit: int = 20,
    *,
    unit_ids: Sequence[int] | None = None,
    author_id: int | None = None,
) -> list[Item]:
    """Items whose title contains the text, newest first; with `unit_ids`, only those units'
    items and the author's own, filtered before the limit (so older own items are found)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = "title LIKE ? ESCAPE '\\'"
    params: list[Any] = [pattern]
    if unit_ids is not None:
        marks = ", ".join("?" for _ in unit_ids)
        where += (
            f" AND (unit_id IN ({marks}) OR author_id = ?)" if unit_ids else " AND author_id = ?"
        )
        params += [*unit_ids, author_id if author_id is not None else -1]
    rows = await tx.fetchall(
        f"SELECT * FROM items WHERE {where} ORDER BY id DESC LIMIT ?", (*params, limit)
    )
    return [Item.from_row(row) for row in rows]


_EDITABLE = frozenset({"category", "title", "body", "event_date"})


async def update_content(tx: Tx, item_id: int, actor_id: int, **fields: Any) -> bool:
    """Changes an item's text fields while its author may still change them (draft or returned)."""
    unknown = set(fields) - _EDITABLE
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    if not fields:
        return False
    values = {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}
    assignments = ", ".join(f"{key} = ?" for key in values)
    changed = await tx.execute(
        f"UPDATE items SET {assignments}, updated_at = ?"
        " WHERE id = ? AND state IN ('draft', 'returned')",
        (*values.values(), tx.stamp, item_id),
    )
    if changed:
        await tx.audit(actor_id, "item.update", "item", item_id, fields=values)
    return bool(changed)


async def transition(
    tx: Tx,
    item_id: int,
    *,
    expected: ItemState,
    new: ItemState,
    actor_id: int | None,
    action: str,
    expected_round: int | None = None,
    expected_step: int | None = None,
    **fields: Any,
) -> bool:
    """Moves an item to a new state only if it is still where the caller saw it (no lost update).

    Extra fields (chain_step, submitted_on, late_days, ...) are set in the same statement.
    """
    values = {
        key: (
            to_stamp(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v
        )
        for key, v in fields.items()
    }
    assignments = "".join(f", {key} = ?" for key in values)
    where = "id = ? AND state = ?"
    params: list[Any] = [new.value, *values.values(), tx.stamp, item_id, expected.value]
    if expected_round is not None:
        where += " AND chain_round = ?"
        params.append(expected_round)
    if expected_step is not None:
        where += " AND chain_step = ?"
        params.append(expected_step)
    changed = await tx.execute(
        f"UPDATE items SET state = ?{assignments}, updated_at = ? WHERE {where}", params
    )
    if changed:
        await tx.audit(
            actor_id,
            action,
            "item",
            item_id,
            before=expected.value,
            after=new.value,
            fields=values,
        )
    return bool(changed)


async def record_signoff(
    tx: Tx,
    item_id: int,
    *,
    round_: int,
    step: int,
    role: Role,
    signer_id: int,
    approve: bool,
    reason: str | None = None,
) -> Signoff | None:
    """Records one step's decision; None if that step was already decided (idempotent taps)."""
    existing = await tx.fetchone(
        "SELECT 1 FROM signoffs WHERE item_id = ? AND round = ? AND step = ?",
        (item_id, round_, step),
    )
    if existing is not None:
        return None
    signoff_id = await tx.execute(
        "INSERT INTO signoffs (item_id, round, step, role, signer_id, decision, reason,"
        " decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item_id,
            round_,
            step,
            role.value,
            signer_id,
            "approve" if approve else "return",
            reason,
            tx.stamp,
        ),
    )
    await tx.audit(
        signer_id,
        "signoff.approve" if approve else "signoff.return",
        "item",
        item_id,
        round=round_,
        step=step,
        role=role,
        reason=reason,
        signoff_id=signoff_id,
    )
    row = await tx.fetchone("SELECT * FROM signoffs WHERE id = ?", (signoff_id,))
    assert row is not None
    return Signoff.from_row(row)


async def signoffs_of(tx: Tx, item_id: int) -> list[Signoff]:
    """Every sign-off decision on an item, in order."""
    rows = await tx.fetchall(
        "SELECT * FROM signoffs WHERE item_id = ? ORDER BY round, step", (item_id,)
    )
    return [Signoff.from_row(row) for row in rows]


async def record_edit(
    tx: Tx, item_id: int, *, editor_id: int, section_unit_id: int, title: str, body: str
) -> Edit | None:
    """Replaces an item's text with an editor's version, keeping the old one; None if unchanged."""
    row = await tx.fetchone("SELECT title, body FROM items WHERE id = ?", (item_id,))
    if row is None:
        raise LookupError(f"no item {item_id}")
    if row["title"] == title and row["body"] == body:
        return None
    edit_id = await tx.execute(
        "INSERT INTO edits (item_id, editor_id, section_unit_id, old_title, old_body,"
        " new_title, new_body, edited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (item_id, editor_id, section_unit_id, row["title"], row["body"], title, body, tx.stamp),
    )
    await tx.execute(
        "UPDATE items SET title = ?, body = ?, updated_at = ? WHERE id = ?",
        (title, body, tx.stamp, item_id),
    )
    await tx.audit(
        editor_id, "item.edit", "item", item_id, edit_id=edit_id, section_unit_id=section_unit_id
    )
    edit = await tx.fetchone("SELECT * FROM edits WHERE id = ?", (edit_id,))
    assert edit is not None
    return Edit.from_row(edit)


async def edits_of(tx: Tx, item_id: int) -> list[Edit]:
    """Every edit of an item, oldest first."""
    rows = await tx.fetchall("SELECT * FROM edits WHERE item_id = ? ORDER BY id", (item_id,))
    return [Edit.from_row(row) for row in rows]


async def attach_file(
    tx: Tx,
    item_id: int,
    *,
    actor_id: int,
    kind: str,
    file_key: str,
    file_name: str | None = None,
    mime_type: str | None = None,
    file_size: int | None = None,
    caption: str | None = None,
) -> ItemFile:
    """Attaches a photo or document (a stored file, by key) to an item, with the caption its
    sender wrote with it."""
    file_row_id = await tx.execute(
        "INSERT INTO item_files (item_id, kind, file_key, file_name, mime_type, file_size,"
        " added_at, caption) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (item_id, kind, file_key, file_name, mime_type, file_size, tx.stamp, caption),
    )
    await tx.audit(actor_id, "item.attach", "item", item_id, file=file_row_id, kind=kind)
    row = await tx.fetchone("SELECT * FROM item_files WHERE id = ?", (file_row_id,))
    assert row is not None
    return ItemFile.from_row(row)


async def detach_file(tx: Tx, item_id: int, file_row_id: int, *, actor_id: int) -> bool:
    """Removes one attachment from an item its author may still change (draft or returned);
    False if it is no longer there."""
    removed = await tx.execute(
        "DELETE FROM item_files WHERE id = ? AND item_id = ?"
        " AND (SELECT state FROM items WHERE id = ?) IN ('draft', 'returned')",
        (file_row_id, item_id, item_id),
    )
    if removed:
        await tx.audit(actor_id, "item.detach", "item", item_id, file=file_row_id)
    return bool(removed)


async def files_of(tx: Tx, item_id: int) -> list[ItemFile]:
    """An item's attachments in the order they were added."""
    rows = await tx.fetchall("SELECT * FROM item_files WHERE item_id = ? ORDER BY id", (item_id,))
    return [ItemFile.from_row(row) for row in rows]


async def waiting_signoffs(tx: Tx, began_before: datetime, day: str) -> list[Item]:
    """Items waiting at a step that began before an instant and not yet reminded on `day`."""
    rows = await tx.fetchall(
        "SELECT * FROM items i WHERE i.state = 'pending' AND i.step_since < ?"
        " AND NOT EXISTS (SELECT 1 FROM job_runs j WHERE j.key = 'remind:signoff:' || i.id"
        " || ':' || i.chain_round || ':' || i.chain_step || ':' || ?) ORDER BY i.step_since",
        (to_stamp(began_before), day),
    )
    return [Item.from_row(row) for row in rows]


def due_reminder_key(item: Item) -> str:
    """The job key of the due-day reminder of an item's current step (sent once per step)."""
    return f"remind:due:{item.id}:{item.chain_round}:{item.chain_step}"


async def pending_due(
    tx: Tx, first_event: date, last_event: date, exempt: Sequence[str]
) -> list[Item]:
    """Pending items about events in a span of days (those due today), outside the exempt
    categories, whose current step was not yet reminded of the deadline."""
    skip = ""
    if exempt:
        skip = f" AND i.category NOT IN ({', '.join('?' for _ in exempt)})"
    rows = await tx.fetchall(
        "SELECT * FROM items i WHERE i.state = 'pending' AND i.event_date BETWEEN ? AND ?"
        + skip
        + " AND NOT EXISTS (SELECT 1 FROM job_runs j WHERE j.key = 'remind:due:' || i.id"
        " || ':' || i.chain_round || ':' || i.chain_step) ORDER BY i.id",
        (first_event.isoformat(), last_event.isoformat(), *exempt),
    )
    return [Item.from_row(row) for row in rows]


#: Up to this many units, their pending items are found through each unit's items.
UNITS_BY_INDEX: Final = 50


async def pending_in_units(tx: Tx, unit_ids: Sequence[int], limit: int = 500) -> list[Item]:
    """Items waiting at a sign-off step in any of these units, the longest
    waiting first: what a signer may act on, or what the sweep checks was offered."""
    if not unit_ids:
        return []
    marks = ", ".join("?" for _ in unit_ids)
    # A few units' items by their unit's index (+state keeps SQLite from choosing the state
    # index, which reads every pending item of the centre: 18 ms against 0.05 ms for one unit
    # of a province, on every message a member writes); many units' by the state index.
    state = "+state" if len(unit_ids) <= UNITS_BY_INDEX else "state"
    rows = await tx.fetchall(
        f"SELECT * FROM items WHERE {state} = 'pending' AND unit_id IN ({marks})"
        " ORDER BY step_since, id LIMIT ?",
        (*unit_ids, limit),
    )
    return [Item.from_row(row) for row in rows]


async def pending_page(tx: Tx, after: Item | None, limit: int) -> list[Item]:
    """Items waiting at a sign-off step, the longest waiting first, from just after `after`
    (the last of the page before): a look over thousands reads them a page at a time, each
    an index range scan on `items_waiting`. A waiting item always has its `step_since`; one
    without would sort first, so the pages after it go on from the earliest time."""
    if after is None:
        rows = await tx.fetchall(
            "SELECT * FROM items WHERE state = 'pending' ORDER BY step_since, id LIMIT ?",
            (limit,),
        )
    else:
        since = to_stamp(after.step_since) if after.step_since is not None else ""
        rows = await tx.fetchall(
            "SELECT * FROM items WHERE state = 'pending' AND (step_since, id) > (?, ?)"
            " ORDER BY step_since, id LIMIT ?",
            (since, after.id, limit),
        )
    return [Item.from_row(row) for row in rows]


async def task_candidates(tx: Tx, unit_id: int, since: datetime, limit: int = 8) -> list[Item]:
    """A unit's items submitted since a task opened and answering none yet, newest first:
    what its informant may link as the task's answer."""
    rows = await tx.fetchall(
        "SELECT * FROM items WHERE unit_id = ? AND task_id IS NULL AND submitted_at >= ?"
        " AND state NOT IN ('draft', 'withdrawn') ORDER BY id DESC LIMIT ?",
        (unit_id, to_stamp(since), limit),
    )
    return [Item.from_row(row) for row in rows]


async def link_task(tx: Tx, item_id: int, task_id: int, actor_id: int) -> bool:
    """Marks an item as the answer to a writing task (once: an item answers one task)."""
    changed = await tx.execute(
        "UPDATE items SET task_id = ?, updated_at = ? WHERE id = ? AND task_id IS NULL",
        (task_id, tx.stamp, item_id),
    )
    if changed:
        await tx.audit(actor_id, "item.link_task", "item", item_id, task=task_id)
    return bool(changed)
