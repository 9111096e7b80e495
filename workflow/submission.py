"""Submitting items: checking the fields, judging timeliness, starting the sign-off chain."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from scoring.vocab import ItemState, Role, UnitKind
from storage import items, people, units
from storage.db import Database, Tx
from storage.models import Item, Person, Unit
from workflow.notices import configured_admins, post
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules, OwnItem, Timeliness

#: A draft's file: kind, stored key, name, type, size and the caption sent with it.
FileEntry = tuple[str, str, str | None, str | None, int | None, str | None]

#: How far back an event may lie; older news is no longer news.
OLDEST_EVENT = timedelta(days=366)
#: Blank-looking letters people use to fake an empty name (they are not "format" characters).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_KEEP = frozenset("\n\t\u200d")  # line breaks, tabs, and the joiner inside emoji sequences


@dataclass(frozen=True, slots=True)
class Draft:
    """An item as its author typed it, before submission."""

    unit_id: int
    category: str
    title: str
    body: str
    event_date: date
    files: tuple[FileEntry, ...] = ()
    # (kind, stored file's key, file_name, mime_type, file_size)
    token: str | None = None  # the draft's identity: confirming it twice stores one item


@dataclass(frozen=True, slots=True)
class Submitted:
    """What happened when an item was submitted: timeliness, where it went, who to tell."""

    item: Item
    timeliness: Timeliness  # as of the submission day
    reached_centre: bool
    judged: bool  # whether its lateness is settled now (item.late_days), not at a later arrival
    notices: list[Notice] = field(default_factory=list)

    @property
    def deadline(self) -> date | None:
        """The last on-time day; None for a category without one."""
        return self.timeliness.deadline

    @property
    def late_days(self) -> int:
        """Working days past the deadline on the submission day (0 = not late so far)."""
        return self.timeliness.late_days


#: The longest reason (a return, a withdrawal, a correction) kept; a longer one is refused with
#: the limit, never cut.
REASON_MAX = 500


def check_reason(text: str, empty: str) -> str:
    """A cleaned reason; Refused(`empty`) when nothing is left, or saying the limit when over it."""
    reason = clean_text(text)
    if not reason:
        raise Refused(empty)
    if len(reason) > REASON_MAX:
        raise Refused("reason_too_long", limit=REASON_MAX, length=len(reason))
    return reason


#: The 完成 button's word: typed instead of pressed (WeCom members often type it), it ends a
#: text sent in parts and is never kept as part of it.
DONE_WORDS: Final = frozenset({"完成", "done"})
#: The 跳过 button's word (files asked for, none to send), typed the same way.
SKIP_WORDS: Final = frozenset({"跳过", "skip"})


def typed_done(text: str | None, *, skip: bool = False) -> bool:
    """Whether a typed text is only the 完成 button's word (or 跳过's, when `skip`), end
    punctuation and case aside."""
    word = (text or "").strip().rstrip("。.!！").strip().lower()
    return word in DONE_WORDS or (skip and word in SKIP_WORDS)


def clean_text(text: str) -> str:
    """Text as stored: NFC; control, format (zero-width, direction) and blank-letter characters
    removed; ends trimmed; empty if nothing visible is left."""
    kept_chars: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch == "\u200d":  # the joiner only inside emoji sequences (👨‍👩‍👧), never alone
            if kept_chars and unicodedata.category(kept_chars[-1]) in ("So", "Mn", "Sk"):
                kept_chars.append(ch)
        elif ch in _KEEP or (
            unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cn") and ch not in _BLANK_LETTERS
        ):
            kept_chars.append(ch)
    kept = "".join(kept_chars)
    visible = any(not ch.isspace() and ch != "\u200d" for ch in kept)
    return kept.strip() if visible else ""


async def attach(tx: Tx, item_id: int, actor_id: int, file: FileEntry) -> None:
    """A draft's file (kind, stored key, name, type, size, caption) attached to its item, its
    name cleaned as every stored name is."""
    kind, key, name, mime, size, caption = file
    await items.attach_file(
        tx,
        item_id,
        actor_id=actor_id,
        kind=kind,
        file_key=key,
        file_name=clean_file_name(name),
        mime_type=mime,
        file_size=size,
        caption=caption,
    )


#: The longest caption kept with a file (Telegram's own limit is 1,024).
CAPTION_MAX = 1000


def clean_caption(caption: str | None) -> str | None:
    """A file's caption as kept and shown (图注): cleaned like a title, its lines and runs of
    whitespace made one space, at most `CAPTION_MAX` characters; None when nothing is left."""
    if not caption:
        return None
    return " ".join(clean_text(caption).split())[:CAPTION_MAX] or None


def clean_file_name(name: str | None) -> str | None:
    """A file name as stored and shown: cleaned like a title (no direction overrides that
    make "photo\u202egpj.exe" look like a picture), whitespace runs made one space."""
    if name is None:
        return None
    return " ".join(clean_text(name).split()) or None


def check_title(rules: CentreRules, text: str) -> str:
    """A cleaned title, or Refused saying what is wrong: a title of several lines is asked
    for again (most often the title and the body sent together), never flattened."""
    lines = [line for line in clean_text(text).splitlines() if line.strip()]
    if len(lines) > 1:
        raise Refused("title_multiline", lines=len(lines))
    title = " ".join(" ".join(lines).split())
    if not title:
        raise Refused("title_empty")
    if len(title) > rules.title_max:
        raise Refused("title_too_long", limit=rules.title_max, length=len(title))
    return title


def check_body(rules: CentreRules, text: str) -> str:
    """A cleaned body, or Refused saying what is wrong."""
    body = clean_text(text)
    if not body:
        raise Refused("body_empty")
    if len(body) > rules.body_max:
        raise Refused("body_too_long", limit=rules.body_max, length=len(body))
    return body


def check_event_date(rules: CentreRules, day: date, now: datetime) -> date:
    """An event date that is neither in the future nor older than a year."""
    today = rules.local_now(now).date()
    if day > today:
        raise Refused("date_in_future", day=day.isoformat())
    if day < today - OLDEST_EVENT:
        raise Refused("date_too_old", day=day.isoformat())
    return day


def author_chain(rules: CentreRules, unit: Unit, author_roles: set[Role]) -> tuple[Role, ...]:
    """The sign-off chain for an author's item: the unit kind's, or the section head's for staff."""
    if unit.kind is UnitKind.SECTION and Role.INFORMANT not in author_roles:
        return (Role.INFORMANT,)
    return rules.chain(unit.kind)


async def roles_in_unit(tx: Tx, person_id: int, unit_id: int) -> set[Role]:
    """The roles a person holds in one unit now."""
    return {g.role for g in await people.active_roles(tx, person_id) if g.unit_id == unit_id}


async def signer_notices(
    tx: Tx, item: Item, step: int, unit: Unit, rules: CentreRules
) -> list[Notice]:
    """Asks whoever holds the role of a chain step to sign (never the item's author); tells
    admins if nobody does."""
    role = item.chain_roles[step]
    holders = [p for p in await people.role_holders(tx, unit.id, role) if p.id != item.author_id]
    if holders:
        event = f"{item.id}:{item.chain_round}:{step}"
        return await attachment_notices(tx, item, holders, event) + [
            Notice(
                p.id,
                "signoff_request",
                {"round": item.chain_round, "step": step, "role": role},
                item.id,
                event=f"{item.id}:{item.chain_round}:{step}",
            )
            for p in holders
            if p.reachable
        ]
    return [
        Notice(
            admin,
            "admin_no_signer",
            {"unit": unit.name, "role": role},
            item.id,
            event=f"{item.id}:{item.chain_round}:{step}",
        )
        for admin in await configured_admins(tx, rules)
    ]


@dataclass(frozen=True, slots=True)
class Routed:
    """Where an item went when its current step was asked for: the item as it now stands,
    the notices, and whether it passed its last step and reached the centre."""

    item: Item
    notices: list[Notice]
    reached_centre: bool
    timeliness: Timeliness | None = None  # when it reached the centre: as judged then


def own_step_skipped(rules: CentreRules, holders: list[Person], author_id: int) -> bool:
    """Whether a step must pass over its signers: the author holds its role and, by
    `signoff.own_item`, nobody else signs it (no other holder, or always the next step)."""
    if not any(p.id == author_id for p in holders):
        return False
    others = any(p.id != author_id for p in holders)
    return rules.own_item is OwnItem.NEXT_STEP or not others


async def route_step(tx: Tx, rules: CentreRules, item: Item, unit: Unit) -> Routed:
    """Asks the signers of the item's current step. The author never signs their own item: a
    step whose role only the author holds (or any such step, by `signoff.own_item`) is skipped
    — an audit row says so; no sign-off is recorded for it — and the next one asked; past the
    last step the item reaches the centre."""
    notices: list[Notice] = []
    author = await people.get_person(tx, item.author_id)
    while True:
        step, chain = item.chain_step, item.chain_roles
        role = chain[step]
        holders = await people.role_holders(tx, unit.id, role)
        if not own_step_skipped(rules, holders, item.author_id):
            notices += await signer_notices(tx, item, step, unit, rules)
            return Routed(item, notices, False)
        await tx.audit(
            None,
            "signoff.skip_own_item",
            "item",
            item.id,
            round=item.chain_round,
            step=step,
            role=role,
            author_id=item.author_id,
            rule=rules.own_item.value,
        )
        if author is not None and author.reachable:
            notices.append(
                Notice(
                    author.id,
                    "author_own_step_skipped",
                    {"role": role, "last": step + 1 >= len(chain)},
                    item.id,
                    event=f"{item.id}:{item.chain_round}:{step}:own",
                )
            )
        if step + 1 < len(chain):
            moved = await items.transition(
                tx,
                item.id,
                expected=ItemState.PENDING,
                new=ItemState.PENDING,
                actor_id=None,
                action="item.skip_step",
                expected_round=item.chain_round,
                expected_step=step,
                chain_step=step + 1,
                step_since=tx.now,
            )
            assert moved
            reloaded = await items.get_item(tx, item.id)
            assert reloaded is not None
            item = reloaded
            continue
        arrived, standing, more = await reach_centre(tx, rules, item, actor_id=None, by=None)
        return Routed(arrived, notices + more, True, standing)


async def reach_centre(
    tx: Tx, rules: CentreRules, item: Item, *, actor_id: int | None, by: str | None
) -> tuple[Item, Timeliness, list[Notice]]:
    """Moves an item past its last sign-off step to the centre (judging its lateness there
    when 第五条 says so) and tells the editors and the author."""
    today = rules.local_now(tx.now).date()
    standing = rules.timeliness(item.category, item.event_date, today)
    judged: dict[str, int] = {}
    if rules.judged_at_centre:  # 第五条: the deadline is for reaching the centre
        judged["late_days"] = standing.late_days
    moved = await items.transition(
        tx,
        item.id,
        expected=ItemState.PENDING,
        new=ItemState.SUBMITTED,
        actor_id=actor_id,
        action="item.reach_centre",
        expected_round=item.chain_round,
        expected_step=item.chain_step,
        centre_at=tx.now,
        centre_on=today,
        **judged,
    )
    assert moved
    arrived = await items.get_item(tx, item.id)
    assert arrived is not None
    notices = await editor_notices(tx, arrived)
    author = await people.get_person(tx, item.author_id)
    if author and author.reachable:
        late = judged.get("late_days", 0)
        notices.append(
            Notice(
                author.id,
                "author_at_centre_late" if late else "author_at_centre",
                {"by": by or "", "days": late, "deadline": str(standing.deadline)}
                if late
                else {"by": by or ""},
                item.id,
                event=str(item.id),
            )
        )
    return arrived, standing, notices


async def attachment_notices(
    tx: Tx, item: Item, recipients: list[Person], event: str
) -> list[Notice]:
    """The item's photos and files, sent just before the item itself so it can be judged."""
    files = await items.files_of(tx, item.id)
    return [
        Notice(
            p.id,
            "attachment",
            {"kind": f.kind, "file": f.file_key, "name": f.file_name or "", "caption": f.caption},
            item.id,
            event=f"{event}:{f.id}",
        )
        for f in files
        for p in recipients
        if p.reachable
    ]


async def editor_notices(tx: Tx, item: Item) -> list[Notice]:
    """Tells every centre editor a new item has reached the centre."""
    editors = await people.role_holders_anywhere(tx, Role.EDITOR)
    return await attachment_notices(tx, item, editors, str(item.id)) + [
        Notice(p.id, "editor_new_item", {}, item.id, event=str(item.id))
        for p in editors
        if p.reachable
    ]


async def draft_standing(
    db: Database, rules: CentreRules, person: Person, unit_id: int, category: str, event_day: date
) -> tuple[Timeliness, bool]:
    """A draft's timeliness today, and whether submitting it settles that (judged at
    submission, or a chain without sign-offs) or the sign-offs still count against it."""
    async with db.reading() as tx:
        today = rules.local_now(tx.now).date()
        unit = await units.get_unit(tx, unit_id)
        roles = await roles_in_unit(tx, person.id, unit_id)
    chain = author_chain(rules, unit, roles) if unit is not None else ()
    return rules.timeliness(category, event_day, today), not chain or not rules.judged_at_centre


async def submit(db: Database, rules: CentreRules, person: Person, draft: Draft) -> Submitted:
    """Creates the item, judges its timeliness and sends it into its unit's sign-off chain."""
    title = check_title(rules, draft.title)
    body = check_body(rules, draft.body)
    if draft.category not in rules.categories:
        raise Refused("category_unknown")
    async with db.transaction() as tx:
        event_day = check_event_date(rules, draft.event_date, tx.now)
        unit = await units.get_unit(tx, draft.unit_id)
        if unit is None or not unit.active:
            raise Refused("unit_unknown")
        roles = await roles_in_unit(tx, person.id, unit.id)
        if not roles & {Role.INFORMANT, Role.SECTION_STAFF}:
            raise Refused("not_informant", unit=unit.name)
        if draft.token is not None:
            earlier = await items.item_by_submit_token(tx, draft.token)
            if earlier is not None and earlier.author_id == person.id:  # confirmed twice
                today = rules.local_now(tx.now).date()
                standing = rules.timeliness(earlier.category, earlier.event_date, today)
                at_centre = earlier.state is not ItemState.PENDING
                judged = at_centre or not rules.judged_at_centre
                return Submitted(earlier, standing, at_centre, judged, [])
        item = await items.create_item(
            tx,
            items.NewItem(
                unit_id=unit.id,
                author_id=person.id,
                category=draft.category,
                title=title,
                body=body,
                event_date=event_day,
                submit_token=draft.token,
            ),
        )
        for file in draft.files:
            await attach(tx, item.id, person.id, file)
        today = rules.local_now(tx.now).date()
        standing = rules.timeliness(draft.category, event_day, today)
        chain = author_chain(rules, unit, roles)
        judged = not chain or not rules.judged_at_centre  # else judged when it reaches the centre
        fields: dict[str, Any] = {
            "chain": ",".join(role.value for role in chain),
            "chain_step": 0,
            "step_since": tx.now,
            "submitted_at": tx.now,
            "submitted_on": today,
            "late_days": standing.late_days if judged else 0,
        }
        if chain:
            new_state = ItemState.PENDING
        else:
            new_state = ItemState.SUBMITTED
            fields |= {"centre_at": tx.now, "centre_on": today}
        moved = await items.transition(
            tx,
            item.id,
            expected=ItemState.DRAFT,
            new=new_state,
            actor_id=person.id,
            action="item.submit",
            **fields,
        )
        assert moved
        stored = await items.get_item(tx, item.id)
        assert stored is not None
        reached = not chain
        if chain:
            routed = await route_step(tx, rules, stored, unit)
            stored, notices, reached = routed.item, routed.notices, routed.reached_centre
            if routed.timeliness is not None:  # every step was the author's own: judged now
                standing, judged = routed.timeliness, True
        else:
            notices = await editor_notices(tx, stored)
        await post(tx, notices)
    return Submitted(stored, standing, reached, judged, notices)
