"""The admins' commands and the announcers' reports on WeCom: 「单位」「未落实信息员」「撤销角色」
(its buttons a card, or numbered replies past six) 「更正」「通知送达」「报送指南」 answered by
`workflow.commands.admin`, as Telegram answers them, and what 「发通知」 (the engine's
/announce) is handed on WeCom.

Who is an admin is decided as on Telegram: the admin role, or the member's account listed
in config.yaml's `admins` as "wecom:<userid>" (`enrol` makes such an admin a person of the
ledger when they first write, so their flows and corrections have one)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final, TypeGuard

from chat.actions import admin as ad
from chat.actions import announce as an
from chat.capabilities import TELEGRAM, Capabilities, narrowest
from chat.dialogue import Reply, aside_channel
from chat.texts import Texts
from storage.db import Database
from storage.models import Account, Person, RoleGrant
from storage.sessions import LedgerSessions
from workflow.commands import Answer
from workflow.commands import admin as admin_commands
from workflow.dialogues import Announcing
from workflow.rules import CentreRules

WECOM: Final = "wecom"
#: The commands answered here (「发通知」 is the engine's flow).
COMMANDS: Final = frozenset({"units", "noinformant", "revoke", "correct", "announced", "guide"})


def announcing(db: Database, texts: Texts, capabilities: Capabilities) -> Announcing:
    """What /announce is handed on WeCom: the limits of WeCom's messages and of Telegram's
    (the readers chosen are reached on whichever account they use, and a photo's caption
    goes with the photo on Telegram), the caption's heading, whether the member's /submit is
    under way, and a prompt that offers a photo instead of a file (a self-built app is sent
    no files by its members)."""
    sessions = LedgerSessions(db)

    async def submitting(person_id: int) -> bool:
        """Whether the member's /submit draft is open (its texts would be taken by it)."""
        return await sessions.load(person_id, aside_channel(WECOM, "submit")) is not None

    return Announcing(
        capabilities=narrowest(capabilities, TELEGRAM),
        caption_head=html.unescape(texts("ann.heading")),
        submitting=submitting,
        ask_text="ann.ask_text_photo",
        want_text="ann.want_text_photo",
    )


async def enrol(db: Database, rules: CentreRules, account: Account) -> Person | None:
    """A configured admin who never joined, made a person named by their userid (None for
    anybody else: a stranger is told how to join)."""
    return await admin_commands.enrol(db, rules, account, account.external_id)


def takes(press: object) -> TypeGuard[ad.Press | an.Press]:
    """Whether the press is one answered here: an admin's, or an announcement's outside its
    flow."""
    return isinstance(press, ad.Press | an.Press)


async def command(
    db: Database,
    rules: CentreRules,
    account: Account,
    person: Person | None,
    grants: Sequence[RoleGrant],
    name: str,
    typed: str,
) -> Answer | None:
    """One of `COMMANDS` answered (None for any other)."""
    if name == "units":
        return await admin_commands.list_units(db, rules, account, grants)
    if name == "noinformant":
        return await admin_commands.no_informant(db, rules, account, grants)
    if name == "revoke":
        return await admin_commands.revoke_menu(db, rules, account, grants)
    if name == "correct":
        return await admin_commands.correct(db, rules, account, person, grants, typed)
    if name == "announced":
        return await admin_commands.announced(db, rules, account, typed)
    if name == "guide":
        return await admin_commands.guide(db, rules, account, person, grants)
    return None


async def pressed(
    db: Database,
    rules: CentreRules,
    account: Account,
    person: Person | None,
    grants: Sequence[RoleGrant],
    press: ad.Press | an.Press,
) -> Answer:
    """An admin's button (revoke, its ✅ 确认 / ✖️ 取消, a passed /invite choice), or an
    announcement's (查看发送情况, 刷新, a passed step's)."""
    if isinstance(press, an.Press):
        return await admin_commands.announce_press(db, rules, account, press)
    assert isinstance(press, ad.Press)
    return once(await admin_commands.admin_press(db, rules, account, person, grants, press))


def once(answer: Answer) -> Answer:
    """An answer as WeCom shows it: a note under the pressed message that is also said as a
    message of its own (Telegram edits the one and sends the other) settles the pressed card
    without a word, so the member reads it once."""
    replies = answer.replies
    kept = [
        Reply("", dict(r.params), how="clear")
        if r.how == "mark"
        and n + 1 < len(replies)
        and replies[n + 1].how == "say"
        and (replies[n + 1].key, replies[n + 1].params) == (r.key, r.params)
        else r
        for n, r in enumerate(replies)
    ]
    return Answer(kept, answer.queued, answer.menu)
