"""The centre's side: the editors' desk, registering (登记), editing, archiving (归档) with
undo, and recording adoptions (采用); the author is told of each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from scoring.points import adoption_points, edit_credit
from scoring.vocab import AT_CENTRE, ItemState, Role
from storage import adoptions, items, people, units
from storage.db import Database, Tx
from storage.models import Adoption, Edit, Item, Person, RoleGrant
from workflow.closing import ensure_open
from workflow.notices import post
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules, Outlet
from workflow.submission import check_body, check_reason, check_title

REFERENCE_MAX = 300
#: Items per page of the desk.
DESK_PAGE = 8
#: How much of an edited body the author's notice quotes (the rest: /item N).
EDITED_QUOTE = 1200


@dataclass(frozen=True, slots=True)
class DeskFilter:
    """Which part of the desk to show: a unit, a state (submitted or registered), a month of
    reaching the centre (YYYY-MM), and the page (from 0)."""

    unit_id: int | None = None
    state: ItemState | None = None
    month: str | None = None
    page: int = 0


@dataclass(frozen=True, slots=True)
class DeskPage:
    """One page of the desk: its items, how many the filter holds, and the page count."""

    items: list[Item]
    total: int
    filter: DeskFilter

    @property
    def pages(self) -> int:
        """How many pages the filter's items fill (at least one)."""
        return max(1, -(-self.total // DESK_PAGE))


@dataclass(frozen=True, slots=True)
class Adopted:
    """A recorded adoption, its points, the section's edit credit, and who to tell."""

    adoption: Adoption
    item: Item
    item_points: int
    notices: list[Notice] = field(default_factory=list)


async def editor_grant(tx: Tx, person: Person) -> RoleGrant:
    """The person's editor role (its unit is the section credited for edits), or Refused."""
    for grant in await people.active_roles(tx, person.id):
        if grant.role is Role.EDITOR:
            return grant
    raise Refused("not_editor")


async def ensure_editor(db: Database, person: Person) -> RoleGrant:
    """The person's editor role, or Refused (every editor's step re-checks it)."""
    async with db.reading() as tx:
        return await editor_grant(tx, person)


async def desk(db: Database, person: Person, wanted: DeskFilter) -> DeskPage:
    """A page of what needs the editors: unregistered items first, then registered ones with
    no adoption; a page past the end shows the last."""
    async with db.reading() as tx:
        await editor_grant(tx, person)
        page = max(0, wanted.page)
        found, total = await items.desk(
            tx,
            unit_id=wanted.unit_id,
            state=wanted.state,
            month=wanted.month,
            offset=page * DESK_PAGE,
            limit=DESK_PAGE,
        )
        last = max(0, -(-total // DESK_PAGE) - 1)
        if page > last:
            page = last
            found, total = await items.desk(
                tx,
                unit_id=wanted.unit_id,
                state=wanted.state,
                month=wanted.month,
                offset=page * DESK_PAGE,
                limit=DESK_PAGE,
            )
    return DeskPage(found, total, replace(wanted, page=page))


def _told(item: Item, key: str, actor_id: int, event: str, **params: object) -> list[Notice]:
    """The author told of what the centre did with their item (not when they did it);
    `event` tells this occurrence from another of the same kind (one message each)."""
    if item.author_id == actor_id:
        return []
    return [
        Notice(item.author_id, key, {"title": item.title, **params}, item_id=item.id, event=event)
    ]


async def archive(db: Database, person: Person, item_id: int) -> Item:
    """Archives (归档) an item at the centre: done, no further adoptions (its points stay);
    the author is told. Archiving twice changes nothing."""
    return await _archiving(db, person, item_id, undo=False)


async def unarchive(db: Database, person: Person, item_id: int) -> Item:
    """Undoes an archive: the item is back where it was (registered if it had been)."""
    return await _archiving(db, person, item_id, undo=True)


async def _archiving(db: Database, person: Person, item_id: int, *, undo: bool) -> Item:
    """Moves an item at the centre into the archive or back out, telling its author."""
    async with db.transaction() as tx:
        await editor_grant(tx, person)
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        archived = item.state is ItemState.ARCHIVED
        if undo and not archived:
            raise Refused("not_archived")
        if not undo and archived:
            raise Refused("already_archived")
        if not undo and item.state not in (ItemState.SUBMITTED, ItemState.REGISTERED):
            raise Refused("not_at_centre", state=item.state.value)
        back = ItemState.REGISTERED if item.registered_at is not None else ItemState.SUBMITTED
        if not await items.transition(
            tx,
            item.id,
            expected=item.state,
            new=back if undo else ItemState.ARCHIVED,
            actor_id=person.id,
            action="item.unarchive" if undo else "item.archive",
        ):
            raise Refused("not_archived" if undo else "already_archived")
        key = "item_unarchived" if undo else "item_archived"
        await post(tx, _told(item, key, person.id, f"{item.id}:{tx.stamp}"))
        stored = await items.get_item(tx, item.id)
        assert stored is not None
    return stored


async def adoptable(db: Database, person: Person, item_id: int) -> Item:
    """The item, if this editor may record an adoption of it now (at the centre, not
    archived): checked before the outlets are offered, and again on the outlet's press."""
    async with db.reading() as tx:
        await editor_grant(tx, person)
        item = await items.get_item(tx, item_id)
    if item is None:
        raise Refused("item_unknown")
    if item.state is ItemState.ARCHIVED:
        raise Refused("item_archived")
    if item.state not in AT_CENTRE:
        raise Refused("not_at_centre", state=item.state.value)
    return item


async def _register(tx: Tx, item: Item, person: Person, registrar: int | None = None) -> None:
    """Moves an item that reached the centre to registered (登记), recording who and when
    (`registrar`: the editor it is credited to, when another person's act registers it)."""
    if await items.transition(
        tx,
        item.id,
        expected=ItemState.SUBMITTED,
        new=ItemState.REGISTERED,
        actor_id=person.id,
        action="item.register",
        registered_at=tx.now,
        registered_by=registrar if registrar is not None else person.id,
    ):  # the author hears of it, however it came about (a tap, an adoption recorded)
        await post(tx, _told(item, "item_registered", person.id, str(item.id)))


async def record_adoption_at(
    tx: Tx,
    rules: CentreRules,
    item: Item,
    outlet: Outlet,
    *,
    adopted_on: date,
    recorder: Person,
    reference: str | None,
    registrar: int | None = None,
) -> tuple[Adoption, list[Notice]]:
    """An adoption at a configured outlet, points by its level, registering the item if it
    was not yet; with the unit's notices. Raises DuplicateAdoption if the outlet has one."""
    if item.state is ItemState.SUBMITTED:
        await _register(tx, item, recorder, registrar)
    adoption = await adoptions.record_adoption(
        tx,
        adoptions.NewAdoption(
            item_id=item.id,
            outlet=outlet.name,
            level=outlet.level,
            points=adoption_points(rules.policy, outlet.level),
            media=outlet.media,
            adopted_on=adopted_on,
            recorded_by=recorder.id,
            reference=reference,
        ),
    )
    total = sum(a.points for a in await adoptions.adoptions_of(tx, item.id))
    return adoption, await adoption_notices(tx, item, adoption, total, "adopted")


async def register(db: Database, person: Person, item_id: int) -> Item:
    """Registers (登记) an item that reached the centre; registering twice changes nothing."""
    async with db.transaction() as tx:
        await editor_grant(tx, person)
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        if item.state is ItemState.REGISTERED:
            raise Refused("already_registered")
        if item.state is not ItemState.SUBMITTED:
            raise Refused("not_at_centre", state=item.state.value)
        await _register(tx, item, person)
        stored = await items.get_item(tx, item.id)
        assert stored is not None
    return stored


async def check_edit(
    db: Database, rules: CentreRules, person: Person, item_id: int, *, title: str, body: str
) -> None:
    """Refused now if an edit could not be recorded (the editor, the item, the text), so a
    long text sent in parts is refused at its first part, not after the last."""
    check_title(rules, title)
    check_body(rules, body)
    async with db.reading() as tx:
        grant = await editor_grant(tx, person)
        if grant.unit_id is None:
            raise Refused("editor_without_section")
        item = await items.get_item(tx, item_id)
    if item is None:
        raise Refused("item_unknown")
    if item.state not in AT_CENTRE:
        raise Refused("not_at_centre", state=item.state.value)


#: What else an edit sets off in its transaction (website news under review restarts).
AfterEdit = Callable[[Tx, Person, Item], Awaitable[list[Notice]]]


async def edit(
    db: Database,
    rules: CentreRules,
    person: Person,
    item_id: int,
    *,
    title: str,
    body: str,
    then: AfterEdit | None = None,
) -> Edit | None:
    """Replaces an item's text with the editor's version, recorded for the section's ½ credit;
    the author is told, and `then` runs in the same transaction on the changed item."""
    new_title = check_title(rules, title)
    new_body = check_body(rules, body)
    async with db.transaction() as tx:
        grant = await editor_grant(tx, person)
        if grant.unit_id is None:
            raise Refused("editor_without_section")
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        if item.state not in AT_CENTRE:
            raise Refused("not_at_centre", state=item.state.value)
        edit = await items.record_edit(
            tx,
            item.id,
            editor_id=person.id,
            section_unit_id=grant.unit_id,
            title=new_title,
            body=new_body,
        )
        if edit is not None:
            quoted = new_body if len(new_body) <= EDITED_QUOTE else new_body[:EDITED_QUOTE] + "…"
            edited = item.model_copy(update={"title": new_title})
            event = f"{item.id}:{edit.id}"
            await post(tx, _told(edited, "item_edited", person.id, event, body=quoted))
            if then is not None:
                changed = await items.get_item(tx, item.id)
                assert changed is not None
                await then(tx, person, changed)
        return edit


async def adopt(
    db: Database,
    rules: CentreRules,
    person: Person,
    item_id: int,
    *,
    outlet_name: str,
    adopted_on: date,
    reference: str | None = None,
) -> Adopted:
    """Records an outlet's adoption of an item with its points; registers the item if needed."""
    outlet = rules.outlets.get(outlet_name)
    if outlet is None:
        raise Refused("outlet_unknown", name=outlet_name)
    ref = (reference or "").strip() or None
    if ref is not None and len(ref) > REFERENCE_MAX:
        raise Refused("reference_too_long", limit=REFERENCE_MAX)
    async with db.transaction() as tx:
        await editor_grant(tx, person)
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        if item.state is ItemState.ARCHIVED:
            raise Refused("item_archived")
        if item.state not in AT_CENTRE:
            raise Refused("not_at_centre", state=item.state.value)
        today = rules.local_now(tx.now).date()
        if adopted_on > today:
            raise Refused("date_in_future", day=adopted_on.isoformat())
        if item.centre_on is not None and adopted_on < item.centre_on:
            raise Refused("adopted_before_centre", day=item.centre_on.isoformat())
        await ensure_open(tx, adopted_on)
        try:
            adoption, notices = await record_adoption_at(
                tx, rules, item, outlet, adopted_on=adopted_on, recorder=person, reference=ref
            )
        except adoptions.DuplicateAdoption:
            raise Refused("already_adopted", outlet=outlet.name) from None
        live = await adoptions.adoptions_of(tx, item.id)
        total = sum(a.points for a in live)
        await post(tx, notices)
        stored = await items.get_item(tx, item.id)
        assert stored is not None
    return Adopted(adoption, stored, total, notices)


def _withdrawal_reason(text: str) -> str:
    """A cleaned withdrawal reason, or Refused saying it is empty or over the limit."""
    return check_reason(text, "withdraw_needs_reason")


async def check_withdrawal(
    db: Database, person: Person, adoption_id: int, reason: str
) -> tuple[Adoption, str]:
    """Checks, changing nothing, what `withdraw` would refuse; the adoption and the cleaned
    reason, to show back before the editor confirms."""
    reason = _withdrawal_reason(reason)
    async with db.reading() as tx:
        await editor_grant(tx, person)
        adoption = await adoptions.get_adoption(tx, adoption_id)
        if adoption is None:
            raise Refused("adoption_unknown")
        if adoption.withdrawn_at is not None:
            raise Refused("already_withdrawn")
        await ensure_open(tx, adoption.adopted_on)
    return adoption, reason


async def withdraw(
    db: Database, person: Person, adoption_id: int, reason: str
) -> tuple[Adoption, list[Notice]]:
    """Withdraws an adoption recorded by mistake (kept and audited, no longer counted)."""
    reason = _withdrawal_reason(reason)
    async with db.transaction() as tx:
        await editor_grant(tx, person)
        adoption = await adoptions.get_adoption(tx, adoption_id)
        if adoption is None:
            raise Refused("adoption_unknown")
        if adoption.withdrawn_at is None:
            await ensure_open(tx, adoption.adopted_on)
        if not await adoptions.withdraw_adoption(tx, adoption_id, person.id, reason):
            raise Refused("already_withdrawn")
        item = await items.get_item(tx, adoption.item_id)
        assert item is not None
        total = sum(a.points for a in await adoptions.adoptions_of(tx, item.id))
        notices = await adoption_notices(tx, item, adoption, total, "withdrawn")
        await post(tx, notices)
        stored = await adoptions.get_adoption(tx, adoption_id)
        assert stored is not None
    return stored, notices


async def adoption_notices(
    tx: Tx, item: Item, adoption: Adoption, total: int, what: str
) -> list[Notice]:
    """Tells the author and the unit's signers of an adoption or its withdrawal."""
    recipients: dict[int, None] = {}
    author = await people.get_person(tx, item.author_id)
    if author and author.reachable:
        recipients[author.id] = None
    for role in item.chain_roles:
        for holder in await people.role_holders(tx, item.unit_id, role):
            if holder.reachable:
                recipients[holder.id] = None
    params = {
        "outlet": adoption.outlet,
        "level": adoption.level,
        "points": adoption.points,
        "total": total,
    }
    return [
        Notice(tg, f"adoption_{what}", params, item.id, event=str(adoption.id)) for tg in recipients
    ]


async def section_credit_preview(
    db: Database, rules: CentreRules, item_id: int
) -> dict[str, Decimal]:
    """For each section that edited another unit's item, the credit it earns from it so far
    (第九条: only a section, only for the author kinds the settings name)."""
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        author = await units.get_unit(tx, item.unit_id)
        total = sum(a.points for a in await adoptions.adoptions_of(tx, item.id))
        credits: dict[str, Decimal] = {}
        for section_id in {e.section_unit_id for e in await items.edits_of(tx, item.id)}:
            if section_id == item.unit_id or author is None:
                continue
            section = await units.get_unit(tx, section_id)
            if section is not None and rules.policy.earns_edit_credit(section.kind, author.kind):
                credits[section.name] = edit_credit(rules.policy, total)
    return credits


async def amend(
    db: Database,
    rules: CentreRules,
    person: Person,
    adoption_id: int,
    *,
    adopted_on: date | None = None,
    reference: str | None = None,
) -> Adoption:
    """Corrects an adoption's date (not in the future, not before the item reached the centre)
    or records its issue number / URL."""
    ref = reference.strip() if reference is not None else None
    if ref is not None and len(ref) > REFERENCE_MAX:
        raise Refused("reference_too_long", limit=REFERENCE_MAX)
    async with db.transaction() as tx:
        await editor_grant(tx, person)
        adoption = await adoptions.get_adoption(tx, adoption_id)
        if adoption is None:
            raise Refused("adoption_unknown")
        if adoption.withdrawn_at is not None:
            raise Refused("already_withdrawn")
        item = await items.get_item(tx, adoption.item_id)
        assert item is not None
        if adopted_on is not None:
            await ensure_open(tx, adoption.adopted_on)
            await ensure_open(tx, adopted_on)
            if adopted_on > rules.local_now(tx.now).date():
                raise Refused("date_in_future", day=adopted_on.isoformat())
            if item.centre_on is not None and adopted_on < item.centre_on:
                raise Refused("adopted_before_centre", day=item.centre_on.isoformat())
        await adoptions.amend_adoption(
            tx, adoption_id, person.id, adopted_on=adopted_on, reference=ref
        )
        stored = await adoptions.get_adoption(tx, adoption_id)
        assert stored is not None
    return stored
