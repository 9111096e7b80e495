"""Typed rows of the ledger, as the repositories return them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, Self

from pydantic import BaseModel, ConfigDict

from scoring.vocab import ItemState, Role, UnitKind


class Row(BaseModel):
    """Base of every row model: immutable, built from a sqlite3.Row."""

    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Self:
        """Builds the model from a row whose column names match the fields."""
        keys = row.keys()  # sqlite3.Row iterates over values, not keys
        data: dict[str, Any] = {key: row[key] for key in keys if key in cls.model_fields}
        return cls.model_validate(data)


class Unit(Row):
    """A reporting unit (window, township, town centre or centre section)."""

    id: int
    key: str
    name: str
    kind: UnitKind
    monthly_quota: int
    annual_target: Decimal
    active: bool
    position: int = 0
    created_at: datetime


#: The channel every account had before there were others (migration 12's back-fill).
TELEGRAM: Final = "telegram"


@dataclass(frozen=True, slots=True)
class Account:
    """A person's identity on one channel: an id only that channel's adapter parses."""

    channel: str
    external_id: str


@dataclass(frozen=True, slots=True)
class Room:
    """A chat that is not a person (a group the bulletin or issues go to), on one channel."""

    channel: str
    address: str


#: Whom a message goes to: a person (by id, delivered on one of their accounts) or a room.
Recipient = int | Room


class Person(Row):
    """Somebody known to the bot; reachable when they have an account on some channel."""

    id: int
    name: str
    username: str | None
    created_at: datetime
    reachable: bool


class RoleGrant(Row):
    """A role a person holds (or held) in a unit; centre-wide roles may have no unit."""

    id: int
    person_id: int
    unit_id: int | None
    role: Role
    granted_at: datetime
    granted_by: int | None
    revoked_at: datetime | None
    revoked_by: int | None


class Invite(Row):
    """A single-use, expiring code that binds whoever uses it to a unit and role."""

    code: str
    unit_id: int | None
    role: Role
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None
    revoked_at: datetime | None
    name: str | None = None  # the person it is for, as the admin named them


class AccountLink(Row):
    """A single-use code that adds the account it is sent from to the person who asked for it."""

    code: str
    person_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None


class Item(Row):
    """A submitted piece of news (信息) and where it stands."""

    @property
    def chain_roles(self) -> tuple[Role, ...]:
        """The sign-off chain this item follows."""
        return tuple(Role(part) for part in self.chain.split(",") if part)

    id: int
    unit_id: int
    author_id: int
    category: str
    title: str
    body: str
    event_date: date
    state: ItemState
    chain: str  # comma-separated roles that sign, fixed at submission
    chain_round: int
    chain_step: int
    step_since: datetime | None = None  # when the current sign-off step began
    submit_token: str | None = None  # the draft's token: one item per draft
    submitted_at: datetime | None
    submitted_on: date | None
    late_days: int
    centre_at: datetime | None
    centre_on: date | None
    registered_at: datetime | None
    registered_by: int | None
    task_id: int | None
    created_at: datetime
    updated_at: datetime


class ItemFile(Row):
    """A photo or document attached to an item: a stored file (`files`), by its key."""

    id: int
    item_id: int
    kind: str
    file_key: str
    file_name: str | None
    mime_type: str | None
    file_size: int | None
    added_at: datetime
    caption: str | None = None


class Signoff(Row):
    """One decision at one step of an item's sign-off chain: approve, or return with a reason."""

    id: int
    item_id: int
    round: int
    step: int
    role: Role
    signer_id: int
    decision: str
    reason: str | None
    decided_at: datetime


class Edit(Row):
    """A centre editor's rewrite of an item, credited to the editor's section."""

    id: int
    item_id: int
    editor_id: int
    section_unit_id: int
    old_title: str
    old_body: str
    new_title: str
    new_body: str
    edited_at: datetime


class Adoption(Row):
    """One outlet's adoption (采用) of an item and the points it earned."""

    id: int
    item_id: int
    outlet: str
    level: int
    points: int
    media: bool
    adopted_on: date
    reference: str | None
    recorded_by: int
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: int | None
    withdraw_reason: str | None


class WritingTask(Row):
    """An item the centre asked a unit to write about an event, due on a working day."""

    id: int
    unit_id: int
    title: str
    detail: str
    event_date: date
    due_on: date
    state: str
    created_by: int | None
    created_at: datetime
    closed_at: datetime | None


class AuditEntry(Row):
    """One line of the append-only audit log."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: int | None
    detail: str


class OutboxMessage(Row):
    """A message waiting to be sent (or sent, or failed), once per purpose and recipient."""

    id: int
    purpose: str
    person_id: int | None
    channel: str
    address: str
    kind: str
    payload: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    message_id: int | None
    created_at: datetime
    sent_at: datetime | None
