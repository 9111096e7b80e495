"""WeCom's callbacks handled end to end over HTTP: callbacks sealed by the real crypto and
posted to the real callback app, the dispatcher feeding the engine and the services, replies
through the outbox to the WeCom emulator."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import aiohttp
import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.wecom.adapter import WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.callback import CallbackConfig, callback_app, serving
from channels.wecom.crypto import MsgCrypt
from channels.wecom.dispatch import Dispatcher
from channels.wecom.render import wecom_texts
from delivery import outbox as delivery
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import CallbackEvent
from scoring.vocab import Role
from storage import items, people, units, wecom_inbox
from storage.db import Database
from storage.models import TELEGRAM, Account
from tests.conftest import FakeClock
from tests.flow import REPO, load_units
from workflow import joining, submission
from workflow.rules import CentreRules

WECOM = "wecom"
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
WINDOW = "市人社局窗口"


@dataclass
class Rig:
    """The emulator, the callback server, the adapter and a dispatcher over one ledger."""

    db: Database
    rules: CentreRules
    api: FakeWeComApi
    channel: WeComChannel
    dispatcher: Dispatcher
    url: str
    crypt: MsgCrypt
    clock: FakeClock
    http: aiohttp.ClientSession
    serial: int = 0

    async def post(self, fields: tuple[tuple[str, str], ...]) -> int:
        """A callback as WeCom sends it: sealed, signed and POSTed; the HTTP status."""
        xml = "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields) + "</xml>"
        stamp, nonce = str(int(self.clock.now.timestamp())), f"n{self.serial}"
        encrypt, signature = self.crypt.seal(xml.encode(), stamp, nonce)
        body = f"<xml><ToUserName><![CDATA[{self.api.corp_id}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        query = {"msg_signature": signature, "timestamp": stamp, "nonce": nonce}
        async with self.http.post(self.url, params=query, data=body.encode()) as answer:
            return answer.status

    async def say(self, userid: str, text: str, msg_id: str | None = None) -> int:
        """A member types a text to the app."""
        self.serial += 1
        return await self.post(
            (
                ("ToUserName", self.api.corp_id),
                ("FromUserName", userid),
                ("CreateTime", str(int(time.time()))),
                ("MsgType", "text"),
                ("Content", text),
                ("MsgId", msg_id or f"7{self.serial:018d}"),
                ("AgentID", str(self.api.agent_id)),
            )
        )

    async def sink(self, event: CallbackEvent) -> None:
        """Where the emulator pushes a card click: to the callback app."""
        self.serial += 1
        assert await self.post(event.fields) == 200

    async def settle(self) -> None:
        """Handles what was stored, then sends what was queued."""
        await self.dispatcher.pass_once()
        await delivery.drain({WECOM: self.channel}, self.db, self.rules)

    def shown(self, userid: str) -> list[str]:
        """Texts and card titles a member was shown, in order."""
        out = []
        for d in self.api.inbox(userid):
            card = d.content.get("main_title") or {}
            out.append(d.text or str(card.get("title", "")))
        return out


@pytest.fixture
async def rig(db: Database, clock: FakeClock) -> AsyncIterator[Rig]:
    """Everything on 127.0.0.1, on the ledger's clock."""
    settings = load_settings(REPO / "config.yaml", {})
    await load_units(db, settings)
    rules = dataclasses.replace(centre_rules(settings), admins=(Account(TELEGRAM, "9001"),))
    async with FakeWeComApi(clock=lambda: clock.now.timestamp()) as api:
        client = WeComClient(api.corp_id, api.secret, api.agent_id, base_url=api.base_url)
        channel = WeComChannel(client, db, wecom_texts("zh"))
        await channel.start()
        config = CallbackConfig(corp_id=api.corp_id, token=TOKEN, encoding_aes_key=AES_KEY)
        async with (
            serving(callback_app(db, config), "127.0.0.1", 0) as port,
            aiohttp.ClientSession() as http,
        ):
            crypt = MsgCrypt(TOKEN, AES_KEY, api.corp_id)
            rig = Rig(
                db,
                rules,
                api,
                channel,
                Dispatcher(db, rules, channel),
                f"http://127.0.0.1:{port}/wecom/callback",
                crypt,
                clock,
                http,
            )
            api.on_callback(rig.sink)
            yield rig
        await channel.stop()


async def invite(rig: Rig, role: Role, unit: str | None = WINDOW) -> str:
    """A fresh invite code."""
    made, _ = await joining.create_invite(rig.db, rig.rules, unit_name=unit, role=role)
    return made.code


async def handled(db: Database) -> list[wecom_inbox.Entry]:
    """Every stored callback."""
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT id FROM wecom_inbox ORDER BY id")
        return [e for r in rows if (e := await wecom_inbox.get(tx, int(r["id"]))) is not None]


async def test_a_member_binds_with_a_code_and_a_replayed_callback_does_nothing_twice(
    rig: Rig,
) -> None:
    """ "绑定 CODE" makes the member a person with a WeCom account and the invite's role; the
    same callback posted again (WeCom's retry, same MsgId) is kept once and answered once."""
    code = await invite(rig, Role.INFORMANT)
    assert await rig.say("WangFang", f"绑定 {code}", msg_id="1001") == 200
    assert await rig.say("WangFang", f"绑定 {code}", msg_id="1001") == 200
    await rig.settle()
    await rig.settle()
    shown = rig.shown("wangfang")
    assert len(shown) == 1 and "欢迎" in shown[0] and WINDOW in shown[0], shown
    async with rig.db.reading() as tx:
        person = await people.person_by_account(tx, Account(WECOM, "wangfang"))
        assert person is not None
        grants = await people.active_roles(tx, person.id)
    assert [g.role for g in grants] == [Role.INFORMANT]
    assert [e.outcome for e in await handled(rig.db)] == ["joined"]


async def test_a_code_alone_binds_and_strangers_are_told_how_to_join(rig: Rig) -> None:
    """A bare code joins too; a stranger's text gets the stranger's answer; a spent code is
    refused with the reason."""
    code = await invite(rig, Role.WINDOW_HEAD)
    await rig.say("zhangwei", "你好")
    await rig.say("zhangwei", code)
    await rig.say("lisi", code)
    await rig.settle()
    assert "还没有加入" in rig.shown("zhangwei")[0]
    assert "欢迎" in rig.shown("zhangwei")[1]
    assert rig.shown("lisi") == [wecom_texts("zh")("refused.invite_used")]


async def test_a_card_click_signs_and_settles_the_card_for_everyone(rig: Rig) -> None:
    """A WeCom window head gets the sign-off card of an item submitted elsewhere, clicks 同意:
    the step is decided once, the card is updated (update_template_card) with the decision,
    and a second click of the same card changes nothing."""
    await rig.say("zhangwei", f"绑定 {await invite(rig, Role.WINDOW_HEAD)}")
    await rig.settle()
    async with rig.db.transaction() as tx:
        author = await people.ensure_person(tx, Account(TELEGRAM, "501"), "王芳")
        unit = await units.unit_by_name(tx, WINDOW)
        assert unit is not None
        await people.grant_role(tx, author.id, unit.id, Role.INFORMANT, author.id)
    draft = submission.Draft(unit.id, "measures", "一窗通办上线", "正文。", date(2026, 10, 14))
    item = (await submission.submit(rig.db, rig.rules, author, draft)).item
    await rig.settle()
    cards = [d for d in rig.api.inbox("zhangwei") if d.msgtype == "template_card"]
    assert len(cards) == 1
    task_id = str(cards[0].content["task_id"])
    keys = [str(b["key"]) for b in cards[0].content["button_list"]]
    approve = next(k for k in keys if k.startswith("so:") and k.endswith(":a"))
    await rig.api.press("zhangwei", task_id, approve)
    await rig.settle()
    async with rig.db.reading() as tx:
        after = await items.get_item(tx, item.id)
    assert after is not None and after.chain_step == item.chain_step + 1
    assert any(c.api == "message/update_template_card" and c.errcode == 0 for c in rig.api.calls)
    shown_card = rig.api.cards[task_id].shown.get("zhangwei") or {}
    assert "已同意" in str(shown_card), shown_card
    assert "已同意" in rig.shown("zhangwei")[-1]


async def test_a_crash_between_storing_and_handling_is_replayed_once(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies while handling a stored callback (before its replies and mark commit):
    after the restart the row is handled once — one person, one welcome."""
    code = await invite(rig, Role.INFORMANT)
    await rig.say("wangfang", f"绑定 {code}")

    async def dies(*_args: object) -> None:
        raise SystemExit("killed")

    with monkeypatch.context() as patch:
        patch.setattr(Dispatcher, "_finish", dies)
        with pytest.raises(SystemExit):
            await rig.dispatcher.pass_once()
    [entry] = await handled(rig.db)
    assert entry.handled_at is None and entry.attempts == 1
    restarted = Dispatcher(rig.db, rig.rules, rig.channel)
    assert await restarted.pass_once() == 1
    assert await restarted.pass_once() == 0
    await delivery.drain({WECOM: rig.channel}, rig.db, rig.rules)
    shown = rig.shown("wangfang")
    assert len(shown) == 1 and "欢迎" in shown[0], shown
