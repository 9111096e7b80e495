"""Answering a return: a returned item revised in any field (category, title, body, event
date, photos and files added or removed) goes back to the first step of its chain, and what
changed against the returned version is recorded, for its author's preview and its signers.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from chat.cards import Phrase
from scoring.vocab import ItemState, Role
from storage import audit, items, units
from storage.db import Database, Tx
from storage.models import Item, ItemFile, Person, Unit
from workflow.notices import post
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.submission import (
    FileEntry,
    Submitted,
    attach,
    check_body,
    check_event_date,
    check_title,
    roles_in_unit,
    route_step,
)


@dataclass(frozen=True, slots=True)
class Revised:
    """A returned item as its author now wants it (every field, changed or not)."""

    category: str
    title: str
    body: str
    event_date: date
    files: tuple[FileEntry, ...]


def file_tag(key: str) -> str:
    """The short tag a remove button carries for a stored file's key (its SHA-256's start)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def entries_of(files: Sequence[ItemFile]) -> list[FileEntry]:
    """An item's attachments as a draft holds them."""
    return [(f.kind, f.file_key, f.file_name, f.mime_type, f.file_size, f.caption) for f in files]


def as_returned(item: Item, files: Sequence[ItemFile]) -> Revised:
    """The returned version itself, the revision every change starts from."""
    return Revised(item.category, item.title, item.body, item.event_date, tuple(entries_of(files)))


def changes_between(
    item: Item, files: Sequence[FileEntry], revised: Revised
) -> list[dict[str, Any]]:
    """What a revision changes against the returned item, field by field, as plain JSON (the
    body by its length, files by the names added and removed; a photo's name is None)."""
    found: list[dict[str, Any]] = []
    if revised.category != item.category:
        found.append({"field": "category", "old": item.category, "new": revised.category})
    if revised.title != item.title:
        found.append({"field": "title", "old": item.title, "new": revised.title})
    if revised.body != item.body:
        found.append({"field": "body", "old": len(item.body), "new": len(revised.body)})
    if revised.event_date != item.event_date:
        old, new = item.event_date.isoformat(), revised.event_date.isoformat()
        found.append({"field": "date", "old": old, "new": new})
    removed, added = _unmatched(files, revised.files), _unmatched(revised.files, files)
    if removed or added:
        found.append(
            {
                "field": "files",
                "removed": [files[i][2] for i in removed],
                "added": [revised.files[i][2] for i in added],
            }
        )
    return found


def _unmatched(entries: Sequence[FileEntry], others: Sequence[FileEntry]) -> list[int]:
    """The places of the entries whose stored file `others` lacks (a file given twice counts
    twice)."""
    left = Counter(entry[1] for entry in others)
    unmatched = []
    for place, entry in enumerate(entries):
        if left[entry[1]] > 0:
            left[entry[1]] -= 1
        else:
            unmatched.append(place)
    return unmatched


def change_phrases(rules: CentreRules, changes: Sequence[dict[str, Any]]) -> tuple[Phrase, ...]:
    """What changed against the returned version, as the lines under an item's card."""
    if not changes:
        return (Phrase("card.revised_none"),)
    lines = [Phrase("card.revised")]
    for change in changes:
        field = change["field"]
        if field == "category":
            old, new = (rules.categories.get(change[k], change[k]) for k in ("old", "new"))
            lines.append(Phrase("card.revised_category", {"old": old, "new": new}))
        elif field == "files":
            counts = {"added": len(change["added"]), "removed": len(change["removed"])}
            lines.append(Phrase("card.revised_files", counts))
        else:
            lines.append(Phrase(f"card.revised_{field}", {"old": change["old"]}))
    return tuple(lines)


async def _resubmittable(tx: Tx, person: Person, item_id: int) -> tuple[Item, Unit]:
    """The author's returned item and its unit, if the author still writes for that unit."""
    item = await items.get_item(tx, item_id)
    if item is None or item.author_id != person.id:
        raise Refused("item_not_yours")
    if item.state is not ItemState.RETURNED:
        raise Refused("item_not_returned", state=item.state.value)
    unit = await units.get_unit(tx, item.unit_id)
    assert unit is not None
    if not await roles_in_unit(tx, person.id, unit.id) & {Role.INFORMANT, Role.SECTION_STAFF}:
        raise Refused("not_informant", unit=unit.name)
    return item, unit


async def returned_version(
    db: Database, person: Person, item_id: int
) -> tuple[Item, list[ItemFile]]:
    """The author's returned item and its files as they were returned; refuses early (before
    the author revises) what `resubmit` would refuse."""
    async with db.reading() as tx:
        item, _ = await _resubmittable(tx, person, item_id)
        return item, await items.files_of(tx, item.id)


async def resubmit(
    db: Database, rules: CentreRules, person: Person, item_id: int, revised: Revised
) -> Submitted:
    """Sends a returned item, revised, back to the first step of its chain (a new round): the
    fields that changed, the files removed and added, and what changed (`item.revise`) in one
    transaction; when timeliness is judged at the centre, it is judged on this round's
    arrival."""
    title, body = check_title(rules, revised.title), check_body(rules, revised.body)
    if revised.category not in rules.categories:
        raise Refused("category_unknown")
    async with db.transaction() as tx:
        item, unit = await _resubmittable(tx, person, item_id)
        if revised.event_date != item.event_date:
            check_event_date(rules, revised.event_date, tx.now)
        attached = await items.files_of(tx, item.id)
        cleaned = Revised(revised.category, title, body, revised.event_date, revised.files)
        changes = changes_between(item, entries_of(attached), cleaned)
        fields: dict[str, Any] = {
            name: value
            for name, value, old in (
                ("category", cleaned.category, item.category),
                ("title", title, item.title),
                ("body", body, item.body),
                ("event_date", cleaned.event_date, item.event_date),
            )
            if value != old
        }
        await items.update_content(tx, item.id, person.id, **fields)
        for place in _unmatched(entries_of(attached), cleaned.files):
            await items.detach_file(tx, item.id, attached[place].id, actor_id=person.id)
        for place in _unmatched(cleaned.files, entries_of(attached)):
            await attach(tx, item.id, person.id, cleaned.files[place])
        moved = await items.transition(
            tx,
            item.id,
            expected=ItemState.RETURNED,
            new=ItemState.PENDING,
            actor_id=person.id,
            action="item.resubmit",
            chain_round=item.chain_round + 1,
            chain_step=0,
            step_since=tx.now,
        )
        if not moved:
            raise Refused("stale")
        await tx.audit(
            person.id, "item.revise", "item", item.id, round=item.chain_round + 1, changes=changes
        )
        stored = await items.get_item(tx, item.id)
        assert stored is not None
        routed = await route_step(tx, rules, stored, unit)
        await post(tx, routed.notices)
        today = rules.local_now(tx.now).date()
        standing = rules.timeliness(stored.category, stored.event_date, today)
    judged = routed.reached_centre or not rules.judged_at_centre
    return Submitted(
        routed.item, routed.timeliness or standing, routed.reached_centre, judged, routed.notices
    )


async def revised_in_round(db: Database, item: Item) -> list[dict[str, Any]] | None:
    """What the item's resubmission into its current round changed (None: this round is no
    resubmission, or one recorded before changes were)."""
    if item.chain_round == 0:
        return None
    async with db.reading() as tx:
        trail = await audit.audit_trail(tx, "item", item.id)
    for entry in reversed(trail):
        if entry.action != "item.revise":
            continue
        detail = json.loads(entry.detail)
        if detail.get("round") == item.chain_round:
            return list(detail.get("changes") or [])
        return None
    return None
