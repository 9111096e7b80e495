"""The sandbox end to end over HTTP, as its page uses it: chats, buttons, events, time travel, reset."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.settings.loader import load_settings
from bot.settings.schema import Settings
from sandbox.clock import (
    SandboxClock,
    after_holiday,
    describe,
    first_working_day,
    month_end,
    plus_working_days,
    resolve,
)
from sandbox.run import run_sandbox
from sandbox.telegram.images import make_png
from sandbox.web_render import entities_html
from scoring.workdays import WorkCalendar

REPO = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
INFORMANT, HEAD, LEADER, EDITOR = 1001, 1002, 1003, 1006
PNG = b"\x89PNG\r\n\x1a\n"

JSON = dict[str, Any]


# ----------------------------------------------------------------------------- the clock


def test_clock_travels_and_resets() -> None:
    real = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    clock = SandboxClock(lambda: real)
    assert clock() == real
    clock.travel_to(datetime(2026, 12, 1, 9, 5, tzinfo=SHANGHAI))
    assert clock() == datetime(2026, 12, 1, 1, 5, tzinfo=UTC)
    assert clock.offset == timedelta(days=6, hours=23, minutes=5)
    clock.travel_to(datetime(2026, 11, 1, tzinfo=UTC))  # back in time is allowed too
    assert clock() < real
    clock.reset()
    assert (clock(), clock.offset) == (real, timedelta(0))
    with pytest.raises(ValueError, match="aware"):
        clock.travel_to(datetime(2026, 12, 1))


def test_targets_follow_the_working_day_calendar() -> None:
    calendar = WorkCalendar()
    local = datetime(2026, 9, 21, 11, 0, tzinfo=SHANGHAI)  # a Monday

    def at(moment: datetime) -> datetime:
        """A target in Shanghai time."""
        return moment.astimezone(SHANGHAI)

    assert at(month_end(local, calendar, SHANGHAI)) == datetime(2026, 9, 30, 16, tzinfo=SHANGHAI)
    # October 1–7 are the National Day holidays: the first working day is the 8th.
    assert at(first_working_day(local, calendar, SHANGHAI)) == datetime(
        2026, 10, 8, 9, 5, tzinfo=SHANGHAI
    )
    # Mid-autumn (Friday 25 September) is a weekday holiday: the 28th follows it.
    assert at(after_holiday(local, calendar, SHANGHAI)) == datetime(
        2026, 9, 28, 10, tzinfo=SHANGHAI
    )
    assert at(
        after_holiday(at(datetime(2026, 9, 28, 12, tzinfo=SHANGHAI)), calendar, SHANGHAI)
    ) == (datetime(2026, 10, 8, 10, tzinfo=SHANGHAI))
    assert at(plus_working_days(local, 4, calendar, SHANGHAI)) == datetime(
        2026, 9, 28, 10, tzinfo=SHANGHAI
    )
    # Past this month's last working day at 16:00, month end is next month's.
    late = datetime(2026, 9, 30, 17, tzinfo=SHANGHAI)
    assert at(month_end(late, calendar, SHANGHAI)).date() == date(2026, 10, 30)
    assert at(resolve("2026-10-09T08:30", local, calendar, SHANGHAI)) == datetime(
        2026, 10, 9, 8, 30, tzinfo=SHANGHAI
    )
    with pytest.raises(ValueError, match="month_end"):
        resolve("tomorrow", local, calendar, SHANGHAI)
    assert describe(local, calendar, SHANGHAI) == {
        "now": "2026-09-21T11:00:00+08:00",
        "weekday": "星期一",
        "working_day": True,
    }


# ----------------------------------------------------------------------------- rendering


def test_entities_become_safe_html() -> None:
    text = "😀 <b>粗</b> 链接\n/submit 代码"
    # "😀" is two UTF-16 units: every offset after it counts it twice.
    entities = [
        {"type": "bold", "offset": 3, "length": 8},
        {"type": "text_link", "offset": 12, "length": 2, "url": "https://example.org/?a=1&b=2"},
        {"type": "bot_command", "offset": 15, "length": 7},
        {"type": "code", "offset": 23, "length": 2},
        {"type": "text_link", "offset": 0, "length": 2, "url": "javascript:alert(1)"},
    ]
    assert entities_html(text, entities) == (
        "😀 <b>&lt;b&gt;粗&lt;/b&gt;</b> "
        '<a href="https://example.org/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">'
        "链接</a><br>"
        '<span class="tg-command">/submit</span> <code>代码</code>'
    )
    # Overlapping entities still give well-formed HTML.
    overlapping = [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "italic", "offset": 1, "length": 3},
    ]
    assert entities_html("abcd", overlapping) == "<b>a<i>bc</i></b><i>d</i>"


# ----------------------------------------------------------------------------- end to end


@dataclass
class Page:
    """A client of the running sandbox, doing what the page does."""

    url: str
    session: aiohttp.ClientSession
    events: list[tuple[str, JSON]] = field(default_factory=list)

    async def get(self, path: str) -> Any:
        """GET a JSON answer (asserting 200)."""
        async with self.session.get(self.url + path) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: JSON) -> tuple[int, Any]:
        """POST JSON; the status and the JSON answer."""
        async with self.session.post(self.url + path, json=body) as response:
            return response.status, await response.json()

    async def chat(self, person: int) -> list[JSON]:
        """A person's messages."""
        return list((await self.get(f"api/chats/{person}"))["messages"])

    async def send(self, person: int, text: str) -> int:
        """The person writes; returns how many messages the chat had before."""
        before = len(await self.chat(person))
        assert await self.post(f"api/chats/{person}/send", {"text": text}) == (200, {"ok": True})
        return before

    async def press(self, person: int, message: JSON, label: str) -> int:
        """The person presses the button with this label; returns the chat's length before."""
        before = len(await self.chat(person))
        data = button(message, label)
        status, answer = await self.post(
            f"api/chats/{person}/click", {"message_id": message["message_id"], "data": data}
        )
        assert (status, answer) == (200, {"ok": True})
        return before

    async def wait_for(
        self, person: int, found: Callable[[JSON], bool], after: int = 0, what: str = ""
    ) -> JSON:
        """The newest bot message (from index `after` on) that satisfies `found`."""
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            messages = await self.chat(person)
            for message in reversed(messages[after:]):
                if message["from_bot"] and found(message):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                shown = [m["text"] or m["caption"] for m in messages[after:]]
                raise AssertionError(f"no message {what!r} in chat {person}: {shown}")
            await asyncio.sleep(0.05)

    async def wait_text(self, person: int, part: str, after: int = 0) -> JSON:
        """The newest bot message whose text contains `part`."""
        return await self.wait_for(person, lambda m: part in (m["text"] or ""), after, part)

    async def wait_button(self, person: int, label: str, after: int = 0) -> JSON:
        """The newest bot message with a button labelled `label`."""
        return await self.wait_for(person, lambda m: has_button(m, label), after, label)

    async def wait_event(self, kind: str, check: Callable[[JSON], bool]) -> JSON:
        """An event seen on the page's event stream."""
        for _ in range(200):
            for seen, data in self.events:
                if seen == kind and check(data):
                    return data
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {kind} event; saw {self.events}")


def has_button(message: JSON, label: str) -> bool:
    """Whether a message has an inline button with this label."""
    rows = message["inline_keyboard"] or []
    return any(b["text"] == label for row in rows for b in row)


def button(message: JSON, label: str) -> str:
    """The callback data of a message's button with this label (or label prefix)."""
    rows = message["inline_keyboard"] or []
    found = [b["callback_data"] for row in rows for b in row if b["text"].startswith(label)]
    assert found, f"no button {label!r} in {rows}"
    return str(found[0])


async def read_events(page: Page) -> None:
    """Collects the event stream's events into `page.events` until cancelled."""
    async with page.session.get(page.url + "api/events") as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
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


@pytest.fixture
def settings() -> Settings:
    """The shipped configuration."""
    return load_settings(REPO / "config.yaml", {})


@pytest.fixture
async def page(settings: Settings, tmp_path: Path) -> AsyncIterator[Page]:
    """The sandbox running on a free port, and a client of it."""
    stop = asyncio.Event()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    out = io.StringIO()
    task = asyncio.create_task(
        run_sandbox(
            settings, port=0, data_dir=tmp_path, stop=stop, on_ready=ready.set_result, out=out
        )
    )
    try:
        started: set[asyncio.Future[Any]] = {ready, task}
        await asyncio.wait(started, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # a failed start: its error, not a timeout
        url = ready.result()
        assert f"报送沙盒已启动：{url}" in out.getvalue()
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as session:
            yield Page(url, session)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def test_a_trainer_walks_through_an_item(page: Page) -> None:
    people = await page.get("api/people")
    assert people[0] == {
        "id": INFORMANT,
        "name": "王芳",
        "role": "信息员 · 市人社局窗口",
        "channel": "telegram",
    }
    assert {p["id"] for p in people} >= {HEAD, LEADER, EDITOR}
    listener = asyncio.create_task(read_events(page))
    try:
        await walk_through(page, people)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def walk_through(page: Page, people: list[JSON]) -> None:
    """Submit, two sign-offs, an adoption, /unit, the bulletin, then a reset."""
    async with page.session.get(page.url) as response:
        assert response.status == 200
        assert response.content_type == "text/html"

    # The informant submits an item, button by button.
    before = await page.send(INFORMANT, "/submit")
    categories = await page.wait_button(INFORMANT, "主要措施和创新做法", before)
    await page.wait_event("changed", lambda data: data == {"chat": INFORMANT})
    before = await page.press(INFORMANT, categories, "主要措施和创新做法")
    await page.wait_text(INFORMANT, "请输入标题", before)
    before = await page.send(INFORMANT, "沙盒演示：市人社局窗口推行“一窗通办”")
    await page.wait_text(INFORMANT, "请输入正文", before)
    before = await page.send(INFORMANT, "今天，市人社局窗口推行“一窗通办”改革，办件提速三成。")
    more = await page.wait_button(INFORMANT, "完成", before)
    before = await page.press(INFORMANT, more, "完成")
    when = await page.wait_button(INFORMANT, "今天", before)
    before = await page.press(INFORMANT, when, "今天")
    files = await page.wait_button(INFORMANT, "跳过", before)
    before = await page.press(INFORMANT, files, "跳过")
    preview = await page.wait_button(INFORMANT, "✅ 确认报送", before)
    assert "一窗通办" in (preview["text"] or "")
    assert "<b>" in (preview["html"] or "")
    before = await page.press(INFORMANT, preview, "✅ 确认报送")
    await page.wait_text(INFORMANT, "已报送", before)
    mine = [m for m in await page.chat(INFORMANT) if not m["from_bot"]]
    assert mine[0]["text"] == "/submit"  # the person's own messages are in the chat too

    # The window head, then the leader, approve.
    request = await page.wait_button(HEAD, "✅ 同意")
    await page.press(HEAD, request, "✅ 同意")
    await page.wait_text(HEAD, "已同意（李明）")
    request = await page.wait_button(LEADER, "✅ 同意")
    before = len(await page.chat(INFORMANT))
    await page.press(LEADER, request, "✅ 同意")
    await page.wait_text(INFORMANT, "报送到市政务服务中心", before)

    # The centre editor records an adoption.
    arrived = await page.wait_for(
        EDITOR,
        lambda m: "沙盒演示" in (m["text"] or "") and has_button(m, "🏅 登记采用"),
        what="the new item",
    )
    before = await page.press(EDITOR, arrived, "🏅 登记采用")
    outlets = await page.wait_for(
        EDITOR,
        lambda m: any(
            b["callback_data"].startswith("ed:out:") for r in m["inline_keyboard"] or [] for b in r
        ),
        before,
        "outlets",
    )
    first_outlet = outlets["inline_keyboard"][0][0]["text"]
    before = await page.press(EDITOR, outlets, first_outlet)
    await page.wait_text(EDITOR, "累计", before)

    # The informant sees the unit's points.
    before = await page.send(INFORMANT, "/unit")
    assert "市人社局窗口" in (await page.wait_text(INFORMANT, "得分", before))["text"]

    # Time travel: the first working day of next month brings the bulletin.
    before = len(await page.chat(HEAD))
    status, clock = await page.post("api/clock", {"to": "first_working_day"})
    assert status == 200
    assert "T09:05:" in clock["now"]  # landed at 09:05; the sweep it ran took a few seconds
    assert clock["working_day"] is True
    assert (await page.get("api/clock"))["now"][:16] == clock["now"][:16]
    await page.wait_event("clock", lambda data: data == {"now": clock["now"]})
    await page.wait_text(HEAD, "信息报送情况通报", before)
    chart = await page.wait_for(HEAD, lambda m: m["photo"] is not None, before, "chart")
    async with page.session.get(page.url + chart["photo"].lstrip("/")) as response:
        assert response.content_type == "image/png"
        assert (await response.read()).startswith(PNG)
    workbook = await page.wait_for(
        HEAD, lambda m: str((m["document"] or {}).get("name")).endswith(".xlsx"), before, "workbook"
    )
    await page.wait_for(  # and the formal 通报
        HEAD, lambda m: str((m["document"] or {}).get("name")).endswith(".docx"), before, "通报"
    )
    async with page.session.get(page.url + workbook["document"]["url"].lstrip("/")) as response:
        assert response.status == 200
        assert "filename" in response.headers["Content-Disposition"]
        assert (await response.read()).startswith(b"PK")
    status, refused = await page.post("api/clock", {"to": "someday"})
    assert (status, refused["ok"]) == (400, False)

    # Reset: the demo centre starts over, the bot answers again.
    assert await page.post("api/reset", {}) == (200, {"ok": True})
    # The chat starts over: only the demo campaigns' seeded notices may have arrived since.
    assert not [m for m in await page.chat(INFORMANT) if "考核" not in (m["text"] or "")]
    assert await page.get("api/people") == people
    now = datetime.fromisoformat((await page.get("api/clock"))["now"])
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=5)
    status, refused = await page.post(
        f"api/chats/{HEAD}/click", {"message_id": request["message_id"], "data": "so:1:0:0:a"}
    )
    assert status == 400
    assert refused["ok"] is False
    before = await page.send(INFORMANT, "/unit")
    await page.wait_text(INFORMANT, "得分", before)
    async with page.session.get(page.url + "api/chats/999") as response:
        assert response.status == 404
    await send_a_photo(page)


async def send_a_photo(page: Page) -> None:
    """The page uploads a photo into a chat; anything but an image is refused."""
    form = aiohttp.FormData()
    form.add_field("photo", make_png(32, 24), filename="photo.png", content_type="image/png")
    async with page.session.post(page.url + f"api/chats/{EDITOR}/photo", data=form) as response:
        assert (response.status, await response.json()) == (200, {"ok": True})
    (sent,) = [m for m in await page.chat(EDITOR) if m["photo"] and not m["from_bot"]]
    async with page.session.get(page.url + sent["photo"].lstrip("/")) as response:
        assert response.content_type == "image/png"
        assert await response.read() == make_png(32, 24)
    form = aiohttp.FormData()
    form.add_field("photo", b"not an image", filename="x.txt", content_type="text/plain")
    async with page.session.post(page.url + f"api/chats/{EDITOR}/photo", data=form) as response:
        assert response.status == 400


async def test_the_demo_centre_had_its_informants_all_year(tmp_path: Path) -> None:
    """The seeded year deducts 信息员未落实 only from units that have no informant at all."""
    from bot.wiring import centre_rules
    from sandbox import seed
    from scoring.figures import DeductionReason
    from scoring.vocab import Role
    from storage.db import Database
    from workflow.figures import year_report

    settings = load_settings(REPO / "config.yaml", {})
    rules = centre_rules(settings)
    now = datetime(2026, 12, 4, 3, tzinfo=UTC)
    db = await Database.open(tmp_path / "demo.db", clock=lambda: now)
    try:
        await db.migrate()
        cast = await seed.seed(db, settings, lambda: now)
        lines = await year_report(db, rules.policy, rules.zone, 2026)
    finally:
        await db.close()
    staffed = {m.unit for m in cast.people if m.role is Role.INFORMANT}
    staffed |= {unit for unit, _ in seed._OTHER_INFORMANTS}
    deducted = {
        line.counts.name
        for line in lines
        if any(d.reason is DeductionReason.NO_INFORMANT for d in line.deductions)
    }
    assert staffed & {line.counts.name for line in lines} == staffed
    assert deducted == {line.counts.name for line in lines} - staffed
    assert deducted  # the demo keeps units without an informant, for /noinformant
