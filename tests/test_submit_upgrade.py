"""A /submit draft in progress in PTB's conversation becomes the person's /submit session on
the conversation engine on upgrade, at the same step, and goes on from there."""

from __future__ import annotations

import json
from pathlib import Path

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from chat.actions import submit as sub
from chat.dialogue import Inbound, aside_channel
from scoring.vocab import Role
from storage import items, people, sessions, units
from storage.db import Database
from storage.migrations import MIGRATIONS
from storage.sessions import LedgerSessions
from storage.units import UnitSpec
from tests.conftest import FakeClock, tg_account
from workflow.dialogues import Dialogues

REPO = Path(__file__).resolve().parent.parent
SUBMIT = aside_channel("telegram", "submit")
#: The migration that carries /submit over, found by what it does.
VERSION = next(v for v, _, script in MIGRATIONS if "'telegram:submit'" in script)
WINDOW, TOWNSHIP = "市人社局窗口", "城关镇便民服务中心"
LEGACY = ["photo", "AgADold", "uniq-old", None, None, 2048]  # a draft from before stored files


async def _populate(db: Database) -> dict[str, int]:
    """People writing for units, and PTB's rows: a draft at the preview (with a file known
    only by its Telegram id), one changing its body from the preview, one choosing its unit,
    a conversation without a draft, and another conversation's row."""
    settings = load_settings(REPO / "config.yaml", {})
    ids: dict[str, int] = {}
    async with db.transaction() as tx:
        await units.sync_units(
            tx,
            [
                UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
        )
        by_name = {unit.name: unit.id for unit in await units.list_units(tx)}
        for name, tg, names in [
            ("ready", 501, [WINDOW]),
            ("changing", 502, [WINDOW]),
            ("choosing", 503, [TOWNSHIP, WINDOW]),
            ("bare", 504, [WINDOW]),
        ]:
            person = await people.ensure_person(tx, tg_account(tg), name)
            for unit in names:
                await people.grant_role(tx, person.id, by_name[unit], Role.INFORMANT, None)
            ids[name] = person.id
        window = by_name[WINDOW]
        ids["window"], ids["township"] = window, by_name[TOWNSHIP]
        ready = {
            "unit_id": window,
            "category": "measures",
            "title": "升级前的草稿",
            "body": "升级前写好的正文。",
            "event_date": "2026-10-14",
            "files": [LEGACY, ["document", "kept-key", "表.pdf", "application/pdf", 10]],
            "token": "tok-501",
            "back": False,
        }
        changing = {**ready, "token": "tok-502", "files": [], "back": True, "replace_body": True}
        rows = [
            ("submit", "[501, 501]", "6", {}),
            ("submit", "[502, 502]", "3", {}),
            ("submit", "[503, 503]", "0", {}),
            ("submit", "[504, 504]", "2", {}),
            ("announce", "[501, 501]", "1", {}),
            ("__user_data__", "501", "", {"draft": ready, "brief": {"id": 3}}),
            ("__user_data__", "502", "", {"draft": changing}),
            ("__user_data__", "503", "", {"draft": {"files": [], "token": "tok-503"}}),
        ]
        for name, key, state, data in rows:
            await tx.execute(
                "INSERT INTO conversations (name, key, state, data, updated_at)"
                " VALUES (?, ?, ?, ?, '2026-10-15T02:00:00.000000+00:00')",
                (name, key, state, json.dumps(data, ensure_ascii=False)),
            )
        await tx.execute(
            "INSERT INTO files (key, name, mime_type, data, created_at)"
            " VALUES ('kept-key', '表.pdf', 'application/pdf', x'25504446', ?)",
            (tx.stamp,),
        )
    return ids


async def test_a_draft_in_progress_is_carried_to_its_step(tmp_path: Path, clock: FakeClock) -> None:
    async with await Database.open(tmp_path / "old.db", clock=clock) as old:
        await old.migrate(target=VERSION - 1)
        ids = await _populate(old)
    async with await Database.open(tmp_path / "old.db", clock=clock) as db:
        assert await db.migrate(target=VERSION) == [VERSION]
        async with db.reading() as tx:
            ready = await sessions.load(tx, ids["ready"], SUBMIT)
            changing = await sessions.load(tx, ids["changing"], SUBMIT)
            choosing = await sessions.load(tx, ids["choosing"], SUBMIT)
            assert await sessions.load(tx, ids["bare"], SUBMIT) is None  # no draft to carry
            left = await tx.fetchall("SELECT name, key, data FROM conversations ORDER BY 1, 2")
            remote = await tx.fetchall("SELECT file_key, remote_id FROM file_remote_ids")
        assert ready is not None and changing is not None and choosing is not None
        assert (ready.step, changing.step, choosing.step) == ("preview", "body", "unit")
        assert ready.draft["files"][0] == ["photo", "telegram_file:uniq-old", None, None, 2048]
        assert ready.draft["author"] == ids["ready"] and ready.draft["body_done"] is True
        assert ready.draft["files_done"] is True and ready.draft["change"] is None
        assert (changing.draft["change"], changing.draft["body_done"]) == ("body", False)
        assert changing.draft["files_done"] is True
        assert choosing.draft["units"] == sorted([ids["window"], ids["township"]])
        assert [(r["name"], r["key"]) for r in left] == [
            ("__user_data__", "501"),
            ("__user_data__", "502"),
            ("__user_data__", "503"),
            ("announce", "[501, 501]"),
            ("submit", "[504, 504]"),
        ]
        assert json.loads(left[0]["data"]) == {"brief": {"id": 3}}  # only the draft went
        assert [tuple(r) for r in remote] == [("telegram_file:uniq-old", "AgADold")]

        await db.migrate()
        engine = Dialogues(db, centre_rules(load_settings(REPO / "config.yaml", {}))).engine(
            LedgerSessions(db), flows=("submit",)
        )
        done = await engine.handle(Inbound(ids["ready"], "telegram", "9001", press=sub.Step("ok")))
        assert done.replies[0].key == "submit.done"
        item_id = int(done.replies[0].params["item"])
        typed = Inbound(ids["changing"], "telegram", "9002", text="新的正文。")
        await engine.delivered(typed, await engine.handle(typed))
        back = await engine.handle(
            Inbound(ids["changing"], "telegram", "9003", press=sub.Step("body:done"))
        )
        assert back.replies[-1].key == "submit.preview"
        async with db.reading() as tx:
            item = await items.get_item(tx, item_id)
            files = await items.files_of(tx, item_id)
            carried = await sessions.load(tx, ids["changing"], SUBMIT)
    assert item is not None and item.title == "升级前的草稿"
    assert [f.file_key for f in files] == ["telegram_file:uniq-old", "kept-key"]
    assert carried is not None and carried.draft["body"] == "新的正文。"
