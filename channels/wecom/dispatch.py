"""WeCom's stored callbacks handled: each becomes what the core takes, its replies go out
through the outbox.

The callback server stores every callback before it answers (`channels.wecom.callback`); the
dispatcher claims the stored rows one at a time in arrival order and turns each into an
`Inbound` for the conversation engine or a call of a service:
- a text: "绑定 CODE" (or a code alone) joins by invite; a number answers the member's latest
  numbered menu (`WeComChannel.choice`); a command's word (「报送」 …) is that command, the words
  after it its argument; anything else is a typed answer;
- an image: fetched (media/get) and kept as bytes in the ledger, as the Telegram side keeps a
  photo, when a dialogue asks for files; the engine sees its key;
- a card click: the button's key is the press's data; the click's ResponseCode is kept
  (`answer`) so the card can be settled for everyone; an approval of a sign-off step is the
  service's, as on Telegram, and its card then shows "✅ 已同意（张伟）"; an editor's 登记采用
  offers the outlets and an outlet's press records the adoption, as Telegram's desk does.
A press, command or text the engine does not take, from a stranger or a member, is answered as
Telegram's fallback answers it (the other commands and editor actions outside dialogues are
not served on WeCom yet).

At most once, never lost: the replies are queued in the outbox (prepared text for the member's
WeCom account, buttons with them) in one transaction with the row marked handled and the
dialogue's session moved, so a crash before it replays the callback (the engine asks a step
already asked again, a service's compare-and-set refuses a second decision) and a crash after
it sends each reply once. A row whose handling keeps failing is given up after
`MAX_ATTEMPTS` claims, and the later rows wait for it until then, keeping each person's order.

Long because the actions outside dialogues that WeCom serves (joining, a sign-off's approval,
an adoption) are answered here beside the loop, until the channel-neutral commands replace them.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from channels.wecom.adapter import WECOM, WeComChannel, press_ref
from channels.wecom.render import card_text, phrase
from chat import actions
from chat.actions import editor as ed
from chat.actions import signoff as so
from chat.cards import Card, Phrase
from chat.commands import WECOM_COMMANDS
from chat.dialogue import Engine, Handled, Inbound, InviteLink, Ref, Reply, aside_channel
from chat.dialogue.session import FileIn
from chat.texts import Raw, Texts
from scoring.vocab import Role
from storage import outbox, sessions, wecom_inbox
from storage.db import Database, Tx
from storage.models import Account, Person, RoleGrant, Room
from storage.sessions import LedgerSessions
from workflow import attachments, centre, joining, reach, signoff
from workflow.dialogues import Dialogues
from workflow.outcomes import Refused
from workflow.rules import CentreRules

log = logging.getLogger(__name__)

#: The flows WeCom runs on the engine: Telegram's, but /announce (its limits and file
#: handling are still Telegram's).
FLOWS: Final = (
    "submit",
    "return",
    "withdraw",
    "web_return",
    "web_url",
    "visit",
    "edit",
    "adoption_day",
    "adoption_ref",
    "invite",
    "brief",
    "brief_return",
    *("campaign", "campaign_return", "campaign_selfcheck", "campaign_redate"),
    *("campaign_scoring", "campaign_settle", "campaign_upload"),
)
#: Claims of one row before it is given up (logged, marked so, and the next rows go on).
MAX_ATTEMPTS: Final = 5
#: Seconds between looks at the inbox when nothing woke the dispatcher.
IDLE_POLL: Final = 1.0
#: Seconds before a row whose handling failed is tried again.
RETRY_AFTER: Final = 2.0
#: What a photo a member sends is called in the ledger (WeCom gives images no name).
PHOTO_NAME: Final = "photo.jpg"
#: Parameters that say how a reply is drawn, not what it says.
DRAWING: Final = frozenset({"settle", "file"})
#: Who is unit staff that signs (the commands' help names /pending for them).
_AUTHORS: Final = frozenset({Role.INFORMANT, Role.SECTION_STAFF})


@dataclass(slots=True)
class _Out:
    """What handling one callback says back: outbox rows (payload, kind) in order, and the
    cards to settle once they are queued (the card's task id, how it now stands)."""

    rows: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    settle: list[tuple[str, Card]] = field(default_factory=list)
    deferred: list[tuple[int, str, Any]] = field(default_factory=list)
    event: Inbound | None = None

    def text(self, text: str, buttons: list[list[list[str]]] | None = None) -> None:
        """A plain text for the member (escaped: the outbox takes it as prepared text)."""
        payload: dict[str, Any] = {"text": html.escape(text, quote=False)}
        if buttons:
            payload["buttons"] = buttons
        self.rows.append((payload, "text"))


class Dispatcher:
    """Claims stored callbacks in order and handles each (see the module's docstring)."""

    def __init__(
        self,
        db: Database,
        rules: CentreRules,
        channel: WeComChannel,
        *,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.rules = rules
        self.channel = channel
        self.wake_courier = wake
        self.engine: Engine = Dialogues(db, rules).engine(LedgerSessions(db), flows=FLOWS)
        self._woken = asyncio.Event()
        self._stopping = False

    @property
    def texts(self) -> Texts:
        """The catalogue as WeCom shows it."""
        return self.channel.texts

    # -- the loop

    def wake(self) -> None:
        """A callback was stored: look at the inbox now."""
        self._woken.set()

    def stop(self) -> None:
        """Ends `run` after the row in hand."""
        self._stopping = True
        self._woken.set()

    async def run(self) -> None:
        """Handles stored callbacks until stopped, napping when none wait."""
        while not self._stopping:
            try:
                handled = await self.pass_once()
            except Exception:
                log.exception("WeCom: a stored callback failed; tried again shortly")
                handled, nap = 0, RETRY_AFTER
            else:
                nap = IDLE_POLL
            if handled == 0 and not self._stopping:
                self._woken.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), nap)

    async def pass_once(self) -> int:
        """Handles every stored callback waiting, oldest first; how many. A failure stops the
        pass (raised), so a person's later callbacks wait for the one before."""
        count = 0
        while not self._stopping:
            async with self.db.transaction() as tx:
                claimed = await wecom_inbox.claim(tx, limit=1)
            if not claimed:
                return count
            entry = claimed[0]
            if entry.attempts > MAX_ATTEMPTS:
                log.error("WeCom callback %s failed %d times: given up", entry.id, MAX_ATTEMPTS)
                async with self.db.transaction() as tx:
                    await wecom_inbox.mark_handled(tx, entry.id, "given_up")
                continue
            await self.handle(entry)
            count += 1
        return count

    # -- one callback

    async def handle(self, entry: wecom_inbox.Entry) -> None:
        """One stored callback: its effects, then its replies queued with the row marked
        handled (a row handled meanwhile keeps nothing of this run)."""
        received = entry.received
        out = _Out()
        outcome = await self._effects(entry, out)
        await self._finish(entry, received.from_user, out, outcome)

    async def _effects(self, entry: wecom_inbox.Entry, out: _Out) -> str:
        """What the callback does; its outcome's name."""
        received = entry.received
        userid = received.from_user
        account = Account(WECOM, userid)
        if received.msg_type == "text":
            text = received.content or ""
            code = joining.typed_code(text)
            if code is not None:
                await self._join(account, code, out)
                return "joined"
        person, grants = await joining.whoami(self.db, account)
        if person is None:
            out.text(self.texts("stranger"))
            return "stranger"
        if await reach.offer_to(self.db, self.rules, account):  # steps waiting for them
            self.wake_courier()
        event = await self._inbound(entry, person, out)
        if event is None:
            return "ignored"
        handled = await self.engine.handle(event)
        self._replies(handled.replies, out)
        if handled.taken:
            out.event = event
            out.deferred.extend(handled.deferred)
            handled.deferred.clear()
            return "dialogue"
        if isinstance(event.press, so.Signoff) and event.press.decision == "a":
            await self._approve(person, event, out)
            return "signoff"
        if isinstance(event.press, ed.Outlet) or (
            isinstance(event.press, ed.ItemAction) and event.press.verb == "adopt"
        ):
            await self._adopt(person, event.press, out)
            return "adoption"
        if event.press is not None:
            minutes = self.engine.minutes
            key = "confirm_stale" if isinstance(event.press, so.ConfirmReturn) else "not_allowed"
            self._refusal(Refused(key, minutes=minutes), out)
            return "refused"
        self._fallback(event, grants, out)
        return "fallback"

    async def _inbound(self, entry: wecom_inbox.Entry, person: Person, out: _Out) -> Inbound | None:
        """The callback as the engine reads it (None: nothing to answer)."""
        received = entry.received
        event_id = f"wecom:{entry.id}"
        if received.msg_type == "text":
            text = received.content or ""
            data = await self.channel.choice(received.from_user, text)
            if data is not None:  # a number answering the member's latest menu
                press = actions.decode(data)
                return None if press is None else Inbound(person.id, WECOM, event_id, press=press)
            word, _, argument = text.strip().partition(" ")
            command = WECOM_COMMANDS.command(word)
            if command is not None:
                return Inbound(person.id, WECOM, event_id, command=command, argument=argument)
            return Inbound(person.id, WECOM, event_id, text=text)
        if received.msg_type == "image" and received.media_id:
            file = await self._photo(person, received.media_id)
            return Inbound(person.id, WECOM, event_id, file=file)
        if received.msg_type == "event" and received.event == "template_card_event":
            if not (received.task_id and received.response_code and received.event_key):
                return None
            click = press_ref(received.from_user, received.task_id, received.response_code)
            await self.channel.answer(click)  # keeps the click's code to settle the card with
            press = actions.decode(received.event_key)
            if press is None:
                self._refusal(Refused("forged"), out)
                return None
            origin = {"task": received.task_id}
            return Inbound(person.id, WECOM, event_id, press=press, origin=origin)
        if received.msg_type == "event" and received.event == "click" and received.event_key:
            command = WECOM_COMMANDS.command(received.event_key) or (
                received.event_key if received.event_key in WECOM_COMMANDS.names else None
            )
            if command is not None:  # the app's menu: a command by its word or id
                return Inbound(person.id, WECOM, event_id, command=command)
        return None

    async def _photo(self, person: Person, media_id: str) -> FileIn | None:
        """A photo sent while a dialogue kept aside asks for files, fetched and kept as bytes;
        None when nothing asks for one (it is not fetched)."""
        asking = False
        for flow in self.engine.flows.values():
            if flow.aside and await self.engine.store.load(
                person.id, aside_channel(WECOM, flow.name)
            ):
                asking = True
        if not asking:
            return None
        data = await self.channel.download(media_id)
        key = await attachments.receive(
            self.db,
            data=data,
            name=PHOTO_NAME,
            mime_type="image/jpeg",
            channel=WECOM,
            remote_id=media_id,
            actor_id=person.id,
        )
        return FileIn(key, None, "image/jpeg", len(data), kind="photo")

    async def _join(self, account: Account, code: str, out: _Out) -> None:
        """Binds the member to an invite's unit and role, welcomes them, and offers the steps
        waiting for their new role."""
        name = account.external_id
        try:
            joined = await joining.redeem(
                self.db, code, account=account, name=name, username=account.external_id
            )
        except Refused as refused:
            again = await joining.redeemed_by(self.db, code, account)
            if again is None:  # not this member's own join handled again after a crash
                self._refusal(refused, out)
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
                help=Raw(self._help(grants)),
            )
        )
        if await reach.offer_to(self.db, self.rules, account):
            self.wake_courier()

    def _help(self, grants: list[RoleGrant]) -> str:
        """What a member can do on WeCom today: submit (authors), cancel, help."""
        texts = self.texts
        lines = [texts("help.head")]
        if {grant.role for grant in grants} & _AUTHORS:
            lines.append(texts("help.submit"))
        lines += [texts("help.cancel"), texts("help.help")]
        return "\n".join(lines)

    async def _approve(self, person: Person, event: Inbound, out: _Out) -> None:
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
            self._refusal(refused, out)
            return
        done = {
            signoff.Result.NEXT_STEP: "signoff.done_next",
            signoff.Result.AT_CENTRE: "signoff.done_centre",
        }[decided.result]
        out.text(self.texts(done))
        self._settle(event.origin, Phrase("signoff.approved", {"by": person.name}), out)
        self.wake_courier()

    async def _adopt(self, person: Person, press: ed.ItemAction | ed.Outlet, out: _Out) -> None:
        """An editor's 登记采用, as Telegram's desk does it: the outlets offered (a card, or
        numbered replies past six), then the outlet's press records the adoption (the service
        re-checks the editor and the item) and offers its follow-ups (date, reference, withdraw)."""
        texts, rules = self.texts, self.rules
        today = rules.local_now(self.db.clock()).date()
        names = list(rules.outlets)
        try:
            if isinstance(press, ed.ItemAction):
                await centre.adoptable(self.db, person, press.item_id)
                offered = [
                    [
                        [
                            texts(
                                "centre.outlet_button",
                                name=o.name,
                                level=o.level,
                                points=rules.policy.points_for_level(o.level),
                            ),
                            ed.encode(ed.Outlet(press.item_id, n)),
                        ]
                    ]
                    for n, o in enumerate(rules.outlets.values())
                ]
                ask = texts("centre.choose_outlet", item=press.item_id, today=today.isoformat())
                out.text(ask, offered)
                return
            if not 0 <= press.index < len(names):
                raise Refused("forged")
            adopted = await centre.adopt(
                self.db,
                rules,
                person,
                press.item_id,
                outlet_name=names[press.index],
                adopted_on=today,
            )
        except Refused as refused:
            self._refusal(refused, out)
            return
        a = adopted.adoption
        follow: tuple[tuple[tuple[str, ed.AdoptionVerb], ...], ...] = (
            (("btn.adoption_day", "day"), ("btn.adoption_ref", "ref")),
            (("btn.withdraw", "wd"),),
        )
        out.text(
            texts(
                "centre.adopted",
                outlet=a.outlet,
                item=press.item_id,
                level=a.level,
                points=a.points,
                total=adopted.item_points,
            ),
            [
                [[texts(label), ed.encode(ed.AdoptionAction(verb, a.id))] for label, verb in row]
                for row in follow
            ],
        )
        self.wake_courier()  # the author's notice, queued by the service

    def _fallback(self, event: Inbound, grants: list[RoleGrant], out: _Out) -> None:
        """What no dialogue took: help for 「帮助」, else what Telegram's fallback says."""
        texts = self.texts
        if event.command == "help":
            out.text(self._help(grants))
            return
        if event.command is not None:
            lines = [texts("stray.command", command=WECOM_COMMANDS.word(event.command))]
        else:
            lines = [texts("stray.text")]
        lines.append(self._help(grants))
        out.text("\n".join(lines))

    # -- replies

    def _refusal(self, refused: Refused, out: _Out) -> None:
        """Why a request was refused, as Telegram explains it (in WeCom's wording)."""
        texts = self.texts
        key = f"refused.{refused.key}"
        params = dict(refused.params)
        if params.get("role"):
            params["role"] = texts.role(str(params["role"]))
        out.text(texts(key, **params) if texts.has(key) else texts("refused.not_allowed"))

    def _settle(self, origin: Mapping[str, Any] | None, note: Phrase | None, out: _Out) -> None:
        """The clicked card's buttons give way to a note (or "已处理"), once it is queued."""
        task = (origin or {}).get("task")
        if task:
            out.settle.append((str(task), Card("", {}, "", notes=(note,) if note else ())))

    def _rendered(self, value: Any) -> Any:
        """One parameter as the text shows it: catalogue references, nested replies, phrases
        and cards rendered, a tuple its parts joined, an invite code as what to send."""
        texts = self.texts
        if isinstance(value, Ref):
            return Raw(texts(value.key))
        if isinstance(value, Reply):
            return Raw(self._text(value))
        if isinstance(value, Phrase):
            return phrase(texts, value)
        if isinstance(value, Card):
            return card_text(texts, value)
        if isinstance(value, tuple):
            return Raw("、".join(str(self._rendered(part)) for part in value))
        if isinstance(value, InviteLink):
            return f"{joining.BIND_WORD} {value.code}"
        return value

    def _text(self, reply: Reply) -> str:
        """A reply's text, its `also` parts on lines of their own (one with no key: empty)."""
        return "\n".join(
            self.texts(
                part.key,
                **{k: self._rendered(v) for k, v in part.params.items() if k not in DRAWING},
            )
            if part.key
            else ""
            for part in (reply, *reply.also)
        )

    def _buttons(self, reply: Reply) -> list[list[list[str]]]:
        """A reply's buttons as the outbox keeps them: each label as shown, its press's data."""
        texts = self.texts
        return [
            [
                [
                    texts(b.label, **{k: self._rendered(v) for k, v in b.params.items()})
                    if texts.has(b.label)
                    else b.label,
                    actions.encode(b.press),
                ]
                for b in row
            ]
            for row in reply.buttons
        ]

    def _replies(self, replies: list[Reply], out: _Out) -> None:
        """The engine's replies as WeCom messages: WeCom has no toast, alert or edit, so each
        is a message of its own; a note under a pressed card also settles it, and "clear"
        settles it without a word."""
        for reply in replies:
            if reply.key.startswith("refused."):
                refused = Refused(reply.key.removeprefix("refused."), **reply.params)
                self._refusal(refused, out)
                continue
            origin = reply.params.get("origin")
            if reply.how == "clear":
                self._settle(origin, None, out)
                continue
            file = reply.params.get("file")
            if file:
                caption = str(file.get("caption") or "") or None
                payload = {"file": str(file["key"]), "caption": caption, "plain_caption": True}
                out.rows.append((payload, "photo" if file.get("kind") == "photo" else "document"))
            text = self._text(reply)
            out.text(text, self._buttons(reply) or None)
            if reply.how == "mark":
                self._settle(origin, None, out)
            settle = reply.params.get("settle")
            if isinstance(settle, Mapping):
                self._settle(settle, None, out)

    async def _finish(self, entry: wecom_inbox.Entry, userid: str, out: _Out, outcome: str) -> None:
        """Queues the replies, moves the sessions the engine left for after them, and marks
        the row handled, in one transaction; then settles clicked cards and wakes the courier."""
        address = Room(WECOM, userid)  # the account written from, whoever uses it

        async def queue(tx: Tx) -> bool:
            """The transaction's work; False when the row was handled meanwhile."""
            if not await wecom_inbox.mark_handled(tx, entry.id, outcome):
                return False
            for n, (payload, kind) in enumerate(out.rows):
                await outbox.enqueue(tx, f"wecom:reply:{entry.id}:{n}", address, payload, kind=kind)
            for person_id, channel, session in out.deferred:
                await sessions.save(tx, person_id, channel, session)
            return True

        async with self.db.transaction() as tx:
            fresh = await queue(tx)
            if not fresh:
                raise _HandledMeanwhile(entry.id)
        if out.event is not None:  # its deferred sessions are written: ends a receipt left
            await self.engine.delivered(out.event, Handled())
        for task_id, card in out.settle:
            sent = await self.channel.sent_of(task_id)
            if sent is not None:
                try:
                    await self.channel.settle(sent, card)
                except Exception:  # the card keeps its buttons; a second press is refused
                    log.warning("WeCom: card %s could not be settled", task_id, exc_info=True)
        if out.rows:
            self.wake_courier()


class _HandledMeanwhile(Exception):
    """Another dispatcher marked the row handled first: this run's replies are dropped."""
