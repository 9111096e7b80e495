"""The sandbox page in headless Chromium, driven as a trainer would, against the real sandbox.

One path through `sandbox/static/index.html` served by `sandbox.run.run_sandbox` (emulator,
seeded demo ledger, the production bot): the window informant submits an item by typing and
pressing buttons, the window head and the 分管领导 approve, the centre editor records an
adoption, the informant sees the points with `/unit`, time travel to next month's first working
day brings the bulletin chart into the window head's chat; also unread marks, a photo upload,
the phone layout and reset with its confirmation dialog.

Needs Chromium (`scripts/install-browser` installs Debian's) and Playwright for Python (the dev
extra; it drives the system Chromium, no browser download). Skipped when either is missing.
Screenshots go to a temporary folder (or `BAOSONG_SCREENSHOTS`); their paths are printed
(`pytest -s` shows them).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings.loader import load_settings
from sandbox.run import run_sandbox
from sandbox.telegram.images import make_png

try:
    from playwright.sync_api import (
        Browser,
        FilePayload,
        Locator,
        Page,
        expect,
        sync_playwright,
    )
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip(
        "Playwright for Python is not installed (pip install -e '.[dev]')",
        allow_module_level=True,
    )

REPO = Path(__file__).resolve().parent.parent
#: Chromium flags for a quiet, offline, headless run (as root in a container, too).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
]
#: How long one expectation may wait for the bot, in milliseconds.
WAIT_MS = 15_000
#: The item the informant submits (unique, so it is found among the seeded history).
TITLE = "浏览器演练：市人社局窗口推行“一窗通办”"


def chromium_path() -> str | None:
    """The system Chromium: `BAOSONG_CHROMIUM`, or `chromium` / `chromium-browser` on PATH."""
    configured = os.environ.get("BAOSONG_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """The real sandbox (emulator, demo ledger, bot, page) on a free port, in its own thread."""
    settings = load_settings(REPO / "config.yaml", {})
    ready = threading.Event()
    urls: list[str] = []
    failures: list[BaseException] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(
                run_sandbox(
                    settings,
                    host="127.0.0.1",
                    port=0,
                    data_dir=tmp_path / "sandbox",
                    stop=stop,
                    on_ready=on_ready,
                    out=io.StringIO(),
                )
            )
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)
        finally:
            ready.set()
            loop.close()

    thread = threading.Thread(target=serve, name="sandbox", daemon=True)
    thread.start()
    try:
        assert ready.wait(60), "the sandbox did not start within 60 s"
        if failures:
            raise failures[0]
        yield urls[0]
    finally:
        with contextlib.suppress(RuntimeError):  # the loop already ended
            loop.call_soon_threadsafe(stop.set)
        thread.join(30)
    assert not thread.is_alive(), "the sandbox did not stop"
    assert not failures, failures


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Headless system Chromium under Playwright (skips when there is none)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium installed: run scripts/install-browser (Debian: apt chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """The folder screenshots go to."""
    folder = Path(os.environ.get("BAOSONG_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ----------------------------------------------------------------------------- helpers


def shoot(page: Page, folder: Path, name: str) -> None:
    """Saves a screenshot and prints its path."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled")
    print(f"screenshot: {path}")


def choose(page: Page, name: str) -> None:
    """Opens a demo person's chat from the side list."""
    page.locator("#people .person", has_text=name).click()
    expect(page.locator("#chat-name")).to_have_text(name)


def say(page: Page, text: str) -> None:
    """Types into the message box and presses Enter; the sent text shows on the right."""
    box = page.get_by_role("textbox", name="消息", exact=True)
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")
    expect(page.locator("#messages .msg.me").last).to_contain_text(text.splitlines()[0])


def quiet_chats(page: Page, url: str, people: list[dict[str, Any]]) -> None:
    """Waits until what the seeded demo queued for everyone (the demo campaigns' notices) has
    arrived: every chat unchanged for 2 s, at most 60 s; so a walk-through's replies are the
    newest messages."""
    last: list[int] = []
    steady_since = time.monotonic()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = [
            len(page.request.get(f"{url}api/chats/{p['id']}").json()["messages"]) for p in people
        ]
        if now != last:
            last, steady_since = now, time.monotonic()
        elif time.monotonic() - steady_since >= 2:
            return
        time.sleep(0.25)


def last_bot(page: Page) -> Locator:
    """The bot's newest message in the open chat."""
    return page.locator("#messages .msg.bot").last


def press(page: Page, label: str, message: Locator | None = None) -> None:
    """Clicks an inline button (of the bot's newest message unless one is given)."""
    target = last_bot(page) if message is None else message
    target.get_by_role("button", name=label, exact=True).click()


def bot_message_with(page: Page, text: str, button: str) -> Locator:
    """The newest bot message that mentions `text` and has a button `button`."""
    return (
        page.locator("#messages .msg.bot", has_text=text)
        .filter(has=page.get_by_role("button", name=button, exact=True))
        .last
    )


def unread_mark(page: Page, name: str) -> Locator:
    """The unread count beside a person in the side list."""
    return page.locator("#people .person", has_text=name).locator(".unread")


# ----------------------------------------------------------------------------- the test


def test_trainer_walks_through_submit_signoff_adoption_and_bulletin(
    browser: Browser, sandbox_url: str, shots: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 820}, locale="zh-CN")
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(sandbox_url)
    expect(page.locator("body[data-ready]")).to_be_attached()
    people = page.request.get(f"{sandbox_url}api/people").json()
    expect(page.locator("#people .person")).to_have_count(len(people))
    expect(page.locator("#clock-kind")).to_be_visible()
    expect(page.locator("#clock-weekday")).to_contain_text("星期")
    quiet_chats(page, sandbox_url, people)

    # The window informant submits an item: command, buttons, typed title and body.
    choose(page, "王芳")
    say(page, "/submit")
    expect(last_bot(page)).to_contain_text("选择信息类别")
    press(page, "主要措施和创新做法")
    expect(last_bot(page)).to_contain_text("请输入标题")
    say(page, TITLE)
    expect(last_bot(page)).to_contain_text("请输入正文")
    say(page, "市人社局窗口推行“一窗通办”改革，\n群众办事只进一扇门。")
    press(page, "完成")
    expect(last_bot(page)).to_contain_text("哪天发生")
    shoot(page, shots, "01-informant-submitting")
    press(page, "今天")
    press(page, "跳过")
    expect(last_bot(page)).to_contain_text("请核对")
    press(page, "✅ 确认报送")
    expect(page.locator("#messages")).to_contain_text("已报送，编号")
    # The window head's chat changed meanwhile: the side list says so, without a reload.
    expect(unread_mark(page, "李明")).to_be_visible()
    shoot(page, shots, "02-informant-submitted")

    # Two sign-offs: the window head, then the 分管领导.
    choose(page, "李明")
    expect(unread_mark(page, "李明")).to_be_hidden()
    request = bot_message_with(page, TITLE, "✅ 同意")
    expect(request).to_contain_text("请审签")
    shoot(page, shots, "03-head-signoff-request")
    press(page, "✅ 同意", request)
    expect(page.locator("#messages .msg.bot", has_text=TITLE).last).to_contain_text("已同意")
    choose(page, "张伟")
    press(page, "✅ 同意", bot_message_with(page, TITLE, "✅ 同意"))
    expect(page.locator("#messages .msg.bot", has_text=TITLE).last).to_contain_text("已同意")

    # The centre editor records an adoption.
    choose(page, "赵敏")
    press(page, "🏅 登记采用", bot_message_with(page, TITLE, "🏅 登记采用"))
    expect(last_bot(page)).to_contain_text("被哪里采用")
    last_bot(page).locator(".ikb button").first.click()
    expect(last_bot(page)).to_contain_text("累计")
    shoot(page, shots, "04-editor-adoption")

    # The informant sees the unit's points.
    choose(page, "王芳")
    say(page, "/unit")
    expect(last_bot(page)).to_contain_text("得分")

    # A picture from the attach button shows in the chat.
    choose(page, "陈静")
    picture = FilePayload(name="现场.png", mimeType="image/png", buffer=make_png(320, 200))
    page.locator("#photo-input").set_input_files(files=[picture])
    page.get_by_role("dialog", name="发送照片").get_by_role("button", name="发送").click()
    expect(page.locator("#messages .msg.me img").last).to_be_visible()

    # Time travel to next month's first working day: the bulletin reaches the window head.
    choose(page, "李明")
    shown_before = page.locator("#clock-date").inner_text()
    page.get_by_role("button", name="下月第一个工作日").click()
    expect(page.locator("#clock-date")).not_to_have_text(shown_before)
    expect(page.locator("#clock-kind")).to_have_text("工作日")
    chart = page.locator("#messages .msg.bot img").last
    expect(chart).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#messages .msg.bot img')]"
        ".some((img) => img.complete && img.naturalWidth > 100)"
    )
    documents = page.locator("#messages .msg.bot .doc")
    expect(documents.filter(has_text=".xlsx").last).to_be_visible()
    expect(documents.last).to_contain_text(".docx")  # the formal 通报 comes after the workbook
    chart.scroll_into_view_if_needed()
    shoot(page, shots, "05-head-bulletin-chart")

    # A phone: the side list becomes a select above the chat.
    page.set_viewport_size({"width": 390, "height": 820})
    expect(page.locator("#people")).to_be_hidden()
    picker = page.get_by_label("切换演示人员")
    picker.select_option("1001")
    expect(page.locator("#chat-name")).to_have_text("王芳")
    shoot(page, shots, "06-phone")
    page.set_viewport_size({"width": 1280, "height": 820})

    # Reset asks first; cancelling keeps everything, confirming empties the chats.
    page.get_by_role("button", name="重置演示数据").click()
    dialog = page.get_by_role("dialog", name="重置演示数据？")
    expect(dialog).to_be_visible()
    shoot(page, shots, "07-reset-dialog")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("得分")
    page.get_by_role("button", name="重置演示数据").click()
    dialog.get_by_role("button", name="重置", exact=True).click()
    expect(page.locator("#messages .msg")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("还没有消息")

    assert errors == [], errors


def test_a_wecom_member_uses_the_menu_numbers_and_a_card(
    browser: Browser, sandbox_url: str, shots: Path
) -> None:
    """The WeCom informant's chat as WeCom shows it: the app's menu starts 报送, a numbered
    reply is typed back by its button, and a card's button click settles the card."""
    page = browser.new_page(viewport={"width": 1280, "height": 820}, locale="zh-CN")
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(sandbox_url)
    wecom = page.locator("#people .person", has_text="黄晓燕")
    expect(wecom.locator(".channel-tag")).to_have_text("企业微信")
    choose(page, "黄晓燕")
    menu = page.get_by_role("group", name="应用菜单")
    menu.get_by_role("button", name="报送", exact=True).click()
    expect(last_bot(page)).to_contain_text("请回复数字")
    last_bot(page).get_by_role("button", name="便民服务站工作动态").click()
    expect(page.locator("#messages .msg.me").last).to_have_text(re.compile(r"我：\d+"))
    expect(last_bot(page)).to_contain_text("请输入标题")
    say(page, "浏览器演练：城关镇帮办代办进村")
    expect(last_bot(page)).to_contain_text("请输入正文")
    say(page, "今天，城关镇组织帮办代办员进村入户。")
    offered = page.locator("#messages .msg.bot").filter(has=page.locator(".wx-card")).last
    expect(offered.get_by_role("button", name="完成", exact=True)).to_be_visible()
    message_id = offered.get_attribute("data-message-id")
    card = page.locator(f'#messages [data-message-id="{message_id}"] .wx-card')
    card.get_by_role("button", name="完成", exact=True).click()
    expect(card.locator(".wx-note")).to_be_visible()  # settled: the buttons gave way
    expect(card.get_by_role("button")).to_have_count(0)
    menu.get_by_role("button", name="☰ 更多").click()
    expect(menu.get_by_role("button", name="帮助", exact=True)).to_be_visible()
    shoot(page, shots, "wecom-card-settled")
    assert errors == []
