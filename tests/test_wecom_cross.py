"""One centre on two channels (issue 13's walk-through): a WeCom informant submits with a photo,
Telegram signers sign with buttons, the editor adopts, and the month's bulletin reaches a WeCom
and a Telegram member, all through both emulators over HTTP, in one process serving both."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.jobs import sweep
from bot.settings.schema import Settings
from channels.telegram.app import BotApp
from channels.wecom.crypto import MsgCrypt
from channels.wecom.serve import WeComSide
from sandbox.telegram.server import FakeBotApi
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import CallbackEvent, Delivery
from scoring.vocab import ItemState, Role
from storage import adoptions, audit, items, outbox, people, units, wecom_inbox
from storage.db import Database
from storage.models import Account
from tests.conftest import FakeClock
from tests.flow import button_data, settle, texts_of
from tests.people import running_as
from tests.test_flows import join, tap
from workflow import joining, submission
from workflow.rules import CentreRules, Outlet

WECOM_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
WINDOW = "市人社局窗口"
SECTION = "综合科"
WECOM = "wecom"
OFFICE = "办公室"
TITLE = "市人社局窗口推行“一窗通办”"
PHOTO = b"\xff\xd8\xff\xe0 a photo from the window"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class Centre:
    """Both emulators, the bot serving both channels, and a member's way to write to WeCom."""

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

    async def post(self, fields: tuple[tuple[str, str], ...]) -> None:
        """A callback as WeCom sends it: sealed, signed and POSTed; answered 200."""
        self.serial += 1
        xml = "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields) + "</xml>"
        stamp, nonce = str(int(self.clock.now.timestamp())), f"n{self.serial}"
        encrypt, signature = self.crypt.seal(xml.encode(), stamp, nonce)
        body = (
            f"<xml><ToUserName><![CDATA[{self.wecom.corp_id}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
        query = {"msg_signature": signature, "timestamp": stamp, "nonce": nonce}
        async with self.http.post(self.url, params=query, data=body.encode()) as answer:
            assert answer.status == 200

    def _message(
        self, userid: str, kind: str, *fields: tuple[str, str]
    ) -> tuple[tuple[str, str], ...]:
        """A member's message's plaintext fields."""
        return (
            ("ToUserName", self.wecom.corp_id),
            ("FromUserName", userid),
            ("CreateTime", str(int(time.time()))),
            ("MsgType", kind),
            *fields,
            ("MsgId", f"7{self.serial:018d}"),
            ("AgentID", str(self.wecom.agent_id)),
        )

    async def say(self, userid: str, text: str) -> None:
        """A member types a text to the app; what it causes is done and sent."""
        await self.post(self._message(userid, "text", ("Content", text)))
        await self.settle()

    async def photo(self, userid: str, data: bytes) -> None:
        """A member sends a photo: WeCom keeps it as media the app fetches (media/get)."""
        media = await self.side.channel.client.upload("image", "现场.jpg", data, "image/jpeg")
        await self.post(
            self._message(
                userid,
                "image",
                ("PicUrl", "http://wework.invalid/p.jpg"),
                ("MediaId", media.media_id),
            )
        )
        await self.settle()

    async def sink(self, event: CallbackEvent) -> None:
        """Where the emulator pushes a card click: to the callback server."""
        await self.post(event.fields)

    async def click(self, userid: str, card: Delivery, prefix: str) -> None:
        """A member clicks the card's one button whose key starts with `prefix`."""
        keys = [str(b["key"]) for b in card.content["button_list"]]
        (key,) = [k for k in keys if k.startswith(prefix)]
        await self.wecom.press(userid, str(card.content["task_id"]), key)
        await self.settle()

    async def settle(self) -> None:
        """Waits until both channels handled what came in and the courier sent what it queued."""
        for _ in range(3):
            for _ in range(500):
                async with self.db.reading() as tx:
                    if await wecom_inbox.unhandled_count(tx) == 0:
                        break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("WeCom callbacks left unhandled")
            await settle(self.tg, self.app)

    def shown(self, userid: str) -> list[str]:
        """Texts and card titles a WeCom member was shown, in order."""
        return [
            d.text or str((d.content.get("main_title") or {}).get("title", ""))
            for d in self.wecom.inbox(userid)
        ]

    def cards(self, userid: str) -> list[Delivery]:
        """The template cards a WeCom member got."""
        return [d for d in self.wecom.inbox(userid) if d.msgtype == "template_card"]


@pytest.fixture
async def centre(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot on both emulators, its WeCom side running beside the Telegram application as
    `baosong run` runs them (the application's courier sends for both)."""
    async with running_as(Centre, server, settings, ledger, clock) as found:
        yield found


async def invite(centre: Centre, unit: str, role: Role) -> str:
    """A fresh invite code (what `baosong invite --channel wecom` prints)."""
    made, _ = await joining.create_invite(centre.db, centre.rules, unit_name=unit, role=role)
    return made.code


def shanghai(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A Shanghai wall-clock time, in UTC."""
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


async def test_a_wecom_informant_telegram_signers_a_wecom_editor_and_the_bulletin_to_both(
    centre: Centre,
) -> None:
    """Issue 13's walk-through: 报送 on WeCom with a photo fetched by media/get, both steps
    signed on Telegram with buttons, the informant told on WeCom, the adoption recorded by the
    editor's card clicks on WeCom, and the month's bulletin (text parts, chart, workbook and
    通报) reaching the WeCom informant and the Telegram leader; the ledger keeps it all."""
    informant, editor = "wangfang", "zhaomin"
    tg, app = centre.tg, centre.app
    head, leader = tg.user(102, "李明"), tg.user(103, "张伟")
    await join(tg, app, head, WINDOW, "window_head")
    await join(tg, app, leader, WINDOW, "leader")
    await centre.say(informant, f"绑定 {await invite(centre, WINDOW, Role.INFORMANT)}")
    await centre.say(editor, f"绑定 {await invite(centre, SECTION, Role.EDITOR)}")
    assert "欢迎" in centre.shown(informant)[-1] and "「报送」" in centre.shown(informant)[-1]

    # 报送 on WeCom: categories as numbered replies, buttons as cards, a photo as an image.
    await centre.say(informant, "报送")
    assert "请回复数字 1–7 选择" in centre.shown(informant)[-1]
    await centre.say(informant, "3")
    await centre.say(informant, TITLE)
    await centre.say(informant, "10月14日，市人社局窗口推行“一窗通办”改革。")
    await centre.click(informant, centre.cards(informant)[-1], "sub:body:done")
    await centre.say(informant, "2026-10-14")
    await centre.photo(informant, PHOTO)
    assert centre.shown(informant)[-1] == "已添加附件 1 个。可继续发送，或点击“完成”。"
    assert any(c.api == "media/get" for c in centre.wecom.calls)
    await centre.click(informant, centre.cards(informant)[-1], "sub:files:done")
    assert "请核对" in centre.shown(informant)[-2] and "附件：1 个" in centre.shown(informant)[-2]
    await centre.click(informant, centre.cards(informant)[-1], "sub:ok")
    assert "已报送，编号 #1" in centre.shown(informant)[-1]

    # Both steps signed on Telegram: each signer sees the WeCom photo, then the request.
    photo, request = head.received()[-2:]
    assert "photo" in photo and "请审签" in str(request["text"]) and TITLE in str(request["text"])
    answer = await tap(tg, app, head, request, button_data(request, "so:1:0:0:a"))
    assert "转交下一步" in answer["text"]
    request = leader.received()[-1]
    await tap(tg, app, leader, request, button_data(request, "so:1:0:1:a"))
    await centre.settle()
    assert centre.shown(informant)[-2:] == [
        "✅ 您的信息 #1 已由 李明（窗口负责人）审签通过，进入下一步。",
        "📨 您的信息 #1 已审签完毕，报送到市政务服务中心。",
    ]

    # The editor on WeCom: the photo, the item, its card; 登记采用, then two outlets.
    got = centre.wecom.inbox(editor)
    assert got[-3].msgtype == "image" and "新信息报送到中心" in got[-2].text
    await centre.click(editor, centre.cards(editor)[-1], "ed:adopt:1")
    outlets = centre.cards(editor)[-1]
    assert (
        outlets.content["main_title"]["title"] == "信息 #1 被哪里采用？（日期默认今天 2026-10-15）"
    )
    assert [b["text"] for b in outlets.content["button_list"]][:2] == [
        "市政务服务中心网站（1级 1分）",
        "《工作简报》（1级 1分）",
    ]
    await centre.click(editor, outlets, "ed:out:1:0")
    assert "该信息累计 1 分" in card_words(centre.cards(editor)[-1])
    await centre.click(editor, outlets, "ed:out:1:3")
    said = card_words(centre.cards(editor)[-1])  # the reply and its buttons: one card
    assert "“省政务服务中心”采用信息 #1，3 级，3 分。该信息累计 4 分。" in said, said
    follow = [b["key"] for b in centre.cards(editor)[-1].content["button_list"]]
    assert follow == ["ed:day:2", "ed:ref:2", "ed:wd:2"]
    assert (
        centre.shown(informant)[-1]
        == "🎉 信息 #1 被“省政务服务中心”采用（3 级，3 分）。该信息累计 4 分。"
    )
    assert "累计 4 分" in texts_of(leader)[-1]

    # The month's bulletin, on the first working day of November, reaches both channels.
    centre.clock.now = shanghai(2026, 11, 2, 9)
    await sweep(centre.clock.now, app.bot_data)
    await centre.settle()
    head_line = "2026年10月 信息报送情况通报"
    wecom_got = [d for d in centre.wecom.inbox(informant) if d.at >= centre.clock.now.timestamp()]
    kinds = [d.msgtype for d in wecom_got]
    assert kinds == ["text", "text", "text", "image", "file", "file"], kinds
    assert (
        wecom_got[0].text.startswith(head_line)
        and "👉 1. 市人社局窗口：4.0 分" in wecom_got[0].text
    )
    assert "<b>" not in "".join(d.text for d in wecom_got)  # plain text, not Telegram's HTML
    assert wecom_got[2].text == head_line  # the chart's caption, before the image
    names = [centre.wecom.media[str(d.content["media_id"])].filename for d in wecom_got[3:]]
    assert names == ["通报-2026-10.png", "通报-2026-10.xlsx", "通报-2026-10.docx"]
    assert centre.wecom.media[str(wecom_got[3].content["media_id"])].data[:8] == PNG_MAGIC
    assert not centre.wecom.dropped(informant)
    telegram_got = leader.received()[-4:]
    assert str(telegram_got[0]["text"]).startswith(head_line)
    assert "photo" in telegram_got[1] and telegram_got[1]["caption"] == head_line
    assert [m["document"]["file_name"] for m in telegram_got[2:]] == names[1:]

    # The ledger: one item at the centre with two adoptions, signed twice, its photo kept.
    async with centre.db.reading() as tx:
        item = await items.get_item(tx, 1)
        adopted = await adoptions.adoptions_of(tx, 1)
        trail = [entry.action for entry in await audit.audit_trail(tx, "item", 1)]
        kept = await items.files_of(tx, 1)
        undelivered = await outbox.undelivered(tx)
    assert item is not None and item.state is ItemState.REGISTERED and item.title == TITLE
    assert [(a.outlet, a.points) for a in adopted] == [
        ("市政务服务中心网站", 1),
        ("省政务服务中心", 3),
    ]
    assert trail.count("signoff.approve") == 2 and trail.count("adoption.record") == 2
    assert len(kept) == 1
    assert undelivered == []


async def test_more_outlets_than_a_card_holds_are_numbered_replies(centre: Centre) -> None:
    """With a seventh outlet the editor's 登记采用 offers numbered replies; "7" records that
    outlet once, and the same number again is no longer a choice (the menu is used up)."""
    outlets = {**centre.rules.outlets, "市融媒体中心": Outlet("市融媒体中心", 2, media=True)}
    centre.side.dispatcher.rules = dataclasses.replace(centre.rules, outlets=outlets)
    editor = "zhaomin"
    await centre.say(editor, f"绑定 {await invite(centre, OFFICE, Role.EDITOR)}")
    async with centre.db.transaction() as tx:
        author = await people.ensure_person(tx, Account(WECOM, "wangfang"), "王芳")
        unit = await units.unit_by_name(tx, SECTION)
        assert unit is not None
        await people.grant_role(tx, author.id, unit.id, Role.INFORMANT, author.id)
    draft = submission.Draft(unit.id, "measures", TITLE, "正文。", date(2026, 10, 14))
    await submission.submit(centre.db, centre.rules, author, draft)
    centre.app.bot_data.courier.wake()  # the service queued the editor's notice
    await centre.settle()
    await centre.click(editor, centre.cards(editor)[-1], "ed:adopt:1")
    menu = centre.shown(editor)[-1]
    assert "7. 市融媒体中心（2级 2分）" in menu and "请回复数字 1–7 选择" in menu
    await centre.say(editor, "7")
    assert "“市融媒体中心”采用信息 #1，2 级，2 分" in card_words(centre.cards(editor)[-1])
    shown = len(centre.wecom.inbox(editor))
    await centre.say(editor, "7")  # the menu was answered: a number again records nothing
    assert "“市融媒体中心”" not in "".join(
        d.text or card_words(d) for d in centre.wecom.inbox(editor)[shown:]
    )
    async with centre.db.reading() as tx:
        adopted = await adoptions.adoptions_of(tx, 1)
    assert [(a.outlet, a.points) for a in adopted] == [("市融媒体中心", 2)]


def card_words(card: Delivery) -> str:
    """A card's title and sub-title, as one text (a reply that fits a card goes as one)."""
    title = str((card.content.get("main_title") or {}).get("title", ""))
    return title + str(card.content.get("sub_title_text", ""))
