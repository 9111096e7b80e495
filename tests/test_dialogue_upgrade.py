"""Waits kept in people's Telegram chat data become conversation engine sessions on upgrade:
migration 14 (an edited text, an adoption's date and reference), 16 (the other typed
answers and the reasons held for ✅ 确认) and the one for an issue's drafting and review."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from chat.dialogue import held_channel
from chat.dialogue.session import Session
from storage import people, sessions
from storage.db import Database
from storage.migrations import MIGRATIONS
from tests.conftest import FakeClock, tg_account
from workflow.dialogues import Dialogues

REPO = Path(__file__).resolve().parent.parent


async def test_migration_carries_an_awaited_adoption_date_over(
    tmp_path: Path, clock: FakeClock
) -> None:
    """An adoption's date awaited in a person's chat data becomes their Telegram session,
    asked when and by the update it was; other waits and the draft stay in the chat data."""
    async with await Database.open(tmp_path / "old.db", clock=clock) as old:
        await old.migrate(target=13)
        async with old.transaction() as tx:
            editor = await people.ensure_person(tx, tg_account(501), "赵编辑")
            signer = await people.ensure_person(tx, tg_account(502), "李负责人")
            rewriter = await people.ensure_person(tx, tg_account(503), "钱编辑")
            for key, data in [
                (
                    "501",
                    {
                        "pending_adoption_day": 7,
                        "wait_since": {
                            "key": "pending_adoption_day",
                            "since": "2026-10-15T01:58:00+00:00",
                            "update": 42,
                        },
                        "draft": {"title": "半截草稿"},
                    },
                ),
                (
                    "503",
                    {
                        "pending_edit": 5,
                        "wait_since": {
                            "key": "pending_edit",
                            "since": "2026-10-15T01:59:00+00:00",
                            "update": 43,
                        },
                    },
                ),
                (
                    "502",
                    {
                        "pending_return": {"item": 1, "round": 0, "step": 0},
                        "wait_since": {"key": "pending_return", "since": "x", "update": 3},
                    },
                ),
            ]:
                await tx.execute(
                    "INSERT INTO conversations (name, key, state, data, updated_at)"
                    " VALUES ('__user_data__', ?, '', ?, ?)",
                    (key, json.dumps(data), tx.stamp),
                )
    async with await Database.open(tmp_path / "old.db", clock=clock) as upgraded:
        await upgraded.migrate(target=14)
        async with upgraded.reading() as tx:
            carried = await sessions.load(tx, editor.id, "telegram")
            assert await sessions.load(tx, signer.id, "telegram") is None
            rows = await tx.fetchall("SELECT key, data FROM conversations ORDER BY key")
        assert carried == Session(
            editor.id,
            "telegram",
            "adoption_day",
            "day",
            {"adoption": 7},
            datetime(2026, 10, 15, 1, 58, tzinfo=UTC),
            "42",
        )
        async with upgraded.reading() as tx:
            rewriting = await sessions.load(tx, rewriter.id, "telegram")
        assert rewriting is not None
        assert (rewriting.flow, rewriting.step, dict(rewriting.draft)) == (
            "edit",
            "text",
            {"item": 5},
        )
        left = {str(row["key"]): json.loads(row["data"]) for row in rows}
        assert left["501"] == {"draft": {"title": "半截草稿"}}
        assert left["503"] == {}
        assert left["502"]["pending_return"] == {"item": 1, "round": 0, "step": 0}
        assert left["502"]["wait_since"]["key"] == "pending_return"


async def test_migration_carries_the_other_typed_answers_and_held_steps_over(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A return's reason awaited, a /visit at its date and a withdrawal held for ✅ 确认 in
    people's chat data become their sessions (the held one beside the wait); an issue's
    return held stays in the chat data, and so does a draft."""
    asked = "2026-10-15T01:58:00+00:00"
    async with await Database.open(tmp_path / "old.db", clock=clock) as old:
        await old.migrate(target=14)
        async with old.transaction() as tx:
            signer = await people.ensure_person(tx, tg_account(601), "李负责人")
            editor = await people.ensure_person(tx, tg_account(602), "赵编辑")
            reviewer = await people.ensure_person(tx, tg_account(603), "孙主任")
            for key, data in [
                (
                    "601",
                    {
                        "pending_return": {
                            "item": 3,
                            "round": 1,
                            "step": 0,
                            "chat": 601,
                            "message": 77,
                        },
                        "wait_since": {"key": "pending_return", "since": asked, "update": 9},
                        "confirm_pending": {
                            "kind": "return",
                            "item": 2,
                            "round": 0,
                            "step": 1,
                            "reason": "核实",
                            "chat": 601,
                            "message": 70,
                            "since": asked,
                        },
                    },
                ),
                (
                    "602",
                    {
                        "pending_visit": {
                            "step": "date",
                            "visitor": "张三",
                            "kind": "city",
                            "unit": 4,
                            "unit_name": "办公室",
                        },
                        "wait_since": {"key": "pending_visit", "since": asked, "update": 10},
                        "confirm_pending": {
                            "kind": "withdraw",
                            "adoption": 5,
                            "reason": "重复",
                            "since": asked,
                        },
                    },
                ),
                (
                    "603",
                    {
                        "confirm_pending": {"kind": "brief_return", "id": 2, "since": asked},
                        "draft": {"title": "半截"},
                    },
                ),
            ]:
                await tx.execute(
                    "INSERT INTO conversations (name, key, state, data, updated_at)"
                    " VALUES ('__user_data__', ?, '', ?, ?)",
                    (key, json.dumps(data), tx.stamp),
                )
    when = datetime(2026, 10, 15, 1, 58, tzinfo=UTC)
    async with await Database.open(tmp_path / "old.db", clock=clock) as upgraded:
        await upgraded.migrate(target=16)  # an issue's held return: carried later
        async with upgraded.reading() as tx:
            returning = await sessions.load(tx, signer.id, "telegram")
            visiting = await sessions.load(tx, editor.id, "telegram")
            held = await sessions.load(tx, editor.id, held_channel("telegram"))
            shown = await sessions.load(tx, signer.id, held_channel("telegram"))
            assert await sessions.load(tx, reviewer.id, "telegram") is None
            rows = await tx.fetchall("SELECT key, data FROM conversations ORDER BY key")
    assert returning == Session(
        signer.id,
        "telegram",
        "return",
        "reason",
        {"item": 3, "round": 1, "step": 0, "origin": {"chat": 601, "message": 77}},
        when,
        "9",
    )
    assert visiting is not None and (visiting.flow, visiting.step) == ("visit", "date")
    assert dict(visiting.draft) == {
        "visitor": "张三",
        "kind": "city",
        "unit": 4,
        "unit_name": "办公室",
    }
    assert held is not None and (held.flow, held.step, held.asked_at) == (
        "withdraw",
        "confirm",
        when,
    )
    assert dict(held.draft) == {"adoption": 5, "reason": "重复"}
    assert shown is not None and (shown.flow, shown.step) == ("return", "confirm")
    assert dict(shown.draft) == {
        "item": 2,
        "round": 0,
        "step": 1,
        "reason": "核实",
        "title": "",
        "origin": {"chat": 601, "message": 70},
    }
    left = {str(row["key"]): json.loads(row["data"]) for row in rows}
    assert left["601"] == {} and left["602"] == {}
    assert left["603"]["confirm_pending"]["kind"] == "brief_return"
    assert left["603"]["draft"] == {"title": "半截"}


async def test_migration_carries_an_issues_drafting_and_review_over(
    tmp_path: Path, clock: FakeClock
) -> None:
    """/brief's conversation (at an entry's heading, at the menu), an issue's return reason
    awaited and one held for ✅ 确认 become sessions at the same steps; PTB's conversations and
    their chat data go, the rest of the chat data stays; a stranger's is only dropped."""
    version = next(v for v, what, _ in MIGRATIONS if "drafting and review" in what)
    asked = "2026-10-15T01:58:00+00:00"
    async with await Database.open(tmp_path / "old.db", clock=clock) as old:
        await old.migrate(target=version - 1)
        async with old.transaction() as tx:
            editor = await people.ensure_person(tx, tg_account(701), "赵编辑")
            saver = await people.ensure_person(tx, tg_account(702), "钱编辑")
            reviewer = await people.ensure_person(tx, tg_account(703), "周中心")
            rows = [
                ("brief", "[701, 701]", "2", {}),
                ("brief", "[702, 702]", "0", {}),
                ("brief_review", "[703, 703]", "10", {}),
                ("brief", "[799, 799]", "1", {}),
                (
                    "__user_data__",
                    "701",
                    "",
                    {"brief": {"id": 3, "wait": "heading", "item": 9}, "draft": {"t": "半截"}},
                ),
                ("__user_data__", "702", "", {"brief": {"id": 4, "wait": None, "item": None}}),
                (
                    "__user_data__",
                    "703",
                    "",
                    {
                        "brief_return": {
                            "id": 5,
                            "round": 2,
                            "step": "sign",
                            "number": 7,
                            "chat": 703,
                            "message": 88,
                        },
                        "confirm_pending": {
                            "kind": "brief_return",
                            "id": 6,
                            "round": 1,
                            "step": "review",
                            "reason": "补充数据",
                            "chat": 703,
                            "message": 80,
                            "since": asked,
                        },
                    },
                ),
                ("__user_data__", "799", "", {"brief": {"id": 8, "wait": "add"}}),
            ]
            for name, key, state, data in rows:
                await tx.execute(
                    "INSERT INTO conversations (name, key, state, data, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, key, state, json.dumps(data), asked),
                )
    when = datetime(2026, 10, 15, 1, 58, tzinfo=UTC)
    async with await Database.open(tmp_path / "old.db", clock=clock) as upgraded:
        await upgraded.migrate()
        async with upgraded.reading() as tx:
            heading = await sessions.load(tx, editor.id, "telegram")
            menu = await sessions.load(tx, saver.id, "telegram")
            reason = await sessions.load(tx, reviewer.id, "telegram")
            held = await sessions.load(tx, reviewer.id, held_channel("telegram"))
            left = await tx.fetchall("SELECT name, key, data FROM conversations ORDER BY key")
    assert heading == Session(
        editor.id, "telegram", "brief", "heading", {"brief": 3, "ask": "heading", "item": 9}, when
    )
    assert menu is not None and (menu.flow, menu.step) == ("brief", "menu")
    assert dict(menu.draft) == {"brief": 4, "ask": "menu", "item": None}
    assert reason is not None and (reason.flow, reason.step) == ("brief_return", "reason")
    assert dict(reason.draft) == {
        "brief": 5,
        "round": 2,
        "step": "sign",
        "number": 7,
        "origin": {"chat": 703, "message": 88},
    }
    assert held is not None and (held.flow, held.step, held.asked_at) == (
        "brief_return",
        "confirm",
        when,
    )
    assert dict(held.draft) == {
        "brief": 6,
        "round": 1,
        "step": "review",
        "reason": "补充数据",
        "number": "",
        "origin": {"chat": 703, "message": 80},
    }
    assert {str(row["name"]) for row in left} == {"__user_data__"}
    data = {str(row["key"]): json.loads(row["data"]) for row in left}
    assert data == {"701": {"draft": {"t": "半截"}}, "702": {}, "703": {}, "799": {}}
    flows = (
        Dialogues(upgraded, centre_rules(load_settings(REPO / "config.yaml", {})))
        .engine(sessions.LedgerSessions(upgraded))
        .flows
    )
    for carried in (heading, menu, reason, held):  # each at a step the engine still has
        assert flows[carried.flow].step(carried.step) is not None
