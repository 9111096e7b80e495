"""The figures service: a month's bulletin lines and a year's report lines, from the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scoring import periods
from scoring.figures import UnitMonth, UnitYear, month_figures, year_figures
from scoring.policy import ScoringPolicy
from storage.db import Database
from storage.figures import period_counts


@dataclass(frozen=True, slots=True)
class CorrectionLine:
    """A correction (更正) of a closed month, as the next bulletin lists it."""

    id: int
    period: str  # the closed month corrected, '2026-10'
    unit: str
    item_id: int
    outlet: str
    points: int  # signed: + an adoption added, − one withdrawn
    reason: str


@dataclass(frozen=True, slots=True)
class MonthReport:
    """One month's lines and the year-to-date lines beside them, as a bulletin shows them,
    with the rules they were computed under; a closed month's published sheet is one of these."""

    year: int
    month: int
    lines: list[UnitMonth]
    year_to_date: list[UnitYear]
    policy: ScoringPolicy = field(default_factory=ScoringPolicy)
    corrections: tuple[CorrectionLine, ...] = ()
    version: int | None = None  # the published sheet's version; None: computed now


@dataclass(frozen=True, slots=True)
class YearReport:
    """A year's report lines with the rules they were computed under (a closed year's sheet)."""

    year: int
    lines: list[UnitYear]
    policy: ScoringPolicy = field(default_factory=ScoringPolicy)
    version: int | None = None


async def month_report(
    db: Database, policy: ScoringPolicy, zone: ZoneInfo, year: int, month: int
) -> MonthReport:
    """Figures of every active unit for one month and for the year up to that month's end
    (computed once while the ledger is unchanged, however many ask)."""
    return await db.memoized(
        ("month_report", id(policy), zone.key, year, month),
        lambda: _month_report(db, policy, zone, year, month),
        keep=policy,
    )


async def _month_report(
    db: Database, policy: ScoringPolicy, zone: ZoneInfo, year: int, month: int
) -> MonthReport:
    """The month's and the year-to-date figures, from one snapshot."""
    span = periods.month(year, month)
    ytd = periods.year_to_month_end(year, month)
    async with db.scanning() as tx:
        month_counts = await period_counts(
            tx, policy, span.first, span.last, informant_at=span.closes_at(zone), zone=zone
        )
        ytd_counts = await period_counts(
            tx,
            policy,
            ytd.first,
            ytd.last,
            informant_at=ytd.closes_at(zone),
            monthly=True,
            zone=zone,
        )
    return MonthReport(
        year=year,
        month=month,
        lines=month_figures(policy, month_counts),
        year_to_date=year_figures(policy, ytd_counts, months=month),
        policy=policy,
    )


async def year_report(
    db: Database, policy: ScoringPolicy, zone: ZoneInfo, year: int
) -> list[UnitYear]:
    """Every active unit's year-end line: score, reward, assessment, deductions, research duty
    (computed once while the ledger is unchanged)."""
    lines: list[UnitYear] = await db.memoized(
        ("year_report", id(policy), zone.key, year),
        lambda: _year_report(db, policy, zone, year),
        keep=policy,
    )
    return list(lines)  # callers may sort their copy


async def _year_report(
    db: Database, policy: ScoringPolicy, zone: ZoneInfo, year: int
) -> list[UnitYear]:
    """The year's lines from one snapshot."""
    span = periods.year(year)
    async with db.scanning() as tx:
        counts = await period_counts(
            tx,
            policy,
            span.first,
            span.last,
            informant_at=span.closes_at(zone),
            monthly=True,
            zone=zone,
        )
    return year_figures(policy, counts)
