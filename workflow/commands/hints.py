"""What a member is told when what they sent is no action (a stray text, a command that does
not exist), for every channel: that it was not taken, what waits for their sign-off, and the
commands they may use; strangers learn how to join."""

from __future__ import annotations

from typing import Final

from chat.dialogue import Reply
from storage.db import Database
from storage.models import Account
from workflow import joining, reach
from workflow.rules import CentreRules

from . import Answer, say
from .start import SIGNERS, allowed, help_lines

QUOTED: Final = 40  # characters of an unknown command quoted back


async def stray(
    db: Database, rules: CentreRules, account: Account, *, command: str | None = None
) -> Answer:
    """Anything no other handler took: `command` is an unknown command as typed (its first
    word), None for a stray text."""
    person, grants = await joining.whoami(db, account)
    if person is None:
        return say("stranger")
    first = (
        Reply("stray.command", {"command": command[:QUOTED]})
        if command is not None
        else Reply("stray.text")
    )
    lines = []
    roles = {grant.role for grant in grants}
    if roles & SIGNERS and (waiting := await reach.waiting_for(db, person)):
        lines.append(Reply("stray.waiting", {"count": len(waiting)}))
    lines += [Reply("help.head"), *help_lines(allowed(rules, account, grants))]
    return Answer([Reply(first.key, first.params, also=tuple(lines))])
