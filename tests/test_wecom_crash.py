"""Crash safety on WeCom (issue 13): `baosong run` serving WeCom alone is SIGKILLed between
storing a callback and handling it, and between a send reaching WeCom and its record, then
restarted on the same ledger; nothing is lost and nothing is shown twice.

The emulator holds the call the bot waits on (`stall_next`), so each kill lands exactly in
its window: a photo's media/get (the callback stored and acknowledged, its handling not yet
committed) and the message/send of the reply to it (carried out by WeCom, its answer held).
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from pathlib import Path

import aiohttp

from bot import cli
from channels.wecom.crypto import MsgCrypt
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import CallbackEvent, Medium
from tests.crash_driver import BotProcess
from tests.people import AES_KEY, PHOTO, WECOM_TOKEN, choices, plaintext
from tests.test_wecom_run import env as wecom_env

USER = "wangfang"


def free_port() -> int:
    """A port nothing listens on now."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Member:
    """One WeCom member writing to the bot process, in real time."""

    def __init__(self, api: FakeWeComApi, url: str, http: aiohttp.ClientSession) -> None:
        self.api = api
        self.url = url
        self.http = http
        self.crypt = MsgCrypt(WECOM_TOKEN, AES_KEY, api.corp_id)
        self.serial = 0

    async def post(self, fields: tuple[tuple[str, str], ...]) -> None:
        """A callback sealed and posted; it must be acknowledged (stored)."""
        self.serial += 1
        stamp, nonce = str(int(time.time())), f"c{self.serial}"
        encrypt, signature = self.crypt.seal(plaintext(fields).encode(), stamp, nonce)
        body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
        query = {"msg_signature": signature, "timestamp": stamp, "nonce": nonce}
        async with self.http.post(self.url, params=query, data=body) as answer:
            assert answer.status == 200

    async def sink(self, event: CallbackEvent) -> None:
        """A card click, pushed by the emulator."""
        await self.post(event.fields)

    def message(self, kind: str, *fields: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        """A message's plaintext fields, with a MsgId of its own."""
        return (
            ("ToUserName", self.api.corp_id),
            ("FromUserName", USER),
            ("CreateTime", str(int(time.time()))),
            ("MsgType", kind),
            *fields,
            ("MsgId", f"9{self.serial:018d}{int(time.time() * 1000) % 1000:03d}"),
            ("AgentID", str(self.api.agent_id)),
        )

    def shown(self) -> list[str]:
        """Texts and card titles shown to the member."""
        return [
            d.text
            or str((d.content.get("main_title") or {}).get("title", ""))
            + str(d.content.get("sub_title_text", ""))
            for d in self.api.inbox(USER)
        ]

    async def say(self, text: str, expect: str) -> None:
        """Writes a text and waits for a reply holding `expect`."""
        seen = len(self.shown())
        await self.post(self.message("text", ("Content", text)))
        await self.until(lambda: any(expect in s for s in self.shown()[seen:]), expect)

    async def press(self, key_prefix: str, expect: str) -> None:
        """Clicks the newest card's button whose key starts so; waits for `expect`."""
        card = next(d for d in reversed(self.api.inbox(USER)) if d.msgtype == "template_card")
        (key,) = [k for _, k in choices(card) if k.startswith(key_prefix)]
        seen = len(self.shown())
        await self.api.press(USER, str(card.content["task_id"]), key)
        await self.until(lambda: any(expect in s for s in self.shown()[seen:]), expect)

    async def until(self, done: Callable[[], bool], what: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Polls until `done`."""
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"never shown {what!r}: {self.shown()[-3:]}"
            await asyncio.sleep(0.05)


@asynccontextmanager
async def bot_process(tmp_path: Path) -> AsyncIterator[tuple[BotProcess, Member, Path]]:
    """The emulator, a ledger with an invited member's code, and the bot process serving
    WeCom alone on a free port; killed at the end whatever happened."""
    async with FakeWeComApi() as api, aiohttp.ClientSession() as http:
        port = free_port()
        env = wecom_env(tmp_path, api) | {"BAOSONG_WECOM_LISTEN": f"127.0.0.1:{port}"}
        assert await asyncio.to_thread(cli.main, ["init"], env, io.StringIO()) == 0
        out = io.StringIO()
        args = ["invite", "--channel", "wecom", "--unit", "市人社局窗口", "--role", "informant"]
        assert await asyncio.to_thread(cli.main, [*args, "--json"], env, out) == 0
        code = json.loads(out.getvalue())["code"]
        proc = BotProcess(env | {"PYTHONUNBUFFERED": "1"}, tmp_path / "bot.log")
        member = Member(api, f"http://127.0.0.1:{port}/wecom/callback", http)
        api.on_callback(member.sink)
        (tmp_path / "code").write_text(code)
        try:
            yield proc, member, tmp_path / "ledger.db"
        finally:
            await proc.ensure_dead()


async def listening(member: Member) -> None:
    """Waits until the bot's callback answers (its URL check without a signature: 400)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            async with member.http.get(member.url) as answer:
                if answer.status in (400, 403):
                    return
        except aiohttp.ClientError:
            pass
        assert time.monotonic() < deadline, "the bot never listened"
        await asyncio.sleep(0.1)


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    """A read-only query of the ledger."""
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        return [tuple(r) for r in conn.execute(sql)]


async def test_kills_between_storing_and_handling_and_between_send_and_record(
    tmp_path: Path,
) -> None:
    async with bot_process(tmp_path) as (proc, member, db_path):
        api = member.api
        await proc.start()
        await listening(member)
        await member.say(f"绑定 {(tmp_path / 'code').read_text()}", "欢迎")
        await member.say("报送", "请回复数字 1–7 选择")
        await member.say("3", "请输入标题")
        await member.say("窗口推行“一窗通办”", "请输入正文")
        await member.say("10月14日，窗口推行“一窗通办”改革。", "已记录正文")
        await member.press("sub:body:done", "哪天发生")
        await member.say("2026-10-14", "可以发送照片或文件")

        # Kill 1: the photo's callback is stored and acknowledged; its handling waits on
        # media/get when the process dies.
        upload = api.new_id("m", 40)  # the member's photo, kept by WeCom as media
        api.media[upload] = Medium(upload, "image", "现场.jpg", "image/jpeg", PHOTO, api.clock())
        api.stall_next("media/get", 60)
        fetches = sum(1 for c in api.calls if c.api == "media/get")
        await member.post(member.message("image", ("MediaId", upload)))
        await member.until(
            lambda: sum(1 for c in api.calls if c.api == "media/get") > fetches, "media/get"
        )
        await proc.kill()
        assert rows(db_path, "SELECT count(*) FROM wecom_inbox WHERE handled_at IS NULL") == [(1,)]

        # Kill 2: after the restart the stored photo is handled; the reply reaches WeCom but
        # its answer is held when the process dies: recorded as uncertain, never resent.
        api.stall_next("message/send", 60)
        sends = sum(1 for c in api.calls if c.api == "message/send")
        await proc.start()
        await member.until(lambda: any("已添加附件 1 个" in s for s in member.shown()), "附件")
        await member.until(
            lambda: sum(1 for c in api.calls if c.api == "message/send") > sends, "the send"
        )
        await proc.kill()
        await proc.start()
        await listening(member)
        await member.until(
            lambda: bool(rows(db_path, "SELECT 1 FROM outbox WHERE state = 'uncertain'")),
            "the uncertain row",
        )
        await member.press("sub:files:done", "请核对")
        await member.press("sub:ok", "已报送，编号 #1")
        await proc.stop()

    shown = member.shown()
    assert sum("已添加附件 1 个" in s for s in shown) == 1, shown
    assert sum("已报送，编号 #1" in s for s in shown) == 1, shown
    assert not api.duplicates(USER) and not api.dropped(USER)
    assert rows(db_path, "SELECT count(*) FROM items") == [(1,)]
    assert rows(db_path, "SELECT count(*) FROM item_files") == [(1,)]
    assert rows(db_path, "SELECT count(*) FROM wecom_inbox WHERE handled_at IS NULL") == [(0,)]
    assert rows(db_path, "SELECT attempts FROM wecom_inbox WHERE msg_type = 'image'") == [(2,)]
    states = rows(db_path, "SELECT DISTINCT state FROM outbox ORDER BY state")
    assert states == [("sent",), ("uncertain",)], states
    uncertain = rows(db_path, "SELECT purpose FROM outbox WHERE state = 'uncertain'")
    assert len(uncertain) == 1, uncertain
