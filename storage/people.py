"""People and roles repository: who is who, in which unit, since when."""

from __future__ import annotations

from scoring.vocab import Role
from storage.db import Tx
from storage.models import Account, Person, RoleGrant, Unit

#: A person's columns and whether they have an account on some channel (Person.reachable).
PERSON = "p.*, EXISTS (SELECT 1 FROM accounts AS acc WHERE acc.person_id = p.id) AS reachable"


async def ensure_person(tx: Tx, account: Account, name: str, username: str | None = None) -> Person:
    """The person with this account, created (with the account) or with name and username
    refreshed; an account used after another of the person's becomes the one delivered to."""
    row = await tx.fetchone(
        "SELECT person_id FROM accounts WHERE channel = ? AND external_id = ?",
        (account.channel, account.external_id),
    )
    if row is None:
        person_id = await tx.execute(
            "INSERT INTO people (name, username, created_at) VALUES (?, ?, ?)",
            (name, username, tx.stamp),
        )
        await add_account(tx, person_id, account, actor_id=person_id)
        await tx.audit(person_id, "person.add", "person", person_id)
    else:
        person_id = int(row["person_id"])
        await tx.execute(
            "UPDATE people SET name = ?, username = ? WHERE id = ? AND"
            " (name IS NOT ? OR username IS NOT ?)",
            (name, username, person_id, name, username),
        )
        await use_account(tx, account)
    person = await get_person(tx, person_id)
    assert person is not None
    return person


async def add_account(tx: Tx, person_id: int, account: Account, *, actor_id: int | None) -> int:
    """Gives a person an account on a channel (it becomes the one delivered to); its id."""
    account_id = await tx.execute(
        "INSERT INTO accounts (person_id, channel, external_id, added_at, used_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (person_id, account.channel, account.external_id, tx.stamp, tx.stamp),
    )
    await tx.audit(
        actor_id,
        "account.add",
        "account",
        account_id,
        person_id=person_id,
        channel=account.channel,
        external_id=account.external_id,
    )
    return account_id


async def use_account(tx: Tx, account: Account) -> bool:
    """Marks an account used now if its person last used another one (a write only when a
    person changes channel); True if it became the one delivered to."""
    changed = await tx.changed(
        "UPDATE accounts SET used_at = ? WHERE channel = ? AND external_id = ? AND EXISTS ("
        " SELECT 1 FROM accounts AS other WHERE other.person_id = accounts.person_id"
        " AND other.id != accounts.id AND other.used_at >= accounts.used_at)",
        (tx.stamp, account.channel, account.external_id),
    )
    if changed:
        row = await tx.fetchone(
            "SELECT id, person_id FROM accounts WHERE channel = ? AND external_id = ?",
            (account.channel, account.external_id),
        )
        assert row is not None
        await tx.audit(int(row["person_id"]), "account.use", "account", int(row["id"]))
    return changed > 0


async def needs_use(tx: Tx, account: Account) -> bool:
    """Whether the account's person last used another account (a read before `use_account`)."""
    row = await tx.fetchone(
        "SELECT 1 FROM accounts AS a JOIN accounts AS other ON other.person_id = a.person_id"
        " AND other.id != a.id AND other.used_at >= a.used_at"
        " WHERE a.channel = ? AND a.external_id = ?",
        (account.channel, account.external_id),
    )
    return row is not None


async def get_person(tx: Tx, person_id: int) -> Person | None:
    """One person by id."""
    row = await tx.fetchone(f"SELECT {PERSON} FROM people AS p WHERE p.id = ?", (person_id,))
    return Person.from_row(row) if row else None


async def person_by_account(tx: Tx, account: Account) -> Person | None:
    """The person who has this account on its channel."""
    row = await tx.fetchone(
        f"SELECT {PERSON} FROM people AS p JOIN accounts AS a ON a.person_id = p.id"
        " WHERE a.channel = ? AND a.external_id = ?",
        (account.channel, account.external_id),
    )
    return Person.from_row(row) if row else None


#: A person's accounts in the order notices prefer them: on the channel the person chose,
#: then the latest used (ties: the first added). `storage.outbox.address_of` takes the first.
DELIVERY_ORDER = (
    "ORDER BY (a.channel IS (SELECT p.notices_to FROM people AS p WHERE p.id = a.person_id))"
    " DESC, a.used_at DESC, a.id"
)


async def accounts_of(tx: Tx, person_id: int) -> list[Account]:
    """A person's accounts, the one delivered to first (on the chosen channel, else the latest
    used; ties: the first)."""
    rows = await tx.fetchall(
        f"SELECT a.channel, a.external_id FROM accounts AS a WHERE a.person_id = ? {DELIVERY_ORDER}",
        (person_id,),
    )
    return [Account(str(row["channel"]), str(row["external_id"])) for row in rows]


async def notices_to(tx: Tx, person_id: int) -> str | None:
    """The channel the person chose for their notices (None: the account used last)."""
    row = await tx.fetchone("SELECT notices_to FROM people WHERE id = ?", (person_id,))
    return None if row is None or row["notices_to"] is None else str(row["notices_to"])


async def set_notices_to(tx: Tx, person_id: int, channel: str | None) -> bool:
    """Where the person's notices go from now (None: the account used last), audited; True
    if it changed."""
    changed = await tx.changed(
        "UPDATE people SET notices_to = ? WHERE id = ? AND notices_to IS NOT ?",
        (channel, person_id, channel),
    )
    if changed:
        await tx.audit(person_id, "person.notices_to", "person", person_id, channel=channel)
    return changed > 0


async def grant_role(
    tx: Tx, person_id: int, unit_id: int | None, role: Role, granted_by: int | None
) -> RoleGrant:
    """Gives a person a role in a unit; granting a role already held changes nothing."""
    row = await tx.fetchone(
        "SELECT * FROM roles WHERE person_id = ? AND ifnull(unit_id, 0) = ifnull(?, 0)"
        " AND role = ? AND revoked_at IS NULL",
        (person_id, unit_id, role.value),
    )
    if row is not None:
        return RoleGrant.from_row(row)
    grant_id = await tx.execute(
        "INSERT INTO roles (person_id, unit_id, role, granted_at, granted_by)"
        " VALUES (?, ?, ?, ?, ?)",
        (person_id, unit_id, role.value, tx.stamp, granted_by),
    )
    await tx.audit(
        granted_by, "role.grant", "role", grant_id, person_id=person_id, unit_id=unit_id, role=role
    )
    grant = await tx.fetchone("SELECT * FROM roles WHERE id = ?", (grant_id,))
    assert grant is not None
    return RoleGrant.from_row(grant)


async def get_grant(tx: Tx, grant_id: int) -> RoleGrant | None:
    """One role grant by id."""
    row = await tx.fetchone("SELECT * FROM roles WHERE id = ?", (grant_id,))
    return RoleGrant.from_row(row) if row else None


async def revoke_role(tx: Tx, grant_id: int, revoked_by: int | None) -> bool:
    """Ends a role grant (kept for the record); False if it was already ended or unknown."""
    changed = await tx.execute(
        "UPDATE roles SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
        (tx.stamp, revoked_by, grant_id),
    )
    if changed:
        await tx.audit(revoked_by, "role.revoke", "role", grant_id)
    return bool(changed)


async def active_roles(tx: Tx, person_id: int) -> list[RoleGrant]:
    """The roles a person holds now."""
    rows = await tx.fetchall(
        "SELECT * FROM roles WHERE person_id = ? AND revoked_at IS NULL ORDER BY id", (person_id,)
    )
    return [RoleGrant.from_row(row) for row in rows]


async def role_holders(tx: Tx, unit_id: int | None, role: Role) -> list[Person]:
    """Everybody holding a role in a unit now (unit None: centre-wide roles)."""
    rows = await tx.fetchall(
        f"SELECT {PERSON} FROM people p JOIN roles r ON r.person_id = p.id"
        " WHERE ifnull(r.unit_id, 0) = ifnull(?, 0) AND r.role = ? AND r.revoked_at IS NULL"
        " ORDER BY p.id",
        (unit_id, role.value),
    )
    return [Person.from_row(row) for row in rows]


async def units_without_informant(tx: Tx) -> list[Unit]:
    """Active units nobody is informant for now (第三条 requires at least one), in the order
    every list of units keeps (the configuration's)."""
    rows = await tx.fetchall(
        "SELECT u.* FROM units u WHERE u.active = 1 AND NOT EXISTS ("
        " SELECT 1 FROM roles r WHERE r.unit_id = u.id AND r.role = 'informant'"
        " AND r.revoked_at IS NULL) ORDER BY u.position, u.name"
    )
    return [Unit.from_row(row) for row in rows]


async def role_holders_anywhere(tx: Tx, role: Role) -> list[Person]:
    """Everybody holding a role now, in any unit (e.g. every centre editor)."""
    rows = await tx.fetchall(
        f"SELECT DISTINCT {PERSON} FROM people p JOIN roles r ON r.person_id = p.id"
        " WHERE r.role = ? AND r.revoked_at IS NULL ORDER BY p.id",
        (role.value,),
    )
    return [Person.from_row(row) for row in rows]


async def active_grants(tx: Tx, limit: int = 200) -> list[tuple[RoleGrant, Person, Unit | None]]:
    """Every role held now, with its person and unit, by unit name and person."""
    rows = await tx.fetchall(
        "SELECT r.id FROM roles r JOIN people p ON p.id = r.person_id"
        " LEFT JOIN units u ON u.id = r.unit_id WHERE r.revoked_at IS NULL"
        " ORDER BY ifnull(u.name, ''), p.name, r.role LIMIT ?",
        (limit,),
    )
    found = []
    for row in rows:
        grant = await get_grant(tx, int(row["id"]))
        assert grant is not None
        person = await get_person(tx, grant.person_id)
        assert person is not None
        unit_row = (
            await tx.fetchone("SELECT * FROM units WHERE id = ?", (grant.unit_id,))
            if grant.unit_id
            else None
        )
        found.append((grant, person, Unit.from_row(unit_row) if unit_row else None))
    return found
