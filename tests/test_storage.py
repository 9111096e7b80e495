"""Ledger contract tests: migrations, transactions and audit, repositories, aggregates, backup."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from scoring.figures import month_figures
from scoring.policy import ScoringPolicy
from scoring.vocab import ItemState, Role, UnitKind
from storage import adoptions, audit, items, people, tasks, units
from storage.backup import BackupError, backup_database
from storage.db import Database, MigrationError, to_stamp
from storage.figures import period_counts
from storage.migrations import LATEST_VERSION, MIGRATIONS
from tests.conftest import FakeClock, tg_account
from tests.ledger import SPECS, new_item, seed

# Migrations


async def test_migrates_from_empty_with_pragmas(db: Database) -> None:
    assert await db.schema_version() == LATEST_VERSION
    async with db.reading() as tx:
        journal = await tx.fetchone("PRAGMA journal_mode")
        keys = await tx.fetchone("PRAGMA foreign_keys")
        timeout = await tx.fetchone("PRAGMA busy_timeout")
    assert journal is not None and journal[0] == "wal"
    assert keys is not None and keys[0] == 1
    assert timeout is not None and timeout[0] == 5000


async def test_migrate_twice_applies_nothing(db: Database) -> None:
    assert await db.migrate() == []


@pytest.mark.parametrize("start", [v for v, _, _ in MIGRATIONS[:-1]])
async def test_upgrade_from_every_earlier_version_keeps_rows(
    tmp_path: Path, clock: FakeClock, start: int
) -> None:
    async with await Database.open(tmp_path / "old.db", clock=clock) as old:
        assert await old.migrate(target=start) == [v for v, _, _ in MIGRATIONS if v <= start]
        await _seed_first_schema(old, start)
    async with await Database.open(tmp_path / "old.db", clock=clock) as upgraded:
        applied = await upgraded.migrate()
        assert applied == [v for v, _, _ in MIGRATIONS if v > start]
        async with upgraded.reading() as tx:
            assert len(await units.list_units(tx)) == 3
            assert (await people.person_by_account(tx, tg_account(1001))) is not None


async def _seed_first_schema(db: Database, version: int) -> None:
    """Three units and a person written with the first schema's columns, as old code did (from
    migration 11 on, units also had the key that code gave them; from 12, people accounts)."""
    async with db.transaction() as tx:
        for spec in SPECS:
            await tx.execute(
                "INSERT INTO units (name, kind, monthly_quota, annual_target, active, created_at)"
                " VALUES (?, ?, ?, ?, 1, ?)",
                (
                    spec.name,
                    spec.kind.value,
                    spec.monthly_quota,
                    units.decimal_text(spec.annual_target),
                    tx.stamp,
                ),
            )
        if version >= 11:
            await tx.execute("UPDATE units SET key = name")
        if version >= 12:  # people have accounts
            await tx.execute(
                "INSERT INTO people (id, name, created_at) VALUES (1, '王信息员', ?)", (tx.stamp,)
            )
            await tx.execute(
                "INSERT INTO accounts (person_id, channel, external_id, added_at, used_at)"
                " VALUES (1, 'telegram', '1001', ?, ?)",
                (tx.stamp, tx.stamp),
            )
            return
        await tx.execute(
            "INSERT INTO people (tg_user_id, name, created_at) VALUES (1001, '王信息员', ?)",
            (tx.stamp,),
        )


async def test_refuses_database_newer_than_code(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO schema_version VALUES (?, 'from the future', ?)",
            (LATEST_VERSION + 1, tx.stamp),
        )
    with pytest.raises(MigrationError, match="newer than this program"):
        await db.migrate()


# Transactions and the audit log


async def test_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await units.sync_units(tx, SPECS)
            raise RuntimeError("boom")
    async with db.reading() as tx:
        assert await units.list_units(tx) == []
        assert await audit.audit_count(tx) == 0


async def test_writes_report_their_own_row_counts(db: Database) -> None:
    async with db.transaction() as tx:
        unit = await tx.execute(
            "INSERT INTO units (name, kind, monthly_quota, annual_target, created_at)"
            " VALUES ('甲', 'window', 2, 20, ?)",
            (tx.stamp,),
        )
        again = "UPDATE units SET monthly_quota = 3 WHERE id = ? AND monthly_quota = 2"
        assert await tx.changed(again, (unit,)) == 1
        assert await tx.changed(again, (unit,)) == 0
        await tx.audit(None, "test", "unit", unit)
        assert await tx.changed("UPDATE units SET monthly_quota = 4") == 1
    async with db.scanning() as tx:
        assert (await tx.fetchone("SELECT monthly_quota FROM units"))[0] == 4  # type: ignore[index]
        with pytest.raises(RuntimeError, match="read-only"):
            await tx.execute("DELETE FROM units")


async def test_a_write_lock_held_elsewhere_is_waited_for_without_stalling_the_bot(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = await Database.open(tmp_path / "ledger.db", clock=clock, busy_timeout_ms=3000)
    await db.migrate()
    other = sqlite3.connect(tmp_path / "ledger.db", isolation_level=None)  # e.g. a CLI command
    try:
        other.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def write() -> None:
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO units (name, kind, created_at) VALUES ('乙', 'section', ?)",
                    (tx.stamp,),
                )

        writing = asyncio.create_task(write())
        for _ in range(6):  # the event loop keeps running while the write waits
            await asyncio.sleep(0.05)
            ticks += 1
        assert not writing.done()
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 5)
        assert ticks == 6
        async with db.reading() as tx:
            assert await tx.fetchone("SELECT 1 FROM units WHERE name = '乙'") is not None
    finally:
        other.close()
        await db.close()


async def test_a_write_lock_never_released_ends_in_a_clear_error(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = await Database.open(tmp_path / "ledger.db", clock=clock, busy_timeout_ms=200)
    await db.migrate()
    other = sqlite3.connect(tmp_path / "ledger.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            async with db.transaction():
                pass
        other.execute("ROLLBACK")
        async with db.transaction() as tx:  # the connection is usable again
            assert await tx.fetchone("SELECT count(*) FROM units") is not None
    finally:
        other.close()
        await db.close()


async def test_figures_are_computed_once_while_the_ledger_is_unchanged(
    db: Database, tmp_path: Path
) -> None:
    computed = 0
    gate = asyncio.Event()

    async def count_units() -> int:
        nonlocal computed
        computed += 1
        await gate.wait()
        async with db.reading() as tx:
            row = await tx.fetchone("SELECT count(*) FROM units")
        return int(row[0]) if row else -1

    askers = [asyncio.create_task(db.memoized("units", count_units)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*askers) == [0] * 5 and computed == 1  # one computation shared
    assert await db.memoized("units", count_units) == 0 and computed == 1  # nothing changed
    async with db.transaction() as tx:  # a commit here
        await tx.execute(
            "INSERT INTO units (name, kind, created_at) VALUES ('丙', 'section', ?)", (tx.stamp,)
        )
    assert await db.memoized("units", count_units) == 1 and computed == 2
    other = sqlite3.connect(tmp_path / "ledger.db", isolation_level=None)  # another process
    try:
        other.execute("INSERT INTO units (name, kind, created_at) VALUES ('丁', 'section', 'x')")
    finally:
        other.close()
    assert await db.memoized("units", count_units) == 2 and computed == 3


async def test_a_failed_computation_is_not_kept(db: Database) -> None:
    attempts = 0

    async def flaky() -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise OSError("disk I/O error")
        return "ok"

    with pytest.raises(OSError, match="disk I/O"):
        await db.memoized("flaky", flaky)
    assert await db.memoized("flaky", flaky) == "ok" and attempts == 2


async def test_audit_log_is_append_only(db: Database) -> None:
    await seed(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE audit_log SET action = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM audit_log")


# Units


async def test_sync_units_adds_updates_deactivates_and_audits(db: Database) -> None:
    async with db.transaction() as tx:
        first = await units.sync_units(tx, SPECS)
    assert sorted(first.added) == sorted(s.name for s in SPECS)
    changed = [
        units.UnitSpec("市人社局窗口", UnitKind.WINDOW, 4, Decimal(20)),
        SPECS[1],
        units.UnitSpec("政府采购中心", UnitKind.SECTION, 1, Decimal(10)),
    ]
    async with db.transaction() as tx:
        second = await units.sync_units(tx, changed)
    assert second.updated == ["市人社局窗口"]
    assert second.added == ["政府采购中心"]
    assert second.deactivated == ["综合科"]
    async with db.transaction() as tx:
        third = await units.sync_units(tx, SPECS)
        unchanged = await units.sync_units(tx, SPECS)
        section = await units.unit_by_name(tx, "综合科")
        trail = await audit.audit_trail(tx, "unit", section.id if section else 0)
    assert third.reactivated == ["综合科"]
    assert not unchanged.changed
    assert section is not None and section.annual_target == Decimal("10.5")
    assert [entry.action for entry in trail] == ["unit.add", "unit.deactivate", "unit.reactivate"]


# People and roles


async def test_roles_grant_is_idempotent_and_revocable(db: Database) -> None:
    ids = await seed(db)
    async with db.transaction() as tx:
        again = await people.grant_role(
            tx, ids["informant"], ids["市人社局窗口"], Role.INFORMANT, None
        )
        holders = await people.role_holders(tx, ids["市人社局窗口"], Role.INFORMANT)
        missing = await people.units_without_informant(tx)
    assert [p.id for p in holders] == [ids["informant"]]
    assert sorted(u.name for u in missing) == ["城关镇便民服务中心", "综合科"]
    async with db.transaction() as tx:
        assert await people.revoke_role(tx, again.id, None)
        assert not await people.revoke_role(tx, again.id, None)
        assert len(await people.units_without_informant(tx)) == 3


# Items: lifecycle primitives


async def test_transition_refuses_stale_state(db: Database) -> None:
    ids = await seed(db)
    item = await new_item(db, ids)
    async with db.transaction() as tx:
        moved = await items.transition(
            tx,
            item.id,
            expected=ItemState.DRAFT,
            new=ItemState.PENDING,
            actor_id=ids["informant"],
            action="item.submit",
            submitted_at=tx.now,
            submitted_on=date(2026, 10, 15),
            late_days=0,
        )
        stale = await items.transition(
            tx,
            item.id,
            expected=ItemState.DRAFT,
            new=ItemState.PENDING,
            actor_id=ids["informant"],
            action="item.submit",
        )
        stored = await items.get_item(tx, item.id)
    assert moved and not stale
    assert stored is not None and stored.state is ItemState.PENDING
    assert stored.submitted_on == date(2026, 10, 15)


async def test_signoff_step_is_decided_once(db: Database) -> None:
    ids = await seed(db)
    item = await new_item(db, ids)
    async with db.transaction() as tx:
        first = await items.record_signoff(
            tx,
            item.id,
            round_=0,
            step=0,
            role=Role.WINDOW_HEAD,
            signer_id=ids["head"],
            approve=True,
        )
        second = await items.record_signoff(
            tx,
            item.id,
            round_=0,
            step=0,
            role=Role.WINDOW_HEAD,
            signer_id=ids["head"],
            approve=False,
            reason="重复",
        )
        decisions = await items.signoffs_of(tx, item.id)
    assert first is not None and first.decision == "approve"
    assert second is None
    assert len(decisions) == 1


async def test_return_needs_a_reason(db: Database) -> None:
    ids = await seed(db)
    item = await new_item(db, ids)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await items.record_signoff(
                tx,
                item.id,
                round_=0,
                step=0,
                role=Role.WINDOW_HEAD,
                signer_id=ids["head"],
                approve=False,
                reason="  ",
            )


async def test_edit_keeps_old_text_and_unchanged_edit_is_none(db: Database) -> None:
    ids = await seed(db)
    item = await new_item(db, ids)
    async with db.transaction() as tx:
        edit = await items.record_edit(
            tx,
            item.id,
            editor_id=ids["editor"],
            section_unit_id=ids["综合科"],
            title="新标题",
            body="新正文",
        )
        same = await items.record_edit(
            tx,
            item.id,
            editor_id=ids["editor"],
            section_unit_id=ids["综合科"],
            title="新标题",
            body="新正文",
        )
        stored = await items.get_item(tx, item.id)
    assert edit is not None and edit.old_title == item.title
    assert same is None
    assert stored is not None and stored.title == "新标题"


async def test_update_content_only_while_author_may(db: Database) -> None:
    ids = await seed(db)
    item = await new_item(db, ids)
    async with db.transaction() as tx:
        assert await items.update_content(tx, item.id, ids["informant"], title="改")
        await items.transition(
            tx,
            item.id,
            expected=ItemState.DRAFT,
            new=ItemState.SUBMITTED,
            actor_id=ids["informant"],
            action="item.submit",
        )
        assert not await items.update_content(tx, item.id, ids["informant"], title="再改")
        with pytest.raises(ValueError, match="not editable"):
            await items.update_content(tx, item.id, ids["informant"], state="draft")


async def test_search_escapes_wildcards(db: Database) -> None:
    ids = await seed(db)
    await new_item(db, ids)
    async with db.reading() as tx:
        assert len(await items.search_items(tx, "一窗")) == 1
        assert await items.search_items(tx, "%") == []


# Adoptions


async def test_adoption_once_per_outlet_and_withdrawal_kept(db: Database) -> None:
    ids = await seed(db)
    item = await new_item(db, ids)
    adoption = adoptions.NewAdoption(
        item_id=item.id,
        outlet="市政务服务中心网站",
        level=1,
        points=1,
        media=False,
        adopted_on=date(2026, 10, 16),
        recorded_by=ids["editor"],
    )
    async with db.transaction() as tx:
        first = await adoptions.record_adoption(tx, adoption)
    with pytest.raises(adoptions.DuplicateAdoption):
        async with db.transaction() as tx:
            await adoptions.record_adoption(tx, adoption)
    async with db.transaction() as tx:
        assert await adoptions.withdraw_adoption(tx, first.id, ids["editor"], "录错了")
        assert not await adoptions.withdraw_adoption(tx, first.id, ids["editor"], "录错了")
        again = await adoptions.record_adoption(tx, adoption)
        live = await adoptions.adoptions_of(tx, item.id)
        every = await adoptions.adoptions_of(tx, item.id, include_withdrawn=True)
        trail = await audit.audit_trail(tx, "item", item.id)
    assert [a.id for a in live] == [again.id]
    assert len(every) == 2
    assert [e.action for e in trail].count("adoption.withdraw") == 1


# Writing tasks


async def test_writing_task_open_and_close(db: Database) -> None:
    ids = await seed(db)
    async with db.transaction() as tx:
        task = await tasks.create_task(
            tx,
            unit_id=ids["市人社局窗口"],
            title="市领导视察",
            detail="",
            event_date=date(2026, 10, 15),
            due_on=date(2026, 10, 19),
            created_by=ids["editor"],
        )
        assert [t.id for t in await tasks.open_tasks_due_by(tx, date(2026, 10, 19))] == [task.id]
        assert await tasks.open_tasks_due_by(tx, date(2026, 10, 16)) == []
        assert await tasks.close_task(tx, task.id, done=True, actor_id=ids["informant"])
        assert not await tasks.close_task(tx, task.id, done=False, actor_id=None)


# Aggregates feed the rules


async def test_period_counts_worked_example(db: Database) -> None:
    """Window item adopted at levels 1+2+3 in October scores 6; the editing section earns 3."""
    ids = await seed(db)
    item = await new_item(db, ids)
    async with db.transaction() as tx:
        await items.transition(
            tx,
            item.id,
            expected=ItemState.DRAFT,
            new=ItemState.SUBMITTED,
            actor_id=ids["informant"],
            action="item.submit",
            submitted_on=date(2026, 10, 15),
            centre_on=date(2026, 10, 15),
            late_days=1,
        )
        await items.record_edit(
            tx,
            item.id,
            editor_id=ids["editor"],
            section_unit_id=ids["综合科"],
            title="改",
            body="改",
        )
        await items.record_edit(
            tx,
            item.id,
            editor_id=ids["editor"],
            section_unit_id=ids["综合科"],
            title="再",
            body="再",
        )
        for outlet, level, day in [
            ("市政务服务中心网站", 1, date(2026, 10, 16)),
            ("市委、市政府", 2, date(2026, 10, 20)),
            ("省级报纸", 3, date(2026, 10, 31)),
            ("省委、省政府", 4, date(2026, 11, 1)),  # next month: not in October
        ]:
            await adoptions.record_adoption(
                tx,
                adoptions.NewAdoption(
                    item_id=item.id,
                    outlet=outlet,
                    level=level,
                    points=level,
                    media=outlet == "省级报纸",
                    adopted_on=day,
                    recorded_by=ids["editor"],
                ),
            )
    policy = ScoringPolicy()
    async with db.reading() as tx:
        counts = await period_counts(
            tx,
            policy,
            date(2026, 10, 1),
            date(2026, 10, 31),
            informant_at=datetime(2026, 10, 31, 16, tzinfo=UTC),
        )
    by_name = {c.name: c for c in counts}
    window = by_name["市人社局窗口"]
    assert (window.submitted, window.at_centre, window.late) == (1, 1, 1)
    assert (window.adoptions, window.adopted_items, window.own_points) == (3, 1, 6)
    assert window.has_informant
    assert by_name["综合科"].edit_base_points == 6  # two edits, one credit
    assert not by_name["城关镇便民服务中心"].has_informant
    lines = {line.counts.name: line for line in month_figures(policy, counts)}
    assert lines["市人社局窗口"].score == Decimal(6)
    assert lines["综合科"].score == Decimal(3)
    assert lines["市人社局窗口"].rank == 1


async def test_informant_judged_at_period_end(db: Database, clock: FakeClock) -> None:
    ids = await seed(db)
    clock.now = datetime(2026, 11, 20, tzinfo=UTC)
    async with db.transaction() as tx:
        township = ids["城关镇便民服务中心"]
        person = await people.ensure_person(tx, tg_account(2001), "新信息员")
        await people.grant_role(tx, person.id, township, Role.INFORMANT, None)
    async with db.reading() as tx:
        october = await period_counts(
            tx,
            ScoringPolicy(),
            date(2026, 10, 1),
            date(2026, 10, 31),
            informant_at=datetime(2026, 10, 31, 16, tzinfo=UTC),
        )
        november = await period_counts(
            tx,
            ScoringPolicy(),
            date(2026, 11, 1),
            date(2026, 11, 30),
            informant_at=datetime(2026, 11, 30, 16, tzinfo=UTC),
        )
    name = "城关镇便民服务中心"
    assert not next(c for c in october if c.name == name).has_informant
    assert next(c for c in november if c.name == name).has_informant


# Backup


async def test_backup_is_a_consistent_verified_copy(db: Database, tmp_path: Path) -> None:
    await seed(db)
    target = tmp_path / "copies" / "backup.db"
    size = backup_database(db.path, target)
    assert size == target.stat().st_size > 0
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT count(*) FROM units").fetchone() == (3,)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()
    assert not target.with_name("backup.db.partial").exists()


def test_backup_of_missing_database_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="baosong init"):
        backup_database(tmp_path / "nope.db", tmp_path / "b.db")


async def test_waiting_items_page_in_order_without_skipping_equal_times(db: Database) -> None:
    """The sweep's look reads waiting items a page at a time (`items.pending_page`): the pages
    together are every waiting item, the longest waiting first, once each, also where several
    began their step at the same moment across a page's end."""
    ids = await seed(db)
    made = [await new_item(db, ids) for _ in range(7)]
    moments = [datetime(2026, 10, 14, 1, tzinfo=UTC)] * 4 + [
        datetime(2026, 10, 13, 9, tzinfo=UTC),
        datetime(2026, 10, 15, tzinfo=UTC),
    ]
    async with db.transaction() as tx:
        for item, moment in zip(made, moments, strict=False):  # the 7th stays a draft
            await tx.execute(
                "UPDATE items SET state = 'pending', step_since = ? WHERE id = ?",
                (to_stamp(moment), item.id),
            )
    pages: list[list[int]] = []
    last = None
    for _ in range(5):  # bounded: a page that never advanced would show as a wrong answer
        async with db.reading() as tx:
            page = await items.pending_page(tx, last, 3)
        if not page:
            break
        pages.append([item.id for item in page])
        last = page[-1]
    first, *same, _, latest, draft = (item.id for item in made)
    assert pages == [[made[4].id, first, same[0]], [same[1], made[3].id, latest]]
    assert draft not in {i for page in pages for i in page}
