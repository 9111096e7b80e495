"""/brief and an issue's return on the conversation engine, on the in-memory channel (no HTTP):
the menu and its typed questions to 送审, a refusal, another action and a restart mid-draft,
and the return's reason held for ✅ 确认."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.documents import briefdoc
from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from chat.actions import briefs as bf
from chat.commands import TELEGRAM_COMMANDS
from chat.dialogue import Reply, Session, held_channel
from chat.dialogue.session import Ref
from chat.memory import MemoryChannel, Sent
from chat.render import PlainText
from chat.texts import Raw, Texts
from scoring.vocab import Role
from storage import briefs, people, sessions, units
from storage.db import Database
from storage.sessions import LedgerSessions
from storage.units import UnitSpec
from tests.conftest import tg_account
from workflow import submission
from workflow.briefs import BriefContent
from workflow.dialogues import Dialogues
from workflow.rules import CentreRules

REPO = Path(__file__).resolve().parent.parent
TEXTS = Texts("zh", PlainText(TELEGRAM_COMMANDS))
SECTION = "综合科"
OFFICE = "办公室"


def render(reply: Reply) -> str:
    """A reply as plain text: references and nested replies rendered first, a part with no
    key an empty line."""
    if reply.how == "clear":
        return ""
    if not reply.key:
        return ""
    params: dict[str, Any] = {
        name: Raw(TEXTS(value.key))
        if isinstance(value, Ref)
        else Raw(render(value))
        if isinstance(value, Reply)
        else value
        for name, value in reply.params.items()
    }
    return "\n".join([TEXTS(reply.key, **params), *(render(part) for part in reply.also)])


class CountingSessions(LedgerSessions):
    """The ledger's sessions, counting the writes made in transactions of their own."""

    writes = 0

    async def write(self, person_id: int, channel: str, session: Session | None) -> None:
        """Counts, then stores."""
        CountingSessions.writes += 1
        await super().write(person_id, channel, session)


@pytest.fixture
def rules() -> CentreRules:
    """The rules of the shipped config.yaml."""
    return centre_rules(load_settings(REPO / "config.yaml", {}))


@pytest.fixture
async def cast(db: Database, rules: CentreRules) -> dict[str, int]:
    """The shipped units; an editor, a centre leader, a section informant with two items at
    the centre."""
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
            ("editor", 201, OFFICE, Role.EDITOR),
            ("leader", 202, OFFICE, Role.CENTRE_LEADER),
            ("informant", 203, SECTION, Role.INFORMANT),
        ]:
            person = await people.ensure_person(tx, tg_account(tg), name)
            await people.grant_role(tx, person.id, by_name[unit], role, None)
            ids[name] = person.id
    async with db.reading() as tx:
        informant = await people.get_person(tx, ids["informant"])
    assert informant is not None
    for title in ("综合科推行帮办代办", "综合科周末不打烊"):
        draft = submission.Draft(
            unit_id=by_name[SECTION],
            category="measures",
            title=title,
            body=f"{title}，群众好评。",
            event_date=date(2026, 10, 14),
        )
        await submission.submit(db, rules, informant, draft)
    return ids


def channel(db: Database, rules: CentreRules) -> MemoryChannel:
    """A fresh engine over the ledger (as after a restart) on the in-memory channel."""
    engine = Dialogues(db, rules).engine(CountingSessions(db), render_issue=render_issue)
    return MemoryChannel(engine, render)


async def render_issue(content: BriefContent) -> bytes:
    """An issue's .docx, made here (the bot makes it in a child process)."""
    return briefdoc.render(content)


def keys(said: list[Sent]) -> list[str]:
    """The catalogue keys of what was said ("" for a message's buttons taken off)."""
    return [s.reply.key if s.reply is not None else "" for s in said]


async def step_of(db: Database, person: int, channel: str = "memory") -> str | None:
    """The step the person's session waits at, if any."""
    async with db.reading() as tx:
        session = await sessions.load(tx, person, channel)
    return session.step if session is not None else None


async def test_an_issue_drafted_to_review(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    editor = cast["editor"]
    menu = await chat.command(editor, "brief")
    assert keys(menu) == ["brief.menu"]
    assert "第1期" in menu[0].text and "还没有加入信息" in menu[0].text
    assert menu[0].press("btn.brief_add") == bf.DraftMenu(1, "add")
    asked = await chat.press(editor, bf.DraftMenu(1, "add"))
    assert keys(asked) == ["brief.candidates_head", "brief.ask_numbers"]
    assert "#1 综合科推行帮办代办" in asked[0].text
    refused = await chat.text(editor, "第一条")  # the question stands
    assert keys(refused) == ["refused.brief_numbers_unreadable"]
    CountingSessions.writes = 0
    added = await chat.text(editor, "1，2")
    assert keys(added) == ["brief.added", "brief.menu"]
    assert CountingSessions.writes == 0  # the session rode the items' transaction
    assert await step_of(db, editor) == "menu"
    assert "1. 综合科推行帮办代办" in added[1].text and "2. 综合科周末不打烊" in added[1].text
    assert [b.params for b in added[1].reply.buttons[0]] == [{"n": 1}] * 5  # type: ignore[union-attr]

    assert keys(await chat.press(editor, bf.DraftMenu(1, "h", 2))) == ["brief.ask_heading"]
    edited = await chat.text(editor, "周末照常办件")
    assert keys(edited) == ["brief.edited", "brief.menu"] and "第 2 条" in edited[0].text
    moved = await chat.press(editor, bf.DraftMenu(1, "up", 2))
    assert keys(moved) == ["brief.moved", "brief.menu"]  # no origin here: no buttons to clear
    assert moved[0].reply is not None and moved[0].reply.how == "toast"
    assert moved[-1].text.index("周末照常办件") < moved[-1].text.index("帮办代办")
    first = await chat.press(editor, bf.DraftMenu(1, "up", 2))
    assert keys(first) == ["brief.cant_move"]  # a toast, and the menu stays as it is
    assert keys(await chat.text(editor, "送审吧")) == ["brief.use_buttons"]
    await chat.press(editor, bf.DraftMenu(1, "date"))
    back = await chat.command(editor, "cancel")  # a typed question goes back to the menu
    assert keys(back) == ["brief.input_cancelled", "brief.menu"]
    sent = await chat.press(editor, bf.DraftMenu(1, "send"))
    assert keys(sent) == ["brief.sent"]
    assert await step_of(db, editor) is None
    async with db.reading() as tx:
        issue = await briefs.get_brief(tx, 1)
        headings = [e.heading for e in await briefs.entries_of(tx, 1)]
    assert issue is not None and issue.state == "review"
    assert headings == ["周末照常办件", "综合科推行帮办代办"]
    late = await chat.press(editor, bf.DraftMenu(1, "add"))  # an old menu's button
    assert keys(late) == ["refused.brief_not_editable"]
    assert await step_of(db, editor) is None
    assert chat.unhandled == []


async def test_a_stranger_to_editing_is_refused(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    refused = await chat.command(cast["informant"], "brief")
    assert keys(refused) == ["refused.not_editor"]
    pressed = await chat.press(cast["informant"], bf.DraftMenu(1, "view"))
    assert keys(pressed) == ["refused.not_editor"]
    assert await step_of(db, cast["informant"]) is None
    async with db.reading() as tx:
        assert await briefs.list_briefs(tx) == []


async def test_another_action_ends_a_draft_quietly_and_its_buttons_still_work(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    """The menu and its questions never expire and end without a word when another command
    comes; a menu's button pressed afterwards is taken at once."""
    chat = channel(db, rules)
    editor = cast["editor"]
    await chat.command(editor, "brief")
    await chat.press(editor, bf.DraftMenu(1, "add"))
    assert await chat.command(editor, "help") == []  # nothing said; the help is the channel's
    assert await step_of(db, editor) is None
    assert await chat.text(editor, "1") == []  # no longer an answer
    viewed = await chat.press(editor, bf.DraftMenu(1, "view"))
    assert keys(viewed) == ["brief.preview_head", "brief.menu"]
    assert await step_of(db, editor) == "menu"
    dropped = await chat.press(editor, bf.DraftMenu(1, "drop"))
    assert keys(dropped) == ["brief.ask_drop"]
    assert keys(await chat.command(editor, "cancel")) == ["brief.closed"]  # saved
    async with db.reading() as tx:
        issue = await briefs.get_brief(tx, 1)
    assert issue is not None and issue.state == "draft"


async def test_a_restart_mid_draft_takes_the_answer_asked_before(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    editor = cast["editor"]
    before = channel(db, rules)
    await before.command(editor, "brief")
    await before.press(editor, bf.DraftMenu(1, "add"))
    await before.text(editor, "1")
    asked = await before.press(editor, bf.DraftMenu(1, "b", 1))
    assert keys(asked) == ["brief.ask_body"] and "群众好评" in asked[0].text
    after = channel(db, rules)  # a new engine over the same ledger
    edited = await after.text(editor, "综合科推行帮办代办服务。\n当月办件 300 余件。")
    assert keys(edited) == ["brief.edited", "brief.menu"]
    async with db.reading() as tx:
        entries = await briefs.entries_of(tx, 1)
    assert [e.body for e in entries] == ["综合科推行帮办代办服务。\n当月办件 300 余件。"]


async def test_an_issue_returned_with_a_reason_held_for_confirmation(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    editor, leader = cast["editor"], cast["leader"]
    await chat.command(editor, "brief")
    await chat.press(editor, bf.DraftMenu(1, "add"))
    await chat.text(editor, "1")
    await chat.press(editor, bf.DraftMenu(1, "send"))
    press = bf.Decide(1, 1, "review", "r")
    assert keys(await chat.press(leader, press)) == ["brief.ask_reason"]
    assert keys(await chat.command(leader, "cancel")) == ["brief.reason_cancelled"]
    assert keys(await chat.press(leader, press)) == ["brief.ask_reason"]
    assert keys(await chat.text(leader, "  ")) == ["refused.return_needs_reason"]
    shown = await chat.text(leader, "请补充办件数据")
    assert keys(shown) == ["brief.confirm_return"] and "请补充办件数据" in shown[0].text
    assert await step_of(db, leader, held_channel(chat.name)) == "confirm"
    assert await chat.command(leader, "help") == []  # the held step outlives other actions
    stale = await chat.press(leader, bf.ConfirmReturn(1, 2, "review", True))
    assert keys(stale) == ["refused.confirm_stale"]
    done = await chat.press(leader, bf.ConfirmReturn(1, 1, "review", True))
    assert [(s.reply.how if s.reply else "", s.reply.key if s.reply else "") for s in done] == [
        ("toast", "brief.done_returned"),
        ("mark", "brief.marked_returned"),
    ]
    async with db.reading() as tx:
        issue = await briefs.get_brief(tx, 1)
    assert issue is not None and (issue.state, issue.return_reason) == (
        "returned",
        "请补充办件数据",
    )
    assert await step_of(db, leader, held_channel(chat.name)) is None
    again = await chat.press(leader, press)
    assert keys(again) == ["refused.brief_already_decided"]
