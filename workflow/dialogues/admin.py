"""/invite on the conversation engine: the unit and the role by buttons or in a clerk's own
words (信息员, 窗口负责人 …; a near-miss unit or role name is offered back as buttons, never an
error about exact spelling); typed in full (`/invite 市人社局窗口 信息员`) it is made at once."""

from __future__ import annotations

from dataclasses import replace

from chat.actions import Button
from chat.actions import admin as ad
from chat.dialogue import Flow, Inbound, Invalid, InviteLink, Ref, Reply, Step
from scoring.vocab import Role, UnitKind
from storage import people
from storage.models import Unit

from .. import joining
from ..notices import is_configured_admin
from ..outcomes import Refused
from .base import Base, Draft

#: Up to this many units, the unit is asked with a button each; beyond, by typing its name.
UNIT_BUTTONS = 40
#: What a clerk types for the centre itself (centre-wide roles without a unit).
CENTRE_WORDS = frozenset({"中心", "本中心", "市政务服务中心", "centre", "center"})
CENTRE = 0


def _unit_rows(choices: list[list[object]]) -> tuple[tuple[Button, ...], ...]:
    """Unit buttons two to a row, then the centre itself."""
    buttons = [Button(str(name), ad.InviteUnit(int(str(uid)))) for uid, name, *_ in choices]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return (*rows, (Button("admin.invite_centre", ad.InviteUnit(CENTRE)),))


def _choices(found: list[Unit]) -> list[list[object]]:
    """Units as the draft keeps them: id, name, kind."""
    return [[unit.id, unit.name, unit.kind.value] for unit in found]


def _role_rows(roles: tuple[Role, ...] | list[Role]) -> tuple[tuple[Button, ...], ...]:
    """Role buttons two to a row, labelled with the roles' names."""
    buttons = [Button(f"role.{role.value}", ad.InviteRole(role.value)) for role in roles]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def _allowed(draft: Draft) -> tuple[Role, ...]:
    """The roles an invite to the chosen unit (or the centre itself) may give."""
    kind = draft.get("unit_kind")
    return joining.roles_for(UnitKind(kind) if kind else None)


def _chosen(unit: Unit | None) -> Draft:
    """The draft's fields for a chosen unit (None: the centre itself)."""
    if unit is None:
        return {"unit_id": CENTRE, "unit_name": None, "unit_kind": None}
    return {"unit_id": unit.id, "unit_name": unit.name, "unit_kind": unit.kind.value}


class AdminFlows(Base):
    """/invite."""

    async def _admin(self, person_id: int) -> None:
        """Refused unless the person is an admin (config.yaml's, or holding the role)."""
        async with self.db.reading() as tx:
            grants = await people.active_roles(tx, person_id)
            listed = await is_configured_admin(tx, self.rules, person_id)
        if not listed and not any(grant.role is Role.ADMIN for grant in grants):
            raise Refused("admin_only")

    async def _unit_named(self, typed: str) -> Unit | list[Unit] | None:
        """The unit a typed name is (None: the centre itself), or the units it may mean."""
        if "".join(typed.split()).lower() in CENTRE_WORDS:
            return None
        found = await joining.units_named(self.db, typed)
        exact = len(found) == 1 and "".join(found[0].name.split()) == "".join(typed.split())
        return found[0] if exact else found

    def invite(self) -> Flow:
        """/invite [unit] [role]: the unit, then the role, then the link."""

        async def start(event: Inbound) -> Draft | None:
            """/invite by an admin; what was typed with it answers its questions."""
            if event.command != "invite":
                return None
            await self._admin(event.person_id)
            words = event.argument.split()
            draft: dict[str, object] = {}
            role = joining.read_role(words[-1]) if words else None
            if role is None and words and (first := joining.read_role(words[0])) is not None:
                role, words = first, words[1:]
            elif role is not None:
                words = words[:-1]
            if role is not None:
                draft["role"] = role.value
            typed = " ".join(words)
            named = await self._unit_named(typed) if typed else []
            if role is None and isinstance(named, list) and len(words) > 1:
                # 市人社局窗口 信息源: a unit, then a role mistyped (offered back by the role step)
                unit_only = await self._unit_named(" ".join(words[:-1]))
                if not isinstance(unit_only, list):
                    named, draft["role_typed"] = unit_only, words[-1][:40]
            if typed:
                if isinstance(named, list):
                    draft |= {"typed": typed[:40], "choices": _choices(named)}
                else:
                    draft |= _chosen(named)
            elif role in joining.CENTRE_ROLES:
                draft |= _chosen(None)
            if "unit_id" not in draft and "choices" not in draft:
                active = await joining.active_units(self.db)
                draft["choices"] = _choices(active) if len(active) <= UNIT_BUTTONS else []
            return draft

        def ask_unit(draft: Draft) -> Reply:
            """The units to choose from (near the typed name, or all), or a name to type."""
            choices = list(draft.get("choices") or [])
            typed = draft.get("typed")
            if typed and choices:
                return Reply("admin.invite_unit_near", {"typed": typed}, _unit_rows(choices))
            if typed:
                return Reply("admin.invite_unit_none", {"typed": typed}, _unit_rows([]))
            if choices:
                return Reply("admin.invite_ask_unit", buttons=_unit_rows(choices))
            return Reply("admin.invite_type_unit", buttons=_unit_rows([]))

        async def unit(event: Inbound, draft: Draft) -> Draft:
            """A unit button (re-checked: still active), or a typed name."""
            await self._admin(event.person_id)
            if isinstance(event.press, ad.InviteUnit):
                if event.press.unit_id == CENTRE:
                    return _chosen(None)
                active = {u.id: u for u in await joining.active_units(self.db)}
                if event.press.unit_id not in active:
                    raise Refused("unknown_unit", name=str(event.press.unit_id))
                return _chosen(active[event.press.unit_id])
            typed = (event.text or "").strip()
            named = await self._unit_named(typed)
            if not isinstance(named, list):
                return _chosen(named)
            raise Invalid(ask_unit({"typed": typed[:40], "choices": _choices(named)}))

        def ask_role(draft: Draft) -> Reply:
            """The roles the chosen unit may be given; a typed role it may not have is said."""
            where = draft.get("unit_name") or Ref("admin.invite_centre")
            ask = Reply("admin.invite_ask_role", {"unit": where})
            wanted, allowed = draft.get("role"), _allowed(draft)
            if wanted and Role(str(wanted)) not in allowed:
                note = Reply("admin.invite_role_not_here", {"role": Ref(f"role.{wanted}")})
                return replace(note, buttons=_role_rows(allowed), also=(ask,))
            mistyped = draft.get("role_typed")
            if mistyped and not wanted:
                near = [r for r in joining.near_roles(str(mistyped)) if r in allowed]
                note = Reply("admin.invite_role_near", {"typed": mistyped})
                return replace(note, buttons=_role_rows(near or allowed), also=(ask,))
            return replace(ask, buttons=_role_rows(allowed))

        async def role(event: Inbound, draft: Draft) -> Draft:
            """A role button, or a role's name typed (a near miss offered back)."""
            await self._admin(event.person_id)
            allowed = _allowed(draft)
            if isinstance(event.press, ad.InviteRole):
                picked = joining.read_role(event.press.role)
                if picked is None or picked not in allowed:
                    raise Refused("forged")
                return {"role": picked.value}
            typed = (event.text or "").strip()
            picked = joining.read_role(typed)
            if picked is not None and picked in allowed:
                return {"role": picked.value}
            near = [r for r in joining.near_roles(typed) if r in allowed]
            raise Invalid(
                Reply("admin.invite_role_near", {"typed": typed[:40]}, _role_rows(near or allowed))
            )

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Makes the single-use invite (re-checking the admin, the unit and the role)."""
            await self._admin(event.person_id)
            chosen = Role(str(draft["role"]))
            invite, unit = await joining.create_invite(
                self.db,
                self.rules,
                unit_name=draft.get("unit_name"),
                role=chosen,
                created_by=event.person_id,
            )
            return [
                Reply(
                    "admin.invite_made",
                    {
                        "unit": unit.name if unit else Ref("admin.invite_centre"),
                        "role": Ref(f"role.{chosen.value}"),
                        "hours": int(self.rules.invite_ttl.total_seconds() // 3600),
                        "link": InviteLink(invite.code),
                        "code": invite.code,
                    },
                )
            ]

        return Flow(
            name="invite",
            what="wait.pending_invite",
            start=start,
            steps=(
                Step(
                    "unit",
                    ask_unit,
                    unit,
                    next="role",
                    presses=(ad.InviteUnit,),
                    skip=lambda draft: "unit_id" in draft,
                ),
                Step(
                    "role",
                    ask_role,
                    role,
                    presses=(ad.InviteRole,),
                    skip=lambda draft: (
                        "role" in draft and Role(str(draft["role"])) in _allowed(draft)
                    ),
                ),
            ),
            finish=finish,
        )
