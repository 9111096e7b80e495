"""Bulk import of a ledger's history: rows, one audit row per batch, all-or-nothing."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from scoring.policy import ScoringPolicy
from scoring.vocab import ItemState, Role, UnitKind
from storage import audit, bulk
from storage.db import Database
from storage.figures import period_counts
from storage.units import UnitSpec, sync_units
from tests.conftest import tg_account

OCT_END = datetime(2026, 10, 31, 16, tzinfo=UTC)


async def import_history(db: Database) -> None:
    """A window, a section, an informant, one adopted item and the section's edit."""
    async with db.transaction() as tx:
        await bulk.import_units(
            tx,
            [
                bulk.ImportedUnit("市公安局窗口", UnitKind.WINDOW, 2, Decimal(12), id=1),
                bulk.ImportedUnit("办公室", UnitKind.SECTION, 1, Decimal(6), id=2),
            ],
            source="2026 年报表",
        )
        await bulk.import_people(tx, [bulk.ImportedPerson("刘洋", account=tg_account(7), id=1)])
        await bulk.import_roles(
            tx, [bulk.ImportedRole(1, 1, Role.INFORMANT, datetime(2026, 1, 1, tzinfo=UTC))]
        )
        await bulk.import_items(
            tx,
            [
                bulk.ImportedItem(
                    unit_id=1,
                    author_id=1,
                    category="measures",
                    title="标题",
                    body="正文",
                    event_date=date(2026, 10, 8),
                    state=ItemState.REGISTERED,
                    submitted_on=date(2026, 10, 9),
                    centre_on=date(2026, 10, 10),
                    id=1,
                )
            ],
        )
        await bulk.import_edits(
            tx,
            [
                bulk.ImportedEdit(
                    1, 1, 2, "旧", "旧", "标题", "正文", datetime(2026, 10, 11, tzinfo=UTC)
                )
            ],
        )
        await bulk.import_adoptions(
            tx,
            [
                bulk.ImportedAdoption(1, "市委、市政府", 2, 2, date(2026, 10, 12), 1),
                bulk.ImportedAdoption(1, "省政务服务中心", 3, 3, date(2026, 10, 20), 1),
            ],
        )


async def test_imported_history_feeds_the_figures(db: Database) -> None:
    await import_history(db)
    async with db.reading() as tx:
        counts = {
            c.name: c
            for c in await period_counts(
                tx, ScoringPolicy(), date(2026, 10, 1), date(2026, 10, 31), informant_at=OCT_END
            )
        }
        imports = await audit.audit_count(tx, "import.")
    window = counts["市公安局窗口"]
    assert (window.submitted, window.at_centre, window.own_points) == (1, 1, 5)
    assert window.has_informant
    assert counts["办公室"].edit_base_points == 5
    assert imports == 6  # one audit row per batch, not per row


async def test_a_bad_row_rolls_back_the_whole_import(db: Database) -> None:
    await import_history(db)
    duplicate = bulk.ImportedAdoption(1, "市委、市政府", 2, 2, date(2026, 10, 13), 1)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await bulk.import_adoptions(
                tx, [bulk.ImportedAdoption(1, "市政务服务中心网站", 1, 1, date(2026, 10, 13), 1)]
            )
            await bulk.import_adoptions(tx, [duplicate])
    async with db.reading() as tx:
        row = await tx.fetchone("SELECT count(*) FROM adoptions")
    assert row is not None
    assert row[0] == 2


def test_item_at_centre_needs_its_date() -> None:
    with pytest.raises(ValueError, match="centre_on"):
        bulk.ImportedItem(
            unit_id=1,
            author_id=1,
            category="measures",
            title="t",
            body="b",
            event_date=date(2026, 10, 8),
            state=ItemState.SUBMITTED,
            submitted_on=date(2026, 10, 9),
        )


async def test_imported_units_keep_their_history_when_config_changes_later(db: Database) -> None:
    await import_history(db)
    async with db.transaction() as tx:
        await sync_units(
            tx,
            [
                UnitSpec("市公安局窗口", UnitKind.WINDOW, 3, Decimal(20)),
                UnitSpec("办公室", UnitKind.SECTION, 1, Decimal(6)),
            ],
            from_month="2026-12",
        )
    async with db.reading() as tx:
        october = {
            c.name: c
            for c in await period_counts(
                tx, ScoringPolicy(), date(2026, 10, 1), date(2026, 10, 31), informant_at=OCT_END
            )
        }
        december = {
            c.name: c
            for c in await period_counts(
                tx, ScoringPolicy(), date(2026, 12, 1), date(2026, 12, 31), informant_at=OCT_END
            )
        }
    # October was judged on the imported settings; the new ones hold from December on.
    assert (october["市公安局窗口"].monthly_quota, october["市公安局窗口"].annual_target) == (
        2,
        Decimal(12),
    )
    assert october["市公安局窗口"].own_points == 5
    assert december["市公安局窗口"].annual_target == Decimal(20)
