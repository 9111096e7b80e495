"""An author's 撤回: an item taken back until the centre registers it. Waiting at a sign-off
step or returned, it simply stops; already at the centre (not registered), it no longer counts
as reaching the centre (in an open month only: a closed month's sheet never changes). Whoever
was to act on it next is told there is nothing left to do."""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring.vocab import ItemState, Role
from storage import items, people
from storage.db import Database, Tx
from storage.models import Item, Person
from workflow.closing import ensure_open
from workflow.notices import post
from workflow.outcomes import Notice, Refused

#: The states an author may take an item back from.
WITHDRAWABLE = frozenset({ItemState.PENDING, ItemState.RETURNED, ItemState.SUBMITTED})


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """The item taken back, and who was told."""

    item: Item
    notices: list[Notice] = field(default_factory=list)


async def _withdrawable(tx: Tx, person: Person, item_id: int) -> Item:
    """The author's item if it may still be taken back; else Refused saying why."""
    item = await items.get_item(tx, item_id)
    if item is None:
        raise Refused("item_unknown")
    if item.author_id != person.id:
        raise Refused("withdraw_not_author")
    if item.state is ItemState.WITHDRAWN:
        raise Refused("item_already_withdrawn")
    if item.state not in WITHDRAWABLE:
        raise Refused("withdraw_registered", state=item.state.value)
    if item.state is ItemState.SUBMITTED and item.centre_on is not None:
        await ensure_open(tx, item.centre_on)
    return item


async def check(db: Database, person: Person, item_id: int) -> Item:
    """The item, if its author may take it back now (before asking them to confirm)."""
    async with db.reading() as tx:
        return await _withdrawable(tx, person, item_id)


async def _told(tx: Tx, item: Item) -> list[Notice]:
    """Whoever was to act on the item next: its current step's signers, or the editors."""
    if item.state is ItemState.PENDING:
        role = item.chain_roles[item.chain_step]
        waiting = await people.role_holders(tx, item.unit_id, role)
        key = "item_withdrawn_signer"
    elif item.state is ItemState.SUBMITTED:
        waiting = await people.role_holders_anywhere(tx, Role.EDITOR)
        key = "item_withdrawn_centre"
    else:
        return []
    return [
        Notice(p.id, key, {"title": item.title}, item.id, event=str(item.id))
        for p in waiting
        if p.reachable and p.id != item.author_id
    ]


async def withdraw(db: Database, person: Person, item_id: int) -> Withdrawn:
    """Takes the author's item back (a second tap changes nothing)."""
    async with db.transaction() as tx:
        item = await _withdrawable(tx, person, item_id)
        notices = await _told(tx, item)
        cleared = {"centre_at": None, "centre_on": None} if item.centre_on else {}
        if not await items.transition(
            tx,
            item.id,
            expected=item.state,
            new=ItemState.WITHDRAWN,
            actor_id=person.id,
            action="item.withdraw",
            **cleared,
        ):
            raise Refused("item_already_withdrawn")
        await post(tx, notices)
        stored = await items.get_item(tx, item.id)
        assert stored is not None
    return Withdrawn(stored, notices)
