"""Posting notices to the outbox inside the transaction that caused them (sent once, later)."""

from __future__ import annotations

from collections.abc import Iterable

from scoring.vocab import Role
from storage import outbox, people
from storage.db import Tx
from storage.models import Account, Recipient, Room
from workflow.outcomes import Notice
from workflow.rules import CentreRules


async def configured_admins(tx: Tx, rules: CentreRules) -> list[Recipient]:
    """config.yaml's admins as recipients: the person holding the account, or, for an account
    no person has yet, its private chat on that channel (a room), in the configured order."""
    found: dict[Recipient, None] = {}
    for account in rules.admins:
        person = await people.person_by_account(tx, account)
        found[person.id if person else Room(account.channel, account.external_id)] = None
    return list(found)


async def admins_with(tx: Tx, rules: CentreRules, roles: Iterable[Role]) -> list[Recipient]:
    """config.yaml's admins, then every reachable holder of the roles, each once."""
    found = dict.fromkeys(await configured_admins(tx, rules))
    for role in roles:
        for person in await people.role_holders_anywhere(tx, role):
            if person.reachable:
                found[person.id] = None
    return list(found)


async def is_configured_admin(tx: Tx, rules: CentreRules, person_id: int) -> bool:
    """Whether one of the person's accounts is among config.yaml's admins."""
    admins: set[Account] = set(rules.admins)
    return any(account in admins for account in await people.accounts_of(tx, person_id))


def attachment_caption(notice: Notice) -> str:
    """An item's file as its caption says: the item's number, the file's name, and what its
    sender wrote with it (图注), within a caption's length."""
    words = [f"#{notice.item_id}", str(notice.params.get("name") or "")]
    words.append(str(notice.params.get("caption") or ""))
    return " ".join(word for word in words if word)[:1024]


async def post(tx: Tx, notices: list[Notice]) -> None:
    """Queues each notice for its recipient; the sender renders and delivers them."""
    for notice in notices:
        if notice.key == "attachment":
            await outbox.enqueue(
                tx,
                notice.purpose,
                notice.to,
                {
                    "file": notice.params["file"],
                    "caption": attachment_caption(notice),
                    "plain_caption": True,  # a file name, not prepared HTML
                },
                kind=str(notice.params["kind"]),
            )
            continue
        await outbox.enqueue(
            tx,
            notice.purpose,
            notice.to,
            {"notice": notice.key, "params": notice.stored_params(), "item_id": notice.item_id},
        )
