"""People and roles repository: who is who, in which unit, since when."""

from __future__ import annotations

from scoring.vocab import Role
from storage.db import Tx
from storage.models import Person, RoleGrant, Unit


async def ensure_person(tx: Tx, tg_user_id: int, name: str, username: str | None = None) -> Person:
    """The person with this Telegram id, created or with name and username refreshed."""
    row = await tx.fetchone("SELECT * FROM people WHERE tg_user_id = ?", (tg_user_id,))
    if row is None:
        person_id = await tx.execute(
            "INSERT INTO people (tg_user_id, name, username, created_at) VALUES (?, ?, ?, ?)",
            (tg_user_id, name, username, tx.stamp),
        )
        await tx.audit(person_id, "person.add", "person", person_id, tg_user_id=tg_user_id)
    else:
        person_id = int(row["id"])
        if row["name"] != name or row["username"] != username:
            await tx.execute(
                "UPDATE people SET name = ?, username = ? WHERE id = ?",
                (name, username, person_id),
            )
    person = await get_person(tx, person_id)
    assert person is not None
    return person


async def get_person(tx: Tx, person_id: int) -> Person | None:
    """One person by id."""
    row = await tx.fetchone("SELECT * FROM people WHERE id = ?", (person_id,))
    return Person.from_row(row) if row else None


async def person_by_tg(tx: Tx, tg_user_id: int) -> Person | None:
    """One person by Telegram user id."""
    row = await tx.fetchone("SELECT * FROM people WHERE tg_user_id = ?", (tg_user_id,))
    return Person.from_row(row) if row else None


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
        "SELECT p.* FROM people p JOIN roles r ON r.person_id = p.id"
        " WHERE ifnull(r.unit_id, 0) = ifnull(?, 0) AND r.role = ? AND r.revoked_at IS NULL"
        " ORDER BY p.id",
        (unit_id, role.value),
    )
    return [Person.from_row(row) for row in rows]


async def units_without_informant(tx: Tx) -> list[Unit]:
    """Active units nobody is informant for now (第三条 requires at least one)."""
    rows = await tx.fetchall(
        "SELECT u.* FROM units u WHERE u.active = 1 AND NOT EXISTS ("
        " SELECT 1 FROM roles r WHERE r.unit_id = u.id AND r.role = 'informant'"
        " AND r.revoked_at IS NULL) ORDER BY u.name"
    )
    return [Unit.from_row(row) for row in rows]


async def role_holders_anywhere(tx: Tx, role: Role) -> list[Person]:
    """Everybody holding a role now, in any unit (e.g. every centre editor)."""
    rows = await tx.fetchall(
        "SELECT DISTINCT p.* FROM people p JOIN roles r ON r.person_id = p.id"
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
