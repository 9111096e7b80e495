"""/announce on the conversation engine and the in-memory channel, no HTTP: text, audience
toggles and preview to 发送; a file whose caption is too long; refusals, other actions and a
restart mid-dialogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from chat.actions import Press
from chat.actions import announce as an
from chat.capabilities import TELEGRAM
from chat.commands import TELEGRAM_COMMANDS
from chat.dialogue import Reply, aside_channel
from chat.dialogue.session import FileIn, Ref
from chat.memory import MemoryChannel, Sent
from chat.render import PlainText
from chat.texts import Raw, Texts
from scoring.vocab import Role
from storage import announcements, files, outbox, people, sessions, units
from storage.db import Database
from storage.sessions import LedgerSessions
from storage.units import UnitSpec
from tests.conftest import FakeClock, tg_account
from workflow import announce
from workflow.dialogues import Announcing, Dialogues
from workflow.rules import CentreRules

REPO = Path(__file__).resolve().parent.parent
TEXTS = Texts("zh", PlainText(TELEGRAM_COMMANDS))
HEAD = "📢 市政务服务中心通知"
WINDOW = "市人社局窗口"
TOWNSHIP = "城关镇便民服务中心"


def value(param: object) -> object:
    """A parameter rendered as the Telegram side renders it (a reference, a reply, a tuple)."""
    if isinstance(param, Ref):
        return Raw(TEXTS(param.key))
    if isinstance(param, Reply):
        return Raw(render(param))
    if isinstance(param, tuple):
        return Raw("、".join(str(value(part)) for part in param))
    return param


def render(reply: Reply) -> str:
    """A reply as plain text (a button-clearing reply has none)."""
    if reply.how == "clear":
        return ""
    said = TEXTS(reply.key, **{name: value(param) for name, param in reply.params.items()})
    return "\n".join([said, *(render(part) for part in reply.also)])


def labels(sent: Sent) -> dict[str, Press]:
    """The buttons of a message by the label the person sees (its params filled in)."""
    shown = {}
    for row in sent.reply.buttons if sent.reply is not None else ():
        for button in row:
            if TEXTS.has(button.label):
                params = {name: value(param) for name, param in button.params.items()}
                shown[TEXTS(button.label, **params)] = button.press
            else:
                shown[button.label] = button.press
    return shown


@pytest.fixture
def rules() -> CentreRules:
    """The rules of the shipped config.yaml."""
    return centre_rules(load_settings(REPO / "config.yaml", {}))


@pytest.fixture
async def cast(db: Database) -> dict[str, int]:
    """The shipped units; an editor, two informants and a leader."""
    settings = load_settings(REPO / "config.yaml", {})
    async with db.transaction() as tx:
        await units.sync_units(
            tx,
            [
                UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
        )
        by_name = {unit.name: unit.id for unit in await units.list_units(tx)}
        ids = {}
        for name, tg, unit, role in [
            ("editor", 104, "综合科", Role.EDITOR),
            ("王芳", 101, WINDOW, Role.INFORMANT),
            ("刘洋", 201, TOWNSHIP, Role.INFORMANT),
            ("张伟", 103, WINDOW, Role.LEADER),
        ]:
            person = await people.ensure_person(tx, tg_account(tg), name)
            await people.grant_role(tx, person.id, by_name[unit], role, None)
            ids[name] = person.id
        ids["window"] = by_name[WINDOW]
    return ids


def channel(db: Database, rules: CentreRules, name: str = "memory") -> MemoryChannel:
    """A fresh engine over the ledger (as after a restart) on the in-memory channel."""
    engine = Dialogues(db, rules).engine(LedgerSessions(db), announcing=Announcing(TELEGRAM, HEAD))
    return MemoryChannel(engine, render, str, name=name)


def keys(said: list[Sent]) -> list[str]:
    """The catalogue keys of what was said."""
    return [s.reply.key for s in said if s.reply is not None]


async def test_text_to_chosen_units_leaders(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat, editor = channel(db, rules), cast["editor"]
    assert keys(await chat.command(editor, "announce")) == ["ann.ask_text"]
    refused = await chat.text(editor, "\u200b ")
    assert keys(refused) == ["refused.ann_text_empty"]  # the question stands
    shown = await chat.text(editor, "请各位分管领导审阅本月信息。")
    assert shown[0].reply is not None and shown[0].reply.how == "say"
    assert "当前符合条件：2 人" in shown[0].text  # every informant, all units
    audience = labels(shown[0])
    assert "✅ 信息员" in audience and "▫️ 分管领导" in audience
    await chat.press(editor, audience["✅ 信息员"])  # off
    pressed = {"chat": 104, "message": 9}  # a channel that names the pressed message
    on = chat._event(editor, press=audience["▫️ 分管领导"], origin=pressed)
    edited = await chat._deliver(on)  # redrawn in place
    assert edited[0].reply is not None and edited[0].reply.how == "edit"
    assert edited[0].reply.params["origin"] == pressed
    assert "当前符合条件：1 人" in edited[0].text
    listed = await chat.press(editor, an.Step("u"))
    assert "已选 0 个" in listed[0].text
    picked = await chat.press(editor, labels(listed[0])[f"▫️ {WINDOW}"])
    assert f"✅ {WINDOW}" in labels(picked[0])
    back = await chat.press(editor, an.Step("ub"))
    assert f"1 个单位（{WINDOW}）" in back[0].text
    assert "✅ 选择单位…（已选 1）" in labels(back[0])
    preview = await chat.press(editor, an.Step("pv"))
    assert "将发送给 1 人：张伟" in preview[0].text
    assert "—— editor" in preview[0].text  # as recipients will see it
    send = labels(preview[0])["✅ 发送"]
    stale = await chat.press(editor, an.Send("0" * 24))  # an older preview's 发送
    assert keys(stale) == ["ann.stale"] and stale[0].reply.how == "alert"  # type: ignore[union-attr]
    done = await chat.press(editor, send)
    assert keys(done) == ["ann.queued"] and "正在发送给 1 人" in done[0].text
    assert labels(done[0]) == {"📊 查看发送情况": an.Report(1)}
    assert await chat.press(editor, send) == []  # again: no dialogue, the channel says stale
    async with db.reading() as tx:
        stored = await announcements.recent_announcements(tx)
        assert await sessions.load(tx, editor, aside_channel(chat.name, "announce")) is None
        rows = await announcements.deliveries(tx, stored[0].id)
    assert len(stored) == 1 and stored[0].audience_data["units"] == [cast["window"]]
    assert [r.name for r in rows] == ["张伟"]


async def test_a_file_whose_caption_is_too_long_keeps_the_file(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat, editor = channel(db, rules), cast["editor"]
    key = "sha256:" + "0" * 64
    async with db.transaction() as tx:
        await files.put(tx, key, "培训.pdf", "application/pdf", b"%PDF-1.4")
    await chat.command(editor, "announce")
    pdf = FileIn(key, "培训.pdf", "application/pdf", 8)
    said = await chat._deliver(chat._event(editor, file=pdf, text="字" * 1000))
    assert keys(said) == ["refused.ann_caption_too_long", "ann.ask_caption"]
    limit = announce.caption_limit(TELEGRAM, HEAD)
    assert "已收到培训.pdf" in said[1].text and f"最多 {limit} 字" in said[1].text
    shown = await chat.text(editor, "信息员培训：10月20日上午9点。")
    assert "选择接收对象" in shown[0].text
    preview = await chat.press(editor, an.Step("pv"))
    sent = preview[0].reply
    assert sent is not None and sent.params["file"] == {
        "kind": "document",
        "key": key,
        "caption": f"{HEAD}\n\n信息员培训：10月20日上午9点。",
    }
    assert "附件和正文见上一条消息" in preview[0].text
    await chat.press(editor, labels(preview[0])["✅ 发送"])
    async with db.reading() as tx:
        queued = await outbox.due(tx, "telegram")
    assert {json.loads(row.payload)["file"] for row in queued} == {key}


async def test_refusals_interruptions_and_a_restart(
    db: Database, rules: CentreRules, cast: dict[str, int], clock: FakeClock
) -> None:
    chat, editor = channel(db, rules), cast["editor"]
    informant = cast["王芳"]
    assert keys(await chat.command(informant, "announce")) == ["refused.ann_not_allowed"]
    await chat.command(editor, "announce")
    assert await chat.command(editor, "help") == []  # another command leaves it standing
    assert keys(await chat.press(editor, an.Step("pv"))) == []  # not at this step: stale
    shown = await chat.text(editor, "本周五下午召开信息员培训会。")
    assert keys(await chat.text(editor, "还有一句")) == ["ann.use_buttons"]
    off = labels(shown[0])["✅ 信息员"]
    await chat.press(editor, off)
    assert keys(await chat.press(editor, an.Step("pv"))) == ["refused.ann_no_roles"]
    assert keys(await chat.press(editor, an.PickUnit(9999))) == ["refused.forged"]
    await chat.press(editor, off)  # on again
    clock.now += rules.typed_answer * 6  # an hour later: nothing expired
    del chat  # the process is gone; another opens the same ledger file
    async with await Database.open(db.path, clock=clock) as reopened:
        after = channel(reopened, rules)
        preview = await after.press(editor, an.Step("pv"))
        assert "将发送给 2 人" in preview[0].text
        back = await after.press(editor, an.Step("ed"))  # a fresh audience message
        assert back[0].reply is not None and back[0].reply.how == "say"
        cancelled = await after.press(editor, an.Step("x"))
        assert keys(cancelled) == ["ann.cancelled"]
        assert await after.text(editor, "没人等的话") == []
        async with reopened.reading() as tx:
            assert await announcements.recent_announcements(tx) == []
