"""Bad input over WeCom (issue 13): the bad-input corpus's typed cases of /submit's title, body
and date steps, sent by a WeCom member to the running bot, must get the answer Telegram gives;
and hostile callbacks to the running bot mid-dialogue (oversized, malformed or entity-laden XML,
a bad signature, a stale timestamp, a replay) are answered safely with nothing recorded, sent
or changed. The callback server's own refusals, one by one, are `test_wecom_callback.py`'s."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.settings.schema import Settings
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage.db import Database
from tests.conftest import FakeClock
from tests.people import WECOM, Centre, WeComPerson, centre_running, plaintext
from tests.test_bad_input import CASES, Case

WINDOW = "市人社局窗口"
#: The steps whose typed cases apply on WeCom, and what the step says once it takes an answer.
STEPS = {"title": "请输入正文", "body": "已记录正文", "date": "可以发送照片或文件"}
#: The longest text a WeCom member can send, UTF-8 bytes.
WECOM_TEXT_BYTES = 2048


def typed(action: dict[str, Any]) -> str:
    """The text a case's action types."""
    text = str(action["text"]) * int(action.get("repeat", 1))
    return str(action.get("prefix", "")) + text + str(action.get("suffix", ""))


def why_not_on_wecom(case: Case) -> str | None:
    """Why a case of those steps is left out on WeCom (None: it runs)."""
    if len(case.actions) != 1 or "text" not in case.actions[0]:
        return "not one typed text (a file, a sticker, a press or several actions)"
    action = case.actions[0]
    if "as" in action or "${" in str(action):
        return "needs another person or an id the Telegram stage prepares"
    if case.clock_days or case.xfail or case.quiet:
        return "moves the clock, is a known Telegram bug, or expects silence"
    if typed(action).startswith("/") or any("/" in fragment for fragment in case.expect):
        return "a Telegram slash command (WeCom words commands 「取消」)"
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in typed(action)):
        return "control characters XML cannot carry, so WeCom cannot send them"
    if len(typed(action).encode()) > WECOM_TEXT_BYTES:
        return "longer than WeCom lets a member send (its callback is refused as malformed)"
    return None


TYPED = [c for c in CASES if c.group in STEPS and why_not_on_wecom(c) is None]
LEFT_OUT = [c for c in CASES if c.group in STEPS and why_not_on_wecom(c) is not None]


@pytest.fixture
async def centre(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot serving both emulators."""
    async with centre_running(server, settings, ledger, clock) as found:
        yield found


async def to_step(member: WeComPerson, step: str) -> None:
    """A new member's first draft brought to a step of /submit."""
    await member.join(WINDOW, Role.INFORMANT)
    assert "请选择信息类别" in await member.say("报送")
    await member.press("主要措施和创新做法")
    if step == "title":
        return
    await member.say("窗口推行“一窗通办”")
    if step == "body":
        return
    await member.say("正文。")
    assert "哪天发生" in await member.press("完成")


def test_the_corpus_gives_wecom_cases_and_says_why_others_are_left_out() -> None:
    """Most typed cases run on WeCom; each left out has its reason."""
    assert len(TYPED) >= 60, len(TYPED)
    assert all(why_not_on_wecom(case) for case in LEFT_OUT)


@pytest.mark.parametrize("step", list(STEPS))
async def test_typed_bad_input_gets_telegrams_answer_on_wecom(centre: Centre, step: str) -> None:
    """Each case typed at its step by a member of its own (WeCom's duplicate check would keep
    back a refusal one member was shown in the last 30 minutes): every expected fragment in
    the reply, and no error."""
    wrong: list[str] = []
    for n, case in enumerate(c for c in TYPED if c.group == step):
        member = centre.person(WECOM, f"m{n}", f"成员{n}")
        assert isinstance(member, WeComPerson)
        await to_step(member, step)
        answer = await member.say(typed(case.actions[0]))
        missing = [f for f in case.expect if f not in answer]
        if missing or "出错了" in answer:
            wrong.append(f"{case.id}: {missing} not in {answer[:200]!r}")
    assert not wrong, "\n".join(wrong)
    async with centre.db.reading() as tx:
        left = await tx.fetchall("SELECT id FROM wecom_inbox WHERE handled_at IS NULL")
    assert left == []


async def ledger_counts(centre: Centre) -> tuple[int, int, int, int]:
    """Callbacks stored, audit rows, outbox rows, items: what a refused callback must leave."""
    async with centre.db.reading() as tx:
        found = []
        for table in ("wecom_inbox", "audit_log", "outbox", "items"):
            row = await tx.fetchone(f"SELECT count(*) AS n FROM {table}")
            found.append(int(row["n"]) if row is not None else 0)
    return found[0], found[1], found[2], found[3]


async def test_hostile_callbacks_mid_dialogue_are_refused_and_leave_nothing(
    centre: Centre, clock: FakeClock
) -> None:
    member = centre.person(WECOM, "wangfang", "王芳")
    assert isinstance(member, WeComPerson)
    await to_step(member, "title")
    before, shown = await ledger_counts(centre), len(member.received())
    text = centre.message(member.userid, "text", ("Content", "被篡改的标题"))
    good = centre.sealed(plaintext(text))

    bad_signature = {**good["query"], "msg_signature": "0" * 40}
    assert await centre.post_raw(bad_signature, good["body"]) == 403
    stale = centre.sealed(plaintext(text), stamp=str(int(clock.now.timestamp()) - 3600))
    assert await centre.post_raw(stale["query"], stale["body"]) == 403
    assert await centre.post_raw(good["query"], b"<xml><Encrypt>") == 400
    assert await centre.post_raw(good["query"], b"<xml>" + b"x" * 70_000 + b"</xml>") == 413
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<xml><ToUserName>{centre.wecom.corp_id}</ToUserName><MsgType>text</MsgType>"
        "<FromUserName>wangfang</FromUserName><Content>&b;</Content><MsgId>1</MsgId></xml>"
    )
    sealed_bomb = centre.sealed(bomb)
    assert await centre.post_raw(sealed_bomb["query"], sealed_bomb["body"]) == 400
    await centre.settle()
    assert await ledger_counts(centre) == before
    assert len(member.received()) == shown

    # The genuine message, then its replay inside the window: taken once, answered once.
    assert await centre.post_raw(good["query"], good["body"]) == 200
    assert await centre.post_raw(good["query"], good["body"]) == 200
    await centre.settle()
    assert member.received()[shown:] == ["请输入正文。内容较长时可以分几条消息发送。"]
    stored, *_ = await ledger_counts(centre)
    assert stored == before[0] + 1


async def test_cancel_at_the_files_step_forgets_the_draft(centre: Centre) -> None:
    member = centre.person(WECOM, "wangfang", "王芳")
    assert isinstance(member, WeComPerson)
    await to_step(member, "date")
    assert "可以发送照片或文件" in await member.say("2026-10-14")
    assert "已取消" in await member.say("取消")
    assert "请选择信息类别" in await member.say("报送")
