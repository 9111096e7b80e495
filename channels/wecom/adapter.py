"""WeCom as a channel: `WeComClient` behind the adapter protocol of `chat/channel.py`.

An address is a member's userid. A message becomes WeCom messages (`channels.wecom.render`):
text within 2,048 bytes, and buttons as a `button_interaction` template card with a task_id of
its own, or numbered replies when there are more than six. Each card and numbered menu is kept
(`storage.wecom_cards`) so a click's ResponseCode can settle the card for everyone, and a reply
"3" reads back as the third choice. Stored files are uploaded at send time (WeCom keeps a media
id three days; one upload serves the sends of the next hours) and their caption goes as a text
before them, since WeCom files carry none. A row tried again goes with `enable_duplicate_check`,
so a part of it that arrived before is not shown twice; a first try goes without it, since WeCom
would swallow a text the member was shown in the last half hour (a question asked again).

Pacing: WeCom drops messages beyond 30 a member a minute and 1,000 an hour without an error,
and answers 45009 to the corp's `message/send` calls beyond 10,000 a minute (45009 waits a
minute in the outbox). Every message is booked on a `Pacer`, per member and for the corp; the
outbox asks `not_before` before it claims a row and lets the row wait until the row's messages
fit, and a send that does not fit now is refused before anything leaves (`Paced`, retried when
it fits). After a restart the pacer is refilled from the outbox's sends of the last hour, each
row counted as two messages, as a row may have been (a caption and its file, a text and its
card): per member and in the corp's minute alike.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from channels.wecom import errors
from channels.wecom.api import WeComClient
from channels.wecom.errors import UntrustedIp
from channels.wecom.pacing import Pacer
from channels.wecom.payloads import (
    DuplicateCheck,
    Image,
    Message,
)
from channels.wecom.payloads import File as FileMessage
from channels.wecom.payloads import Text as TextMessage
from channels.wecom.render import Outgoing, plain_of_html, render, settled_card
from chat.capabilities import WECOM as WECOM_CAPABILITIES
from chat.capabilities import Capabilities
from chat.cards import Card
from chat.channel import Content, Fail, File, PressRef, Retry, SentRef, Verdict
from chat.render import WECOM_TEXT
from chat.texts import Texts
from storage import files, outbox, wecom_cards
from storage.db import Database
from workflow.outcomes import Refused

log = logging.getLogger(__name__)

WECOM: Final = "wecom"
#: How long a numbered menu's numbers are read back.
MENU_LIFETIME: Final = timedelta(hours=24)
#: How long an uploaded file's media id is sent again (WeCom keeps it three days).
MEDIA_REUSE: Final = timedelta(hours=6)
#: The window in which WeCom does not show the same content to the same member twice.
DUPLICATE_CHECK: Final = DuplicateCheck(timedelta(minutes=30))
#: Messages each outbox row sent in the last hour is counted as, refilling the pacer.
RESEND_WEIGHT: Final = 2
#: Seconds between forgetting the bookings of people no window counts any more.
PRUNE_EVERY: Final = 600.0
#: The admins' alert (a catalogue notice) when WeCom refuses the server's IP (60020).
IP_ALERT: Final = "wecom_ip_not_trusted"


class Paced(Exception):
    """The message would go over WeCom's per-member or per-corp limits now: nothing was sent;
    it fits at `at`."""

    def __init__(self, userid: str, at: datetime) -> None:
        super().__init__(f"{userid}: over WeCom's limits until {at.isoformat()}")
        self.at = at


def press_ref(userid: str, task_id: str, response_code: str) -> PressRef:
    """A click on a card, as the core passes it back to `answer`."""
    return PressRef(WECOM, "|".join((userid.lower(), task_id, response_code)))


def _press_parts(press: PressRef) -> tuple[str, str, str]:
    """The clicker, the card's task_id and the click's ResponseCode of a press."""
    userid, task_id, code = press.id.split("|", 2)
    return userid, task_id, code


@dataclass(slots=True)
class _Upload:
    """A stored file's media id on WeCom and when it was uploaded."""

    media_id: str
    at: datetime


@dataclass(slots=True)
class WeComChannel:
    """The WeCom adapter: one app's client, the ledger (stored files, kept cards), the catalogue
    rendered for WeCom (`render.wecom_texts`), and the pacer (per member and per corp)."""

    client: WeComClient
    db: Database
    texts: Texts
    pacer: Pacer = field(default_factory=Pacer)
    name: str = WECOM
    capabilities: Capabilities = WECOM_CAPABILITIES
    _uploads: dict[str, _Upload] = field(default_factory=dict)
    _refilled: bool = False
    _pruned_at: float = 0.0

    def __post_init__(self) -> None:
        """The texts must be WeCom's: Telegram's HTML would show as tags."""
        if self.texts.renderer is not WECOM_TEXT:
            raise ValueError("WeComChannel needs the catalogue rendered for WeCom")

    async def start(self) -> None:
        """Refills the pacer from the outbox's sends of the last hour (once)."""
        if self._refilled:
            return
        now = self.db.clock()
        async with self.db.reading() as tx:
            recent = await outbox.sent_since(tx, WECOM, now - timedelta(hours=1))
        for address, at in recent:
            for _ in range(RESEND_WEIGHT):
                self.pacer.reserve(address.lower(), at.timestamp())
        self._refilled = True

    async def stop(self) -> None:
        """Closes the client's connections."""
        await self.client.close()

    # -- pacing

    def not_before(self, address: str, content: Content, now: datetime) -> datetime | None:
        """When this content may go to this member within WeCom's limits; None: now."""
        count = self._count(content)
        at = self.pacer.earliest(address.lower(), now.timestamp(), count)
        return None if at <= now.timestamp() else datetime.fromtimestamp(at, now.tzinfo)

    def _count(self, content: Content) -> int:
        """How many WeCom messages the content makes."""
        if isinstance(content, File):
            return 1 + (content.caption is not None)
        return render(self.texts, content, "count").count

    def _book(self, userid: str, count: int) -> None:
        """Books `count` messages to go now, or raises `Paced` (nothing booked) if they
        would go over a limit."""
        now = self.db.clock()
        if now.timestamp() - self._pruned_at > PRUNE_EVERY:  # forget people long quiet
            self.pacer.prune(now.timestamp())
            self._pruned_at = now.timestamp()
        at = self.pacer.earliest(userid, now.timestamp(), count)
        if at > now.timestamp():
            raise Paced(userid, datetime.fromtimestamp(at, now.tzinfo))
        for _ in range(count):
            self.pacer.reserve(userid, now.timestamp())

    # -- sending

    async def send(self, address: str, content: Content, *, again: bool = False) -> SentRef:
        """One message (some WeCom messages), never retried here; a card or numbered menu is
        kept, and its id is the message id. Tried `again`, what arrived before is not shown
        twice (WeCom's duplicate check)."""
        userid = address.lower()
        check = DUPLICATE_CHECK if again else None
        if isinstance(content, File):
            await self._send_file(userid, content, check)
            return SentRef(WECOM, address, 0)
        task_id = f"bs-{uuid.uuid4().hex}"  # unique for the app forever, as WeCom requires
        out = render(self.texts, content, task_id)
        self._book(userid, out.count)
        for text in out.texts:
            await self._message(userid, TextMessage(text), check)
        if not out.choices:
            return SentRef(WECOM, address, 0)
        response_code: str | None = None
        if out.card is not None:
            sent = await self.client.send([userid], out.card)
            msgid, response_code = sent.msgid, sent.response_code
        else:
            msgid = ""
        return SentRef(WECOM, address, await self._keep(userid, out, msgid, response_code))

    async def _message(self, userid: str, message: Message, check: DuplicateCheck | None) -> str:
        """One WeCom message to one member; its msgid."""
        sent = await self.client.send([userid], message, duplicate_check=check)
        return sent.msgid

    async def _keep(self, userid: str, out: Outgoing, msgid: str, response_code: str | None) -> int:
        """Keeps a card or numbered menu just sent (a transaction); its id."""
        async with self.db.transaction() as tx:
            return await wecom_cards.record(
                tx,
                userid=userid,
                task_id=None if out.card is None else out.card.task_id,
                msgid=msgid,
                title=out.title,
                choices=out.choices,
                response_code=response_code,
            )

    async def _send_file(self, userid: str, content: File, check: DuplicateCheck | None) -> None:
        """A stored file as an image or a file, its caption as a text before it."""
        if content.key is None:  # only a Telegram file id, from before files were bytes
            raise Refused("file_missing")
        media_id = await self._media(content.key, "image" if content.photo else "file")
        caption = content.caption
        if caption is not None and not content.plain_caption:
            caption = plain_of_html(caption)
        self._book(userid, 1 + (caption is not None))
        if caption:
            await self._message(userid, TextMessage(caption), check)
        message: Message = Image(media_id) if content.photo else FileMessage(media_id)
        await self._message(userid, message, check)

    async def _media(self, key: str, kind: str) -> str:
        """A media id for a stored file: uploaded now, or within the last hours."""
        now = self.db.clock()
        cached = self._uploads.get(f"{kind}:{key}")
        if cached is not None and now - cached.at < MEDIA_REUSE:
            return cached.media_id
        async with self.db.reading() as tx:
            stored = await files.get(tx, key)
        if stored is None or not stored.data:
            raise Refused("file_missing")
        uploaded = await self.client.upload(
            "image" if kind == "image" else "file", stored.name, stored.data, stored.mime_type
        )
        self._uploads[f"{kind}:{key}"] = _Upload(uploaded.media_id, now)
        return uploaded.media_id

    # -- cards and presses

    async def sent_of(self, task_id: str) -> SentRef | None:
        """The card a click names by its task_id, as sent (None: not one of ours)."""
        async with self.db.reading() as tx:
            kept = await wecom_cards.by_task(tx, task_id)
        return None if kept is None else SentRef(WECOM, kept.userid, kept.id)

    async def choice(self, userid: str, reply: str) -> str | None:
        """The button data a numbered reply ("3") stands for, from the member's latest menu of
        the last day; the menu is then used up. None: not a choice."""
        typed = reply.strip().rstrip(".。")
        if not typed.isascii() or not typed.isdigit():
            return None
        since = self.db.clock() - MENU_LIFETIME
        async with self.db.transaction() as tx:
            return await wecom_cards.choose(tx, userid, int(typed), since)

    async def settle(self, sent: SentRef, card: Card) -> None:
        """Shows a sent card as it now stands for everyone who got it, with the freshest
        ResponseCode (one use); a numbered menu is closed (its numbers no longer read back).
        Without buttons the card's last note takes their place (e.g. "✅ 已同意（张伟）")."""
        if not sent.message_id:
            return  # plain text: WeCom cannot change it
        async with self.db.transaction() as tx:
            kept = await wecom_cards.get(tx, sent.message_id)
            code = await wecom_cards.take_code(tx, sent.message_id)
        if kept is None or kept.task_id is None:
            return
        if code is None:
            log.info("WeCom card %s: settled before, or no code to settle it", kept.task_id)
            return
        update = settled_card(self.texts, card, kept.task_id, kept.title, kept.choices)
        await self.client.update_card(code, update, everyone=True)

    async def answer(self, press: PressRef, text: str | None = None) -> None:
        """WeCom has no toast: the click's ResponseCode is kept to settle the card with, and a
        text (a refusal, a result) goes to the clicker as a message when the limits allow."""
        userid, task_id, code = _press_parts(press)
        async with self.db.transaction() as tx:
            await wecom_cards.clicked(tx, task_id, code)
        if not text:
            return
        try:
            self._book(userid, 1)
        except Paced:
            log.warning("WeCom: answer to %s left out (over WeCom's limits)", userid)
            return
        await self._message(userid, TextMessage(plain_of_html(text)), None)

    # -- errors and files

    def classify(self, error: BaseException) -> Verdict | None:
        """WeCom's errors as `errors.classify` sorts them; over the pacer's limits waits until
        it fits; an untrusted IP (60020) fails the row and alerts the admins."""
        if isinstance(error, Paced):
            return Retry(max(error.at - self.db.clock(), timedelta(0)))
        verdict = errors.classify(error)
        if isinstance(error, UntrustedIp) and isinstance(verdict, Fail):
            return Fail(verdict.reason, alert=IP_ALERT)
        return verdict

    async def download(self, remote_file: str) -> bytes:
        """A file people sent (an informant's photo), by its media id."""
        return (await self.client.download(remote_file)).data
