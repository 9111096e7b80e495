"""Province-scale benchmark: the bot's monthly bulletin and year figures against raw sqlite3.

Builds a year 2026 ledger (2,000 units, 240,000 items, 500,000 adoptions by default) through
`storage.bulk`, then times the path the bot takes (`period_counts` in `db.reading()` plus
`month_figures` / `year_figures`) against the same SQL run with the stdlib `sqlite3` module, and
checks that the figures add up (exit status 1 if they do not). Timings are printed, never asserted.

    .venv/bin/python benchmarks/ledger_figures.py [--small] [--units N --items N --adoptions N]
        [--seed N] [--repeat N] [--db PATH] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from array import array
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

from scoring.figures import DeductionReason, UnitCounts, UnitMonth, UnitYear
from scoring.figures import month_figures as month_figures_of
from scoring.figures import year_figures as year_figures_of
from scoring.policy import ScoringPolicy
from scoring.vocab import AT_CENTRE, ItemState, Role, UnitKind
from storage import bulk
from storage.db import Database
from storage.figures import _MONTHLY_SQL, PERIOD_COUNTS_SQL, period_counts, period_params

YEAR = 2026
DAYS = (date(YEAR + 1, 1, 1) - date(YEAR, 1, 1)).days
CST = timezone(timedelta(hours=8), "CST")
#: The import runs early the next year; every row it stamps itself carries this time.
IMPORT_TIME = datetime(YEAR + 1, 1, 5, 9, 0, tzinfo=CST)
SOURCE = "benchmark: synthetic province-scale year"

MONTH = (date(YEAR, 10, 1), date(YEAR, 10, 31))
FULL_YEAR = (date(YEAR, 1, 1), date(YEAR, 12, 31))

#: (kind, name prefix, monthly quota, annual target in points)
KINDS: tuple[tuple[UnitKind, str, int, int], ...] = (
    (UnitKind.SECTION, "中心科室", 1, 12),
    (UnitKind.TOWN_CENTRE, "镇政务服务中心", 4, 48),
    (UnitKind.TOWNSHIP, "乡镇便民服务中心", 3, 36),
    (UnitKind.WINDOW, "市直部门窗口", 2, 24),
)

#: Outlets with their level (第九条) and how often they adopt relative to each other.
OUTLETS: tuple[tuple[str, int, int], ...] = (
    *((f"国家级媒体{n:02d}", 4, 1) for n in range(1, 7)),
    *((f"省级媒体{n:02d}", 3, 3) for n in range(1, 11)),
    *((f"市级媒体{n:02d}", 2, 6) for n in range(1, 13)),
    *((f"中心内刊{n:02d}", 1, 10) for n in range(1, 13)),
)
OUTLET_CUM_WEIGHTS = list(accumulate(weight for _, _, weight in OUTLETS))

CATEGORIES = ("news", "experience", "policy", "research")
CATEGORY_CUM_WEIGHTS = list(accumulate((55, 20, 15, 10)))

PHRASES = (
    "政务服务",
    "一网通办",
    "便民利企",
    "审批时限压缩",
    "窗口工作人员",
    "群众办事",
    "优化营商环境",
    "最多跑一次",
    "数据共享",
    "帮办代办",
    "好差评",
    "跨省通办",
    "容缺受理",
    "集成改革",
    "延时服务",
    "企业开办",
    "工程建设项目审批",
    "不动产登记",
    "社保医保",
    "公积金提取",
)


@dataclass(frozen=True, slots=True)
class Scale:
    """How big a ledger to build and how to build it."""

    units: int
    items: int
    adoptions: int
    seed: int
    body_chars: int
    batch: int


@dataclass(slots=True)
class World:
    """What generation remembers between tables (compact, so memory stays flat)."""

    unit_ids: list[int] = field(default_factory=list)
    unit_names: list[str] = field(default_factory=list)
    section_ids: list[int] = field(default_factory=list)
    author_of: dict[int, int] = field(default_factory=dict)  # unit id -> informant/author
    staff_of: dict[int, int] = field(default_factory=dict)  # section unit id -> section staff
    editor_id: int = 0  # the centre editor who registers items and records adoptions
    first_item_id: int = 1
    item_centre_day: array[int] = field(default_factory=lambda: array("h"))  # -1: not at centre
    items_at_centre: int = 0
    items_late: int = 0
    edits: int = 0
    adoptions_live: int = 0
    adoptions_withdrawn: int = 0
    points_live: int = 0


@dataclass(slots=True)
class Timing:
    """Repeated wall-clock measurements of one scenario, in milliseconds."""

    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median sample."""
        return statistics.median(self.samples)

    @property
    def minimum(self) -> float:
        """The fastest sample."""
        return min(self.samples)


def day(n: int) -> date:
    """The n-th day (0-based) of the benchmark year."""
    return date(YEAR, 1, 1) + timedelta(days=n)


def at(n: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Beijing time on the n-th day of the year."""
    return datetime.combine(day(n), datetime.min.time(), CST).replace(hour=hour, minute=minute)


def corpus(rng: random.Random, size: int) -> str:
    """A long run of plausible Chinese text that item bodies are cut from."""
    parts: list[str] = []
    length = 0
    while length < size:
        phrase = rng.choice(PHRASES) + rng.choice("，，，。、；")
        parts.append(phrase)
        length += len(phrase)
    return "".join(parts)


def units_and_people(
    rng: random.Random, scale: Scale, world: World, first_unit: int, first_person: int
) -> tuple[list[bulk.ImportedUnit], list[bulk.ImportedPerson], list[bulk.ImportedRole]]:
    """Units of every kind, an author per unit, informant roles for most, staff for sections."""
    sections = max(1, scale.units * 15 // 100)
    town_centres = max(1, scale.units // 100)
    townships = max(1, scale.units * 30 // 100)
    windows = scale.units - sections - town_centres - townships
    if windows < 1:
        raise SystemExit("--units must be at least 4")
    units: list[bulk.ImportedUnit] = []
    people: list[bulk.ImportedPerson] = []
    roles: list[bulk.ImportedRole] = []
    person_id = first_person
    unit_id = first_unit
    granted = datetime(YEAR - 1, 12, 1, 9, tzinfo=CST)
    for (kind, prefix, quota, target), count in zip(
        KINDS, (sections, town_centres, townships, windows), strict=True
    ):
        for n in range(1, count + 1):
            name = f"{prefix}{n:04d}"
            units.append(
                bulk.ImportedUnit(
                    name=name,
                    kind=kind,
                    monthly_quota=quota,
                    annual_target=Decimal(target + rng.randint(-quota * 3, quota * 3)),
                    created_at=granted,
                    id=unit_id,
                )
            )
            world.unit_ids.append(unit_id)
            world.unit_names.append(name)
            people.append(bulk.ImportedPerson(f"{name}信息员", created_at=granted, id=person_id))
            world.author_of[unit_id] = person_id
            luck = rng.random()
            if luck < 0.88:  # an informant all year
                roles.append(bulk.ImportedRole(person_id, unit_id, Role.INFORMANT, granted))
            elif luck < 0.93:  # the informant left at mid-year: none in October or December
                roles.append(
                    bulk.ImportedRole(
                        person_id,
                        unit_id,
                        Role.INFORMANT,
                        granted,
                        revoked_at=datetime(YEAR, 6, 30, 17, tzinfo=CST),
                    )
                )
            elif luck < 0.96:  # appointed in November: none in October, one at the year's end
                roles.append(
                    bulk.ImportedRole(
                        person_id, unit_id, Role.INFORMANT, datetime(YEAR, 11, 16, 9, tzinfo=CST)
                    )
                )
            # else: never appointed (the 第十一条 deduction applies)
            person_id += 1
            if kind is UnitKind.SECTION:
                world.section_ids.append(unit_id)
                people.append(bulk.ImportedPerson(f"{name}编辑", created_at=granted, id=person_id))
                roles.append(bulk.ImportedRole(person_id, unit_id, Role.SECTION_STAFF, granted))
                world.staff_of[unit_id] = person_id
                person_id += 1
            unit_id += 1
    people.append(bulk.ImportedPerson("中心信息编辑", created_at=granted, id=person_id))
    roles.append(bulk.ImportedRole(person_id, None, Role.EDITOR, granted))
    world.editor_id = person_id
    return units, people, roles


#: Cumulative shares of the item states at the year's end.
STATE_SHARES: tuple[tuple[float, ItemState], ...] = (
    (0.02, ItemState.DRAFT),
    (0.05, ItemState.PENDING),
    (0.08, ItemState.RETURNED),
    (0.10, ItemState.WITHDRAWN),
    (0.30, ItemState.SUBMITTED),
    (0.90, ItemState.REGISTERED),
    (1.00, ItemState.ARCHIVED),
)


def pick_state(luck: float) -> ItemState:
    """The state whose cumulative share first exceeds luck (a uniform draw in [0, 1))."""
    return next(state for share, state in STATE_SHARES if luck < share)


def item_batches(
    rng: random.Random, scale: Scale, world: World
) -> Iterator[tuple[list[bulk.ImportedItem], list[bulk.ImportedEdit]]]:
    """Items over the year in batches, each with the sections' edits of its items."""
    text = corpus(rng, 20_000 + 2 * scale.body_chars)
    weights = [rng.lognormvariate(0, 0.6) for _ in world.unit_ids]
    cum_weights = list(accumulate(weights))
    unit_index = {unit_id: n for n, unit_id in enumerate(world.unit_ids)}
    sections = set(world.section_ids)
    item_id = world.first_item_id
    remaining = scale.items
    while remaining:
        size = min(scale.batch, remaining)
        remaining -= size
        items: list[bulk.ImportedItem] = []
        edits: list[bulk.ImportedEdit] = []
        for unit_id in rng.choices(world.unit_ids, cum_weights=cum_weights, k=size):
            submitted = rng.randrange(DAYS)
            state = pick_state(rng.random())
            sent = state is not ItemState.DRAFT
            centre = min(DAYS - 1, submitted + rng.randint(0, 3)) if state in AT_CENTRE else -1
            late = rng.randint(1, 5) if sent and rng.random() < 0.08 else 0
            category = rng.choices(CATEGORIES, cum_weights=CATEGORY_CUM_WEIGHTS)[0]
            length = rng.randint(scale.body_chars // 2, scale.body_chars * 3 // 2)
            start = rng.randrange(len(text) - length)
            body = text[start : start + length]
            title = (
                f"{world.unit_names[unit_index[unit_id]]}：{text[start : start + 12]}（{item_id}）"
            )
            registered = state in (ItemState.REGISTERED, ItemState.ARCHIVED)
            items.append(
                bulk.ImportedItem(
                    unit_id=unit_id,
                    author_id=world.author_of[unit_id],
                    category=category,
                    title=title,
                    body=body,
                    event_date=day(submitted) - timedelta(days=rng.randint(0, 6)),
                    state=state,
                    submitted_on=day(submitted) if sent else None,
                    late_days=late,
                    centre_on=day(centre) if centre >= 0 else None,
                    submitted_at=at(submitted, rng.randint(8, 17), rng.randrange(60))
                    if sent
                    else None,
                    centre_at=at(centre, 18) if centre >= 0 else None,
                    registered_at=at(centre, 19) if registered else None,
                    registered_by=world.editor_id if registered else None,
                    created_at=at(max(0, submitted - 1), 16),
                    id=item_id,
                )
            )
            world.item_centre_day.append(centre)
            world.items_at_centre += centre >= 0
            world.items_late += late > 0
            if centre >= 0:
                edits.extend(edits_of(rng, world, sections, item_id, unit_id, title, body, centre))
            item_id += 1
        world.edits += len(edits)
        yield items, edits


def edits_of(
    rng: random.Random,
    world: World,
    sections: set[int],
    item_id: int,
    unit_id: int,
    title: str,
    body: str,
    centre: int,
) -> list[bulk.ImportedEdit]:
    """Edits of one item: ~5% of other units' items by a section, some twice, a few own ones."""
    editors: list[int] = []
    if unit_id in sections and rng.random() < 0.01:
        editors.append(unit_id)  # a section editing its own item earns nothing for it
    if rng.random() < 0.05:
        section = rng.choice(world.section_ids)
        if section != unit_id:
            editors.append(section)
            if rng.random() < 0.10:
                editors.append(section)  # edited twice by the same section: credited once
            if rng.random() < 0.03:
                other = rng.choice(world.section_ids)
                if other not in (unit_id, section):
                    editors.append(other)
    return [
        bulk.ImportedEdit(
            item_id=item_id,
            editor_id=world.staff_of[section],
            section_unit_id=section,
            old_title=title,
            old_body=body,
            new_title=title + "（编辑）",
            new_body=body + "。",
            edited_at=at(centre, 20, n),
        )
        for n, section in enumerate(editors)
    ]


def adoption_counts(rng: random.Random, world: World, total: int) -> bytearray:
    """How many adoptions each item gets: `total` spread at random over items at the centre."""
    eligible = array("i", (n for n, centre in enumerate(world.item_centre_day) if centre >= 0))
    most = len(OUTLETS)
    if total > len(eligible) * most:
        raise SystemExit(f"{total} adoptions do not fit on {len(eligible)} items at the centre")
    counts = bytearray(len(world.item_centre_day))
    placed = 0
    while placed < total:
        n = eligible[rng.randrange(len(eligible))]
        if counts[n] < most:
            counts[n] += 1
            placed += 1
    return counts


def adoption_batches(
    rng: random.Random, scale: Scale, world: World, policy: ScoringPolicy
) -> Iterator[list[bulk.ImportedAdoption]]:
    """Adoptions on/after each item's centre day, at most one live per (item, outlet)."""
    counts = adoption_counts(rng, world, scale.adoptions)
    batch: list[bulk.ImportedAdoption] = []
    for n, count in enumerate(counts):
        if not count:
            continue
        item_id = world.first_item_id + n
        centre = world.item_centre_day[n]
        picked: dict[int, None] = {}  # outlet indices, in the order picked
        duplicate = count >= 2 and rng.random() < 0.01  # a mistaken entry, withdrawn, redone
        while len(picked) < count - duplicate:
            picked[rng.choices(range(len(OUTLETS)), cum_weights=OUTLET_CUM_WEIGHTS)[0]] = None
        chosen = list(picked)
        withdrawn_flags = [rng.random() < 0.003 for _ in chosen]
        if duplicate:
            chosen.insert(0, chosen[0])
            withdrawn_flags.insert(0, True)
        for outlet_index, withdrawn in zip(chosen, withdrawn_flags, strict=True):
            outlet, level, _ = OUTLETS[outlet_index]
            adopted = min(DAYS - 1, centre + int(rng.expovariate(0.12)))
            points = policy.points_for_level(level)
            recorded = at(min(DAYS - 1, adopted + rng.randint(0, 2)), 10, rng.randrange(60))
            batch.append(
                bulk.ImportedAdoption(
                    item_id=item_id,
                    outlet=outlet,
                    level=level,
                    points=points,
                    adopted_on=day(adopted),
                    recorded_by=world.editor_id,
                    media=level >= 3 and rng.random() < 0.3,
                    reference=f"{outlet} {day(adopted).isoformat()}",
                    recorded_at=recorded,
                    withdrawn_at=recorded + timedelta(hours=2) if withdrawn else None,
                    withdrawn_by=world.editor_id if withdrawn else None,
                    withdraw_reason="录入有误" if withdrawn else None,
                )
            )
            if withdrawn:
                world.adoptions_withdrawn += 1
            else:
                world.adoptions_live += 1
                world.points_live += points
            if len(batch) >= scale.batch:
                yield batch
                batch = []
    if batch:
        yield batch


async def build(db: Database, scale: Scale, policy: ScoringPolicy) -> World:
    """Generates the year and inserts it through storage.bulk in one transaction."""
    rng = random.Random(scale.seed)
    world = World()
    async with db.transaction() as tx:
        units, people, roles = units_and_people(
            rng,
            scale,
            world,
            await bulk.next_id(tx, "units"),
            await bulk.next_id(tx, "people"),
        )
        await bulk.import_units(tx, units, source=SOURCE)
        await bulk.import_people(tx, people, source=SOURCE)
        await bulk.import_roles(tx, roles, source=SOURCE)
        world.first_item_id = await bulk.next_id(tx, "items")
        for items, edits in item_batches(rng, scale, world):
            await bulk.import_items(tx, items, source=SOURCE)
            await bulk.import_edits(tx, edits, source=SOURCE)
        for adoptions in adoption_batches(rng, scale, world, policy):
            await bulk.import_adoptions(tx, adoptions, source=SOURCE)
    return world


def informant_at(end: date) -> datetime:
    """The instant a period ends (midnight after its last day, Beijing time), as the bot judges."""
    return datetime.combine(end + timedelta(days=1), datetime.min.time(), CST).astimezone(UTC)


async def ours_month(db: Database, policy: ScoringPolicy) -> list[UnitMonth]:
    """The bulletin's path: counts in a read snapshot, then the monthly figures."""
    async with db.reading() as tx:
        counts = await period_counts(tx, policy, *MONTH, informant_at=informant_at(MONTH[1]))
    return month_figures_of(policy, counts)


async def ours_year(db: Database, policy: ScoringPolicy) -> list[UnitYear]:
    """The year report's path: counts with monthly quota counts, then the year figures."""
    async with db.reading() as tx:
        counts = await period_counts(
            tx, policy, *FULL_YEAR, informant_at=informant_at(FULL_YEAR[1]), monthly=True
        )
    return year_figures_of(policy, counts)


def raw_month(conn: sqlite3.Connection, policy: ScoringPolicy) -> list[Any]:
    """The same statement and parameters with the stdlib module: the floor for the month."""
    params = period_params(*MONTH, informant_at(MONTH[1]), policy.research_category)
    return conn.execute(PERIOD_COUNTS_SQL, params).fetchall()


def raw_year(conn: sqlite3.Connection, policy: ScoringPolicy) -> list[Any]:
    """The same two statements the year path runs, with the stdlib module."""
    params = period_params(*FULL_YEAR, informant_at(FULL_YEAR[1]), policy.research_category)
    rows = conn.execute(PERIOD_COUNTS_SQL, params).fetchall()
    rows.extend(conn.execute(_MONTHLY_SQL[policy.quota_basis], params).fetchall())
    return rows


async def timed_async(call: Callable[[], Awaitable[object]], timing: Timing) -> None:
    """Runs an awaitable once and records its wall time."""
    began = time.perf_counter()
    await call()
    timing.samples.append((time.perf_counter() - began) * 1000)


def timed(call: Callable[[], object], timing: Timing) -> None:
    """Runs a call once and records its wall time."""
    began = time.perf_counter()
    call()
    timing.samples.append((time.perf_counter() - began) * 1000)


async def breakdown(db: Database, policy: ScoringPolicy, repeat: int) -> dict[str, Timing]:
    """Times the bot's two halves separately: counts (SQL + UnitCounts) and figures (Python)."""
    split = {name: Timing() for name in ("month counts", "month figures", "year counts")}
    split["year figures"] = Timing()
    for _ in range(repeat):
        for scope, (start, end), monthly in (("month", MONTH, False), ("year", FULL_YEAR, True)):
            began = time.perf_counter()
            async with db.reading() as tx:
                counts = await period_counts(
                    tx, policy, start, end, informant_at=informant_at(end), monthly=monthly
                )
            middle = time.perf_counter()
            if monthly:
                year_figures_of(policy, counts)
            else:
                month_figures_of(policy, counts)
            done = time.perf_counter()
            split[f"{scope} counts"].samples.append((middle - began) * 1000)
            split[f"{scope} figures"].samples.append((done - middle) * 1000)
    return split


def differing_units(ours: Sequence[UnitCounts], raw: Sequence[Any]) -> int:
    """How many units' counts on the bot's path differ from the raw rows (0 when all agree)."""
    mine = {
        c.unit_id: (
            c.has_informant,
            c.submitted,
            c.late,
            c.at_centre,
            c.research_articles,
            c.adoptions,
            c.adopted_items,
            c.own_points,
            c.edit_base_points,
        )
        for c in ours
    }
    theirs = {r[0]: (bool(r[7]), *r[8:16]) for r in raw}  # after id … active, position
    return sum(mine.get(unit_id) != counts for unit_id, counts in theirs.items()) + len(
        mine.keys() - theirs.keys()
    )


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is KB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def file_mb(path: Path) -> float:
    """A file's size in MB (0 if it does not exist)."""
    return path.stat().st_size / 1e6 if path.exists() else 0.0


def check(label: str, ours: int | Decimal, expected: int | Decimal, failures: list[str]) -> None:
    """Prints one sanity figure and remembers a disagreement."""
    ok = ours == expected
    print(f"  {label:<52} {ours!s:>12} {expected!s:>12}  {'ok' if ok else 'MISMATCH'}")
    if not ok:
        failures.append(label)


async def measure(path: Path, repeat: int, world: World | None) -> int:
    """Times the four scenarios, prints the table and sanity figures; 1 if figures disagree."""
    policy = ScoringPolicy()
    failures: list[str] = []
    timings = {name: Timing() for name in ("ours month", "raw month", "ours year", "raw year")}
    raw_conn = sqlite3.connect(str(path))
    db = await Database.open(path, clock=lambda: IMPORT_TIME)
    try:
        # one untimed warm-up of each, so every timed run sees the same (warm) OS page cache
        month = await ours_month(db, policy)
        year = await ours_year(db, policy)
        raw_month_rows = raw_month(raw_conn, policy)
        raw_year_rows = raw_year(raw_conn, policy)
        for _ in range(repeat):
            await timed_async(lambda: ours_month(db, policy), timings["ours month"])
            timed(lambda: raw_month(raw_conn, policy), timings["raw month"])
            await timed_async(lambda: ours_year(db, policy), timings["ours year"])
            timed(lambda: raw_year(raw_conn, policy), timings["raw year"])
        # where the bot's time goes: the counts (SQL + rows to UnitCounts) vs the figures
        split = await breakdown(db, policy, repeat)
        raw_totals = raw_conn.execute(
            "SELECT"
            " (SELECT ifnull(sum(points), 0) FROM adoptions WHERE withdrawn_at IS NULL),"
            " (SELECT count(*) FROM adoptions WHERE withdrawn_at IS NULL),"
            " (SELECT count(*) FROM adoptions WHERE withdrawn_at IS NOT NULL),"
            " (SELECT count(*) FROM items WHERE submitted_on IS NOT NULL),"
            " (SELECT count(*) FROM items WHERE centre_on IS NOT NULL),"
            " (SELECT count(*) FROM items WHERE late_days > 0 AND centre_on IS NOT NULL),"
            " (SELECT ifnull(sum(points), 0) FROM adoptions WHERE withdrawn_at IS NULL"
            "   AND adopted_on BETWEEN ? AND ?),"
            " (SELECT count(*) FROM units), (SELECT count(*) FROM units WHERE kind = 'section'),"
            " (SELECT count(*) FROM items),"
            " (SELECT count(*) FROM edits), (SELECT count(*) FROM audit_log)",
            (MONTH[0].isoformat(), MONTH[1].isoformat()),
        ).fetchone()
    finally:
        await db.close()
        raw_conn.close()

    print("\nTimings (wall clock, ms; warm cache; median and min of", repeat, "runs)")
    print(f"  {'scenario':<12} {'median ms':>10} {'min ms':>10} {'ours/raw':>9}")
    for scope in ("month", "year"):
        ours_t, raw_t = timings[f"ours {scope}"], timings[f"raw {scope}"]
        ratio = ours_t.median / raw_t.median
        flag = "" if ratio <= 2.0 else "  (above the 2.0x target)"
        print(
            f"  {'OURS ' + scope:<12} {ours_t.median:>10.1f} {ours_t.minimum:>10.1f}"
            f" {ratio:>8.2f}x{flag}"
        )
        print(f"  {'RAW ' + scope:<12} {raw_t.median:>10.1f} {raw_t.minimum:>10.1f}")
    print(
        "  of which (ours, median ms): "
        + ", ".join(f"{name} {timing.median:.1f}" for name, timing in split.items())
    )

    peak = peak_mb()
    print(f"\nPeak memory (ru_maxrss): {peak:.0f} MB (target < 200 MB)")
    print(f"Database file: {file_mb(path):.0f} MB (+ WAL {file_mb(Path(str(path) + '-wal')):.0f})")

    (points, live, withdrawn, submitted, centre, late, month_points, *rest) = raw_totals
    n_units, n_sections, n_items, n_edits, n_audit = rest
    print("\nSanity (figures from the bot's path vs raw SQL / the generator)")
    print(f"  {'figure':<52} {'ours':>12} {'expected':>12}")
    check("year: own points summed vs live adoption points", sum_own(year), points, failures)
    if world is not None:
        check("year: live adoption points vs generated", points, world.points_live, failures)
        check(
            "year: withdrawn adoptions vs generated", withdrawn, world.adoptions_withdrawn, failures
        )
        check("year: live adoptions vs generated", live, world.adoptions_live, failures)
        check("items at the centre vs generated", centre, world.items_at_centre, failures)
        check("edits vs generated", n_edits, world.edits, failures)
    check(
        "year: adoptions summed vs live adoptions",
        sum(y.counts.adoptions for y in year),
        live,
        failures,
    )
    check(
        "year: submitted summed vs items submitted",
        sum(y.counts.submitted for y in year),
        submitted,
        failures,
    )
    check(
        "year: at centre summed vs items at centre",
        sum(y.counts.at_centre for y in year),
        centre,
        failures,
    )
    check("year: late summed vs late items", sum(y.counts.late for y in year), late, failures)
    check(
        "year: monthly quota counts summed vs at centre",
        sum(sum(y.counts.monthly_quota_counts) for y in year),
        centre,
        failures,
    )
    check("October: own points summed vs raw", sum_own(month), month_points, failures)
    check(
        "October: units whose counts differ from raw rows",
        differing_units([m.counts for m in month], raw_month_rows),
        0,
        failures,
    )
    check(
        "year: units whose counts differ from raw rows",
        differing_units([y.counts for y in year], raw_year_rows[: len(year)]),
        0,
        failures,
    )
    check("units in the figures vs units", len(year), n_units, failures)
    no_informant_oct = sum(not m.counts.has_informant for m in month)
    no_informant_dec = sum(
        any(d.reason is DeductionReason.NO_INFORMANT for d in y.deductions) for y in year
    )
    print(
        f"\nLedger: {n_units} units ({n_sections} sections), "
        f"{n_items} items ({centre} at the centre, {late} late), {live} live + {withdrawn}"
        f" withdrawn adoptions, {n_edits} edits, {n_audit} audit rows"
    )
    print(
        f"Units without an informant: {no_informant_oct} in October, {no_informant_dec} at the"
        f" year's end; quota missed: {sum(not y.quota_met for y in year)};"
        f" total year score {sum((y.score for y in year), Decimal(0))}"
    )
    if failures:
        print(f"\nFAILED: {len(failures)} sanity figure(s) disagree: {'; '.join(failures)}")
        return 1
    print("\nAll sanity figures agree.")
    return 0


def sum_own(lines: Sequence[UnitMonth | UnitYear]) -> int:
    """Own adoption points summed over every unit's line."""
    return sum(line.counts.own_points for line in lines)


def machine() -> None:
    """Prints what the figures were measured on."""
    print(f"Machine: {platform.platform()}; {platform.machine()}; {os.cpu_count()} CPUs")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}); "
        f"SQLite {sqlite3.sqlite_version}"
    )


def add_ledger_options(parser: argparse.ArgumentParser) -> None:
    """The options that say which ledger to build or reuse (shared with bot_memory.py)."""
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--items", type=int, default=240_000)
    parser.add_argument("--adoptions", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--small", action="store_true", help="50 units, 2,000 items, 4,000 adoptions"
    )
    parser.add_argument(
        "--db", type=Path, help="build here (kept) instead of a temporary directory"
    )
    parser.add_argument("--reuse", action="store_true", help="use an existing --db, no build")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")


def check_ledger_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Applies --small and refuses a --db/--reuse combination that would lose or miss data."""
    if args.small:
        args.units, args.items, args.adoptions = 50, 2_000, 4_000
    if args.reuse and (args.db is None or not args.db.exists()):
        parser.error("--reuse needs an existing --db")
    if args.db is not None and args.db.exists() and not args.reuse:
        parser.error(f"{args.db} exists: pass --reuse to measure it, or another --db")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_ledger_options(parser)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per scenario")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per executemany")
    parser.add_argument("--body-chars", type=int, default=400, help="mean item body length")
    args = parser.parse_args(argv)
    check_ledger_options(parser, args)
    return args


async def run(args: argparse.Namespace) -> int:
    """Builds (unless reusing) and measures; the exit status."""
    scale = Scale(args.units, args.items, args.adoptions, args.seed, args.body_chars, args.batch)
    machine()
    workdir: Path | None = None
    if args.db is not None:
        path: Path = args.db
    else:
        workdir = Path(tempfile.mkdtemp(prefix="baosong-bench-"))
        path = workdir / "ledger.db"
    try:
        world: World | None = None
        if not args.reuse:
            print(
                f"Building {scale.units} units, {scale.items} items, {scale.adoptions} adoptions"
                f" (seed {scale.seed}, batches of {scale.batch})"
                f" in {'a temporary directory' if workdir is not None else path}"
            )
            db = await Database.open(path, clock=lambda: IMPORT_TIME)
            try:
                await db.migrate()
                began = time.perf_counter()
                world = await build(db, scale, ScoringPolicy())
                built = time.perf_counter() - began
            finally:
                began_close = time.perf_counter()
                await db.close()
            closed = time.perf_counter() - began_close
            print(
                f"Build: {built:.1f} s generate + insert + commit, {closed:.1f} s WAL checkpoint;"
                f" peak memory so far {peak_mb():.0f} MB"
            )
        return await measure(path, args.repeat, world)
    finally:
        if workdir is not None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif workdir is not None:
            print(f"Kept {workdir}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return asyncio.run(run(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
