"""Joining and help, for every channel: /start CODE joins by invite, /start alone and /help
list the commands a person's roles allow (strangers learn how to join), and the same list is
what a channel's command menu offers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from chat.dialogue import Reply
from scoring.vocab import Role
from storage import people
from storage.db import Database
from storage.models import Account, RoleGrant
from workflow import joining, reach
from workflow.outcomes import Refused
from workflow.rules import CentreRules

from . import Answer, notify, refusal, say

CODE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
AUTHORS: Final = frozenset({Role.INFORMANT, Role.SECTION_STAFF})
UNIT_PEOPLE: Final = frozenset({Role.INFORMANT, Role.SECTION_STAFF, Role.WINDOW_HEAD, Role.LEADER})
SIGNERS: Final = frozenset({Role.WINDOW_HEAD, Role.LEADER})  # /pending lists what waits for them

#: Each command's line in the help, by command id (the menu's description too).
HELP_KEYS: Final = {
    "submit": "help.submit",
    "my": "help.my",
    "unit": "help.unit",
    "pending": "help.pending",
    "rank": "help.rank",
    "bulletin": "help.bulletin",
    "queue": "help.queue",
    "item": "help.item",
    "invite": "help.invite",
    "tasks": "help.tasks",
    "revoke": "help.revoke",
    "correct": "help.correct",
    "guide": "help.guide",
    "brief": "help.brief",
    "briefs": "help.briefs",
    "news": "help.news",
    "visit": "help.visit",
    "announce": "help.announce",
    "announced": "help.announced",
    "campaign": "help.campaign",
    "campaigns": "help.campaigns",
    "notify": "help.notify",
    "cancel": "help.cancel",
    "help": "help.help",
}


def commands_for(roles: set[Role], is_admin: bool) -> list[str]:
    """The commands a person's roles allow, in the order help lists them."""
    names: list[str] = []
    if roles & AUTHORS:
        names += ["submit", "my"]
    if roles & UNIT_PEOPLE:
        names += ["unit"]
    if roles & SIGNERS:
        names += ["pending", "item"]  # read an item in full before signing it
    if roles:
        names += ["rank", "bulletin"]
    if roles or is_admin:
        names += ["guide"]
    if Role.EDITOR in roles:
        names += ["queue", *(["item"] if "item" not in names else []), "tasks", "brief", "visit"]
    elif Role.INFORMANT in roles:
        names += ["tasks"]
    if roles & {Role.EDITOR, Role.CENTRE_LEADER, Role.MAIN_LEADER}:
        names += ["briefs"]
    if roles & {Role.EDITOR, Role.CENTRE_LEADER, Role.NETWORK_ADMIN}:
        names += ["news"]
    if Role.EDITOR in roles or is_admin:
        names += ["announce", "announced"]
    if roles & {Role.EDITOR, Role.ADMIN}:  # the office (领导小组办公室) plans campaigns
        names += ["campaign", "campaigns"]
    elif roles & (UNIT_PEOPLE | {Role.CENTRE_LEADER, Role.MAIN_LEADER}):
        names += ["campaigns"]  # a unit's self-check; the assessment group's scoring
    if is_admin:
        names += ["invite", "revoke", "correct"]
    return [*names, "cancel", "help"]


def help_reply(names: Iterable[str]) -> Reply:
    """The help message for a list of commands: its head, then a line for each."""
    return Reply("help.head", also=help_lines(names))


def help_lines(names: Iterable[str]) -> tuple[Reply, ...]:
    """A line of the help for each command."""
    return tuple(Reply(HELP_KEYS[name]) for name in names)


def is_admin(rules: CentreRules, account: Account, grants: Sequence[RoleGrant]) -> bool:
    """Admins are listed in config.yaml or hold the admin role."""
    return account in rules.admins or any(g.role is Role.ADMIN for g in grants)


def allowed(rules: CentreRules, account: Account, grants: Sequence[RoleGrant]) -> list[str]:
    """The commands the holder of the account may use now (their help, their menu)."""
    return commands_for({g.role for g in grants}, is_admin(rules, account, grants))


async def listed(
    db: Database, rules: CentreRules, account: Account, grants: Sequence[RoleGrant]
) -> list[str]:
    """The commands the holder of the account may use now, with /notify (where notices go)
    for a person with accounts on both channels."""
    names = allowed(rules, account, grants)
    async with db.reading() as tx:
        person = await people.person_by_account(tx, account)
        both = person is not None and await notify.on_both(tx, person.id)
    return [*names[:-2], "notify", *names[-2:]] if both else names


async def help_for(db: Database, rules: CentreRules, account: Account) -> Answer:
    """/help (and /start alone): the commands this person may use; strangers learn how to
    join."""
    person, grants = await joining.whoami(db, account)
    if person is None and not is_admin(rules, account, grants):
        return say("stranger")
    return Answer([help_reply(await listed(db, rules, account, grants))])


async def join(
    db: Database,
    rules: CentreRules,
    account: Account,
    code: str,
    *,
    name: str,
    username: str | None = None,
) -> Answer:
    """/start CODE: joins the unit and role of the invite and welcomes the person with the
    commands they may use now (their menu too); then the channel has `offer_waiting` done."""
    if not CODE.fullmatch(code):
        return Answer([refusal(Refused("invite_unknown"))])
    if await joining.is_link(db, code):  # an account on another channel made this one's too
        return await notify.linked(db, code, account)
    try:
        joined = await joining.redeem(db, code, account=account, name=name, username=username)
    except Refused as refused:
        return Answer([refusal(refused)])
    _, grants = await joining.whoami(db, account)
    names = await listed(db, rules, account, grants)
    welcome = Reply(
        "welcome" if joined.unit else "welcome_centre",
        {
            "name": name,
            "unit": joined.unit.name if joined.unit else "",
            "role": Reply(f"role.{joined.grant.role.value}"),
            "help": help_reply(names),
        },
    )
    return Answer([welcome], menu=tuple(names))


async def offer_waiting(db: Database, rules: CentreRules, account: Account) -> Answer:
    """After the welcome is out: what already waits for the new holder of a role (a head
    who joins later, a successor) is offered to them at once, in the outbox."""
    return Answer(queued=await reach.offer_to(db, rules, account) > 0)
