"""Where a person's notices go, and their accounts, for every channel: /link (「关联账号」)
gives a code to send from the other channel, which makes that account theirs too; /notify (「接收通知」) shows where they go
now and offers Telegram, 企业微信 and 跟随最近使用 as buttons, for a person with accounts on
both channels (issue 13: invited once per channel, a setting picks where notices go); a press
records the choice (`people.notices_to`, audited) and says it back. `storage.outbox.address_of`
honours it when a notice is queued."""

from __future__ import annotations

from chat.actions import Button
from chat.actions import notify as nt
from chat.dialogue import Ref, Reply
from storage import people
from storage.db import Database, Tx
from storage.models import Account, Person
from workflow import joining
from workflow.outcomes import Refused
from workflow.rules import CentreRules

from . import Answer, refusal

#: The choices, in the order the buttons offer them.
BUTTONS = (
    (
        Button("btn.notify_telegram", nt.NoticesTo("telegram")),
        Button("btn.notify_wecom", nt.NoticesTo("wecom")),
        Button("btn.notify_last", nt.NoticesTo("last")),
    ),
)


async def on_both(tx: Tx, person_id: int) -> bool:
    """Whether the person has accounts on more than one channel (the choice is theirs then)."""
    return len({account.channel for account in await people.accounts_of(tx, person_id)}) > 1


async def _where(tx: Tx, person: Person) -> Ref | Reply:
    """Where the person's notices go now, in words."""
    chosen = await people.notices_to(tx, person.id)
    if chosen is not None:
        return Ref(f"notify.to_{chosen}")
    first = (await people.accounts_of(tx, person.id))[0]
    return Reply("notify.to_last", {"channel": Ref(f"notify.to_{first.channel}")})


async def ask(db: Database, person: Person | None) -> Answer:
    """/notify: where notices go now, and the three choices."""
    try:
        if person is None:
            raise Refused("not_allowed")
        async with db.reading() as tx:
            if not await on_both(tx, person.id):
                raise Refused("notify_one_channel")
            where = await _where(tx, person)
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer([Reply("notify.ask", {"where": where}, BUTTONS)])


async def press(db: Database, person: Person | None, pressed: nt.Press | None) -> Answer:
    """A choice pressed: recorded (once, audited) and said back under the pressed message."""
    try:
        if pressed is None:
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        channel = None if pressed.choice == "last" else pressed.choice
        async with db.transaction() as tx:
            if not await on_both(tx, person.id):
                raise Refused("notify_one_channel")
            await people.set_notices_to(tx, person.id, channel)
            where = await _where(tx, person)
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer([Reply("notify.set", {"where": where}, how="mark")])


async def link_code(db: Database, rules: CentreRules, person: Person | None) -> Answer:
    """/link: a single-use code to send from the person's account on the other channel."""
    if person is None:
        return Answer([refusal(Refused("not_allowed"))])
    made = await joining.link_code(db, rules, person)
    hours = int(rules.invite_ttl.total_seconds() // 3600)
    words = {"telegram": f"/start {made.code}", "wecom": f"{joining.BIND_WORD} {made.code}"}
    return Answer([Reply("link.code", {"hours": hours, **words})])


async def linked(db: Database, code: str, account: Account) -> Answer:
    """A link code sent from an account: that account made the asker's, or why not."""
    try:
        person = await joining.link(db, code, account)
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer([Reply("link.done", {"name": person.name})])
