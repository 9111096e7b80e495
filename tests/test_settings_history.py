"""第十一条's month-end judgements and the unit settings' history: what a year's sheet is
judged on when informants come and go and config.yaml changes during the year."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.figures import DeductionReason
from scoring.policy import ScoringPolicy
from scoring.vocab import Role, UnitKind
from storage import people, units
from storage.db import Database
from tests.conftest import FakeClock, tg_account
from workflow import periods as closing
from workflow.figures import month_report, year_report
from workflow.outcomes import Refused

ZONE = ZoneInfo("Asia/Shanghai")
POLICY = ScoringPolicy()
WINDOW = units.UnitSpec("市人社局窗口", UnitKind.WINDOW, 0, Decimal(5))
TOWNSHIP = units.UnitSpec("城关镇便民服务中心", UnitKind.TOWNSHIP, 0, Decimal(5))


def at(year: int, month: int, day: int) -> datetime:
    """Noon in Shanghai on a day, as the clock's UTC instant."""
    return datetime(year, month, day, 12, tzinfo=ZONE).astimezone(UTC)


async def setup(db: Database, clock: FakeClock) -> dict[str, int]:
    """Two units from the start of the ledger; returns their ids by name."""
    clock.now = at(2026, 1, 1)
    async with db.transaction() as tx:
        await units.sync_units(tx, [WINDOW, TOWNSHIP])
        return {u.name: u.id for u in await units.list_units(tx)}


async def informant(db: Database, clock: FakeClock, unit_id: int, tg: int, since: datetime) -> int:
    """Someone holding the informant role from a moment on; returns the grant id."""
    clock.now = since
    async with db.transaction() as tx:
        person = await people.ensure_person(tx, tg_account(tg), f"信息员{tg}")
        grant = await people.grant_role(tx, person.id, unit_id, Role.INFORMANT, None)
    return grant.id


async def revoke(db: Database, clock: FakeClock, grant_id: int, when: datetime) -> None:
    """The role ends at a moment."""
    clock.now = when
    async with db.transaction() as tx:
        await people.revoke_role(tx, grant_id, None)


async def test_informant_is_judged_at_every_months_end(db: Database, clock: FakeClock) -> None:
    """No informant from Feb 28 to Apr 1: February's and March's ends found none (第十一条)."""
    ids = await setup(db, clock)
    first = await informant(db, clock, ids[WINDOW.name], 1, at(2026, 1, 2))
    await revoke(db, clock, first, at(2026, 2, 28))
    await informant(db, clock, ids[WINDOW.name], 2, at(2026, 4, 1))
    township = await informant(db, clock, ids[TOWNSHIP.name], 3, at(2026, 1, 2))
    await revoke(db, clock, township, at(2026, 12, 20))  # lost on Dec 20: December's end
    clock.now = at(2027, 1, 5)
    lines = {line.counts.name: line for line in await year_report(db, POLICY, ZONE, 2026)}
    window, town = lines[WINDOW.name], lines[TOWNSHIP.name]
    assert window.counts.months_without_informant == (2, 3)
    assert DeductionReason.NO_INFORMANT in [d.reason for d in window.deductions]
    assert town.counts.months_without_informant == (12,)
    assert DeductionReason.NO_INFORMANT in [d.reason for d in town.deductions]
    # Each month's bulletin shows that month's state.
    march = await month_report(db, POLICY, ZONE, 2026, 3)
    april = await month_report(db, POLICY, ZONE, 2026, 4)
    assert not next(x for x in march.lines if x.counts.name == WINDOW.name).counts.has_informant
    assert next(x for x in april.lines if x.counts.name == WINDOW.name).counts.has_informant


async def test_a_unit_opened_mid_year_is_judged_on_its_months(
    db: Database, clock: FakeClock
) -> None:
    await setup(db, clock)
    clock.now = at(2026, 7, 10)
    added = units.UnitSpec("审批服务科", UnitKind.SECTION, 2, Decimal(10))
    async with db.transaction() as tx:
        report = await units.sync_units(tx, [WINDOW, TOWNSHIP, added])
    assert report.added == ["审批服务科"]
    june = await month_report(db, POLICY, ZONE, 2026, 6)
    assert "审批服务科" not in [line.counts.name for line in june.lines]
    clock.now = at(2027, 1, 5)
    line = next(
        x for x in await year_report(db, POLICY, ZONE, 2026) if x.counts.name == "审批服务科"
    )
    assert line.counts.months_in == (7, 8, 9, 10, 11, 12)
    assert line.quota_required == 12  # six months × 2, not twelve


async def test_quota_changes_apply_from_their_month_and_a_rename_keeps_history(
    db: Database, clock: FakeClock
) -> None:
    ids = await setup(db, clock)
    clock.now = at(2026, 7, 1)
    renamed = units.UnitSpec(
        "市人力资源和社会保障局窗口", UnitKind.WINDOW, 3, Decimal(5), key=WINDOW.name
    )
    async with db.transaction() as tx:
        report = await units.sync_units(tx, [renamed, TOWNSHIP])
        unit = await units.get_unit(tx, ids[WINDOW.name])
    assert report.updated == [renamed.name] and report.added == []
    assert unit is not None and unit.name == renamed.name and unit.key == WINDOW.name
    clock.now = at(2027, 1, 5)
    line = next(x for x in await year_report(db, POLICY, ZONE, 2026) if x.counts.unit_id == unit.id)
    assert line.counts.name == renamed.name
    assert line.quota_required == 6 * 0 + 6 * 3
    june = await month_report(db, POLICY, ZONE, 2026, 6)
    assert next(x for x in june.lines if x.counts.unit_id == unit.id).counts.monthly_quota == 0


async def test_an_editor_joins_a_section_only(db: Database, clock: FakeClock) -> None:
    from bot.settings.loader import load_settings
    from bot.wiring import centre_rules
    from tests.flow import REPO
    from workflow import joining

    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    await setup(db, clock)
    with pytest.raises(Refused) as refused:
        await joining.create_invite(db, rules, unit_name=WINDOW.name, role=Role.EDITOR)
    assert refused.value.key == "editor_needs_section"


operations = st.lists(
    st.tuples(st.sampled_from(["quota", "target", "remove", "rename"]), st.integers(0, 9)),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations)
async def test_a_closed_month_never_changes(
    db: Database, clock: FakeClock, ops: list[tuple[str, int]]
) -> None:
    """Whatever config.yaml does afterwards, a closed month's sheet reads back as published."""
    async with db.transaction() as tx:
        known = await units.list_units(tx, include_inactive=True)
    if not known:
        await setup(db, clock)
    clock.now = at(2026, 11, 2)
    published = await closing.published_month(db, 2026, 10)
    if published is None:
        figures = await month_report(db, POLICY, ZONE, 2026, 10)
        async with db.transaction() as tx:
            await closing.close_month(tx, figures)
        published = await closing.published_month(db, 2026, 10)
    assert published is not None
    specs = [WINDOW, TOWNSHIP]
    for op, n in ops:
        if op == "quota":
            specs = [replace(spec, monthly_quota=n) for spec in specs]
        elif op == "target":
            specs = [replace(spec, annual_target=Decimal(n)) for spec in specs]
        elif op == "remove":
            specs = specs[:1]
        else:
            specs = [replace(specs[0], name=f"改名{n}", key=WINDOW.name), *specs[1:]]
        async with db.transaction() as tx:
            await units.sync_units(tx, specs, from_month=f"2026-{11 + n % 2:02d}")
        assert await closing.published_month(db, 2026, 10) == published


async def test_a_removed_unit_stays_in_the_months_it_was_in(db: Database, clock: FakeClock) -> None:
    await setup(db, clock)
    clock.now = at(2026, 7, 3)
    async with db.transaction() as tx:
        report = await units.sync_units(tx, [WINDOW])
    assert report.deactivated == [TOWNSHIP.name]
    june = await month_report(db, POLICY, ZONE, 2026, 6)
    july = await month_report(db, POLICY, ZONE, 2026, 7)
    assert TOWNSHIP.name in [line.counts.name for line in june.lines]
    assert TOWNSHIP.name not in [line.counts.name for line in july.lines]
    clock.now = at(2027, 1, 5)
    year = {line.counts.name: line for line in await year_report(db, POLICY, ZONE, 2026)}
    assert year[TOWNSHIP.name].counts.months_in == (1, 2, 3, 4, 5, 6)
