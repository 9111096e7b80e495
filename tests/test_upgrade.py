"""A ledger written by the first release upgrades to today's schema with every row kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from telegram import Bot

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.telegram.adapter import drain
from channels.telegram.transport import AiohttpRequest
from chat.texts import Texts
from sandbox.telegram.server import FakeBotApi
from scoring.figures import month_figures
from scoring.policy import ScoringPolicy
from scoring.vocab import ItemState, Role
from storage import adoptions, items, outbox, people
from storage.db import Database, Tx
from storage.figures import period_counts
from storage.migrations import LATEST_VERSION, MIGRATIONS
from storage.models import TELEGRAM, Account, Room
from tests.conftest import FakeClock
from tests.flow import REPO, TOKEN
from workflow.notices import post
from workflow.submission import attachment_notices

FIXTURE = Path(__file__).parent / "fixtures" / "ledger_v1.sql"
TABLES = (
    "units",
    "people",
    "roles",
    "invites",
    "writing_tasks",
    "items",
    "item_files",
    "signoffs",
    "edits",
    "adoptions",
    "audit_log",
)


async def counts(db: Database) -> dict[str, int]:
    """Rows per table."""
    found = {}
    async with db.reading() as tx:
        for table in TABLES:
            row = await tx.fetchone(f"SELECT count(*) FROM {table}")
            found[table] = int(row[0]) if row else -1
    return found


async def test_first_release_ledger_keeps_every_row(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "v1.db"
    async with await Database.open(path, clock=clock) as old:
        await old.migrate(target=1)
        async with old.transaction() as tx:
            source = FIXTURE.read_text(encoding="utf-8").splitlines()
            script = "\n".join(line for line in source if not line.startswith("--"))
            for statement in filter(str.strip, script.split(";\n")):
                await tx.execute(statement)
        before = await counts(old)
    assert all(before[table] > 0 for table in TABLES)
    async with await Database.open(path, clock=clock) as upgraded:
        await upgraded.migrate()
        assert await upgraded.schema_version() == LATEST_VERSION
        assert await counts(upgraded) == before
        async with upgraded.reading() as tx:
            adopted = await items.get_item(tx, 1)
            returned = await items.get_item(tx, 2)
            live = await adoptions.adoptions_of(tx, 1)
            march = await period_counts(
                tx,
                ScoringPolicy(),
                date(2026, 3, 1),
                date(2026, 3, 31),
                informant_at=datetime(2026, 3, 31, 16, tzinfo=UTC),
            )
    assert adopted is not None
    assert adopted.state is ItemState.REGISTERED
    assert returned is not None
    assert returned.state is ItemState.RETURNED
    assert returned.chain_roles == (Role.WINDOW_HEAD, Role.LEADER)  # the default for windows
    assert [a.points for a in live] == [1, 3]
    lines = {line.counts.name: line for line in month_figures(ScoringPolicy(), march)}
    assert lines["市人社局窗口"].score == Decimal(4)
    assert lines["综合科"].score == Decimal(2)


KEPT = ("conversations", "items")
PDF = b"%PDF-1.4 old attachment"


async def _populate_v11(db: Database, old_file: str) -> None:
    """A ledger as version 11 wrote it: people by Telegram id (one never had one), an item
    with a file, an announcement with a file (both by Telegram id), a stored bulletin chart, a conversation, and
    outbox rows to people, to a group and to a chat that is nobody in the ledger."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO units (id, name, kind, created_at, key) VALUES"
            " (1, '市人社局窗口', 'window', '2026-09-01T00:00:00+00:00', '市人社局窗口')"
        )
        for person_id, tg, name in ((1, 501, "王芳"), (2, 502, "李明"), (3, None, "历史人员")):
            await tx.execute(
                "INSERT INTO people (id, tg_user_id, name, created_at) VALUES (?, ?, ?, ?)",
                (person_id, tg, name, f"2026-09-0{person_id}T00:00:00+00:00"),
            )
        await tx.execute(
            "INSERT INTO items (id, unit_id, author_id, category, title, body, event_date, state,"
            " created_at, updated_at) VALUES (1, 1, 1, 'news', '标题', '正文', '2026-09-20',"
            " 'pending', '2026-09-20T01:00:00+00:00', '2026-09-20T01:00:00+00:00')"
        )
        await tx.execute(
            "INSERT INTO item_files (item_id, kind, file_id, file_unique_id, file_name, mime_type,"
            " added_at) VALUES (1, 'document', ?, 'uniq1', '材料.pdf', 'application/pdf',"
            " '2026-09-20T01:00:00+00:00')",
            (old_file,),
        )
        await tx.execute(
            "INSERT INTO announcements (author_id, text, file_id, file_kind, file_name, audience,"
            " created_at) VALUES (2, '通知', 'BQACAgOld', 'document', '通知.pdf', '{}',"
            " '2026-09-21T01:00:00+00:00')"
        )
        await tx.execute(
            "INSERT INTO files (key, name, mime_type, data, created_at) VALUES"
            " ('bulletin:2026-08:png', '通报.png', 'image/png', x'89504e47', '2026-09-01')"
        )
        await tx.execute(
            "INSERT INTO conversations (name, key, state, data, updated_at) VALUES"
            " ('submit', '[501, 501]', '2', '{\"title\": \"草稿\"}', '2026-09-22')"
        )
        rows = (
            (1, "notice:author_at_centre:1", 501, "pending"),
            (2, "bulletin:2026-08:0", -1001, "sent"),
            (3, "notice:signoff_request:1:0:0", 502, "failed"),
            (4, "reply:abc", 777, "pending"),
            (5, "notice:signoff_again:1:0:0:x:1", 502, "pending"),
        )
        for row_id, purpose, chat, state in rows:
            await tx.execute(
                "INSERT INTO outbox (id, purpose, chat_id, payload, state, next_attempt_at,"
                " created_at) VALUES (?, ?, ?, ?, ?, '2026-09-01T00:00:00+00:00', '2026-09-01')",
                (row_id, purpose, chat, json.dumps({"text": f"第{row_id}条"}), state),
            )


async def test_version_11_ledger_upgrades_to_accounts_and_still_delivers(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "v11.db"
    async with FakeBotApi() as server:
        old_file = str(server.store_document("材料.pdf", "application/pdf", PDF)["file_id"])
        async with await Database.open(path, clock=clock) as old:
            await old.migrate(target=11)
            await _populate_v11(old, old_file)
        async with await Database.open(path, clock=clock) as upgraded:
            async with upgraded.reading() as tx:
                before = {t: await _rows(tx, f"SELECT * FROM {t}") for t in KEPT}
            assert await upgraded.migrate() == [v for v, _, _ in MIGRATIONS if v >= 12]
            async with upgraded.reading() as tx:
                after = {t: await _rows(tx, f"SELECT * FROM {t}") for t in KEPT}
                accounts = await _rows(
                    tx, "SELECT person_id, channel, external_id FROM accounts ORDER BY id"
                )
                everyone = [await people.get_person(tx, n) for n in (1, 2, 3)]
                found = await people.person_by_account(tx, Account(TELEGRAM, "502"))
                legacy = await tx.fetchone("SELECT count(tg_user_id) FROM people")
                outbox_rows = await _rows(
                    tx,
                    "SELECT id, purpose, person_id, channel, address, state FROM outbox"
                    " ORDER BY id",
                )
                stored = await _rows(
                    tx, "SELECT key, name, mime_type, length(data) FROM files ORDER BY key"
                )
                remote = await _rows(
                    tx, "SELECT file_key, channel, remote_id FROM file_remote_ids ORDER BY 1"
                )
                attached = await _rows(tx, "SELECT id, kind, file_key, file_name FROM item_files")
                announced = await _rows(tx, "SELECT id, file_key, file_kind FROM announcements")
            assert after == before  # conversations and items as they were
            assert accounts == [(1, "telegram", "501"), (2, "telegram", "502")]
            assert [(p.name, p.reachable) for p in everyone if p is not None] == [
                ("王芳", True),
                ("李明", True),
                ("历史人员", False),
            ]
            assert found is not None and found.id == 2
            assert legacy is not None and legacy[0] == 0  # the old column is emptied, not read
            assert outbox_rows == [
                (1, "notice:author_at_centre:1", 1, "telegram", "501", "pending"),
                (2, "bulletin:2026-08:0", None, "telegram", "-1001", "sent"),
                (3, "notice:signoff_request:1:0:0", 2, "telegram", "502", "failed"),
                (4, "reply:abc", None, "telegram", "777", "pending"),
                (5, "notice:signoff_again:1:0:0:x:1", 2, "telegram", "502", "pending"),
            ]
            # Old attachments: stored files without bytes, sent on Telegram by their old ids.
            assert stored == [
                ("announcement:1", "通知.pdf", "application/octet-stream", 0),
                ("bulletin:2026-08:png", "通报.png", "image/png", 4),
                ("item_file:1", "材料.pdf", "application/pdf", 0),
            ]
            assert remote == [
                ("announcement:1", "telegram", "BQACAgOld"),
                ("item_file:1", "telegram", old_file),
            ]
            assert attached == [(1, "document", "item_file:1", "材料.pdf")]
            assert announced == [(1, "announcement:1", "document")]
            async with upgraded.transaction() as tx:  # once per (purpose, person) and per room
                assert not await outbox.enqueue(tx, "notice:author_at_centre:1", 1, {"text": "x"})
                assert not await outbox.enqueue(
                    tx, "bulletin:2026-08:0", Room(TELEGRAM, "-1001"), {"text": "x"}
                )
                assert not await outbox.enqueue(tx, "notice:nobody", 3, {"text": "no account"})
                assert await outbox.enqueue(tx, "notice:new", 2, {"text": "新消息"})
                item = await items.get_item(tx, 1)
                assert item is not None
                author = await people.get_person(tx, 1)
                assert author is not None
                await post(tx, await attachment_notices(tx, item, [author], "after-upgrade"))
            wang, li, stranger = server.user(501), server.user(502), server.user(777)
            client = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest())
            async with client:
                rules = centre_rules(load_settings(REPO / "config.yaml", {}))
                report = await drain(client, upgraded, Texts("zh"), rules)
    assert report.sent == 5
    assert [m.get("text") for m in wang.received()] == ["第1条", None]
    assert server.file_bytes(wang.received()[1]["document"]["file_id"]) == PDF
    assert [m["text"] for m in li.received()] == ["第5条", "新消息"]
    assert [m["text"] for m in stranger.received()] == ["第4条"]


async def _rows(tx: Tx, sql: str) -> list[tuple[object, ...]]:
    """A query's rows as tuples."""
    return [tuple(row) for row in await tx.fetchall(sql)]
