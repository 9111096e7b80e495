"""The year composed from closed months equals the live year over the whole ledger.

Randomised ledgers (the benchmark's seeded generator, through `storage.bulk`) with a unit
settings history; a random set of months closed as the bot closes them (bulletin figures, then
`close_month`); corrections (更正) recorded by an admin, a month reopened and closed again.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from benchmarks.ledger_figures import OUTLETS, Scale, build
from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from scoring.figures import UnitYear
from scoring.policy import ScoringPolicy
from scoring.vocab import AT_CENTRE, Role
from storage import items, people, units
from storage.db import Database
from storage.models import Person
from tests.conftest import FakeClock, tg_account
from workflow import centre, figures
from workflow import periods as closing
from workflow.rules import CentreRules, Outlet

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parent.parent
YEAR = 2026


def local(month: int, day: int, hour: int = 10) -> datetime:
    """A moment of the benchmark year in Shanghai; month 13 is next January."""
    year, month = (YEAR + 1, 1) if month == 13 else (YEAR, month)
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def rules() -> CentreRules:
    """The shipped rules with the generator's outlets and the default scoring."""
    settings = load_settings(REPO / "config.yaml", {})
    outlets = {name: Outlet(name, level) for name, level, _ in OUTLETS}
    return replace(centre_rules(settings), outlets=outlets, policy=ScoringPolicy())


async def ledger(path: Path, clock: FakeClock, seed: int) -> Database:
    """A small random year whose units' quota and target change from a random month."""
    db = await Database.open(path, clock=clock)
    await db.migrate()
    await build(db, Scale(14, 700, 1200, seed, 20, 500), ScoringPolicy())
    rng = random.Random(seed)
    async with db.transaction() as tx:
        # the import wrote each unit's settings history from the start (storage.bulk)
        current = await units.list_units(tx)
        specs = [units.UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target) for u in current]
        for changed in rng.sample(range(len(specs)), 3):
            spec = specs[changed]
            specs[changed] = replace(
                spec, monthly_quota=spec.monthly_quota + 2, annual_target=Decimal(99)
            )
        await units.sync_units(tx, specs, from_month=f"{YEAR}-{rng.randint(2, 11):02d}")
    return db


async def close(db: Database, clock: FakeClock, rules: CentreRules, month: int) -> None:
    """Closes a month as the bot does when its bulletin is posted (on the 5th after it)."""
    clock.now = local(month + 1, 5)
    report = await figures.month_report(db, rules.policy, SHANGHAI, YEAR, month)
    async with db.transaction() as tx:
        assert await closing.close_month(tx, report) is not None


async def both_years(
    db: Database, policy: ScoringPolicy, upto: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[UnitYear], list[UnitYear]]:
    """The year to the end of `upto` composed and live (unmemoized, same ledger)."""
    if upto == 12:
        composed = await figures._year_report(db, policy, SHANGHAI, YEAR)
        monkeypatch.setattr(figures, "COMPOSE_YEAR", False)
        live = await figures._year_report(db, policy, SHANGHAI, YEAR)
    else:
        composed = (await figures._month_report(db, policy, SHANGHAI, YEAR, upto)).year_to_date
        monkeypatch.setattr(figures, "COMPOSE_YEAR", False)
        live = (await figures._month_report(db, policy, SHANGHAI, YEAR, upto)).year_to_date
    monkeypatch.setattr(figures, "COMPOSE_YEAR", True)
    return composed, live


def differences(composed: list[UnitYear], live: list[UnitYear]) -> list[str]:
    """The units and count fields where two years differ (a readable failure)."""
    mine = {line.counts.unit_id: line.counts for line in composed}
    theirs = {line.counts.unit_id: line.counts for line in live}
    found = [f"units {sorted(mine)} != {sorted(theirs)}"] if mine.keys() != theirs.keys() else []
    for unit in mine.keys() & theirs.keys():
        for name in mine[unit].__slots__:
            if getattr(mine[unit], name) != getattr(theirs[unit], name):
                found.append(
                    f"{mine[unit].name}.{name}: {getattr(mine[unit], name)}"
                    f" != {getattr(theirs[unit], name)}"
                )
    return found


async def admin(db: Database) -> Person:
    """A person holding the admin role."""
    async with db.transaction() as tx:
        person = await people.ensure_person(tx, tg_account(9001), "管理员")
        await people.grant_role(tx, person.id, None, Role.ADMIN, None)
    return person


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
async def test_composed_year_equals_live_year(
    tmp_path: Path, seed: int, rules: CentreRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(local(13, 5))
    db = await ledger(tmp_path / "ledger.db", clock, seed)
    try:
        rng = random.Random(seed)
        closed = sorted(rng.sample(range(1, 13), rng.randint(1, 11)))
        for month in closed:
            await close(db, clock, rules, month)
        for upto in sorted({closed[0], closed[-1], rng.randint(1, 12), 12}):
            composed, live = await both_years(db, rules.policy, upto, monkeypatch)
            diff = differences(composed, live)
            assert not diff, "\n".join([f"seed {seed}, closed {closed}, to {upto}", *diff])
            assert composed == live
            assert any(line.counts.adopted_items for line in live)
    finally:
        await db.close()


async def test_a_correction_counts_once(
    tmp_path: Path, rules: CentreRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(local(13, 5))
    db = await ledger(tmp_path / "ledger.db", clock, 7)
    try:
        for month in range(1, 12):
            await close(db, clock, rules, month)
        before, _ = await both_years(db, rules.policy, 12, monkeypatch)
        clock.now = local(12, 10)
        boss = await admin(db)
        async with db.reading() as tx:
            unadopted = await tx.fetchall(
                "SELECT i.id, i.unit_id FROM items i WHERE i.centre_on BETWEEN ? AND ?"
                " AND i.state IN (SELECT value FROM json_each(?)) AND NOT EXISTS (SELECT 1"
                " FROM adoptions a WHERE a.item_id = i.id AND a.withdrawn_at IS NULL) ORDER BY i.id",
                ("2026-03-01", "2026-03-20", json.dumps([state.value for state in AT_CENTRE])),
            )
            sole = await tx.fetchall(
                "SELECT a.id, a.item_id, a.outlet, a.points, i.unit_id FROM adoptions a"
                " JOIN items i ON i.id = a.item_id WHERE a.withdrawn_at IS NULL"
                " AND a.adopted_on BETWEEN '2026-05-01' AND '2026-05-31' AND (SELECT count(*)"
                " FROM adoptions b WHERE b.item_id = a.item_id AND b.withdrawn_at IS NULL) = 1"
                " ORDER BY a.id"
            )
        new_item, new_unit = int(unadopted[0]["id"]), int(unadopted[0]["unit_id"])
        gone = sole[0]
        await closing.correct_adoption(
            db,
            rules,
            boss,
            new_item,
            outlet_name=OUTLETS[0][0],
            adopted_on=date(YEAR, 3, 25),
            reason="漏录",
        )
        await closing.correct_withdrawal(
            db, rules, boss, int(gone["item_id"]), str(gone["outlet"]), "重复录入"
        )
        composed, live = await both_years(db, rules.policy, 12, monkeypatch)
        assert composed == live
        was = {line.counts.unit_id: line.counts for line in before}
        now = {line.counts.unit_id: line.counts for line in composed}
        added = OUTLETS[0][1]  # level 4: 4 points
        assert now[new_unit].own_points - was[new_unit].own_points == added - (
            int(gone["points"]) if int(gone["unit_id"]) == new_unit else 0
        )
        assert now[new_unit].adopted_items - was[new_unit].adopted_items == 1 - (
            int(gone["unit_id"]) == new_unit
        )
        lost = int(gone["unit_id"])
        if lost != new_unit:
            assert was[lost].own_points - now[lost].own_points == int(gone["points"])
            assert was[lost].adopted_items - now[lost].adopted_items == 1
            assert was[lost].adoptions - now[lost].adoptions == 1
        # the closed sheets stand as published
        published = await closing.published_month(db, YEAR, 3)
        assert published is not None
        assert published.adopted_ids is not None
        assert new_item not in published.adopted_ids.get(new_unit, ())

        # reopened and closed again: the new sheet holds the corrections, counted once
        await closing.reopen(db, f"{YEAR}-03", "重新核对")
        composed, live = await both_years(db, rules.policy, 12, monkeypatch)
        assert composed == live
        await closing.close(db, rules, f"{YEAR}-03")
        composed, live = await both_years(db, rules.policy, 12, monkeypatch)
        assert composed == live
        # and the bulletin's year to date agrees too
        composed, live = await both_years(db, rules.policy, 12 - 1, monkeypatch)
        assert composed == live
    finally:
        await db.close()


async def test_an_old_sheet_without_item_ids_is_taken_live(
    tmp_path: Path, rules: CentreRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(local(13, 5))
    db = await ledger(tmp_path / "ledger.db", clock, 8)
    try:
        for month in (1, 2, 3):
            clock.now = local(month + 1, 5)
            report = await figures.month_report(db, rules.policy, SHANGHAI, YEAR, month)
            if month == 2:  # as closed before the sheets kept their adopted items
                report = replace(report, adopted_ids=None)
            async with db.transaction() as tx:
                await closing.close_month(tx, report)
        for upto in (3, 12):
            composed, live = await both_years(db, rules.policy, upto, monkeypatch)
            assert composed == live
    finally:
        await db.close()


@pytest.mark.parametrize("closed", [(), (3, 7)])
async def test_kept_open_runs_recount_what_a_commit_touched(
    tmp_path: Path,
    closed: tuple[int, ...],
    rules: CentreRules,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The year's open months are kept as runs (one before the last month, the last month
    on its own) and, after adoptions recorded in months of those runs, recounted only for the
    units touched: still equal to the live year, and the untouched units' lines the same
    objects (nothing recomputed for them)."""
    clock = FakeClock(local(13, 5))
    db = await ledger(tmp_path / "ledger.db", clock, 11)
    try:
        for month in closed:
            await close(db, clock, rules, month)
        before = await figures._month_report(db, rules.policy, SHANGHAI, YEAR, 12)
        boss = await admin(db)
        async with db.reading() as tx:
            rows = await tx.fetchall(
                "SELECT i.id FROM items i WHERE i.centre_on BETWEEN ? AND ?"
                " AND i.state IN (SELECT value FROM json_each(?)) AND NOT EXISTS (SELECT 1"
                " FROM adoptions a WHERE a.item_id = i.id AND a.withdrawn_at IS NULL)"
                " ORDER BY i.id LIMIT 2",
                ("2026-05-01", "2026-05-20", json.dumps([state.value for state in AT_CENTRE])),
            )
            chosen = [await items.get_item(tx, int(row["id"])) for row in rows]
        touched = {item.unit_id for item in chosen if item is not None}
        outlet = rules.outlets[OUTLETS[0][0]]
        for item in chosen:
            assert item is not None
            async with db.transaction() as tx:
                await centre.record_adoption_at(
                    tx,
                    rules,
                    item,
                    outlet,
                    adopted_on=date(YEAR, 5, 25),
                    recorder=boss,
                    reference=None,
                )
        after = await figures._month_report(db, rules.policy, SHANGHAI, YEAR, 12)
        was = {line.counts.unit_id: line.counts for line in before.year_to_date}
        now = {line.counts.unit_id: line.counts for line in after.year_to_date}
        assert touched and all(now[u].own_points > was[u].own_points for u in touched)
        assert all(now[u] is was[u] for u in now.keys() - touched)  # kept, not recounted
        composed, live = await both_years(db, rules.policy, 12, monkeypatch)
        assert not differences(composed, live)
        assert composed == live
    finally:
        await db.close()
