"""Reaching whoever must act: what waits for a signer, sign-off requests offered again when
the first was not surely delivered, and what the admins' daily digest lists.

A sign-off request is one outbox row per holder (`notice:signoff_request:<item>:<round>:<step>`).
A row that failed (the signer blocked the bot), is uncertain (a kill or a timeout mid-send), or
was never queued (nobody held the role then; a successor joined later) leaves the step waiting
on a person who has no buttons. Such a holder is offered the step again under a purpose of its
own (`notice:signoff_again:<item>:<round>:<step>:<day>:<n>`, so the outbox's unique key does
not swallow it): by the sweep at most once a day, and at once when they write to the bot or
join. The buttons are the same idempotent ones, re-checked on every press.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

from scoring.vocab import ItemState, Role
from storage import items, outbox, people, units
from storage.db import Database, Tx
from storage.models import Account, Item, OutboxMessage, Person, Unit
from workflow.notices import post
from workflow.outcomes import Notice
from workflow.rules import CentreRules
from workflow.submission import roles_in_unit

REQUEST = "signoff_request"
AGAIN = "signoff_again"
#: A row in one of these states reached its chat or is on its way there: no offer is needed.
ON_ITS_WAY = frozenset({"sent", "pending", "sending"})

#: Waiting items read and looked over in one read when the sweep looks over them all (a
#: page takes the ledger for about a millisecond; all 5,000 at once took it for 0.1–0.2 s
#: to read and 2 s to look over).
LOOK_BATCH = 100
#: Waiting items a look goes over at most, the longest waiting first.
LOOK_LIMIT = 5000
#: Seconds the look pauses between batches so others' work reaches the ledger (50 ms a look).
LOOK_PAUSE = 0.001


@dataclass(frozen=True, slots=True)
class Waiting:
    """An item waiting at a step, with its unit and the role that signs the step."""

    item: Item
    unit: Unit
    role: Role


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A message that failed or may not have arrived, and the person it was for (if any)."""

    message: OutboxMessage
    person: Person | None


@dataclass(frozen=True, slots=True)
class Digest:
    """What admins should see once a day: messages not surely delivered, steps nobody can sign."""

    undelivered: list[Undelivered] = field(default_factory=list)
    unreached: list[Waiting] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether all is well (then nothing is sent)."""
        return not self.undelivered and not self.unreached


def step_role(item: Item) -> Role | None:
    """The role that signs the item's current step; None unless it waits at one."""
    chain = item.chain_roles
    if item.state is not ItemState.PENDING or not 0 <= item.chain_step < len(chain):
        return None
    return chain[item.chain_step]


def _step(item: Item) -> str:
    """An item's current step as it appears in purposes: item:round:step."""
    return f"{item.id}:{item.chain_round}:{item.chain_step}"


def _next_offer(rows: list[OutboxMessage], prefix: str, day: str, *, asked: bool) -> int | None:
    """The number of today's next offer to one holder, or None if they need none now.

    None when a request or an offer reached them or is on its way; when one offered today is
    uncertain (it may have arrived today); and, for the sweep (`asked` False), when one was
    offered today at all. A holder who writes to the bot (`asked`) is reachable now, so an
    offer that failed today is made again.
    """
    if any(row.state in ON_ITS_WAY for row in rows):
        return None
    today = [r for r in rows if r.purpose.startswith(f"{prefix}{day}:")]
    if any(row.state == "uncertain" for row in today):
        return None
    if today and not asked:
        return None
    return len(today)


async def _offers(
    tx: Tx, item: Item, holders: list[Person], day: str, *, asked: bool
) -> list[Notice]:
    """The offers of an item's current step due to these holders (see `_next_offer`)."""
    role = step_role(item)
    if role is None:
        return []
    step = _step(item)
    prefix = f"notice:{AGAIN}:{step}:"
    by_person: dict[int | None, list[OutboxMessage]] = defaultdict(list)
    for row in await outbox.by_purpose(tx, f"notice:{REQUEST}:{step}", prefix):
        by_person[row.person_id].append(row)
    notices = []
    for holder in holders:
        if not holder.reachable or holder.id == item.author_id:  # never one's own item
            continue
        number = _next_offer(by_person[holder.id], prefix, day, asked=asked)
        if number is None:
            continue
        notices.append(
            Notice(
                holder.id,
                AGAIN,
                {"round": item.chain_round, "step": item.chain_step, "role": role},
                item.id,
                event=f"{step}:{day}:{number}",
            )
        )
    return notices


async def _queue(tx: Tx, notices: list[Notice], actor_id: int | None) -> None:
    """Queues the offers, each with its audit row on the item."""
    await post(tx, notices)
    for notice in notices:
        assert notice.item_id is not None
        await tx.audit(
            actor_id,
            "item.offer_again",
            "item",
            notice.item_id,
            person_id=notice.to,
            round=notice.params["round"],
            step=notice.params["step"],
        )


async def _waiting_items(tx: Tx, person: Person) -> list[Item]:
    """Items waiting at a step whose role the person holds in the item's unit."""
    held = {(g.unit_id, g.role) for g in await people.active_roles(tx, person.id) if g.unit_id}
    if not held:
        return []
    found = await items.pending_in_units(tx, sorted({unit for unit, _ in held}))
    return [i for i in found if (i.unit_id, step_role(i)) in held and i.author_id != person.id]


async def waiting_for(db: Database, person: Person) -> list[Waiting]:
    """What waits for this person's sign-off now, the longest waiting first (/pending)."""
    found = []
    async with db.reading() as tx:
        for item in await _waiting_items(tx, person):
            unit = await units.get_unit(tx, item.unit_id)
            role = step_role(item)
            assert unit is not None
            assert role is not None
            found.append(Waiting(item, unit, role))
    return found


async def signable(db: Database, person: Person, item_id: int) -> Item | None:
    """The item if it waits at a step this person may sign now, else None (its buttons are
    shown only then; a press re-checks all of it anyway)."""
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        if item is None or item.author_id == person.id:  # nobody signs their own item
            return None
        role = step_role(item)
        if role is None or role not in await roles_in_unit(tx, person.id, item.unit_id):
            return None
    return item


async def _offers_to(tx: Tx, account: Account, day: str) -> tuple[Person | None, list[Notice]]:
    """The person behind an account and the offers due to them."""
    person = await people.person_by_account(tx, account)
    if person is None:
        return None, []
    notices = []
    for item in await _waiting_items(tx, person):
        notices += await _offers(tx, item, [person], day, asked=True)
    return person, notices


async def offer_to(db: Database, rules: CentreRules, account: Account) -> int:
    """Offers again, at once, every step waiting for a person whose request never reached them
    (they just wrote to the bot, or joined); how many offers were queued."""
    day = rules.local_now(db.clock()).date().isoformat()
    async with db.reading() as tx:  # most messages find nothing: no write lock for them
        _, found = await _offers_to(tx, account, day)
    if not found:
        return 0
    async with db.transaction() as tx:
        person, notices = await _offers_to(tx, account, day)  # again, under the write lock
        await _queue(tx, notices, person.id if person else None)
    return len(notices)


async def _sweep_offers(tx: Tx, pending: list[Item], day: str) -> list[Notice]:
    """The offers the sweep owes for these items, to every current holder of each step."""
    notices: list[Notice] = []
    for item, _, holders in await _step_holders(tx, pending):
        notices += await _offers(tx, item, holders, day, asked=False)
    return notices


async def _step_holders(tx: Tx, pending: list[Item]) -> list[tuple[Item, Role, list[Person]]]:
    """Each waiting item with its step's role and that role's holders in the item's unit
    (looked up once per unit and role)."""
    holders: dict[tuple[int, Role], list[Person]] = {}
    found = []
    for item in pending:
        role = step_role(item)
        if role is None:
            continue
        key = (item.unit_id, role)
        if key not in holders:
            holders[key] = await people.role_holders(tx, item.unit_id, role)
        found.append((item, role, holders[key]))
    return found


async def _in_batches(db: Database) -> AsyncIterator[tuple[Tx, list[Item]]]:
    """The waiting items (up to `LOOK_LIMIT`, the longest waiting first), `LOOK_BATCH` at a
    time, each page read in a read of its own: a look over thousands of steps holds the ledger
    for one page at a time, so members' answers and writes go between pages instead of
    waiting seconds for it all. An item that moves on meanwhile is looked at as it was, later
    again or not at all; what is queued from the look is decided again in one transaction."""
    last: Item | None = None
    seen = 0
    while seen < LOOK_LIMIT:
        async with db.reading() as tx:
            batch = await items.pending_page(tx, last, min(LOOK_BATCH, LOOK_LIMIT - seen))
            if not batch:
                return
            yield tx, batch
        seen, last = seen + len(batch), batch[-1]
        # a pause, not just a turn: a member's update takes several turns of the event loop
        # (the answer read, the handler started) before it asks for the ledger
        await asyncio.sleep(LOOK_PAUSE)


async def offer_waiting(db: Database, rules: CentreRules, now: datetime) -> int:
    """The sweep's re-offer: each waiting step whose request to a current holder was never
    queued, failed or is uncertain is offered to that holder again (once a day each)."""
    day = rules.local_now(now).date().isoformat()
    found: list[Notice] = []
    async for tx, batch in _in_batches(db):
        found += await _sweep_offers(tx, batch, day)
    if not found:
        return 0
    async with db.transaction() as tx:
        again = []
        for item_id in sorted({n.item_id for n in found if n.item_id is not None}):
            item = await items.get_item(tx, item_id)  # it may have moved on since
            if item is not None:
                again.append(item)
        notices = await _sweep_offers(tx, again, day)
        await _queue(tx, notices, None)
    return len(notices)


async def digest(db: Database, since: datetime) -> Digest:
    """Messages that failed or became uncertain since `since`, with whom they were for, and
    the steps waiting on nobody (no holder of the role the bot can write to)."""
    undelivered = []
    unreached = []
    async with db.reading() as tx:
        for message in await outbox.undelivered_since(tx, since):
            person = (
                await people.get_person(tx, message.person_id)
                if message.person_id is not None
                else None
            )
            undelivered.append(Undelivered(message, person))
    async for tx, batch in _in_batches(db):
        for item, role, holders in await _step_holders(tx, batch):
            reachable = [p for p in holders if p.reachable and p.id != item.author_id]
            if not reachable:
                unit = await units.get_unit(tx, item.unit_id)
                assert unit is not None
                unreached.append(Waiting(item, unit, role))
    return Digest(undelivered, unreached)
