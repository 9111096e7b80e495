"""What a WeCom member's command or press outside a dialogue gets, and how every reply is
worded for WeCom's outbox.

The dispatcher (`channels.wecom.dispatch`) hands over what the conversation engine did not
take; here it is answered as Telegram answers it, by the same services and the same
channel-neutral commands (`workflow.commands`):
- "绑定 CODE" joins by invite; a sign-off card's 同意 is the sign-off service's (the card then
  shows "✅ 已同意（张伟）" for everyone); 「待处理」 and an editor's buttons are the desk's
  (`channels.wecom.desk`), as Telegram's desk answers them;
- a command's word (「我的信息」「本单位」「排名」「通报」「查看」「查找」「待审签」「写作任务」
  「任务列表」「帮助」「简报」「网站信息」「考核」「接收通知」) is that neutral command, the words after it its
  argument; an item's 📄 全文 and 撤回, a task's buttons, an issue's, website news' and a
  campaign's presses are the neutral presses (`publishing`, `campaigns`);
- a stray text, or a command WeCom does not serve yet, gets the neutral hint; a press nobody
  takes is refused as on Telegram.

Every reply becomes an outbox row for the member's account: texts as prepared text (escaped,
plain once the adapter reads it), buttons kept with them (a card, or numbered replies past
six), a stored file as an upload, a month's bulletin as its parts (prepared Telegram HTML the
adapter makes plain). What a member may do on WeCom (their help) is what their roles allow
less the commands WeCom does not serve yet.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from channels.wecom import admin, desk, publishing
from channels.wecom import campaigns as wecom_campaigns
from channels.wecom.adapter import WECOM
from channels.wecom.render import card_text, phrase
from chat import actions
from chat.actions import item as it
from chat.actions import notify as nt
from chat.actions import signoff as so
from chat.actions import tasks as tk
from chat.cards import Card, Phrase
from chat.commands import WECOM_COMMANDS
from chat.dialogue import Inbound, InviteLink, Ref, Reply, aside_channel, held_channel
from chat.texts import Raw, Texts
from storage import files
from storage.db import Database
from storage.models import Account, Person, RoleGrant
from storage.sessions import LedgerSessions
from workflow import joining, reach, signoff
from workflow.briefs import Render
from workflow.commands import Answer, hints, lookup, notify
from workflow.commands import start as starting
from workflow.commands import tasks as task_commands
from workflow.figures import MonthReport
from workflow.outcomes import Refused
from workflow.rules import CentreRules

log = logging.getLogger(__name__)

#: Parameters that say how a reply is drawn, not what it says.
DRAWING: Final = frozenset({"settle", "file", "split"})
#: The commands whose flows WeCom's engine runs (the other flows start from presses).
DIALOGUE_COMMANDS: Final = frozenset({"submit", "visit", "brief", "campaign", "invite", "announce"})
#: The neutral commands WeCom answers here (the bulletin only when its wording is handed in).
NEUTRAL_COMMANDS: Final = frozenset(
    {"start", "help", "cancel", "my", "unit", "rank", "item", "find", "pending", "task", "tasks"}
    | {"queue"}
    | publishing.COMMANDS
    | {"campaigns", "notify", "link"}
)

#: A month's bulletin in message-sized parts of prepared Telegram HTML (report, reader's unit).
BulletinParts = Callable[[MonthReport, int | None], list[str]]


@dataclass(slots=True)
class Out:
    """What handling one callback says back: outbox rows (payload, kind) in order, the
    cards to settle once they are queued (the card's task id, how it now stands), the
    sessions the engine left for after them, and the engine's event (its receipt to end)."""

    rows: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    settle: list[tuple[str, Card]] = field(default_factory=list)
    deferred: list[tuple[int, str, Any]] = field(default_factory=list)
    event: Inbound | None = None
    queued: bool = False

    def text(self, text: str, buttons: list[list[list[str]]] | None = None) -> None:
        """A plain text for the member (escaped: the outbox takes it as prepared text)."""
        self.prepared(html.escape(text, quote=False), buttons)

    def prepared(self, text: str, buttons: list[list[list[str]]] | None = None) -> None:
        """A text already in the outbox's prepared form (Telegram HTML, made plain on send)."""
        payload: dict[str, Any] = {"text": text}
        if buttons:
            payload["buttons"] = buttons
        self.rows.append((payload, "text"))

    def file(self, kind: str, key: str, caption: str | None = None) -> None:
        """A stored file, uploaded when it is sent (a photo as an image, else a file)."""
        payload = {"file": key, "caption": caption, "plain_caption": True}
        self.rows.append((payload, "photo" if kind == "photo" else "document"))


class Speaker:
    """Replies worded for WeCom: WeCom has no toast, alert or edit, so each reply is a
    message of its own; a note under a pressed card also settles that card."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts

    def refusal(self, refused: Refused, out: Out) -> None:
        """Why a request was refused, as Telegram explains it (in WeCom's wording)."""
        texts = self.texts
        key = f"refused.{refused.key}"
        params = dict(refused.params)
        if params.get("role"):
            params["role"] = texts.role(str(params["role"]))
        out.text(texts(key, **params) if texts.has(key) else texts("refused.not_allowed"))

    def settle(self, origin: Mapping[str, Any] | None, note: Phrase | None, out: Out) -> None:
        """The clicked card's buttons give way to a note (or "已处理"), once it is queued."""
        task = (origin or {}).get("task")
        if task:
            out.settle.append((str(task), Card("", {}, "", notes=(note,) if note else ())))

    def rendered(self, value: Any) -> Any:
        """One parameter as the text shows it: catalogue references, nested replies, phrases
        and cards rendered, a tuple its parts joined, an invite code as what to send."""
        texts = self.texts
        if isinstance(value, Ref):
            return Raw(texts(value.key))
        if isinstance(value, Reply):
            return Raw(self.text(value))
        if isinstance(value, Phrase):
            return phrase(texts, value)
        if isinstance(value, Card):
            return card_text(texts, value)
        if isinstance(value, tuple):
            return Raw("、".join(str(self.rendered(part)) for part in value))
        if isinstance(value, InviteLink):
            return f"{joining.BIND_WORD} {value.code}"
        return value

    def text(self, reply: Reply) -> str:
        """A reply's text, its `also` parts on lines of their own (one with no key: empty)."""
        return "\n".join(
            self.texts(
                part.key,
                **{k: self.rendered(v) for k, v in part.params.items() if k not in DRAWING},
            )
            if part.key
            else ""
            for part in (reply, *reply.also)
        )

    def buttons(self, reply: Reply) -> list[list[list[str]]]:
        """A reply's buttons as the outbox keeps them: each label as shown, its press's data."""
        texts = self.texts
        return [
            [
                [
                    texts(b.label, **{k: self.rendered(v) for k, v in b.params.items()})
                    if texts.has(b.label)
                    else b.label,
                    actions.encode(b.press),
                ]
                for b in row
            ]
            for row in reply.buttons
        ]

    def replies(
        self, replies: list[Reply], out: Out, origin: Mapping[str, Any] | None = None
    ) -> None:
        """The engine's (or a command's) replies as WeCom messages; "clear" settles the pressed
        card without a word, "mark" settles it under its text. `origin` is the pressed card,
        for a reply that names none."""
        for reply in replies:
            if reply.key.startswith("refused."):
                refused = Refused(reply.key.removeprefix("refused."), **reply.params)
                self.refusal(refused, out)
                continue
            pressed = reply.params.get("origin") or origin
            if reply.how == "clear":
                self.settle(pressed, None, out)
                continue
            file = reply.params.get("file")
            if file:
                caption = str(file.get("caption") or "") or None
                out.file(str(file.get("kind")), str(file["key"]), caption)
            text = self.text(reply)
            out.text(text, self.buttons(reply) or None)
            if reply.how == "mark":
                self.settle(pressed, None, out)
            settle = reply.params.get("settle")
            if isinstance(settle, Mapping):
                self.settle(settle, None, out)


class Commands:
    """Answers what the engine did not take (see the module's docstring)."""

    def __init__(
        self,
        db: Database,
        rules: CentreRules,
        texts: Texts,
        *,
        minutes: int,
        bulletin_parts: BulletinParts | None = None,
        bulletin_document: bool = True,
        render_issue: Render | None = None,
    ) -> None:
        self.db = db
        self.render_issue = render_issue
        self.minutes = minutes
        self.rules = rules
        self.speaker = Speaker(texts)
        self.bulletin_parts = bulletin_parts
        self.bulletin_document = bulletin_document

    @property
    def texts(self) -> Texts:
        """The catalogue as WeCom shows it."""
        return self.speaker.texts

    @property
    def served(self) -> Collection[str]:
        """The command ids WeCom answers, by a dialogue or here."""
        neutral = NEUTRAL_COMMANDS | ({"bulletin"} if self.bulletin_parts else set())
        return DIALOGUE_COMMANDS | neutral | admin.COMMANDS

    # -- joining, signing

    async def join(self, account: Account, code: str, out: Out) -> None:
        """Binds the member to an invite's unit and role, welcomes them, and offers the steps
        waiting for their new role; a link code makes this account the asker's instead."""
        if await joining.is_link(self.db, code):
            await self.send(await notify.linked(self.db, code, account), out)
            return
        name = account.external_id
        try:
            joined = await joining.redeem(
                self.db, code, account=account, name=name, username=account.external_id
            )
        except Refused as refused:
            again = await joining.redeemed_by(self.db, code, account)
            if again is None:  # not this member's own join handled again after a crash
                self.speaker.refusal(refused, out)
                return
            joined = again
        _, grants = await joining.whoami(self.db, account)
        texts = self.texts
        key = "welcome" if joined.unit else "welcome_centre"
        out.text(
            texts(
                key,
                name=joined.person.name,
                unit=joined.unit.name if joined.unit else "",
                role=texts.role(joined.grant.role),
                help=Raw(await self.help_text(account, grants)),
            )
        )
        if await reach.offer_to(self.db, self.rules, account):
            out.queued = True

    async def help_text(self, account: Account, grants: list[RoleGrant]) -> str:
        """What the member may do on WeCom, as the welcome lists it."""
        names = await starting.listed(self.db, self.rules, account, grants)
        [listed] = self._served_only(Answer([starting.help_reply(names)])).replies
        return self.speaker.text(listed)

    async def approve(self, person: Person, event: Inbound, out: Out) -> None:
        """A sign-off step approved by a card's button: the service records it (once), the
        clicker is told, and the card shows the decision for everyone who got it."""
        press = event.press
        assert isinstance(press, so.Signoff)
        try:
            decided = await signoff.decide(
                self.db,
                self.rules,
                person,
                item_id=press.item_id,
                round_=press.round,
                step=press.step,
                approve=True,
            )
        except Refused as refused:
            self.speaker.refusal(refused, out)
            return
        done = {
            signoff.Result.NEXT_STEP: "signoff.done_next",
            signoff.Result.AT_CENTRE: "signoff.done_centre",
        }[decided.result]
        out.text(self.texts(done))
        self.speaker.settle(event.origin, Phrase("signoff.approved", {"by": person.name}), out)
        out.queued = True

    # -- outside dialogues

    async def outside(
        self, account: Account, person: Person, grants: list[RoleGrant], event: Inbound, out: Out
    ) -> str:
        """A command, press or text no dialogue took, answered; its outcome's name."""
        press = event.press
        if isinstance(press, so.Signoff) and press.decision == "a":
            await self.approve(person, event, out)
            return "signoff"
        if desk.takes(press):
            await self.send(await desk.press(self.db, self.rules, person, press), out, event.origin)
            return "desk"
        if isinstance(press, nt.NoticesTo):
            await self.send(await notify.press(self.db, person, press), out, event.origin)
            return "command"
        if isinstance(press, it.FullText | it.Withdraw | tk.TaskAction | tk.TaskLink):
            await self.send(await self._pressed(person, press, event.origin), out, event.origin)
            return "command"
        if admin.takes(press):
            given = await admin.pressed(self.db, self.rules, account, person, grants, press)
            await self.send(given, out, event.origin)
            return "command"
        if press is not None and (answer := await self._published(person, press)) is not None:
            await self.send(answer, out, event.origin)
            return "command"
        if press is not None:
            # one of ours no step or service took: its step or message has passed (as Telegram)
            key = "confirm_stale" if isinstance(press, so.ConfirmReturn) else "button_stale"
            self.speaker.refusal(Refused(key, minutes=self.minutes), out)
            return "refused"
        command = event.command
        if command == "cancel":
            out.text(self.texts(await self._cancel(person)))
            return "command"
        if command is not None and command in self.served:
            answer = await self._command(account, person, grants, command, event.argument)
            if answer is not None:
                await self.send(answer, out)
                return "command"
        word = WECOM_COMMANDS.word(command) if command is not None else None
        await self.send(
            self._served_only(await hints.stray(self.db, self.rules, account, command=word)), out
        )
        return "fallback"

    async def _cancel(self, person: Person) -> str:
        """「取消」 no step answered, as Telegram's /cancel: a /submit or /announce kept aside
        forgets its draft (that alone), else the engine's dialogue and its held step end; what
        to say."""
        store = LedgerSessions(self.db)
        for flow, said in (("submit", "submit.cancelled"), ("announce", "ann.cancelled")):
            if await store.load(person.id, aside_channel(WECOM, flow)) is not None:
                await store.write(person.id, aside_channel(WECOM, flow), None)
                return said
        ended = False
        for channel in (WECOM, held_channel(WECOM)):
            if await store.load(person.id, channel) is not None:
                await store.write(person.id, channel, None)
                ended = True
        return "cancelled" if ended else "nothing_to_cancel"

    async def _pressed(
        self,
        person: Person,
        press: it.Press | tk.Press,
        origin: Mapping[str, Any] | None,
    ) -> Answer:
        """An item's 📄 全文 or 撤回, or a task's button, as the neutral commands answer it."""
        db, rules = self.db, self.rules
        if isinstance(press, it.Withdraw):
            return await lookup.withdraw(db, person, press)
        if isinstance(press, it.FullText):
            return await lookup.full_text(db, rules, person, press.item_id)
        return await task_commands.press(db, person, press, origin)

    async def _command(
        self,
        account: Account,
        person: Person,
        grants: list[RoleGrant],
        command: str,
        typed: str,
    ) -> Answer | None:
        """A neutral command's answer (None: a dialogue's command its flow did not start)."""
        db, rules = self.db, self.rules
        if command in admin.COMMANDS:
            return await admin.command(db, rules, account, person, grants, command, typed)
        if command in ("help", "start"):
            return self._served_only(await starting.help_for(db, rules, account))
        if command == "my":
            return await lookup.my_items(db, person)
        if command == "unit":
            return await lookup.my_unit(db, rules, person)
        if command == "rank":
            return await lookup.ranking(db, rules, person)
        if command == "bulletin":
            with_document = self.bulletin_document
            return await lookup.bulletin(
                db, rules, person, grants, typed.strip(), with_document=with_document
            )
        if command == "item":
            return await lookup.show_item(db, rules, person, typed)
        if command == "find":
            return await lookup.find(db, person, typed)
        if command == "pending":
            return await lookup.pending(db, rules, person)
        if command == "task":
            return await task_commands.open_task(db, rules, person, typed)
        if command == "tasks":
            return await task_commands.list_tasks(db, person, grants)
        if command == "queue":
            return await desk.queue(db, rules, person, typed)
        if command == "notify":
            return await notify.ask(db, person)
        if command == "link":
            return await notify.link_code(db, rules, person)
        return await publishing.command(
            db, rules, person, grants, command, typed
        ) or await wecom_campaigns.command(db, rules, person, command)

    async def _published(self, person: Person, press: object) -> Answer | None:
        """An issue's, website news' or campaign's press (`publishing`, `campaigns`)."""
        db, rules, language = self.db, self.rules, self.texts.language
        render = self.render_issue
        return await publishing.press(
            db, rules, person, press, render=render, language=language
        ) or await wecom_campaigns.press(db, rules, person, press)

    def _served_only(self, answer: Answer) -> Answer:
        """A help (or a hint) listing only the commands WeCom serves: the lines of the others
        left out."""
        dropped = {key for name, key in starting.HELP_KEYS.items() if name not in self.served}
        replies = [
            Reply(
                r.key,
                r.params,
                r.buttons,
                also=tuple(a for a in r.also if a.key not in dropped),
                how=r.how,
            )
            for r in answer.replies
        ]
        return Answer(replies, answer.queued, answer.menu)

    async def send(self, answer: Answer, out: Out, origin: Mapping[str, Any] | None = None) -> None:
        """A neutral answer queued in order: replies as the engine's, a stored file uploaded
        (nothing when the ledger has nothing WeCom can send for it), a month's bulletin as its
        parts; the courier is woken when the services queued something too."""
        said: list[Reply] = []
        for reply in answer.replies:
            if reply.how not in ("file", "bulletin"):
                said.append(reply)
                continue
            self.speaker.replies(said, out, origin)
            said = []
            if reply.how == "bulletin":
                parts = self.bulletin_parts
                if parts is not None:
                    for part in parts(reply.params["report"], reply.params["mine"]):
                        out.prepared(part)
                continue
            kind, key = str(reply.params["file"]["kind"]), str(reply.params["file"]["key"])
            if await self._sendable(key):
                out.file(kind, key)
        self.speaker.replies(said, out, origin)
        out.queued = out.queued or answer.queued

    async def _sendable(self, key: str) -> bool:
        """Whether WeCom can be sent the stored file: its bytes are kept, or WeCom's id."""
        async with self.db.reading() as tx:
            stored = await files.get(tx, key)
            if stored is None:
                return False
            return bool(stored.data) or await files.remote_id(tx, key, WECOM) is not None
