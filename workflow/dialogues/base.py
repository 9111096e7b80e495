"""What the flows of the conversation engine share: the ledger, the rules, who writes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from chat.dialogue import Reply
from scoring.vocab import Role
from storage import people
from storage.db import Database
from storage.models import Person

from ..outcomes import Refused
from ..rules import CentreRules

AUTHOR_ROLES = frozenset({Role.INFORMANT, Role.SECTION_STAFF})
Draft = Mapping[str, Any]


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
