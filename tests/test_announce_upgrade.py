"""An announcement being prepared in PTB's /announce conversation becomes a conversation
engine session on upgrade (the migration found by what it carries, not by its number)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from chat.actions import announce as an
from storage import people, sessions
from storage.db import Database
from storage.migrations import MIGRATIONS
from tests.conftest import FakeClock, tg_account
from tests.test_announce_dialogue import REPO, channel


async def test_migration_carries_an_announcement_being_prepared_over(
    tmp_path: Path, clock: FakeClock
) -> None:
    """An /announce at its audience in PTB's conversation becomes the person's aside session
    at the same step with the same draft; a draft holding a Telegram file id (from before
    files were stored) gets a stored file sent by that id; the conversation rows and the
    draft leave the chat data, other chat data stays."""
    number = next(n for n, _, sql in MIGRATIONS if "'announce'" in sql and "sessions" in sql)
    async with await Database.open(tmp_path / "old.db", clock=clock) as old:
        await old.migrate(target=number - 1)
        async with old.transaction() as tx:
            admin = await people.ensure_person(tx, tg_account(701), "管理员")
            editor = await people.ensure_person(tx, tg_account(702), "赵编辑")
            audience = {"roles": ["leader"], "scope": "all", "kinds": [], "units": []}
            for key, state, data in [
                ("[701, 701]", "1", None),
                ("[702, 702]", "0", None),
                (
                    "701",
                    "",
                    {
                        "announce": {
                            "token": "ab12",
                            "text": "培训通知",
                            "file": ["document", "BQACAgIAAx", "培训.pdf"],
                            "aud": audience,
                            "view": "units",
                        },
                        "draft": {"title": "半截草稿"},
                    },
                ),
                (
                    "702",
                    "",
                    {
                        "announce": {
                            "token": "cd34",
                            "text": "",
                            "file": None,
                            "aud": audience,
                            "view": "audience",
                        }
                    },
                ),
            ]:
                name = "announce" if data is None else "__user_data__"
                await tx.execute(
                    "INSERT INTO conversations (name, key, state, data, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, key, state, json.dumps(data or {}), "2026-10-15T01:58:00+00:00"),
                )
    async with await Database.open(tmp_path / "old.db", clock=clock) as upgraded:
        await upgraded.migrate(target=number)
        async with upgraded.reading() as tx:
            choosing = await sessions.load(tx, admin.id, "telegram:announce")
            typing = await sessions.load(tx, editor.id, "telegram:announce")
            rows = await tx.fetchall("SELECT name, key, data FROM conversations ORDER BY key")
            remote = await tx.fetchone(
                "SELECT file_key, remote_id FROM file_remote_ids WHERE channel = 'telegram'"
            )
        assert choosing is not None and typing is not None
        assert (choosing.flow, choosing.step, typing.step) == ("announce", "audience", "text")
        assert remote is not None and remote["remote_id"] == "BQACAgIAAx"
        expected: dict[str, Any] = {
            "token": "ab12",
            "text": "培训通知",
            "file": ["document", remote["file_key"], "培训.pdf"],
            "aud": audience,
            "view": "units",
        }
        assert dict(choosing.draft) == expected
        assert dict(typing.draft)["view"] == "text"
        assert [(r["name"], r["key"], json.loads(r["data"])) for r in rows] == [
            ("__user_data__", "701", {"draft": {"title": "半截草稿"}}),
            ("__user_data__", "702", {}),
        ]
        rules = centre_rules(load_settings(REPO / "config.yaml", {}))
        chat = channel(upgraded, rules, "telegram")
        shown = await chat.press(admin.id, an.Step("ub"))  # the admin goes on where they were
        assert "选择接收对象" in shown[0].text and "角色：分管领导" in shown[0].text
        asked = await chat.text(editor.id, "通知正文")
        assert "选择接收对象" in asked[0].text
