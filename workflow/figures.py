"""The figures service: a month's bulletin lines and a year's report lines, from the ledger.

The year (and a bulletin's year to date) is composed: the closed months' published sheets,
plus the corrections recorded against them since, plus a live aggregate over only the months
still open (see docs/architecture.md, "The year from closed months").

Long because the kept open month, the summed closed sheets and the composed year share one set
of per-database memos and their invalidation rules; splitting the closed-sheet composition into
its own module is the next step, once the kept figures have settled.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from scoring import periods
from scoring.figures import (
    UnitCounts,
    UnitMonth,
    UnitYear,
    _listing_order,
    month_figures,
    year_figures,
)
from scoring.policy import QuotaBasis, ScoringPolicy
from scoring.ranking import competition_ranks
from storage import figures as figures_store
from storage import periods as closed_periods
from storage.db import Database, Tx
from storage.figures import (
    CorrectedItem,
    ItemIds,
    LedgerMark,
    UnitPlace,
    corrected_items,
    ledger_mark,
    period_counts,
    period_counts_with_items,
    touched_units,
    unit_places,
)

#: Compose the year from closed months (False: every figure live over the whole ledger, the
#: path before closed months were used; the benchmarks set it to measure that path).
COMPOSE_YEAR = True
#: Closed-month aggregates kept per database (a new one is built when a month closes).
CLOSED_ENTRIES = 4
#: Keep an open month's counts and recount only the units a commit touched (False: recount
#: the whole month after every commit, the path before; the benchmarks set it to compare).
KEEP_OPEN_MONTH = True
#: Open months' counts kept per database (runs of open months: a year asked about and the
#: months its bulletin and reports ask about need a few each).
OPEN_ENTRIES = 8


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
    #: per unit id, its items with a live adoption dated in the month, so that a year composed
    #: of closed months counts distinct adopted items; None on sheets closed before it was kept
    adopted_ids: dict[int, ItemIds] | None = None


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
    """The month's and the year-to-date figures, from one snapshot; the year to date is
    composed from the closed months and this month's own aggregate."""
    if not COMPOSE_YEAR:
        return await _month_report_live(db, policy, zone, year, month)
    async with db.scanning() as tx:
        counts, adopted = await _month_counts(db, tx, policy, zone, year, month)
        ytd_counts = await _year_counts(
            db, tx, policy, zone, year, month, known=(month, counts, adopted)
        )
    return MonthReport(
        year=year,
        month=month,
        lines=_ranked(
            db,
            ("month", id(policy), zone.key, year, month),
            counts,
            lambda units: month_figures(
                policy, [replace(c, monthly_quota_counts=()) for c in units]
            ),
        ),
        year_to_date=_ranked(
            db,
            ("year", id(policy), zone.key, year, month),
            ytd_counts,
            lambda units: year_figures(policy, units, months=month),
        ),
        policy=policy,
        adopted_ids=adopted,
    )


async def _month_report_live(
    db: Database, policy: ScoringPolicy, zone: ZoneInfo, year: int, month: int
) -> MonthReport:
    """The month's and the year-to-date figures, both live over the ledger (no closed months)."""
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
    async with db.scanning() as tx:
        if COMPOSE_YEAR:
            counts = await _year_counts(db, tx, policy, zone, year, 12)
        else:
            return year_figures(policy, await _live_year_counts(tx, policy, zone, year, 12))
    return _ranked(
        db,
        ("year", id(policy), zone.key, year, 12),
        counts,
        lambda units: year_figures(policy, units),
    )


_Line = TypeVar("_Line", UnitMonth, UnitYear)


@dataclass(slots=True)
class _Lines:
    """Ranked lines kept with the counts each was computed from."""

    keep: object  # what computed them (held so the id() of its policy in the key stays its own)
    lines: dict[int, tuple[UnitCounts, UnitMonth | UnitYear]]  # unit -> (its counts, line)


_RANKED: weakref.WeakKeyDictionary[Database, dict[object, _Lines]] = weakref.WeakKeyDictionary()


def _ranked(
    db: Database,
    key: object,
    counts: list[UnitCounts],
    compute: Callable[[list[UnitCounts]], list[_Line]],
) -> list[_Line]:
    """`compute(counts)`: every unit's line, ranked, in listing order; kept per database, so
    that when only some units' counts changed (the kept month and year hand back the very
    objects of the others) only their lines are computed again and everyone is ranked again.

    A line's figures depend on its unit's counts alone and its rank on every unit's score,
    so the lines of the changed units, computed among themselves, take the ranks of all.
    """
    kept = _RANKED.setdefault(db, {})
    state = kept.get(key)
    if state is not None and state.lines.keys() == {c.unit_id for c in counts}:
        changed = [c for c in counts if state.lines[c.unit_id][0] is not c]
        if len(changed) <= PATCH_UNITS:
            fresh: dict[int, UnitMonth | UnitYear] = {
                line.counts.unit_id: line for line in compute(changed)
            }
            lines = [fresh.get(c.unit_id) or state.lines[c.unit_id][1] for c in counts]
            ranks = competition_ranks([line.score for line in lines])
            ranked = [
                line if line.rank == rank else replace(line, rank=rank)
                for line, rank in zip(lines, ranks, strict=True)
            ]
            state.lines = {c.unit_id: (c, line) for c, line in zip(counts, ranked, strict=True)}
            ranked.sort(key=_listing_order)
            return ranked  # type: ignore[return-value]
    result = compute(counts)
    by_unit = {line.counts.unit_id: line for line in result}
    kept.pop(key, None)
    kept[key] = _Lines(compute, {c.unit_id: (c, by_unit[c.unit_id]) for c in counts})
    while len(kept) > OPEN_ENTRIES * 2:
        del kept[next(iter(kept))]
    return result


async def _live_year_counts(
    tx: Tx, policy: ScoringPolicy, zone: ZoneInfo, year: int, upto: int
) -> list[UnitCounts]:
    """January to the end of month `upto`, one aggregate over the whole ledger."""
    span = periods.year_to_month_end(year, upto)
    return await period_counts(
        tx,
        policy,
        span.first,
        span.last,
        informant_at=span.closes_at(zone),
        monthly=True,
        zone=zone,
    )


@dataclass(slots=True)
class _OpenMonth:
    """A month's counts as of an audit row, kept so that a commit recounts only its units."""

    policy: ScoringPolicy
    mark: LedgerMark
    places: Mapping[int, UnitPlace]
    counts: dict[int, UnitCounts]  # unit -> its counts, in the listing's order
    adopted: dict[int, ItemIds]  # unit -> its items with a live adoption in the month


_OPEN: weakref.WeakKeyDictionary[Database, dict[object, _OpenMonth]] = weakref.WeakKeyDictionary()


async def _month_counts(
    db: Database, tx: Tx, policy: ScoringPolicy, zone: ZoneInfo, year: int, month: int
) -> tuple[list[UnitCounts], dict[int, ItemIds]]:
    """One month's counts (monthly, with adopted item ids) in this snapshot (see _run_counts)."""
    return await _run_counts(db, tx, policy, zone, year, month, month)


async def _run_counts(
    db: Database,
    tx: Tx,
    policy: ScoringPolicy,
    zone: ZoneInfo,
    year: int,
    first: int,
    last: int,
) -> tuple[list[UnitCounts], dict[int, ItemIds]]:
    """The counts of months first..last of a year (monthly, with adopted item ids) in this
    snapshot: an open month, or a run of open months the year is composed of.

    Kept per database: when only items, adoptions and informant grants changed since (their
    audit rows say which), only the units they touch are counted again, by index, and put in
    place of their old counts; anything else (a unit's settings,
    an import, a new schema, a changed unit list) counts the whole run again.
    """
    span = periods.Period(periods.month(year, first).first, periods.month(year, last).last)

    async def count(
        units: frozenset[int] | None,
    ) -> tuple[list[UnitCounts], dict[int, ItemIds]]:
        """The run's counts, of only `units` if given."""
        return await period_counts_with_items(
            tx,
            policy,
            span.first,
            span.last,
            informant_at=span.closes_at(zone),
            monthly=True,
            zone=zone,
            units=units,
        )

    if not KEEP_OPEN_MONTH:
        return await count(None)
    mark = await ledger_mark(tx)
    places = await unit_places(tx)
    key = (id(policy), zone.key, year, first, last)
    kept = _OPEN.setdefault(db, {})
    state = kept.get(key)
    if (
        state is not None
        and state.policy is policy
        and state.mark.schema == mark.schema
        and state.mark.audit_id <= mark.audit_id
        and state.places == places
    ):
        touched = await touched_units(tx, state.mark.audit_id, mark.audit_id)
        if touched is not None:
            units, adopted = await count(touched) if touched else ([], {})
            if {c.unit_id for c in units} == touched & state.counts.keys():  # none came or went
                for c in units:
                    state.counts[c.unit_id] = c
                    if c.unit_id in adopted:
                        state.adopted[c.unit_id] = adopted[c.unit_id]
                    else:
                        state.adopted.pop(c.unit_id, None)
                state.mark = mark
                kept[key] = kept.pop(key)  # the most recently used is evicted last
                return list(state.counts.values()), dict(state.adopted)
    counts, adopted = await count(None)
    kept.pop(key, None)
    kept[key] = _OpenMonth(policy, mark, places, {c.unit_id: c for c in counts}, dict(adopted))
    while len(kept) > OPEN_ENTRIES:
        del kept[next(iter(kept))]
    return counts, adopted


@dataclass(frozen=True, slots=True)
class _SheetLine:
    """What the year needs of a closed month's line: its counts."""

    counts: UnitCounts


@dataclass(frozen=True, slots=True)
class _SheetView:
    """What the year needs of a closed month's sheet (the rest of the JSON is skipped)."""

    lines: list[_SheetLine]
    adopted_ids: dict[int, ItemIds] | None = None


_SHEET = TypeAdapter(_SheetView)

#: A closed month as a unit's year takes it: (quota in force, informant at its end,
#: items at the centre, items submitted).
_MonthTerms = tuple[int, bool, int, int]
_SUMS = 7  # submitted, at_centre, late, research, adoptions, own_points, edit_base_points


def _additive(c: UnitCounts) -> tuple[int, ...]:
    """The counts that add up across months, in the order of `_SUMS`."""
    return (
        c.submitted,
        c.at_centre,
        c.late,
        c.research_articles,
        c.adoptions,
        c.own_points,
        c.edit_base_points,
    )


@dataclass(slots=True)
class _Closed:
    """The closed months of a year summed per unit, from their published sheets."""

    months: tuple[int, ...]  # the months composed (closed, with adopted item ids kept)
    sums: dict[int, list[int]] = field(default_factory=dict)  # unit -> the _SUMS counts
    distinct: dict[int, int] = field(default_factory=dict)  # unit -> distinct adopted items
    existed: dict[int, dict[int, _MonthTerms]] = field(default_factory=dict)
    last: dict[int, tuple[int, UnitCounts]] = field(default_factory=dict)  # unit -> its last
    seen: bytearray = field(default_factory=bytearray)  # item id -> 1: adopted in these months

    def was_seen(self, item_id: int) -> bool:
        """Whether one of these months' sheets lists the item as adopted."""
        return item_id < len(self.seen) and bool(self.seen[item_id])


class _ItemMarks:
    """A set of item ids as one byte per id (ids are small, dense integers)."""

    __slots__ = ("_marks",)

    def __init__(self) -> None:
        self._marks = bytearray()

    def mark(self, item_id: int) -> bool:
        """Marks an item; True if it was not marked before."""
        marks = self._marks
        if item_id >= len(marks):
            marks.extend(bytes(max(item_id + 1 - len(marks), len(marks))))
        if marks[item_id]:
            return False
        marks[item_id] = 1
        return True

    def has(self, item_id: int) -> bool:
        """Whether the item is marked."""
        return item_id < len(self._marks) and bool(self._marks[item_id])


_CLOSED: weakref.WeakKeyDictionary[Database, dict[object, _Closed]] = weakref.WeakKeyDictionary()
#: A year with no closed month yet: one object, so a kept composition is recognised as such.
_NONE_CLOSED: Final = _Closed(())


def _summed(views: dict[int, _SheetView]) -> _Closed:
    """Sums the closed months' sheets that keep their adopted items (older ones stay live)."""
    usable = {month: view for month, view in sorted(views.items()) if view.adopted_ids is not None}
    closed = _Closed(months=tuple(usable))
    top = max(
        (i for v in usable.values() for ids in (v.adopted_ids or {}).values() for i in ids),
        default=-1,
    )
    closed.seen = bytearray(top + 1)
    for month, view in usable.items():
        for line in view.lines:
            c = line.counts
            sums = closed.sums.setdefault(c.unit_id, [0] * _SUMS)
            for n, value in enumerate(_additive(c)):
                sums[n] += value
            closed.existed.setdefault(c.unit_id, {})[month] = (
                c.monthly_quota,
                c.has_informant,
                c.at_centre,
                c.submitted,
            )
            closed.last[c.unit_id] = (month, c)
        for unit_id, ids in (view.adopted_ids or {}).items():
            fresh = 0
            for item_id in ids:
                if not closed.seen[item_id]:
                    closed.seen[item_id] = 1
                    fresh += 1
            closed.distinct[unit_id] = closed.distinct.get(unit_id, 0) + fresh
    return closed


async def _closed_part(
    db: Database, tx: Tx, year: int, months: list[closed_periods.ClosedMonth]
) -> _Closed:
    """The closed months summed, kept per database while the same sheets are in force."""
    key = (year, tuple((m.month, m.version) for m in months))
    kept = _CLOSED.setdefault(db, {})
    found = kept.get(key)
    if found is not None:
        return found
    views = {}
    for m in months:
        text = await closed_periods.sheet_text(tx, f"{year:04d}-{m.month:02d}", m.version)
        if text is not None:
            views[m.month] = _SHEET.validate_json(text)
    found = _summed(views)
    kept[key] = found
    while len(kept) > CLOSED_ENTRIES:
        del kept[next(iter(kept))]
    return found


def _runs(months: list[int]) -> list[tuple[int, int]]:
    """Consecutive months as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for month in months:
        if runs and runs[-1][1] == month - 1:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


_Known = tuple[int, list[UnitCounts], dict[int, ItemIds]]


async def _year_counts(
    db: Database,
    tx: Tx,
    policy: ScoringPolicy,
    zone: ZoneInfo,
    year: int,
    upto: int,
    known: _Known | None = None,
) -> list[UnitCounts]:
    """Each unit's counts from January to the end of month `upto`: the closed months' sheets,
    the corrections recorded against them since they closed, and the open months live.
    `known` is an open month already aggregated in this snapshot (monthly, with item ids)."""
    closed_list = [m for m in await closed_periods.closed_months(tx, year) if m.month <= upto]
    closed = await _closed_part(db, tx, year, closed_list) if closed_list else _NONE_CLOSED
    open_months = [m for m in range(1, upto + 1) if m not in closed.months]
    # The last month (the one a month's report asks about, and the one commits touch most)
    # is a run of its own, so the month's report and the year's share the runs they keep.
    runs = _runs([m for m in open_months if m != upto])
    if upto in open_months:
        runs.append((upto, upto))
    parts: list[tuple[list[UnitCounts], dict[int, ItemIds]]] = []
    for first, last in runs:  # in the year's order; each run kept, recounted where touched
        if known is not None and first == last == known[0]:
            parts.append((known[1], known[2]))
        else:
            parts.append(await _run_counts(db, tx, policy, zone, year, first, last))
    places = await unit_places(tx)
    in_force = {m.month: m.version for m in closed_list}
    corrections = [  # those against the sheet in force; a later version already holds them
        row
        for row in await closed_periods.corrections_of(
            tx, [f"{year:04d}-{m:02d}" for m in closed.months]
        )
        if row.version == in_force[int(row.period[5:7])]
    ]
    corrected: dict[int, CorrectedItem] = {}
    if corrections:
        corrected = await corrected_items(
            tx,
            policy,
            [row.adoption_id for row in corrections],
            date(year, 1, 1),
            periods.month(year, upto).last,
        )
    return _composed(
        db,
        (id(policy), zone.key, year, upto),
        _Inputs(
            policy,
            closed,
            places,
            [(row.adoption_id, row.unit_id, row.kind, row.points) for row in corrections],
            corrected,
        ),
        parts,
    )


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What a year's composition takes besides its open parts."""

    policy: ScoringPolicy
    closed: _Closed
    places: Mapping[int, UnitPlace]
    corrections: list[tuple[int, int, str, int]]
    corrected: dict[int, CorrectedItem]

    def same(self, other: _Inputs) -> bool:
        """Whether a composition from `other` holds for these (the same sheets' sums, unit
        list and corrections)."""
        return (
            self.policy is other.policy
            and self.closed is other.closed
            and self.places == other.places
            and self.corrections == other.corrections
            and self.corrected == other.corrected
        )


_Part = tuple[list[UnitCounts], dict[int, ItemIds]]


@dataclass(slots=True)
class _Composition:
    """A year's composed counts, with the inputs and the open parts' counts they came from."""

    inputs: _Inputs
    parts: list[tuple[dict[int, UnitCounts], dict[int, ItemIds]]]
    lines: dict[int, UnitCounts]  # unit -> its year's counts, in the listing's order


_COMPOSED: weakref.WeakKeyDictionary[Database, dict[object, _Composition]] = (
    weakref.WeakKeyDictionary()
)
#: Above this many units changed, the year is composed whole rather than patched.
PATCH_UNITS = 200


def _composed(db: Database, key: object, inputs: _Inputs, parts: list[_Part]) -> list[UnitCounts]:
    """The year's counts composed from closed sums and open parts (see `_compose`); kept per
    database, so that when only some units' open counts changed (kept open months hand back the
    very objects of the units no commit touched), only those units are composed again."""
    maps = [({c.unit_id: c for c in counts}, adopted) for counts, adopted in parts]
    kept = _COMPOSED.setdefault(db, {})
    state = kept.get(key)
    if state is not None and state.inputs.same(inputs) and len(state.parts) == len(maps):
        changed: set[int] | None = set()
        for (was, was_adopted), (now, now_adopted) in zip(state.parts, maps, strict=True):
            if changed is None or was.keys() != now.keys():
                changed = None
                break
            changed.update(unit for unit, c in now.items() if was[unit] is not c)
            changed.update(
                unit
                for unit in was_adopted.keys() | now_adopted.keys()
                if was_adopted.get(unit) is not now_adopted.get(unit)
            )
        if changed is not None and len(changed) <= PATCH_UNITS:
            fresh = _compose(inputs, parts, only=changed)
            if {c.unit_id for c in fresh} == changed & state.lines.keys():
                for c in fresh:
                    state.lines[c.unit_id] = c
                state.parts = maps
                return list(state.lines.values())
    lines = _compose(inputs, parts)
    kept.pop(key, None)
    kept[key] = _Composition(inputs, maps, {c.unit_id: c for c in lines})
    while len(kept) > OPEN_ENTRIES:
        del kept[next(iter(kept))]
    return lines


def _compose(
    inputs: _Inputs, parts: list[_Part], only: AbstractSet[int] | None = None
) -> list[UnitCounts]:
    """The year's counts per unit: closed sums + corrections + open parts (see _year_counts);
    of only the units in `only` if given (each unit's line depends on its own counts alone).

    Distinct adopted items are a union, not a sum: an item counts once however many months
    adopted it; an item a correction touched counts by whether it has a live adoption in the
    span now.
    """
    policy, closed, places = inputs.policy, inputs.closed, inputs.places
    corrections, corrected = inputs.corrections, inputs.corrected
    if only is None:
        sums = {unit: list(values) for unit, values in closed.sums.items()}
        distinct = dict(closed.distinct)
        last: dict[int, tuple[int, UnitCounts]] = dict(closed.last)
    else:
        sums = {unit: list(closed.sums[unit]) for unit in only if unit in closed.sums}
        distinct = {unit: closed.distinct[unit] for unit in only if unit in closed.distinct}
        last = {unit: closed.last[unit] for unit in only if unit in closed.last}
    existed = closed.existed  # read only
    missing: dict[int, set[int]] = {}
    open_counts: dict[int, list[int]] = {}
    open_quotas: dict[int, dict[int, int]] = {}
    # item id -> 1: counted in an open part; a byte per id, not a set of 200,000 ints (the
    # set was the largest short-lived object of a province's first count: some 15 MB)
    counted_open = _ItemMarks()
    for counts, adopted in parts:
        for c in counts:
            unit = c.unit_id
            if only is not None and unit not in only:
                continue
            total = sums.setdefault(unit, [0] * _SUMS)
            for n, value in enumerate(_additive(c)):
                total[n] += value
            months_in = c.months_in or ()
            in_force = open_quotas.setdefault(unit, {})
            for month in months_in:
                in_force[month] = c.quota_in(month)
            missing.setdefault(unit, set()).update(c.months_without_informant)
            per_month = open_counts.setdefault(unit, [0] * 12)
            for n, value in enumerate(c.monthly_quota_counts):
                per_month[n] += value
            if months_in and max(months_in) > last.get(unit, (0, c))[0]:
                last[unit] = (max(months_in), c)
        for unit, ids in adopted.items():
            if only is not None and unit not in only:
                continue
            fresh = 0
            for item_id in ids:
                if not closed.was_seen(item_id) and counted_open.mark(item_id):
                    fresh += 1
            distinct[unit] = distinct.get(unit, 0) + fresh
    done: set[int] = set()
    for adoption_id, unit, kind, points in corrections:
        total = sums.setdefault(unit, [0] * _SUMS)
        total[4] += 1 if kind == "adoption" else -1
        total[5] += points
        item = corrected.get(adoption_id)
        if item is None:
            continue
        for section in item.credited_sections:
            sums.setdefault(section, [0] * _SUMS)[6] += points
        if item.item_id not in done:
            done.add(item.item_id)
            before = closed.was_seen(item.item_id) or counted_open.has(item.item_id)
            distinct[item.unit_id] = distinct.get(item.unit_id, 0) - before + item.adopted_in_span
    at_centre = policy.quota_basis is QuotaBasis.AT_CENTRE
    result = []
    for unit, (_, terms) in last.items():
        place = places.get(unit)
        if place is None:
            continue
        quotas = [place.monthly_quota] * 12
        quota_counts = list(open_counts.get(unit, [0] * 12))
        gaps = set(missing.get(unit, ()))
        months = set(open_quotas.get(unit, {}))
        for month, (quota, informant, centre, submitted) in existed.get(unit, {}).items():
            months.add(month)
            quotas[month - 1] = quota
            quota_counts[month - 1] += centre if at_centre else submitted
            if not informant:
                gaps.add(month)
        for month, quota in open_quotas.get(unit, {}).items():
            quotas[month - 1] = quota
        (submitted, centre, late, research, adoptions, own, edited) = sums[unit]
        result.append(
            UnitCounts(
                unit_id=unit,
                name=terms.name,
                kind=terms.kind,
                monthly_quota=terms.monthly_quota,
                annual_target=terms.annual_target,
                has_informant=not gaps,
                submitted=submitted,
                at_centre=centre,
                late=late,
                adopted_items=distinct.get(unit, 0),
                adoptions=adoptions,
                own_points=own,
                edit_base_points=edited,
                research_articles=research,
                monthly_quota_counts=tuple(quota_counts),
                months_without_informant=tuple(sorted(gaps)),
                months_in=tuple(sorted(months)),
                monthly_quotas=tuple(quotas),
                position=place.position,
            )
        )
    result.sort(key=lambda c: (c.position, places[c.unit_id].name))
    return result


@dataclass(frozen=True, slots=True)
class MonthDetails:
    """A month's adoptions and late items one by one, beside the bulletin's figures."""

    adoptions: list[figures_store.AdoptionLine]
    late: list[figures_store.LateLine]


def month_span(year: int, month: int) -> tuple[date, date]:
    """A month's first and last day."""
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


async def month_details(
    db: Database, year: int, month: int, recorded_before: datetime | None = None
) -> MonthDetails:
    """Every adoption (as recorded by `recorded_before`, if given) and every late item of
    the month."""
    first, last = month_span(year, month)
    async with db.reading() as tx:
        found = await figures_store.month_adoptions(tx, first, last, recorded_before)
        late = await figures_store.month_late_items(tx, first, last)
    return MonthDetails(found, late)
