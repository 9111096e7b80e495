"""Announcements (第八条): the centre's training notices to chosen roles and units, sent once each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from chat.capabilities import Capabilities
from scoring.vocab import Role, UnitKind
from storage import announcements, jobs, outbox, people, units
from storage.announcements import Announcement, Delivery
from storage.db import Database, Tx
from storage.models import Account, Person, RoleGrant, Unit
from workflow.joining import UNIT_ROLES
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.submission import author_chain, clean_text

#: Roles of a unit: the unit choice applies to them.
UNIT_AUDIENCE: tuple[Role, ...] = (
    Role.INFORMANT,
    Role.WINDOW_HEAD,
    Role.LEADER,
    Role.SECTION_STAFF,
)
#: Centre-wide roles: every holder is reached whatever units are chosen.
CENTRE_AUDIENCE: tuple[Role, ...] = (
    Role.EDITOR,
    Role.CENTRE_LEADER,
    Role.MAIN_LEADER,
    Role.NETWORK_ADMIN,
)
AUDIENCE_ROLES: tuple[Role, ...] = UNIT_AUDIENCE + CENTRE_AUDIENCE
TEXT_MAX = 3500  # the centre's own cap on an announcement's text: a page, read as one message
FRAME = 200  # what a text announcement's message adds around the text: heading and signature
#: The same frame in UTF-8 bytes, where a channel counts bytes (WeCom: 2,048): the heading and
#: the signature's dash take 43 (measured on WeCom), the author's name up to 40 Chinese
#: characters 120 more.
FRAME_BYTES = 163
CHAR_BYTES = 3  # a Chinese character in UTF-8: the bound is stated in the characters people write
CAPTION_ROOM = 24  # a caption stays this far under its channel's limit (where the sender cuts)
ANNOUNCERS = frozenset({Role.ADMIN, Role.EDITOR})
Scope = Literal["all", "kinds", "units"]

assert set(UNIT_AUDIENCE) == set(UNIT_ROLES)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who an announcement goes to: roles, and the units whose role holders count."""

    roles: tuple[Role, ...] = (Role.INFORMANT,)
    scope: Scope = "all"
    kinds: tuple[UnitKind, ...] = ()
    units: tuple[int, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Audience:
        """The audience kept in a draft (JSON); unknown values are dropped, not trusted."""
        roles = tuple(r for r in AUDIENCE_ROLES if r.value in set(data.get("roles") or ()))
        kinds = tuple(k for k in UnitKind if k.value in set(data.get("kinds") or ()))
        units = tuple(sorted({int(u) for u in data.get("units") or () if isinstance(u, int)}))
        scope = data.get("scope")
        if scope == "kinds" and kinds:
            return cls(roles, "kinds", kinds, ())
        if scope == "units" and units:
            return cls(roles, "units", (), units)
        return cls(roles, "all", (), ())

    def to_data(self) -> dict[str, Any]:
        """The audience as JSON-friendly data (kept in drafts and in the ledger)."""
        return {
            "roles": [r.value for r in self.roles],
            "scope": self.scope,
            "kinds": [k.value for k in self.kinds],
            "units": list(self.units),
        }


@dataclass(frozen=True, slots=True)
class Draft:
    """An announcement as confirmed: its text, an optional file, and its audience."""

    token: str  # the chat draft's token: one announcement per draft, even if confirmed twice
    text: str
    audience: Audience
    file_kind: str | None = None  # photo or document
    file_key: str | None = None  # the stored file sent with it
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """A stored announcement and how many people it was queued for."""

    announcement: Announcement
    recipients: int


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """How far an announcement got: counts per state and the people not yet reached."""

    announcement: Announcement
    author: str
    counts: dict[str, int]
    unreached: list[Delivery] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Messages queued in all."""
        return sum(self.counts.values())


def may_announce(rules: CentreRules, account: Account, grants: Iterable[RoleGrant]) -> bool:
    """Admins (configured or by role) and centre editors may announce and see reports."""
    return account in rules.admins or any(g.role in ANNOUNCERS for g in grants)


async def _announcer(tx: Tx, rules: CentreRules, account: Account) -> Person | None:
    """The person if they may announce (None for a configured admin not yet in the ledger)."""
    person = await people.person_by_account(tx, account)
    grants = await people.active_roles(tx, person.id) if person else []
    if not may_announce(rules, account, grants):
        raise Refused("ann_not_allowed")
    return person


async def check_announcer(db: Database, rules: CentreRules, account: Account) -> None:
    """Refuses anybody who may not announce."""
    async with db.reading() as tx:
        await _announcer(tx, rules, account)


async def enrol(
    db: Database, rules: CentreRules, account: Account, *, name: str, username: str | None
) -> None:
    """A configured admin who never joined becomes a person when they start an announcement,
    so its draft has someone to belong to (publishing made them one before); anybody who may
    not announce is refused, and a person is left as they are."""
    async with db.reading() as tx:
        if await _announcer(tx, rules, account) is not None:
            return
    async with db.transaction() as tx:
        if await _announcer(tx, rules, account) is None:
            await people.ensure_person(tx, account, name, username)


def text_limit(channel: Capabilities) -> int:
    """How long an announcement's text may be: the centre's cap, or less where one message of
    the channel holds less (the text goes out as one message, with its heading); a limit in
    bytes is stated in Chinese characters of three bytes (`check_text` counts the bytes too)."""
    limits = [TEXT_MAX]
    if channel.text_chars is not None:
        limits.append(channel.text_chars - FRAME)
    if channel.text_bytes is not None:
        limits.append((channel.text_bytes - FRAME_BYTES) // CHAR_BYTES)
    return min(limits)


def _length(text: str, channel: Capabilities) -> int:
    """A text's length as the limit counts it: its characters, or on a channel counting bytes
    the Chinese characters its bytes come to when that is more (an emoji takes four)."""
    if channel.text_bytes is None:
        return len(text)
    return max(len(text), -(-len(text.encode()) // CHAR_BYTES))


def caption_limit(channel: Capabilities, head: str) -> int:
    """How long a file announcement's text may be: it goes in the file's caption after the
    heading, or as a message of its own on a channel whose files take no caption."""
    if channel.caption_chars is None:
        return text_limit(channel)
    return min(text_limit(channel), channel.caption_chars - CAPTION_ROOM - len(head) - 2)


def check_text(text: str, channel: Capabilities, *, caption_head: str | None = None) -> str:
    """The announcement's text, cleaned; it must fit what the channel passed in holds (the
    narrowest of the channels served: one text goes to every reader), with a file its caption."""
    clean = clean_text(text)
    if not clean:
        raise Refused("ann_text_empty")
    limit = text_limit(channel) if caption_head is None else caption_limit(channel, caption_head)
    length = _length(clean, channel)
    if length > limit:
        key = "ann_too_long" if caption_head is None else "ann_caption_too_long"
        raise Refused(key, limit=limit, length=length)
    return clean


async def _recipients(tx: Tx, audience: Audience) -> list[Person]:
    """The people an audience reaches now, each once."""
    unit_roles = [r for r in audience.roles if r in UNIT_AUDIENCE]
    centre_roles = [r for r in audience.roles if r in CENTRE_AUDIENCE]
    return await announcements.recipients(
        tx,
        unit_roles=unit_roles,
        centre_roles=centre_roles,
        kinds=audience.kinds if audience.scope == "kinds" else None,
        unit_ids=audience.units if audience.scope == "units" else None,
    )


async def recipients(db: Database, audience: Audience) -> list[Person]:
    """Who would receive an announcement to this audience now (for the preview)."""
    async with db.reading() as tx:
        return await _recipients(tx, audience)


async def publish(
    db: Database,
    rules: CentreRules,
    *,
    account: Account,
    name: str,
    username: str | None,
    draft: Draft,
    caption_head: str,
    channel: Capabilities,
) -> Published:
    """Stores the announcement and queues one message per recipient, in one transaction.

    A draft confirmed again (a second tap, a replay after a crash) is refused and sends nothing.
    """
    text = check_text(draft.text, channel, caption_head=caption_head if draft.file_key else None)
    async with db.transaction() as tx:
        author = await _announcer(tx, rules, account)
        if await jobs.is_done(tx, announcements.draft_key(draft.token)):
            raise Refused("ann_already_sent")
        if author is None:  # a configured admin who never joined: known from now on
            author = await people.ensure_person(tx, account, name, username)
        reached = await _recipients(tx, draft.audience)
        if not reached:
            raise Refused("ann_no_recipients")
        stored = await announcements.create_announcement(
            tx,
            author_id=author.id,
            text=text,
            file_key=draft.file_key,
            file_kind=draft.file_kind if draft.file_key else None,
            file_name=draft.file_name if draft.file_key else None,
            audience=draft.audience.to_data(),
            recipients=len(reached),
        )
        await jobs.record(tx, announcements.draft_key(draft.token), announcement=stored.id)
        purpose = announcements.purpose(stored.id)
        for person in reached:
            if stored.file_key:
                await outbox.enqueue(
                    tx,
                    purpose,
                    person.id,
                    {
                        "file": stored.file_key,
                        "caption": f"{caption_head}\n\n{text}",
                        "plain_caption": True,
                    },
                    kind=stored.file_kind or "document",
                )
            else:
                await outbox.enqueue(
                    tx,
                    purpose,
                    person.id,
                    {
                        "notice": "ann_text",
                        "params": {"text": text, "author": author.name, "id": stored.id},
                        "item_id": None,
                    },
                )
    return Published(stored, len(reached))


async def delivery_report(
    db: Database, rules: CentreRules, account: Account, announcement_id: int
) -> DeliveryReport:
    """An announcement's delivery, read from its outbox rows (for admins and editors)."""
    async with db.reading() as tx:
        await _announcer(tx, rules, account)
        found = await announcements.get_announcement(tx, announcement_id)
        if found is None:
            raise Refused("ann_unknown", id=announcement_id)
        author = await people.get_person(tx, found.author_id)
        counts = await announcements.delivery_counts(tx, found.id)
        unreached = [d for d in await announcements.deliveries(tx, found.id) if d.state != "sent"]
    return DeliveryReport(found, author.name if author else "?", counts, unreached)


async def recent(
    db: Database, rules: CentreRules, account: Account, limit: int = 10
) -> list[DeliveryReport]:
    """The latest announcements with their delivery counts (names left out)."""
    found = []
    async with db.reading() as tx:
        await _announcer(tx, rules, account)
        for item in await announcements.recent_announcements(tx, limit):
            author = await people.get_person(tx, item.author_id)
            counts = await announcements.delivery_counts(tx, item.id)
            found.append(DeliveryReport(item, author.name if author else "?", counts))
    return found


async def my_chains(
    db: Database, rules: CentreRules, grants: Iterable[RoleGrant]
) -> list[tuple[Unit, tuple[Role, ...]]]:
    """For each active unit the person writes for, the sign-off chain their items follow."""
    roles_by_unit: dict[int, set[Role]] = {}
    for grant in grants:
        if grant.unit_id is not None and grant.role in UNIT_AUDIENCE:
            roles_by_unit.setdefault(grant.unit_id, set()).add(grant.role)
    found = []
    async with db.reading() as tx:
        for unit_id, roles in sorted(roles_by_unit.items()):
            unit = await units.get_unit(tx, unit_id)
            if unit is not None and unit.active:
                found.append((unit, author_chain(rules, unit, roles)))
    return found
