"""Assessment campaigns (考核) outside their dialogues, for every channel: /campaigns (the
office's campaigns, a unit's self-checks, a group member's units to score) and the `ca:`
presses that finish at once (同意, 签字确认, 重新送审, 自查进度, 📥 评分表 …). The campaign's
dialogues and the survey's replies are `workflow.dialogues`'; this is what a channel calls
when the engine did not take a command or press."""

from __future__ import annotations

from chat.actions import campaign as ca
from storage.db import Database
from storage.models import Person
from workflow.dialogues import Dialogues
from workflow.outcomes import Refused
from workflow.rules import CentreRules

from . import Answer, refusal


async def list_campaigns(db: Database, rules: CentreRules, person: Person | None) -> Answer:
    """/campaigns: the office's campaigns, or the unit's self-checks to do and the units a
    group member scores."""
    try:
        if person is None:
            raise Refused("not_allowed")
        return Answer(await Dialogues(db, rules).campaign_list(person.id))
    except Refused as refused:
        return Answer([refusal(refused)])


async def press(
    db: Database, rules: CentreRules, person: Person | None, pressed: ca.Press | None
) -> Answer:
    """A `ca:` press the engine did not take: one that finishes at once (the notices its
    service queued go out), or a stale step."""
    try:
        if pressed is None:
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        if isinstance(pressed, ca.ConfirmReturn):  # nothing held: expired, or done
            minutes = int(rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        replies = await Dialogues(db, rules).campaign_press(person.id, pressed)
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer(replies, queued=True)
