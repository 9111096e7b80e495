"""Joining and roles: invites, redeeming them, who holds what, units lacking an informant."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from scoring.vocab import Role, UnitKind
from storage import invites, people, units
from storage.db import Database
from storage.models import Account, Invite, Person, RoleGrant, Unit
from workflow.outcomes import Refused
from workflow.rules import CentreRules

#: Roles that belong to a unit; the rest are centre-wide and may be unit-less.
UNIT_ROLES = frozenset({Role.INFORMANT, Role.WINDOW_HEAD, Role.LEADER, Role.SECTION_STAFF})


@dataclass(frozen=True, slots=True)
class Joined:
    """The outcome of redeeming an invite."""

    person: Person
    grant: RoleGrant
    unit: Unit | None


def new_code() -> str:
    """A fresh invite code: 22 characters of [A-Za-z0-9_-], fit for a /start deep link."""
    return secrets.token_urlsafe(16)


async def create_invite(
    db: Database,
    rules: CentreRules,
    *,
    unit_name: str | None,
    role: Role,
    created_by: int | None = None,
) -> tuple[Invite, Unit | None]:
    """Makes a single-use invite for a role in a unit (a unit is required for unit roles)."""
    async with db.transaction() as tx:
        unit = None
        if unit_name is not None:
            unit = await units.unit_by_name(tx, unit_name)
            if unit is None or not unit.active:
                raise Refused("unknown_unit", name=unit_name)
        if unit is None and role in UNIT_ROLES:
            raise Refused("role_needs_unit", role=role.value)
        if role is Role.EDITOR and (unit is None or unit.kind is not UnitKind.SECTION):
            # 第九条: the centre's editors sit in its sections, which earn the edit credit.
            raise Refused("editor_needs_section", name=unit.name if unit else "")
        invite = await invites.create_invite(
            tx,
            code=new_code(),
            unit_id=unit.id if unit else None,
            role=role,
            created_by=created_by,
            expires_at=tx.now + rules.invite_ttl,
        )
    return invite, unit


async def redeem(
    db: Database, code: str, *, account: Account, name: str, username: str | None
) -> Joined:
    """Binds whoever holds the account (a new person, or the one who has it) to the invite's
    unit and role; refuses unknown or spent codes."""
    async with db.transaction() as tx:
        invite = await invites.get_invite(tx, code)
        if invite is None:
            raise Refused("invite_unknown")
        if invite.used_at is not None:
            raise Refused("invite_used")
        if invite.revoked_at is not None:
            raise Refused("invite_revoked")
        if invite.expires_at <= tx.now:
            raise Refused("invite_expired")
        person = await people.ensure_person(tx, account, name, username)
        if not await invites.mark_used(tx, code, person.id):
            raise Refused("invite_used")
        grant = await people.grant_role(tx, person.id, invite.unit_id, invite.role, person.id)
        unit = await units.get_unit(tx, invite.unit_id) if invite.unit_id else None
    return Joined(person, grant, unit)


async def whoami(db: Database, account: Account) -> tuple[Person | None, list[RoleGrant]]:
    """The person behind an account and the roles they hold now; a person writing from
    another account than the one they used last is reached on this one from now on."""
    async with db.reading() as tx:
        person = await people.person_by_account(tx, account)
        grants = await people.active_roles(tx, person.id) if person else []
        switched = person is not None and await people.needs_use(tx, account)
    if switched:
        async with db.transaction() as tx:
            await people.use_account(tx, account)
    return person, grants


async def grants(db: Database) -> list[tuple[RoleGrant, Person, Unit | None]]:
    """Every role held now, for an admin to review or revoke."""
    async with db.reading() as tx:
        return await people.active_grants(tx)


async def revoke(db: Database, grant_id: int, by: Person | None) -> RoleGrant:
    """Ends a role (kept in the ledger); refuses one already ended."""
    async with db.transaction() as tx:
        if not await people.revoke_role(tx, grant_id, by.id if by else None):
            raise Refused("already_revoked")
        grant = await people.get_grant(tx, grant_id)
        assert grant is not None
    return grant
