"""What the flows of the conversation engine share: the ledger, the rules, who writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

from chat.dialogue import Flow, Inbound, Reply, Step
from chat.dialogue.steps import Start, Take
from scoring.vocab import Role
from storage import people
from storage.db import Database
from storage.models import Person

from ..outcomes import Refused
from ..rules import CentreRules

AUTHOR_ROLES = frozenset({Role.INFORMANT, Role.SECTION_STAFF})
Draft = Mapping[str, Any]


def draft_files(draft: Mapping[str, Any]) -> tuple[tuple[str, str, Any, Any, Any, Any], ...]:
    """The files a draft keeps (kind, stored key, name, type, size, caption), as the services
    take them (a draft saved before captions were kept has none)."""
    return tuple(
        (str(kind), str(key), name, mime, size, caption[0] if caption else None)
        for kind, key, name, mime, size, *caption in draft.get("files") or []
    )


def explain(error: BaseException) -> Reply | None:
    """A refusal as the reply that explains it (`refused.<key>`); None for anything else."""
    if isinstance(error, Refused):
        return Reply(f"refused.{error.key}", dict(error.params))
    return None


class Base:
    """The ledger and rules every flow stands on, and what they all need."""

    def __init__(self, db: Database, rules: CentreRules) -> None:
        self.db = db
        self.rules = rules

    async def _person(self, person_id: int, refused: str = "not_allowed") -> Person:
        """The person writing (refused if unknown)."""
        async with self.db.reading() as tx:
            person = await people.get_person(tx, person_id)
        if person is None:
            raise Refused(refused)
        return person

    def _today(self) -> date:
        """The centre's local day."""
        return self.rules.local_now(self.db.clock()).date()

    def held_return(
        self,
        *,
        name: str,
        what: str,
        start: Start,
        ask: Callable[[Draft], Reply],
        reason: Take,
        shown: Callable[[Draft], Reply],
        confirm_press: type,
        same: Callable[[Any, Draft], bool],
        returned: Callable[[Inbound, Draft], Awaitable[list[Reply]]],
        kept: str,
        not_text: str,
        lasting: bool = False,
        commands: tuple[str, ...] = (),
    ) -> Flow:
        """退回 with a typed reason, the one shape of every return (an item's sign-off, an
        issue's review, a campaign's decision): the reason is asked and checked, shown back
        and held for ✅ 确认 / ✖️ 取消 (a confirmation of another step is stale, this one
        stays), and only the confirmation returns (`returned`), the request's own buttons
        then taken off."""

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 or ✖️ 取消 for this very step."""
            if not same(event.press, draft):
                minutes = int(self.rules.typed_answer.total_seconds() // 60)
                raise Refused("confirm_stale", minutes=minutes)
            return {"confirmed": bool(getattr(event.press, "confirmed", False))}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Returns (or keeps, on ✖️ 取消)."""
            if not draft["confirmed"]:
                return [Reply("confirm.kept", how="toast"), Reply(kept, how="mark")]
            done = await returned(event, draft)
            if draft.get("origin"):  # the request's own buttons go too
                done.append(Reply("", {"origin": draft["origin"]}, how="clear"))
            return done

        return Flow(
            name=name,
            what=what,
            start=start,
            steps=(
                Step("reason", ask, reason, next="confirm", lasting=lasting, commands=commands),
                Step(
                    "confirm",
                    shown,
                    confirm,
                    presses=(confirm_press,),
                    takes_text=False,
                    held=True,
                ),
            ),
            finish=finish,
            not_text=not_text,
        )
