"""Joining and roles: invites, redeeming them, who holds what, units lacking an informant."""

from __future__ import annotations

import difflib
import re
import secrets
from dataclasses import dataclass
from typing import Final

from chat.commands import WECOM_COMMANDS
from scoring.vocab import Role, UnitKind
from storage import account_links, invites, items, people, units
from storage.db import Database
from storage.models import Account, AccountLink, Invite, Person, RoleGrant, Unit
from workflow.notices import post
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules
from workflow.submission import clean_text

#: Roles that belong to a unit; the rest are centre-wide and may be unit-less.
UNIT_ROLES = frozenset({Role.INFORMANT, Role.WINDOW_HEAD, Role.LEADER, Role.SECTION_STAFF})
#: Roles an invite may give (an admin is named in config.yaml).
INVITABLE = tuple(role for role in Role if role is not Role.ADMIN)
#: Centre-wide roles, invited without a unit (or in the section where the person sits).
CENTRE_ROLES = (Role.CENTRE_LEADER, Role.MAIN_LEADER, Role.NETWORK_ADMIN)
#: What people call the roles (the regulation's words first), besides the role's own value.
ROLE_WORDS: dict[str, Role] = {
    "信息员": Role.INFORMANT,
    "窗口信息员": Role.INFORMANT,
    "科室信息员": Role.INFORMANT,
    "窗口负责人": Role.WINDOW_HEAD,
    "负责人": Role.WINDOW_HEAD,
    "首席代表": Role.WINDOW_HEAD,
    "分管领导": Role.LEADER,
    "便民服务中心主任": Role.LEADER,
    "常务副主任": Role.LEADER,
    "科室工作人员": Role.SECTION_STAFF,
    "科室人员": Role.SECTION_STAFF,
    "工作人员": Role.SECTION_STAFF,
    "中心信息员": Role.EDITOR,
    "编辑": Role.EDITOR,
    "中心编辑": Role.EDITOR,
    "中心分管领导": Role.CENTRE_LEADER,
    "中心主要领导": Role.MAIN_LEADER,
    "主要领导": Role.MAIN_LEADER,
    "网络管理员": Role.NETWORK_ADMIN,
    "网管": Role.NETWORK_ADMIN,
    **{role.value: role for role in INVITABLE},
}
#: How many near names a refusal offers.
SUGGESTIONS = 8


@dataclass(frozen=True, slots=True)
class Joined:
    """The outcome of redeeming an invite."""

    person: Person
    grant: RoleGrant
    unit: Unit | None


def read_role(text: str) -> Role | None:
    """The role a typed word names (信息员, 窗口负责人, informant …), or None."""
    return ROLE_WORDS.get(text.strip().lower())


def near_roles(text: str) -> list[Role]:
    """Roles whose names are close to a word that names none (信息源 → 信息员)."""
    close = difflib.get_close_matches(text.strip().lower(), ROLE_WORDS, n=SUGGESTIONS, cutoff=0.5)
    return list(dict.fromkeys(ROLE_WORDS[word] for word in close))


def roles_for(kind: UnitKind | None) -> tuple[Role, ...]:
    """The roles an invite to a unit of this kind may give (None: the centre itself): a
    unit's roles and the centre-wide ones (a centre leader may sit in any unit); an editor
    only in a section (第九条)."""
    if kind is None:
        return CENTRE_ROLES
    return tuple(role for role in INVITABLE if role is not Role.EDITOR or kind is UnitKind.SECTION)


def near_units(text: str, active: list[Unit]) -> list[Unit]:
    """Units a typed name may mean, closest first: names holding it (or held in it), then
    names that look like it (人社局 → 市人社局窗口; 市人设局窗口 → 市人社局窗口)."""
    typed = "".join(text.split())
    if not typed:
        return []
    by_name = {unit.name: unit for unit in active}
    holding = [u for u in active if typed in u.name or (len(u.name) >= 2 and u.name in typed)]
    close = difflib.get_close_matches(typed, by_name, n=SUGGESTIONS, cutoff=0.5)
    found = {unit.id: unit for unit in [*holding, *(by_name[name] for name in close)]}
    return list(found.values())[:SUGGESTIONS]


async def units_named(db: Database, typed: str) -> list[Unit]:
    """The active unit a typed name is exactly (blanks aside), else the units it may mean."""
    active = await active_units(db)
    words = "".join(typed.split())
    exact = [unit for unit in active if "".join(unit.name.split()) == words]
    return exact[:1] or near_units(typed, active)


async def active_units(db: Database) -> list[Unit]:
    """The units people may be invited to, in the configured order."""
    async with db.reading() as tx:
        return [unit for unit in await units.list_units(tx) if unit.active]


#: The longest name an admin may give a person (a Chinese name is 2–4 characters).
NAME_MAX = 32


def person_name(name: str) -> str:
    """A person's name as an admin typed it, cleaned to one line; Refused when empty or longer
    than `NAME_MAX`."""
    cleaned = " ".join(clean_text(name).split())
    if not cleaned:
        raise Refused("name_empty")
    if len(cleaned) > NAME_MAX:
        raise Refused("name_too_long", limit=NAME_MAX, length=len(cleaned))
    return cleaned


def new_code() -> str:
    """A fresh invite code: 22 characters of [A-Za-z0-9_-], fit for a /start deep link."""
    return secrets.token_urlsafe(16)


#: The word a person without a deep link (on WeCom) sends before an invite code: "绑定 CODE".
BIND_WORD = "绑定"
_TYPED_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BARE_CODE = re.compile(r"[A-Za-z0-9_-]{22}")


#: /start's word on WeCom (the command table's): an invite made there says "「开始」 CODE".
START_WORD = WECOM_COMMANDS.names["start"]


def typed_code(text: str) -> str | None:
    """The invite code in a text typed to join ("绑定 CODE" or "开始 CODE", or a code of the
    shape `new_code` gives, alone); None when the text is not one (so "报送" is never taken
    for a code)."""
    typed = text.strip()
    for word in (BIND_WORD, START_WORD):  # 开始 CODE: as the invite's "/start CODE" reads there
        if typed.startswith(word):
            code = typed.removeprefix(word).strip(" :：　")
            return code if _TYPED_CODE.fullmatch(code) else None
    return typed if _BARE_CODE.fullmatch(typed) else None


async def create_invite(
    db: Database,
    rules: CentreRules,
    *,
    unit_name: str | None,
    role: Role,
    created_by: int | None = None,
    name: str | None = None,
) -> tuple[Invite, Unit | None]:
    """Makes a single-use invite for a role in a unit (a unit is required for unit roles),
    for a person the admin may name (their name when they join: WeCom gives no names)."""
    named = person_name(name) if name is not None else None
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
            name=named,
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
        person = await people.ensure_person(tx, account, invite.name or name, username)
        if not await invites.mark_used(tx, code, person.id):
            raise Refused("invite_used")
        grant = await people.grant_role(tx, person.id, invite.unit_id, invite.role, person.id)
        unit = await units.get_unit(tx, invite.unit_id) if invite.unit_id else None
    return Joined(person, grant, unit)


async def bind(
    db: Database,
    rules: CentreRules,
    account: Account,
    *,
    unit_name: str | None,
    role: Role,
    name: str,
) -> Joined:
    """An admin binds an account (a WeCom userid) to a unit and role without a code exchanged:
    an invite for the named person, spent by that account at once (the same checks and audit
    rows as a join), and the person told on that account what they now are."""
    invite, _ = await create_invite(db, rules, unit_name=unit_name, role=role, name=name)
    joined = await redeem(
        db, invite.code, account=account, name=invite.name or name, username=account.external_id
    )
    unit = joined.unit
    async with db.transaction() as tx:
        await post(
            tx,
            [
                Notice(
                    joined.person.id,
                    "bound_by_admin",
                    {"unit": f"{unit.name} " if unit else "", "role": role.value},
                    event=f"bind:{joined.grant.id}",
                )
            ],
        )
    return joined


#: How a person asks for a new link code, in each channel's words (said on the other one).
ASK_AGAIN: Final = {"telegram": "/link", "wecom": "「关联账号」"}


async def link_code(db: Database, rules: CentreRules, person: Person) -> AccountLink:
    """A single-use code the person sends from their account on another channel to make it
    theirs too (one person on Telegram and WeCom; invites expire as this does)."""
    async with db.transaction() as tx:
        return await account_links.create(tx, new_code(), person.id, tx.now + rules.invite_ttl)


async def is_link(db: Database, code: str) -> bool:
    """Whether a code is an account link (not an invite)."""
    async with db.reading() as tx:
        return await account_links.get(tx, code) is not None


async def link(db: Database, code: str, account: Account) -> Person:
    """Adds the account the code is sent from to the person who asked for the code (no role
    given, audited); refuses a spent or expired code and an account that is someone's."""
    async with db.transaction() as tx:
        found = await account_links.get(tx, code)
        if found is None:
            raise Refused("invite_unknown")
        holder = await people.person_by_account(tx, account)
        if holder is not None and holder.id == found.person_id:
            raise Refused("account_linked_already")
        if found.used_at is not None:
            raise Refused("link_used", **ASK_AGAIN)
        if found.expires_at <= tx.now:
            raise Refused("link_expired", **ASK_AGAIN)
        if holder is not None:
            raise Refused("account_taken", name=holder.name)
        account_id = await people.add_account(
            tx, found.person_id, account, actor_id=found.person_id
        )
        if not await account_links.mark_used(tx, code, account_id):
            raise Refused("link_used", **ASK_AGAIN)
        person = await people.get_person(tx, found.person_id)
    assert person is not None
    return person


async def redeemed_by(db: Database, code: str, account: Account) -> Joined | None:
    """The joining an invite already gave this account's person (a join handled again after a
    crash before its welcome was sent), or None."""
    async with db.reading() as tx:
        invite = await invites.get_invite(tx, code)
        person = await people.person_by_account(tx, account)
        if invite is None or person is None or invite.used_by != person.id:
            return None
        held = await people.active_roles(tx, person.id)
        grant = next(
            (g for g in held if g.role is invite.role and g.unit_id == invite.unit_id), None
        )
        unit = await units.get_unit(tx, invite.unit_id) if invite.unit_id else None
    return None if grant is None else Joined(person, grant, unit)


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


@dataclass(frozen=True, slots=True)
class Revoked:
    """A role ended: the grant, the items of its unit waiting at that role's sign-off step,
    and who else holds the role there now (they sign those; nobody: they wait for a new
    holder, which the admins' daily digest names until there is one)."""

    grant: RoleGrant
    waiting: int
    others: tuple[str, ...]


async def revoke(db: Database, grant_id: int, by: Person | None) -> Revoked:
    """Ends a role (kept in the ledger) and tells its holder; refuses one already ended."""
    async with db.transaction() as tx:
        if not await people.revoke_role(tx, grant_id, by.id if by else None):
            raise Refused("already_revoked")
        grant = await people.get_grant(tx, grant_id)
        assert grant is not None
        unit = await units.get_unit(tx, grant.unit_id) if grant.unit_id else None
        waiting, others = 0, []
        if grant.unit_id is not None:
            pending = await items.pending_in_units(tx, [grant.unit_id])
            waiting = sum(
                1
                for item in pending
                if 0 <= item.chain_step < len(item.chain_roles)
                and item.chain_roles[item.chain_step] is grant.role
            )
            others = await people.role_holders(tx, grant.unit_id, grant.role)
        await post(
            tx,
            [
                Notice(
                    grant.person_id,
                    "your_role_revoked",
                    {"unit": f"{unit.name} " if unit else "", "role": grant.role.value},
                    event=f"revoke:{grant.id}",
                )
            ],
        )
    return Revoked(grant, waiting, tuple(person.name for person in others))
