"""People using the running bot on either channel, for tests that must hold on both.

One process serves both emulators (the Telegram Bot API and WeCom's, as `baosong run` serves
both); a `Someone` is a person on one of them, with the same four things to do whatever the
channel: `say` a text, send a `photo`, `press` the button labelled so on the newest message
that has it, and read what they `received` (plain words: Telegram's texts and captions, WeCom's
texts and cards' titles and bodies; a toast on Telegram, which WeCom sends as a text, counts
as received). A WeCom press is the emulator's card click (a ResponseCode issued, the callback
sealed and posted) or, past six choices, the number of the choice typed back.

Long because the one person driver holds both channels' ways (Telegram's updates, WeCom's sealed
callbacks and cards) and the harness that runs the bot on both, which every two-channel test
shares; split, each half would import the other's pieces.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final, Protocol, TypeVar

import aiohttp

from bot.settings.schema import Settings
from bot.wiring import centre_rules, telegram_options
from channels.telegram.app import BotApp, build_application
from channels.wecom.callback import CallbackConfig
from channels.wecom.crypto import MsgCrypt
from channels.wecom.serve import WeComConfig, WeComSide
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import CallbackEvent, Delivery
from scoring.vocab import Role
from storage import outbox, wecom_inbox
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import JSON, TOKEN, buttons, polling, settle
from workflow import joining
from workflow.rules import CentreRules

TELEGRAM: Final = "telegram"
WECOM: Final = "wecom"
CHANNELS: Final = (TELEGRAM, WECOM)
WECOM_TOKEN: Final = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY: Final = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
PHOTO: Final = b"\xff\xd8\xff\xe0 a photo from the window"


@dataclass
class Centre:
    """The bot serving both emulators over one ledger, and a way to write to it from WeCom."""

    db: Database
    rules: CentreRules
    tg: FakeBotApi
    app: BotApp
    wecom: FakeWeComApi
    side: WeComSide
    url: str
    crypt: MsgCrypt
    clock: FakeClock
    http: aiohttp.ClientSession
    serial: int = 0
    wait_out: timedelta = timedelta(minutes=2)
    telegram_ids: dict[str, int] = field(default_factory=dict)

    # -- WeCom's wire

    def sealed(self, xml: str, stamp: str | None = None, nonce: str | None = None) -> JSON:
        """A plaintext callback as WeCom POSTs it: the body and its signed query."""
        self.serial += 1
        stamp = stamp or str(int(self.clock.now.timestamp()))
        nonce = nonce or f"n{self.serial}"
        encrypt, signature = self.crypt.seal(xml.encode(), stamp, nonce)
        body = (
            f"<xml><ToUserName><![CDATA[{self.wecom.corp_id}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
        query = {"msg_signature": signature, "timestamp": stamp, "nonce": nonce}
        return {"query": query, "body": body.encode()}

    async def post_raw(self, query: dict[str, str], body: bytes) -> int:
        """POSTs a callback as given; the HTTP status."""
        async with self.http.post(self.url, params=query, data=body) as answer:
            return answer.status

    async def post(self, fields: tuple[tuple[str, str], ...]) -> int:
        """A callback's fields sealed, signed and POSTed; the HTTP status."""
        sealed = self.sealed(plaintext(fields))
        return await self.post_raw(sealed["query"], sealed["body"])

    def message(
        self, userid: str, kind: str, *fields: tuple[str, str]
    ) -> tuple[tuple[str, str], ...]:
        """A member's message's plaintext fields, with a MsgId of its own."""
        self.serial += 1
        return (
            ("ToUserName", self.wecom.corp_id),
            ("FromUserName", userid),
            ("CreateTime", str(int(time.time()))),
            ("MsgType", kind),
            *fields,
            ("MsgId", f"7{self.serial:018d}"),
            ("AgentID", str(self.wecom.agent_id)),
        )

    def click_fields(
        self, userid: str, task_id: str, key: str, code: str
    ) -> tuple[tuple[str, str], ...]:
        """A card click's plaintext fields, as any client could write them."""
        return (
            ("ToUserName", self.wecom.corp_id),
            ("FromUserName", userid),
            ("CreateTime", str(int(time.time()))),
            ("MsgType", "event"),
            ("Event", "template_card_event"),
            ("EventKey", key),
            ("TaskId", task_id),
            ("CardType", "button_interaction"),
            ("ResponseCode", code),
            ("AgentID", str(self.wecom.agent_id)),
        )

    async def sink(self, event: CallbackEvent) -> None:
        """Where the emulator pushes a card click: to the callback server."""
        assert await self.post(event.fields) == 200

    # -- waiting

    async def settle(self) -> None:
        """Waits until both channels handled what came in and the outbox sent what is due."""
        quiet = 0
        for _ in range(1000):
            async with self.db.reading() as tx:
                unhandled = await wecom_inbox.unhandled_count(tx)
                busy = await tx.fetchone(
                    "SELECT count(*) AS n FROM outbox AS o WHERE o.state = 'sending'"
                    " OR (o.state = 'pending' AND o.next_attempt_at <= ? AND NOT EXISTS"
                    " (SELECT 1 FROM outbox AS e WHERE e.channel = o.channel"
                    " AND e.address = o.address AND e.state = 'pending' AND e.id < o.id"
                    " AND e.next_attempt_at > ?))",  # due, as the drain takes them
                    (tx.stamp, tx.stamp),
                )
            waiting = unhandled + (int(busy["n"]) if busy is not None else 0)
            await settle(self.tg, self.app)
            quiet = quiet + 1 if waiting == 0 else 0
            if quiet >= 2:
                if await self._wait_out_pacing():
                    quiet = 0
                    continue
                return
            if waiting:
                self.app.bot_data.courier.wake()
            await asyncio.sleep(0.01)
        raise AssertionError("the bot never settled")

    async def _wait_out_pacing(self) -> bool:
        """Moves the clock to a row put off a little (WeCom's per-person pace, a retry's
        backoff), as time would pass, when `wait_out` allows it; whether it did."""
        async with self.db.reading() as tx:
            due = await outbox.next_retry(tx)
        if due is None or due - self.clock.now > self.wait_out:
            return False
        self.clock.now = due
        self.app.bot_data.courier.wake()
        return True

    # -- people

    def person(self, channel: str, key: str, name: str) -> Someone:
        """Someone on a channel: `key` their WeCom userid, or a name for a Telegram id."""
        if channel == WECOM:
            return WeComPerson(self, name, key.lower())
        number = self.telegram_ids.setdefault(key, 100 + len(self.telegram_ids) + 1)
        return TelegramPerson(self, name, self.tg.user(number, name))

    async def invite(self, unit: str | None, role: Role) -> str:
        """A fresh invite code (what an admin's invite prints)."""
        made, _ = await joining.create_invite(self.db, self.rules, unit_name=unit, role=role)
        return made.code


def plaintext(fields: tuple[tuple[str, str], ...]) -> str:
    """A callback's plaintext XML."""
    return "<xml>" + "".join(f"<{k}>{cdata(v)}</{k}>" for k, v in fields) + "</xml>"


def cdata(value: str) -> str:
    """A value as CDATA, a "]]>" inside it split across two sections (as WeCom writes it)."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class Someone:
    """A person on one channel: what they do and what they were shown."""

    channel: str

    def __init__(self, centre: Centre, name: str) -> None:
        self.centre = centre
        self.name = name

    @property
    def address(self) -> str:
        """Their account's id on their channel."""
        raise NotImplementedError

    def received(self) -> list[str]:
        """Everything shown to them, oldest first, as plain words."""
        raise NotImplementedError

    async def _say(self, text: str) -> None:
        """Sends a text."""
        raise NotImplementedError

    async def _photo(self, data: bytes) -> None:
        """Sends a photo."""
        raise NotImplementedError

    async def _press(self, label: str) -> str:
        """Presses the labelled button; what the press itself answers (a toast), if anything."""
        raise NotImplementedError

    def labels(self) -> list[str]:
        """The buttons (or numbered choices) of the newest message that has any."""
        raise NotImplementedError

    async def say(self, text: str) -> str:
        """Writes a text; everything it made the bot show them, joined."""
        seen = len(self.received())
        await self._say(text)
        await self.centre.settle()
        return "\n".join(self.received()[seen:])

    async def photo(self, data: bytes = PHOTO) -> str:
        """Sends a photo; everything it made the bot show them, joined."""
        seen = len(self.received())
        await self._photo(data)
        await self.centre.settle()
        return "\n".join(self.received()[seen:])

    async def press(self, label: str) -> str:
        """Presses the button labelled `label` (or the one label holding it) on the newest
        message that has one; everything shown to them after it, joined, toast first."""
        seen = len(self.received())
        toast = await self._press(label)
        await self.centre.settle()
        return "\n".join([toast, *self.received()[seen:]] if toast else self.received()[seen:])

    async def join(self, unit: str | None, role: Role) -> str:
        """Joins by a fresh invite, as each channel does it; the welcome."""
        code = await self.centre.invite(unit, role)
        return await self.say(f"/start {code}" if self.channel == TELEGRAM else f"绑定 {code}")

    async def command(self, command: str, argument: str = "") -> str:
        """Gives a command as the channel words it (/my; 我的信息)."""
        word = f"/{command}" if self.channel == TELEGRAM else WORDS[command]
        return await self.say(f"{word} {argument}".strip())

    def last(self) -> str:
        """The newest thing shown to them."""
        shown = self.received()
        return shown[-1] if shown else ""


#: The words WeCom members send for the commands the journeys use.
WORDS: Final = {
    "submit": "报送",
    "my": "我的信息",
    "unit": "本单位",
    "rank": "排名",
    "item": "查看",
    "pending": "待审签",
    "cancel": "取消",
    "help": "帮助",
    "tasks": "任务列表",
}


def pick(found: list[tuple[str, str]], label: str) -> str:
    """The data of the button labelled `label`, else of the one label holding it."""
    exact = [data for text, data in found if text == label]
    if exact:
        return exact[0]
    near = [data for text, data in found if label in text]
    assert len(near) == 1, f"no one button {label!r} in {[text for text, _ in found]}"
    return near[0]


class TelegramPerson(Someone):
    """A Telegram user in a private chat with the bot."""

    channel = TELEGRAM

    def __init__(self, centre: Centre, name: str, user: FakeUser) -> None:
        super().__init__(centre, name)
        self.user = user

    @property
    def address(self) -> str:
        """The Telegram user id."""
        return str(self.user.chat_id)

    def received(self) -> list[str]:
        """Texts and captions of the private chat, with the answers to their presses."""
        return list(self.shown)

    @property
    def shown(self) -> list[str]:
        """The chat's messages as plain words, oldest first."""
        return [str(m.get("text") or m.get("caption") or "") for m in self.user.received()]

    async def _say(self, text: str) -> None:
        """Sends a text message."""
        await self.user.send_text(text)

    async def _photo(self, data: bytes) -> None:
        """Sends a photo (the emulator's own picture; Telegram recompresses anyway)."""
        await self.user.send_photo()

    def _newest_with(self, label: str) -> tuple[JSON, str]:
        """The newest message with a button so labelled, and that button's data."""
        for message in reversed(self.user.received()):
            found = list(buttons(message).items())
            if any(label in text for text, _ in found):
                return message, pick(found, label)
        raise AssertionError(f"{self.name} has no button {label!r}")

    async def _press(self, label: str) -> str:
        """Clicks the button; the bot's answer to the click (its toast)."""
        message, data = self._newest_with(label)
        update = await self.user.click(message, data)
        await self.centre.settle()
        answer = await self.centre.tg.wait_for_answer(update["callback_query"]["id"])
        return str(answer.get("text") or "")

    async def click_data(self, data: str) -> str:
        """Clicks a button carrying `data` (forged if no message has it) on the newest
        message with buttons; the toast."""
        message = next((m for m in reversed(self.user.received()) if buttons(m)), None)
        assert message is not None, "no message with buttons"
        update = await self.user.click(message, data, forged=True)
        await self.centre.settle()
        answer = await self.centre.tg.wait_for_answer(update["callback_query"]["id"])
        return str(answer.get("text") or "")

    def labels(self) -> list[str]:
        """The buttons of the newest message with any."""
        for message in reversed(self.user.received()):
            if buttons(message):
                return list(buttons(message))
        return []


class WeComPerson(Someone):
    """A WeCom member writing to the app, clicking its cards and typing numbers back."""

    channel = WECOM

    def __init__(self, centre: Centre, name: str, userid: str) -> None:
        super().__init__(centre, name)
        self.userid = userid

    @property
    def address(self) -> str:
        """The member's userid."""
        return self.userid

    def deliveries(self) -> list[Delivery]:
        """What WeCom showed the member, in order."""
        return self.centre.wecom.inbox(self.userid)

    def received(self) -> list[str]:
        """Texts as shown, a card as its title and body as it stands now."""
        return [shown_text(self.centre.wecom, d) for d in self.deliveries()]

    async def _say(self, text: str) -> None:
        """A text message to the app."""
        message = self.centre.message(self.userid, "text", ("Content", text))
        status = await self.centre.post(message)
        assert status == 200, f"{text[:40]!r} refused with {status}"

    async def _photo(self, data: bytes) -> None:
        """A photo: WeCom keeps it as media the app fetches."""
        media = await self.centre.side.channel.client.upload(
            "image", "现场.jpg", data, "image/jpeg"
        )
        fields = (("PicUrl", "http://wework.invalid/p.jpg"), ("MediaId", media.media_id))
        assert await self.centre.post(self.centre.message(self.userid, "image", *fields)) == 200

    def newest_menu(self, label: str | None = None) -> tuple[Delivery, list[tuple[str, str]]]:
        """The newest card (or numbered list) with a choice so labelled (any, if None):
        the delivery and its (label, key or number) choices."""
        for delivery in reversed(self.deliveries()):
            found = choices(delivery)
            if found and (label is None or any(label in t for t, _ in found)):
                return delivery, found
        raise AssertionError(f"{self.name} has no choice {label!r}: {self.received()[-3:]}")

    async def _press(self, label: str) -> str:
        """Clicks the card's button, or types the choice's number; WeCom has no toast."""
        delivery, found = self.newest_menu(label)
        chosen = pick(found, label)
        if delivery.msgtype == "template_card":
            await self.centre.wecom.press(self.userid, str(delivery.content["task_id"]), chosen)
        else:
            await self._say(chosen)
        return ""

    def labels(self) -> list[str]:
        """The choices of the newest card or numbered list."""
        for delivery in reversed(self.deliveries()):
            if choices(delivery):
                return [text for text, _ in choices(delivery)]
        return []

    def card_of(self, label: str) -> Delivery:
        """The newest card with a button so labelled."""
        delivery, _ = self.newest_menu(label)
        assert delivery.msgtype == "template_card", "a numbered list, not a card"
        return delivery


def shown_text(api: FakeWeComApi, delivery: Delivery) -> str:
    """A delivery as the member sees it now: a text, or a card's title, body and note."""
    if delivery.msgtype != "template_card":
        return delivery.text
    card = api.cards.get(str(delivery.content.get("task_id")))
    wire = card.shown.get(delivery.userid, card.wire) if card is not None else delivery.content
    parts = [str((wire.get("main_title") or {}).get("title", ""))]
    if wire.get("sub_title_text"):
        parts.append(str(wire["sub_title_text"]))
    if card is not None and delivery.userid in card.clicked_name:
        parts.append(card.clicked_name[delivery.userid])
    if wire.get("replace_text"):
        parts.append(str(wire["replace_text"]))
    return "\n".join(p for p in parts if p)


def choices(delivery: Delivery) -> list[tuple[str, str]]:
    """A delivery's choices: a card's buttons (label, key) or a numbered list's (label, n)."""
    if delivery.msgtype == "template_card":
        return [(str(b.get("text")), str(b.get("key"))) for b in delivery.content["button_list"]]
    if "请回复数字" not in delivery.text:
        return []
    found = []
    for line in delivery.text.splitlines():
        number, dot, label = line.partition(". ")
        if dot and number.isdigit():
            found.append((label.strip(), number))
    return found


class Sinks(Protocol):
    """A harness the emulator hands each callback it pushes."""

    async def sink(self, event: CallbackEvent) -> None:
        """Takes a callback the emulator pushes."""


AnyCentre = TypeVar("AnyCentre", bound=Sinks)


@asynccontextmanager
async def running_as(
    make: Callable[..., AnyCentre],
    server: FakeBotApi,
    settings: Settings,
    ledger: Database,
    clock: FakeClock,
) -> AsyncIterator[AnyCentre]:
    """The bot on both emulators, its WeCom side beside the Telegram application as
    `baosong run` runs them (the application's courier sends for both), handed to the harness
    `make` builds (its fields in `Centre`'s order)."""
    rules = centre_rules(settings)
    async with FakeWeComApi(clock=lambda: clock.now.timestamp()) as api:
        config = WeComConfig(
            corp_id=api.corp_id,
            agent_id=api.agent_id,
            secret=api.secret,
            api_base_url=api.base_url,
            callback=CallbackConfig(
                corp_id=api.corp_id, token=WECOM_TOKEN, encoding_aes_key=AES_KEY
            ),
            host="127.0.0.1",
            port=0,
        )
        side = WeComSide(config, ledger, rules)
        app = build_application(
            telegram_options(settings),
            ledger,
            rules,
            token=TOKEN,
            rate_limit=False,
            channels=side.channels,
        )
        async with (
            polling(app),
            side.running(app.bot_data.courier.wake) as port,
            aiohttp.ClientSession() as http,
        ):
            crypt = MsgCrypt(WECOM_TOKEN, AES_KEY, api.corp_id)
            url = f"http://127.0.0.1:{port}/wecom/callback"
            found = make(ledger, rules, server, app, api, side, url, crypt, clock, http)
            api.on_callback(found.sink)
            yield found


def centre_running(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AbstractAsyncContextManager[Centre]:
    """`running_as` with this module's `Centre`."""
    return running_as(Centre, server, settings, ledger, clock)
