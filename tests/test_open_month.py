"""The open month's counts kept current from each commit equal a fresh full count.

Random operations through the services (adoptions recorded and withdrawn, items reaching the
centre, items created and submitted, editors' edits, informants granted and revoked, a unit's
quota changed, corrections of a closed month, an adoption refused in a closed month) on a
small random ledger whose months before December are closed; after each, the month's and the
year's figures computed from the kept counts equal those recounted from the whole ledger, and
the closed months' sheets stay as published.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.ledger_figures import OUTLETS, Scale, build
from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from scoring.policy import ScoringPolicy
from scoring.vocab import AT_CENTRE, ItemState, Role
from storage import adoptions, items, people, units
from storage.db import Database
from storage.items import NewItem
from storage.models import Person
from tests.conftest import FakeClock, tg_account
from tests.test_year_compose import REPO, SHANGHAI, YEAR, local
from workflow import centre, figures
from workflow import periods as closing
from workflow.closing import ensure_open
from workflow.outcomes import Refused
from workflow.rules import CentreRules, Outlet

OPERATIONS = (
    "adopt",
    "withdraw",
    "reach_centre",
    "create",
    "edit",
    "grant",
    "revoke",
    "quota",
    "correct",
    "closed_adopt",
)


def shipped_rules() -> CentreRules:
    """The shipped rules with the generator's outlets (as tests.test_year_compose has them)."""
    outlets = {name: Outlet(name, level) for name, level, _ in OUTLETS}
    return replace(
        centre_rules(load_settings(REPO / "config.yaml", {})),
        outlets=outlets,
        policy=ScoringPolicy(),
    )


async def _template(path: Path, rules: CentreRules) -> None:
    """A small random year with a settings history, January to November closed."""
    clock = FakeClock(local(12, 1))
    db = await Database.open(path, clock=clock)
    try:
        await db.migrate()
        await build(db, Scale(12, 500, 900, 11, 20, 500), rules.policy)
        for month in range(1, 12):
            clock.now = local(month + 1, 5)
            report = await figures.month_report(db, rules.policy, SHANGHAI, YEAR, month)
            async with db.transaction() as tx:
                assert await closing.close_month(tx, report) is not None
    finally:
        await db.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ledger every example starts from (built once)."""
    path = tmp_path_factory.mktemp("open-month") / "template.db"
    asyncio.run(_template(path, shipped_rules()))
    return path


@dataclass
class Actors:
    """Who acts in the operations."""

    editor: Person
    boss: Person


async def _actors(db: Database) -> Actors:
    """The ledger's editor, and an admin for corrections."""
    async with db.transaction() as tx:
        row = await tx.fetchone(
            "SELECT person_id FROM roles WHERE role = 'editor' AND revoked_at IS NULL"
        )
        assert row is not None
        editor = await people.get_person(tx, int(row[0]))
        assert editor is not None
        boss = await people.ensure_person(tx, tg_account(9001), "管理员")
        await people.grant_role(tx, boss.id, None, Role.ADMIN, None)
    return Actors(editor, boss)


async def _operate(
    db: Database, rules: CentreRules, actors: Actors, operation: str, rng: random.Random
) -> None:
    """One random operation through the services, in its own transaction (or refused)."""
    today = date(YEAR, 12, rng.randint(1, 28))
    outlet = rng.choice(list(rules.outlets.values()))
    if operation in {"correct", "closed_adopt"}:
        async with db.reading() as tx:
            rows = await tx.fetchall(
                "SELECT id FROM items WHERE state IN ('submitted', 'registered', 'adopted')"
                " AND centre_on < '2026-10-01' ORDER BY id"
            )
        item_id = int(rng.choice(rows)[0])
        if operation == "correct":
            with contextlib.suppress(Refused, adoptions.DuplicateAdoption):
                await closing.correct_adoption(
                    db,
                    rules,
                    actors.boss,
                    item_id,
                    outlet_name=outlet.name,
                    adopted_on=date(YEAR, 10, rng.randint(1, 31)),
                    reason="漏录",
                )
            return
        with pytest.raises(Refused):  # a change dated in a closed month is refused
            async with db.transaction() as tx:
                await ensure_open(tx, date(YEAR, 10, 15))
        return
    async with db.transaction() as tx:
        if operation in {"adopt", "edit"}:
            states = [s.value for s in AT_CENTRE]
            rows = await tx.fetchall(
                f"SELECT id FROM items WHERE state IN ({', '.join('?' * len(states))}) ORDER BY id",
                states,
            )
            item = await items.get_item(tx, int(rng.choice(rows)[0]))
            assert item is not None
            if operation == "adopt":
                if item.centre_on is not None and item.centre_on > today:
                    return
                with contextlib.suppress(adoptions.DuplicateAdoption, Refused):
                    await centre.record_adoption_at(
                        tx,
                        rules,
                        item,
                        outlet,
                        adopted_on=today,
                        recorder=actors.editor,
                        reference=None,
                    )
                return
            sections = await tx.fetchall("SELECT id FROM units WHERE kind = 'section'")
            await items.record_edit(
                tx,
                item.id,
                editor_id=actors.editor.id,
                section_unit_id=int(rng.choice(sections)[0]),
                title=f"{item.title}·{rng.randint(1, 10**6)}",
                body=item.body,
            )
        elif operation == "withdraw":
            rows = await tx.fetchall(
                "SELECT id FROM adoptions WHERE withdrawn_at IS NULL AND adopted_on >= '2026-12-01'"
                " ORDER BY id"
            )
            if rows:
                await adoptions.withdraw_adoption(
                    tx, int(rng.choice(rows)[0]), actors.editor.id, "重复"
                )
        elif operation in {"reach_centre", "create"}:
            if operation == "create":
                author = await tx.fetchone(
                    "SELECT person_id, unit_id FROM roles WHERE role = 'informant'"
                    " ORDER BY random() LIMIT 1"
                )
                assert author is not None
                item = await items.create_item(
                    tx,
                    NewItem(
                        unit_id=int(author[1]),
                        author_id=int(author[0]),
                        category=rng.choice(["政务", rules.policy.research_category]),
                        title=f"新信息{rng.randint(1, 10**6)}",
                        body="正文",
                        event_date=today,
                    ),
                )
                await items.transition(
                    tx,
                    item.id,
                    expected=ItemState.DRAFT,
                    new=ItemState.PENDING,
                    actor_id=int(author[0]),
                    action="item.submit",
                    submitted_on=today,
                )
                pending = item.id
            else:
                rows = await tx.fetchall("SELECT id FROM items WHERE state = 'pending' ORDER BY id")
                if not rows:
                    return
                pending = int(rng.choice(rows)[0])
            await items.transition(
                tx,
                pending,
                expected=ItemState.PENDING,
                new=ItemState.SUBMITTED,
                actor_id=actors.editor.id,
                action="item.reach_centre",
                centre_at=tx.now,
                centre_on=today,
                late_days=rng.choice([0, 0, 3]),
            )
        elif operation == "grant":
            unit = rng.choice(await units.list_units(tx))
            await people.grant_role(tx, actors.editor.id, unit.id, Role.INFORMANT, None)
        elif operation == "revoke":
            rows = await tx.fetchall(
                "SELECT id FROM roles WHERE role = 'informant' AND revoked_at IS NULL ORDER BY id"
            )
            await people.revoke_role(tx, int(rng.choice(rows)[0]), None)
        elif operation == "quota":
            current = await units.list_units(tx)
            specs = [
                units.UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target) for u in current
            ]
            changed = rng.randrange(len(specs))
            specs[changed] = replace(specs[changed], monthly_quota=rng.randint(1, 9))
            await units.sync_units(tx, specs, from_month=f"{YEAR}-12")


def _sheets(path: Path) -> list[tuple[object, ...]]:
    """The published sheets as stored."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT * FROM period_sheets ORDER BY period, version").fetchall()


async def _figures(db: Database, rules: CentreRules, keep: bool) -> tuple[object, ...]:
    """December's lines, the year to date beside them and the year's lines: with the month
    kept and the year and the ranks patched, or all counted, composed and ranked afresh (the
    kept state left as is)."""
    figures.KEEP_OPEN_MONTH = keep
    composed = None if keep else figures._COMPOSED.pop(db, None)
    ranked = None if keep else figures._RANKED.pop(db, None)
    try:
        report = await figures._month_report(db, rules.policy, SHANGHAI, YEAR, 12)
        year = await figures._year_report(db, rules.policy, SHANGHAI, YEAR)
    finally:
        figures.KEEP_OPEN_MONTH = True
        if composed is not None:
            figures._COMPOSED[db] = composed
        if ranked is not None:
            figures._RANKED[db] = ranked
    return report.lines, report.year_to_date, report.adopted_ids, year


async def _example(template: Path, script: list[tuple[str, int]]) -> None:
    """Runs the operations on a copy of the template, comparing after each."""
    rules = shipped_rules()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        with (
            contextlib.closing(sqlite3.connect(template)) as source,
            contextlib.closing(sqlite3.connect(path)) as target,
        ):
            source.backup(target)
        published = _sheets(path)
        db = await Database.open(path, clock=FakeClock(local(12, 10)))
        try:
            actors = await _actors(db)
            await _figures(db, rules, keep=True)  # the month counted once, then kept
            for operation, seed in script:
                await _operate(db, rules, actors, operation, random.Random(seed))
                kept = await _figures(db, rules, keep=True)
                fresh = await _figures(db, rules, keep=False)
                assert kept == fresh, f"after {operation} ({seed})"
        finally:
            await db.close()
        assert _sheets(path) == published


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 2**32)), min_size=1, max_size=8)
)
def test_kept_month_equals_a_full_count(template: Path, script: list[tuple[str, int]]) -> None:
    asyncio.run(_example(template, script))


def test_a_commit_recounts_only_its_units(template: Path) -> None:
    """An adoption recounts its unit and the sections that edited the item, not the month."""

    async def run() -> None:
        rules = shipped_rules()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ledger.db"
            with (
                contextlib.closing(sqlite3.connect(template)) as source,
                contextlib.closing(sqlite3.connect(path)) as target,
            ):
                source.backup(target)
            db = await Database.open(path, clock=FakeClock(local(12, 10)))
            try:
                actors = await _actors(db)
                await _figures(db, rules, keep=True)
                kept = next(iter(figures._OPEN[db].values()))
                before = dict(kept.counts)
                await _operate(db, rules, actors, "adopt", random.Random(3))
                async with db.reading() as tx:
                    row = await tx.fetchone(
                        "SELECT i.unit_id FROM adoptions a JOIN items i ON i.id = a.item_id"
                        " ORDER BY a.id DESC LIMIT 1"
                    )
                assert row is not None
                await _figures(db, rules, keep=True)
                assert figures._OPEN[db] and next(iter(figures._OPEN[db].values())) is kept
                changed = {u for u, c in kept.counts.items() if c is not before[u]}
                assert int(row[0]) in changed
                assert len(changed) < len(before) // 2
            finally:
                await db.close()

    asyncio.run(run())
