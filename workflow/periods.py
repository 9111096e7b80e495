"""Closed periods (第十、十一条): a month closes when its bulletin is posted, a year with its
report; a closed sheet never changes. Changes dated in a closed month are refused, or
recorded by an admin as corrections (更正) that the next bulletin lists; reopening keeps the
old version and the next close writes a new one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from scoring.policy import ScoringPolicy
from scoring.vocab import AT_CENTRE, Role
from storage import adoptions, items, jobs, people, periods, units
from storage.db import Database, Tx
from storage.models import Adoption, Person
from workflow.centre import record_adoption_at
from workflow.closing import month_period, year_period
from workflow.figures import (
    CorrectionLine,
    MonthReport,
    YearReport,
    month_report,
    year_report,
)
from workflow.notices import is_configured_admin, post
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.submission import check_reason

_MONTH = TypeAdapter(MonthReport)
_YEAR = TypeAdapter(YearReport)


def parse_period(text: str) -> tuple[int, int | None]:
    """(year, month) of '2026-10', (year, None) of '2026'; ValueError otherwise."""
    parts = text.strip().split("-")
    if len(parts) == 1 and len(parts[0]) == 4 and parts[0].isdigit():
        return int(parts[0]), None
    if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return int(parts[0]), int(parts[1])
    raise ValueError(f"not a period: {text!r} (write 2026-10 for a month, 2026 for a year)")


def month_sheet(report: MonthReport) -> str:
    """A month's figures as stored when it closes (JSON; the rules in force included)."""
    ids = report.adopted_ids  # kept as compact arrays; the sheet lists them
    listed: dict[int, Sequence[int]] | None = (
        None if ids is None else {unit: list(items) for unit, items in ids.items()}
    )
    return _MONTH.dump_json(replace(report, version=None, adopted_ids=listed)).decode()


def year_sheet(report: YearReport) -> str:
    """A year's figures as stored when it closes."""
    return _YEAR.dump_json(replace(report, version=None)).decode()


def load_month(row: periods.SheetRow) -> MonthReport:
    """A month's stored sheet back as the report it was published as."""
    return replace(_MONTH.validate_json(row.sheet), version=row.version)


def load_year(row: periods.SheetRow) -> YearReport:
    """A year's stored sheet back as the report it was published as."""
    return replace(_YEAR.validate_json(row.sheet), version=row.version)


async def close_month(tx: Tx, report: MonthReport, actor_id: int | None = None) -> int | None:
    """Freezes a month's figures as published, in the caller's transaction; the version
    written, or None if the month was already closed. Its correction lines count as shown."""
    period = month_period(report.year, report.month)
    if await periods.is_closed(tx, period):
        return None
    number = await periods.close(tx, period, month_sheet(report), actor_id)
    await periods.mark_shown(tx, [line.id for line in report.corrections], period)
    return number


async def close_year(tx: Tx, report: YearReport, actor_id: int | None = None) -> int | None:
    """Freezes a year's figures as published; None if it was already closed."""
    period = year_period(report.year)
    if await periods.is_closed(tx, period):
        return None
    return await periods.close(tx, period, year_sheet(report), actor_id)


async def published_month(db: Database, year: int, month: int) -> MonthReport | None:
    """A closed month's sheet in force, exactly as it was published; None while it is open."""
    async with db.reading() as tx:
        if not await periods.is_closed(tx, month_period(year, month)):
            return None
        row = await periods.latest(tx, month_period(year, month))
    assert row is not None
    return load_month(row)


async def published_year(db: Database, year: int) -> YearReport | None:
    """A closed year's sheet in force, exactly as it was published; None while it is open."""
    async with db.reading() as tx:
        if not await periods.is_closed(tx, year_period(year)):
            return None
        row = await periods.latest(tx, year_period(year))
    assert row is not None
    return load_year(row)


async def bulletin_report(
    db: Database, policy: ScoringPolicy, zone: ZoneInfo, year: int, month: int
) -> MonthReport:
    """The month's bulletin: its published sheet once closed; else the figures now with the
    corrections no bulletin has listed yet."""
    published = await published_month(db, year, month)
    if published is not None:
        return published
    report = await month_report(db, policy, zone, year, month)
    return replace(report, corrections=tuple(await pending_corrections(db)))


async def annual_report(
    db: Database, policy: ScoringPolicy, zone: ZoneInfo, year: int
) -> YearReport:
    """The year's report: its published sheet once closed, else the figures now."""
    published = await published_year(db, year)
    if published is not None:
        return published
    return YearReport(year, await year_report(db, policy, zone, year), policy)


async def pending_corrections(db: Database) -> list[CorrectionLine]:
    """Corrections recorded since the last bulletin, as lines of the next one."""
    async with db.reading() as tx:
        rows = await periods.unshown_corrections(tx)
        lines = []
        for row in rows:
            adoption = await adoptions.get_adoption(tx, row.adoption_id)
            unit = await units.get_unit(tx, row.unit_id)
            assert adoption is not None
            assert unit is not None
            lines.append(
                CorrectionLine(
                    id=row.id,
                    period=row.period,
                    unit=unit.name,
                    item_id=adoption.item_id,
                    outlet=adoption.outlet,
                    points=row.points,
                    reason=row.reason,
                )
            )
    return lines


async def _admin(tx: Tx, rules: CentreRules, person: Person) -> None:
    """Refuses anyone who is not an admin (config.yaml's or by role): corrections are theirs."""
    if await is_configured_admin(tx, rules, person.id):
        return
    if not any(grant.role is Role.ADMIN for grant in await people.active_roles(tx, person.id)):
        raise Refused("not_admin")


async def correct_adoption(
    db: Database,
    rules: CentreRules,
    admin: Person,
    item_id: int,
    *,
    outlet_name: str,
    adopted_on: date,
    reason: str,
    reference: str | None = None,
) -> Adoption:
    """An admin records an adoption dated in a closed month as a correction (更正)."""
    reason = check_reason(reason, "correction_needs_reason")
    outlet = rules.outlets.get(outlet_name)
    if outlet is None:
        raise Refused("outlet_unknown", name=outlet_name)
    async with db.transaction() as tx:
        await _admin(tx, rules, admin)
        period = await _closed_month_of(tx, adopted_on)
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        if item.state not in AT_CENTRE:
            raise Refused("not_at_centre", state=item.state.value)
        if item.centre_on is not None and adopted_on < item.centre_on:
            raise Refused("adopted_before_centre", day=item.centre_on.isoformat())
        try:
            adoption, notices = await record_adoption_at(
                tx, rules, item, outlet, adopted_on=adopted_on, recorder=admin, reference=reference
            )
        except adoptions.DuplicateAdoption:
            raise Refused("already_adopted", outlet=outlet.name) from None
        await post(tx, notices)
        await periods.add_correction(
            tx,
            period=period,
            kind="adoption",
            adoption_id=adoption.id,
            unit_id=item.unit_id,
            points=adoption.points,
            reason=reason,
            actor_id=admin.id,
        )
    return adoption


async def correct_withdrawal(
    db: Database, rules: CentreRules, admin: Person, item_id: int, outlet_name: str, reason: str
) -> Adoption:
    """An admin withdraws an item's adoption at an outlet, dated in a closed month, as a
    correction (更正)."""
    reason = check_reason(reason, "correction_needs_reason")
    async with db.transaction() as tx:
        await _admin(tx, rules, admin)
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        live = await adoptions.adoptions_of(tx, item.id)
        adoption = next((a for a in live if a.outlet == outlet_name), None)
        if adoption is None:
            raise Refused("adoption_unknown")
        period = await _closed_month_of(tx, adoption.adopted_on)
        if not await adoptions.withdraw_adoption(tx, adoption.id, admin.id, reason):
            raise Refused("already_withdrawn")
        await periods.add_correction(
            tx,
            period=period,
            kind="withdrawal",
            adoption_id=adoption.id,
            unit_id=item.unit_id,
            points=-adoption.points,
            reason=reason,
            actor_id=admin.id,
        )
        stored = await adoptions.get_adoption(tx, adoption.id)
    assert stored is not None
    return stored


async def _closed_month_of(tx: Tx, day: date) -> str:
    """The closed month a correction dated `day` corrects; refused if open or its year closed."""
    if await periods.is_closed(tx, year_period(day.year)):
        raise Refused("year_closed", year=day.year)
    period = month_period(day.year, day.month)
    if not await periods.is_closed(tx, period):
        raise Refused("month_open", year=day.year, month=day.month)
    return period


async def reopen(db: Database, period: str, reason: str) -> int:
    """Reopens a closed period with a reason (the operator, on the command line); its sheet
    is kept and the next close writes a new version. The version reopened."""
    reason = check_reason(reason, "reopen_needs_reason")
    parse_period(period)
    async with db.transaction() as tx:
        number = await periods.reopen(tx, period, reason, None)
    if number is None:
        raise Refused("period_not_closed", period=period)
    return number


async def close(db: Database, rules: CentreRules, period: str) -> int:
    """Closes a reopened (or never closed) period from the ledger now: a new version."""
    year, month = parse_period(period)
    if month is None:
        lines = await year_report(db, rules.policy, rules.zone, year)
        async with db.transaction() as tx:
            number = await close_year(tx, YearReport(year, lines, rules.policy))
    else:
        figures = await month_report(db, rules.policy, rules.zone, year, month)
        async with db.transaction() as tx:
            number = await close_month(tx, figures)
    if number is None:
        raise Refused("period_already_closed", period=period)
    return number


async def close_posted(db: Database, rules: CentreRules) -> list[str]:
    """Closes the months whose bulletins and the years whose reports were posted before
    periods could close (an upgrade): their figures from the ledger now, once."""
    async with db.reading() as tx:
        todo = [p for p in await jobs.posted_periods(tx) if await periods.latest(tx, p) is None]
    closed = []
    for period in sorted(todo, key=lambda p: (p[:4], len(p), p)):
        try:
            await close(db, rules, period)
        except Refused:
            continue
        closed.append(period)
    return closed
