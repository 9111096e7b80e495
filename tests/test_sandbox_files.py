"""The sandbox page's files and restarts over HTTP: a document or photo with its caption reaches
the bot as a Telegram client sends it, a file over the bot's limit is refused with the limit (or
sent anyway, and the bot's own refusal shows), and the run id tells a page the sandbox restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.settings.loader import load_settings
from sandbox.run import Sandbox, run_sandbox
from sandbox.telegram.images import make_png
from sandbox.web import create_app
from sandbox.web_files import MAX_CAPTION_LENGTH, MAX_PHOTO_BYTES
from tests.test_sandbox_browser import quiet_chats
from workflow.dialogues.submit import DOCUMENT_TYPES, MAX_FILE_BYTES, MAX_FILES

REPO = Path(__file__).resolve().parent.parent
INFORMANT = 1001
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

JSON = dict[str, Any]


@dataclass
class Running:
    """The sandbox (emulator, seeded ledger, bot) with its page server, and a client of it."""

    sandbox: Sandbox
    url: str
    session: aiohttp.ClientSession
    events: list[tuple[str, JSON]] = field(default_factory=list)

    async def get(self, path: str) -> Any:
        """GET a JSON answer (asserting 200)."""
        async with self.session.get(self.url + path) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def chat(self) -> list[JSON]:
        """The informant's chat as the page draws it."""
        return list((await self.get(f"api/chats/{INFORMANT}"))["messages"])

    async def send(self, text: str) -> int:
        """The informant writes; how many messages the chat had before."""
        before = len(await self.chat())
        async with self.session.post(
            self.url + f"api/chats/{INFORMANT}/send", json={"text": text}
        ) as response:
            assert response.status == 200, await response.text()
        return before

    async def press(self, message: JSON, label: str) -> int:
        """The informant presses a button of a message; how many messages there were before."""
        before = len(await self.chat())
        rows = message["inline_keyboard"] or []
        (data,) = [b["callback_data"] for row in rows for b in row if b["text"] == label]
        body = {"message_id": message["message_id"], "data": data}
        async with self.session.post(
            self.url + f"api/chats/{INFORMANT}/click", json=body
        ) as response:
            assert response.status == 200, await response.text()
        return before

    async def upload(
        self, name: str, mime: str, data: bytes, **fields: str
    ) -> tuple[int, JSON, int]:
        """The page sends a file (fields: caption, as, over_limit): status, answer, count
        of the chat's messages before."""
        before = len(await self.chat())
        form = aiohttp.FormData(quote_fields=False)  # names in UTF-8, as browsers send them
        form.add_field("file", io.BytesIO(data), filename=name, content_type=mime)
        for key, value in fields.items():
            form.add_field(key, value)
        async with self.session.post(
            self.url + f"api/chats/{INFORMANT}/file", data=form
        ) as response:
            return response.status, await response.json(), before

    async def wait_for(self, found: Callable[[JSON], bool], after: int, what: str) -> JSON:
        """The newest bot message from index `after` on that satisfies `found`."""
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            messages = await self.chat()
            for message in reversed(messages[after:]):
                if message["from_bot"] and found(message):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                shown = [m["text"] or m["caption"] for m in messages[after:]]
                raise AssertionError(f"no message {what!r}: {shown}")
            await asyncio.sleep(0.05)

    async def wait_text(self, part: str, after: int) -> JSON:
        """The newest bot message (from index `after` on) whose text contains `part`."""
        return await self.wait_for(lambda m: part in (m["text"] or ""), after, part)


@contextlib.asynccontextmanager
async def running(data_dir: Path) -> AsyncIterator[Running]:
    """Starts the sandbox and its page on a free port; stops both after."""
    sandbox = Sandbox(load_settings(REPO / "config.yaml", {}), data_dir)
    await sandbox.start()
    runner = web.AppRunner(create_app(sandbox), access_log=None, shutdown_timeout=1.0)
    try:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{int(runner.addresses[0][1])}/"
        async with aiohttp.ClientSession() as session:
            yield Running(sandbox, url, session)
    finally:
        await runner.cleanup()
        await sandbox.stop()


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Running]:
    """The running sandbox and a client of its page."""
    async with running(tmp_path) as started:
        yield started


async def to_the_files_step(page: Running) -> None:
    """The informant starts /submit and answers until the bot asks for photos or files."""
    before = await page.send("/submit")
    categories = await page.wait_for(
        lambda m: "主要措施和创新做法" in str(m["inline_keyboard"]), before, "categories"
    )
    before = await page.press(categories, "主要措施和创新做法")
    await page.wait_text("请输入标题", before)
    before = await page.send("沙盒附件演示：窗口推行“一窗通办”")
    await page.wait_text("请输入正文", before)
    before = await page.send("今天，市人社局窗口推行“一窗通办”改革，办件提速三成。")
    more = await page.wait_for(lambda m: "完成" in str(m["inline_keyboard"]), before, "完成")
    before = await page.press(more, "完成")
    when = await page.wait_for(lambda m: "今天" in str(m["inline_keyboard"]), before, "今天")
    before = await page.press(when, "今天")
    await page.wait_text("可以发送照片或文件", before)


def file_id(url: str) -> str:
    """The Telegram file_id in a page's file URL."""
    return url.rsplit("/", 1)[-1]


async def test_a_document_and_a_photo_reach_the_bot_with_their_captions(page: Running) -> None:
    await to_the_files_step(page)
    document = b"PK\x03\x04 a docx's bytes"
    status, answer, before = await page.upload(
        "会议纪要.docx", DOCX, document, caption="附件：会议纪要"
    )
    assert (status, answer) == (200, {"ok": True})
    reply = await page.wait_text("已添加附件 1 个", before)
    sent = (await page.chat())[before]
    assert (sent["from_bot"], sent["caption"], sent["photo"]) == (False, "附件：会议纪要", None)
    assert sent["document"]["name"] == "会议纪要.docx"
    assert sent["document"]["size"] == len(document)
    # The bot took it as a Telegram document: its getFile asked for that file, and the
    # emulator holds it as a document with the type the browser gave.
    api = page.sandbox.api
    taken = file_id(sent["document"]["url"])
    assert [c.params["file_id"] for c in api.calls_of("getFile")][-1:] == [taken]
    assert api.file_kind(taken) == "document"
    assert api.document_info(taken) == {
        "file_name": "会议纪要.docx",
        "mime_type": DOCX,
        "file_id": taken,
        "file_unique_id": api.document_info(taken)["file_unique_id"],  # type: ignore[index]
        "file_size": len(document),
    }
    async with page.session.get(page.url + sent["document"]["url"].lstrip("/")) as response:
        assert await response.read() == document
    assert reply["message_id"] > sent["message_id"]

    # A picture sent as a photo, with its caption, is the draft's second attachment.
    status, answer, before = await page.upload(
        "现场.png", "image/png", make_png(64, 48), caption="现场照片", **{"as": "photo"}
    )
    assert (status, answer) == (200, {"ok": True})
    reply = await page.wait_text("已添加附件 2 个", before)
    sent = (await page.chat())[before]
    assert (sent["caption"], sent["document"]) == ("现场照片", None)
    assert api.file_kind(file_id(sent["photo"])) == "photo"
    # No caption is no caption, and a file with no type of its own gets one from its name.
    status, answer, before = await page.upload("表.xlsx", "application/octet-stream", b"PK\x03")
    assert status == 200
    reply = await page.wait_text("已添加附件 3 个", before)
    sent = (await page.chat())[before]
    assert sent["caption"] is None
    assert api.document_info(file_id(sent["document"]["url"]))["mime_type"] == (  # type: ignore[index]
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    preview = await page.press(reply, "完成")
    await page.wait_text("附件：3 个", preview)


async def test_a_file_over_the_bots_limit_is_refused_with_the_limit(page: Running) -> None:
    limits = await page.get("api/limits")
    assert limits["file_bytes"] == MAX_FILE_BYTES == 20 * 1024 * 1024
    assert limits["files"] == MAX_FILES
    assert limits["document_types"] == sorted(DOCUMENT_TYPES)
    assert limits["caption_length"] == MAX_CAPTION_LENGTH
    await to_the_files_step(page)
    big = b"%PDF-1.7\n" + bytes(21 * 1024 * 1024)
    status, answer, before = await page.upload("汇报.pdf", "application/pdf", big)
    assert status == 413
    assert answer == {
        "ok": False,
        "error": "“汇报.pdf”有 21 MB，超过机器人接收文件的上限 20 MB，机器人会拒收。"
        "请压缩或拆分后再发送",
        "limit_bytes": MAX_FILE_BYTES,
        "size_bytes": len(big),
    }
    # nothing was sent (the bot's own messages may come meanwhile: the sandbox's first sweep
    # posts its campaigns' notices about now)
    assert not [m for m in (await page.chat())[before:] if not m["from_bot"]]
    # Sent anyway, the bot refuses it as it would in Telegram, without downloading it.
    downloads = len(page.sandbox.api.calls_of("getFile"))
    status, answer, before = await page.upload(
        "汇报.pdf", "application/pdf", big, caption="请查收", over_limit="1"
    )
    assert (status, answer) == (200, {"ok": True})
    await page.wait_text("文件太大（21.0 MB），最大 20 MB", before)
    assert len(page.sandbox.api.calls_of("getFile")) == downloads
    # A photo over Telegram's 10 MB for photos goes as a file instead; a long caption is cut
    # nowhere but refused with Telegram's limit; a photo must be a picture.
    photo = make_png(32, 24) + bytes(MAX_PHOTO_BYTES)
    status, answer, _ = await page.upload("大图.png", "image/png", photo, **{"as": "photo"})
    assert (status, answer["error"]) == (413, "“大图.png”有 10 MB，照片最大 10 MB，请作为文件发送")
    status, answer, _ = await page.upload(
        "纪要.docx", DOCX, b"PK", caption="字" * (MAX_CAPTION_LENGTH + 1)
    )
    assert (status, answer["error"]) == (400, "说明文字太长（1025 字），最多 1024 字")
    status, answer, _ = await page.upload("纪要.docx", DOCX, b"PK", **{"as": "photo"})
    assert status == 400
    assert "不是图片" in answer["error"]
    status, answer, _ = await page.upload("空.pdf", "application/pdf", b"")
    assert (status, answer["error"]) == (400, "“空.pdf”是空文件，不能发送")


async def read_events(page: Running) -> None:
    """Collects the event stream's events into `page.events` until cancelled."""
    async with page.session.get(page.url + "api/events") as response:
        kind, data = "", ""
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = line.removeprefix("data: ")
            elif not line and kind:
                page.events.append((kind, json.loads(data)))
                kind, data = "", ""


async def wait_event(page: Running, kind: str) -> JSON:
    """The first event of a kind seen on the page's stream."""
    for _ in range(200):
        for seen, data in page.events:
            if seen == kind:
                return data
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} event; saw {page.events}")


async def test_the_run_id_changes_across_restarts(tmp_path: Path) -> None:
    async with running(tmp_path / "first") as first:
        run = await first.get("api/run")
        listener = asyncio.create_task(read_events(first))
        try:
            assert await wait_event(first, "hello") == run
            async with first.session.post(first.url + "api/reset") as response:
                assert await response.json() == {"ok": True}
            assert await wait_event(first, "reset") == {"run": run["run"], "resets": 1}
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        again = await first.get("api/run")
        assert (again["run"], again["resets"], again["started"]) == (
            run["run"],
            1,
            run["started"],
        )
    async with running(tmp_path / "second") as second:
        restarted = await second.get("api/run")
        assert restarted["run"] != run["run"]
        assert restarted["resets"] == 0
        assert run["resets"] == 0
        listener = asyncio.create_task(read_events(second))
        try:
            assert await wait_event(second, "hello") == restarted
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener


# ----------------------------------------------------------------------------- in a browser


class Background:
    """`run_sandbox` in a thread of its own (the browser is driven synchronously)."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.url = ""
        self._ready = threading.Event()
        self._failures: list[BaseException] = []
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(data_dir, port), name="sandbox", daemon=True
        )

    def _serve(self, data_dir: Path, port: int) -> None:
        """Runs the sandbox until stopped; a failure is kept for the test."""
        asyncio.set_event_loop(self._loop)
        settings = load_settings(REPO / "config.yaml", {})
        try:
            self._loop.run_until_complete(
                run_sandbox(
                    settings,
                    port=port,
                    data_dir=data_dir,
                    stop=self._stop,
                    on_ready=self._started,
                    out=io.StringIO(),
                )
            )
        except BaseException as error:
            self._failures.append(error)
        finally:
            self._ready.set()
            self._loop.close()

    def _started(self, url: str) -> None:
        """Remembers the page's address."""
        self.url = url
        self._ready.set()

    def start(self) -> str:
        """Starts it; the page's address."""
        self._thread.start()
        assert self._ready.wait(60), "the sandbox did not start within 60 s"
        if self._failures:
            raise self._failures[0]
        return self.url

    def stop(self) -> None:
        """Stops it and waits for its thread."""
        with contextlib.suppress(RuntimeError):  # the loop already ended
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        assert not self._thread.is_alive(), "the sandbox did not stop"
        assert not self._failures, self._failures


def test_the_page_attaches_files_and_notices_a_restart(tmp_path: Path) -> None:
    """In Chromium: a .docx with a caption in /submit, a file over the limit stated before it
    goes and refused by the bot after, then the sandbox restarted under the open page."""
    try:
        from playwright.sync_api import FilePayload, expect, sync_playwright
    except ImportError:  # pragma: no cover - depends on the machine
        pytest.skip("Playwright for Python is not installed (pip install -e '.[dev]')")
    from tests.test_sandbox_browser import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium installed: run scripts/install-browser (Debian: apt chromium)")
    shots = Path(os.environ.get("BAOSONG_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    first = Background(tmp_path / "first", 0)
    url = first.start()
    running: Background | None = first
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 820}, locale="zh-CN")
                page.set_default_timeout(15_000)
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(url)
                expect(page.locator("body[data-ready]")).to_be_attached()
                expect(page.locator("#chat-name")).to_have_text("王芳")
                quiet_chats(page, url, page.request.get(f"{url}api/people").json())
                bot = page.locator("#messages .msg.bot")
                box = page.get_by_role("textbox", name="消息", exact=True)

                def say(text: str) -> None:
                    box.fill(text)
                    box.press("Enter")
                    expect(page.locator("#messages .msg.me").last).to_contain_text(text)

                def press(label: str) -> None:
                    bot.last.get_by_role("button", name=label, exact=True).click()

                say("/submit")
                press("主要措施和创新做法")
                expect(bot.last).to_contain_text("请输入标题")
                say("浏览器附件演练：窗口推行“一窗通办”")
                expect(bot.last).to_contain_text("请输入正文")
                say("市人社局窗口推行“一窗通办”改革，群众办事只进一扇门。")
                press("完成")
                press("今天")
                expect(bot.last).to_contain_text("可以发送照片或文件")

                # A .docx with a caption: sent as a document, the bot takes it.
                attach = page.locator("#photo-input")
                docx = FilePayload(name="会议纪要.docx", mimeType=DOCX, buffer=b"PK\x03\x04docx")
                attach.set_input_files(files=[docx])
                dialog = page.get_by_role("dialog", name="发送文件")
                expect(dialog).to_contain_text("会议纪要.docx")
                dialog.get_by_label("说明文字").fill("附件：一窗通办会议纪要")
                page.screenshot(path=str(shots / "attach-dialog.png"))
                dialog.get_by_role("button", name="发送", exact=True).click()
                mine = page.locator("#messages .msg.me").last
                expect(mine.locator(".doc")).to_contain_text("会议纪要.docx")
                expect(mine).to_contain_text("附件：一窗通办会议纪要")
                expect(bot.last).to_contain_text("已添加附件 1 个")
                page.screenshot(path=str(shots / "docx-sent.png"))

                # Over the bot's 20 MB: the page says so first; sent anyway, the bot refuses.
                big = FilePayload(
                    name="汇报.pdf", mimeType="application/pdf", buffer=bytes(21 * 1024 * 1024)
                )
                attach.set_input_files(files=[big])
                expect(dialog).to_contain_text("超过机器人接收文件的上限 20 MB")
                page.screenshot(path=str(shots / "over-the-limit.png"))
                dialog.get_by_role("button", name="仍然发送").click()
                expect(bot.last).to_contain_text("文件太大（21.0 MB），最大 20 MB")

                # The sandbox restarts under the open page: a notice, and a fresh chat.
                first.stop()
                running = None
                port = int(url.rstrip("/").rsplit(":", 1)[1])
                second = Background(tmp_path / "second", port)
                assert second.start() == url
                running = second
                notice = page.get_by_role("alert").filter(has_text="沙盒已重启")
                expect(notice).to_contain_text("聊天记录已重置")
                # (the demo campaigns' seeded notices arrive again; what was sent is gone)
                expect(page.locator("#messages")).not_to_contain_text("会议纪要.docx")
                page.screenshot(path=str(shots / "restarted.png"))
                say("/help")
                expect(bot.last).to_be_visible()
                assert errors == [], errors
                print(f"screenshots: {shots}")
            finally:
                browser.close()
    finally:
        if running is not None:
            running.stop()
