"""WeCom's stored callbacks handled: each becomes what the core takes, its replies go out
through the outbox.

The callback server stores every callback before it answers (`channels.wecom.callback`); the
dispatcher claims the stored rows one at a time in arrival order and turns each into an
`Inbound` for the conversation engine or a call of a service:
- a text: "绑定 CODE" (or a code alone) joins by invite; a number answers the member's latest
  numbered menu (`WeComChannel.choice`); a command's word (「报送」 …) is that command, the words
  after it its argument; anything else is a typed answer;
- an image: fetched (media/get) and kept as bytes in the ledger, as the Telegram side keeps a
  photo, when a dialogue asks for files (a campaign's evidence too); the engine sees its key;
- the survey's word (「测评 <token>」), its card and the comment after it are the survey's,
  a stranger's too (`channels.wecom.campaigns`);
- a card click: the button's key is the press's data; the click's ResponseCode is kept
  (`answer`) so the card can be settled for everyone.
What the engine does not take (joining, a sign-off's approval, an adoption, the commands and
presses outside dialogues, a stray text) is answered by `channels.wecom.commands`, as
Telegram answers it.

At most once, never lost: the replies are queued in the outbox (prepared text for the member's
WeCom account, buttons with them) in one transaction with the row marked handled and the
dialogue's session moved, so a crash before it replays the callback (the engine asks a step
already asked again, a service's compare-and-set refuses a second decision) and a crash after
it sends each reply once. A row whose handling keeps failing is given up after
`MAX_ATTEMPTS` claims, and the later rows wait for it until then, keeping each person's order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Final

from channels.wecom import admin
from channels.wecom import campaigns as wecom_campaigns
from channels.wecom.adapter import WECOM, WeComChannel, press_ref
from channels.wecom.commands import BulletinParts, Commands, Out
from chat import actions
from chat.commands import WECOM_COMMANDS
from chat.dialogue import Engine, Handled, Inbound, aside_channel
from chat.dialogue.session import FileIn
from chat.texts import Texts
from storage import outbox, sessions, wecom_inbox
from storage.db import Database, Tx
from storage.models import Account, Person, Room
from storage.sessions import LedgerSessions
from workflow import attachments, joining, reach
from workflow.briefs import Render
from workflow.dialogues import FLOWS as ALL_FLOWS
from workflow.dialogues import Dialogues
from workflow.outcomes import Refused
from workflow.rules import CentreRules

log = logging.getLogger(__name__)

#: The flows WeCom runs on the engine: every one (/announce with WeCom's limits: `admin`).
FLOWS: Final = tuple(ALL_FLOWS)
#: Claims of one row before it is given up (logged, marked so, and the next rows go on).
MAX_ATTEMPTS: Final = 5
#: Seconds between looks at the inbox when nothing woke the dispatcher.
IDLE_POLL: Final = 1.0
#: Seconds before a row whose handling failed is tried again.
RETRY_AFTER: Final = 2.0
#: What a photo a member sends is called in the ledger (WeCom gives images no name).
PHOTO_NAME: Final = "photo.jpg"


class Dispatcher:
    """Claims stored callbacks in order and handles each (see the module's docstring)."""

    def __init__(
        self,
        db: Database,
        rules: CentreRules,
        channel: WeComChannel,
        *,
        wake: Callable[[], None] = lambda: None,
        bulletin_parts: BulletinParts | None = None,
        bulletin_document: bool = True,
        render_issue: Render | None = None,
    ) -> None:
        self.db = db
        self.channel = channel
        self.wake_courier = wake
        self.engine: Engine = Dialogues(db, rules).engine(
            LedgerSessions(db),
            flows=FLOWS,
            announcing=admin.announcing(db, channel.texts, channel.capabilities),
            render_issue=render_issue,
        )
        self.survey = wecom_campaigns.Survey(db, rules)
        self.commands = Commands(
            db,
            rules,
            channel.texts,
            minutes=self.engine.minutes,
            bulletin_parts=bulletin_parts,
            bulletin_document=bulletin_document,
            render_issue=render_issue,
        )
        self._woken = asyncio.Event()
        self._stopping = False

    @property
    def rules(self) -> CentreRules:
        """The centre's rules, which the commands answer by too."""
        return self.commands.rules

    @rules.setter
    def rules(self, rules: CentreRules) -> None:
        """New rules for the dispatcher and its commands alike."""
        self.commands.rules = rules
        self.survey.rules = rules

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
        out = Out()
        outcome = await self._effects(entry, out)
        await self._finish(entry, received.from_user, out, outcome)

    async def _effects(self, entry: wecom_inbox.Entry, out: Out) -> str:
        """What the callback does; its outcome's name."""
        received = entry.received
        userid = received.from_user
        account = Account(WECOM, userid)
        if received.msg_type == "text":
            text = received.content or ""
            code = joining.typed_code(text)
            if code is not None:
                await self.commands.join(account, code, out)
                return "joined"
        person, grants = await joining.whoami(self.db, account)
        if person is None:  # a configured admin who never joined is made a person
            person = await admin.enrol(self.db, self.rules, account)
        surveyed = await self.survey.received(self.channel, received, stranger=person is None)
        if surveyed is not None:  # 「测评 <token>」, the survey's card, a stranger's comment
            self.commands.speaker.replies(surveyed[0], out, surveyed[1])
            return "survey"
        if person is None:
            out.text(self.texts("stranger"))
            return "stranger"
        if await reach.offer_to(self.db, self.rules, account):  # steps waiting for them
            self.wake_courier()
        event = await self._inbound(entry, person, out)
        if event is None:
            return "ignored"
        if (unserved := wecom_campaigns.unserved(event.press)) is not None:
            await self.commands.send(unserved, out, event.origin)
            return "unserved"
        handled = await self.engine.handle(event)
        self.commands.speaker.replies(wecom_campaigns.for_wecom(handled.replies), out)
        if handled.taken:
            out.event = event
            out.deferred.extend(handled.deferred)
            handled.deferred.clear()
            return "dialogue"
        if event.text is not None and (said := await self.survey.typed(account, event.text)):
            self.commands.speaker.replies(said, out)  # the survey's comment
            return "survey"
        return await self.commands.outside(account, person, grants, event, out)

    async def _inbound(self, entry: wecom_inbox.Entry, person: Person, out: Out) -> Inbound | None:
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
                self.commands.speaker.refusal(Refused("forged"), out)
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
        session = await self.engine.store.load(person.id, WECOM)  # evidence taken as photos
        asking = session is not None and session.flow in wecom_campaigns.FILE_FLOWS
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

    async def _finish(self, entry: wecom_inbox.Entry, userid: str, out: Out, outcome: str) -> None:
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
        if out.rows or out.queued:
            self.wake_courier()


class _HandledMeanwhile(Exception):
    """Another dispatcher marked the row handled first: this run's replies are dropped."""
