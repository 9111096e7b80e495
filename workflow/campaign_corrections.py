"""Corrections (更正) of a closed campaign's results: a check's settled score or a unit's
grade changed with a reason, published as the next numbered sheet (the old versions kept as
they were), the units whose result changed told what changed, and the consequences by grade
following the corrected grades (通报表扬, 通报批评, the result sent on, 限期整改); the sweep
renders the new version's 通报 and workbook (`campaign_results.publish_pending`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from scoring.assessment import AssessmentTemplate
from storage import campaign_decisions, campaign_outcomes, campaign_scores, campaign_sheets
from storage.campaigns import Campaign
from storage.db import Database, Tx
from storage.models import Person
from workflow.campaign_common import (
    Tell,
    clean_text,
    expect_state,
    load,
    local_today,
    office_only,
    post,
    unit_in_campaign,
    unit_people,
    valid_score,
)
from workflow.campaign_sheet import compose
from workflow.outcomes import Refused


@dataclass(frozen=True, slots=True)
class CheckLine:
    """A check of a unit's published line: its place, title, final score and maximum."""

    index: int
    title: str
    final: str
    max_points: str


@dataclass(frozen=True, slots=True)
class UnitResult:
    """A unit's line in the latest published version, as a correction starts from it."""

    unit_id: int
    name: str
    total: str
    grade: str
    checks: list[CheckLine]


@dataclass(frozen=True, slots=True)
class Published:
    """A closed campaign's latest version and its units, for the office to correct."""

    campaign_id: int
    title: str
    version: int
    units: list[UnitResult]
    grades: list[str]  # the template's grade names, best first


@dataclass(frozen=True, slots=True)
class Corrected:
    """A correction published: the new version and what changed."""

    version: int
    unit_name: str
    what: str
    old: str
    new: str
    total: str
    grade: str
    consequences: str = ""  # what the correction opened or closed, "" when nothing


def _number(value: Decimal) -> str:
    """A score as people read it (8, 7.5)."""
    return f"{value.normalize():f}"


def _checks(template: AssessmentTemplate) -> list[tuple[str, str, Decimal]]:
    """The template's checks in order: id, title, maximum."""
    return [
        (f"{s.key}.{c.key}", c.title, c.max_points) for s in template.sections for c in s.checks
    ]


def _units(sheet: dict[str, Any], template: AssessmentTemplate) -> list[UnitResult]:
    """Each unit's published line."""
    checks = _checks(template)
    return [
        UnitResult(
            int(line["unit_id"]),
            str(line["name"]),
            str(line["total"]),
            str(line["grade"]),
            [
                CheckLine(n, title, str(line["checks"][cid]["final"] or "—"), _number(top))
                for n, (cid, title, top) in enumerate(checks)
            ],
        )
        for line in sheet["units"]
    ]


async def published(db: Database, office: Person, campaign_id: int) -> Published:
    """The latest published version of a closed campaign (the office only; a campaign still
    running has nothing to correct)."""
    async with db.reading() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "closed")
        latest = await campaign_sheets.sheet(tx, campaign_id)
        if latest is None:
            raise Refused("campaign_no_results")
        return Published(
            campaign_id,
            campaign.title,
            latest.version,
            _units(latest.sheet, template),
            [g.name for g in template.grades],
        )


async def correct_check(
    db: Database,
    office: Person,
    zone: ZoneInfo,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    points: Decimal,
    reason: str,
) -> Corrected:
    """The check's settled score corrected: a settlement of the next version, the results
    that version's sheet. Grades the leading group changed stay; others follow the total."""
    async with db.transaction() as tx:
        campaign, template, latest, line = await _start(tx, office, campaign_id, unit_id)
        value = valid_score(template, check_id, points)
        clean = clean_text(reason, required=True)
        old = line["checks"][check_id]["final"]
        if old is not None and Decimal(str(old)) == value:
            raise Refused("campaign_correction_same")
        index = template.check_ids().index(check_id)
        title = _checks(template)[index][1]
        version = latest + 1
        await campaign_scores.settle(
            tx, campaign_id, unit_id, check_id, value, clean, version=version, by=office.id
        )
        what = f"第 {index + 1} 项“{title}”得分"
        change = Change(line, version, what, str(old), _number(value), clean)
        return await _publish(tx, office, zone, campaign, template, change)


async def correct_grade(
    db: Database,
    office: Person,
    zone: ZoneInfo,
    campaign_id: int,
    unit_id: int,
    grade: str,
    reason: str,
) -> Corrected:
    """The unit's grade corrected: kept by this version and every later one."""
    async with db.transaction() as tx:
        campaign, template, latest, line = await _start(tx, office, campaign_id, unit_id)
        if grade not in [g.name for g in template.grades]:
            raise Refused("campaign_unknown_grade", grade=grade)
        clean = clean_text(reason, required=True)
        if grade == line["grade"]:
            raise Refused("campaign_correction_same")
        version = latest + 1
        if not await campaign_decisions.correct_grade(
            tx, campaign_id, unit_id, grade, clean, version, office.id
        ):
            raise Refused("campaign_unit_not_assessed")
        change = Change(line, version, "等次", str(line["grade"]), grade, clean)
        return await _publish(tx, office, zone, campaign, template, change)


async def _start(
    tx: Tx, office: Person, campaign_id: int, unit_id: int
) -> tuple[Campaign, AssessmentTemplate, int, dict[str, Any]]:
    """The checks every correction shares: the office, a closed campaign, a unit of it; the
    latest version and the unit's line in it."""
    await office_only(tx, office)
    campaign, template = await load(tx, campaign_id)
    expect_state(campaign, "closed")
    await unit_in_campaign(tx, campaign_id, unit_id)
    latest = await campaign_sheets.sheet(tx, campaign_id)
    if latest is None:
        raise Refused("campaign_no_results")
    line = next(u for u in latest.sheet["units"] if int(u["unit_id"]) == unit_id)
    return campaign, template, latest.version, line


@dataclass(frozen=True, slots=True)
class Change:
    """What one correction changes: the unit's published line, the version it publishes,
    what was corrected, from what to what, and why."""

    line: dict[str, Any]
    version: int
    what: str
    old: str
    new: str
    reason: str


async def _publish(
    tx: Tx,
    office: Person,
    zone: ZoneInfo,
    campaign: Campaign,
    template: AssessmentTemplate,
    change: Change,
) -> Corrected:
    """Stores the next version's sheet with the consequences its grades call for, and tells
    the unit's people what changed, and the office that ran the campaign when someone else
    corrected it."""
    line, version = change.line, change.version
    draft = await compose(tx, campaign, template, version=version)
    tells, clauses = await consequences(tx, office, zone, campaign, template, draft, version)
    sheet = await compose(tx, campaign, template, version=version)  # the outcomes as corrected
    said = f"{line['name']}{change.what}由 {change.old} 更正为 {change.new}，理由：{change.reason}"
    if clauses:
        said += "；" + "；".join(clauses)
    stored = await campaign_sheets.add_sheet(
        tx, campaign.id, {**sheet, "version": version}, office.id, said
    )
    assert stored == version, (stored, version)
    unit_id = int(line["unit_id"])
    now = next(u for u in sheet["units"] if int(u["unit_id"]) == unit_id)
    params = {
        "campaign": campaign.id,
        "unit": unit_id,
        "version": version,
        "what": change.what,
        "old": change.old,
        "new": change.new,
        "reason": change.reason,
        "total": now["total"],
        "grade": now["grade"],
    }
    told = [*await unit_people(tx, unit_id)]
    if campaign.created_by != office.id:
        told.append(campaign.created_by)
    event = f"{campaign.id}:{version}"
    corrected = [Tell(p, "campaign_corrected", params, event) for p in dict.fromkeys(told)]
    await post(tx, [*corrected, *tells])
    return Corrected(
        version,
        str(line["name"]),
        change.what,
        change.old,
        change.new,
        now["total"],
        now["grade"],
        "；".join(clauses),
    )


async def consequences(
    tx: Tx,
    office: Person,
    zone: ZoneInfo,
    campaign: Campaign,
    template: AssessmentTemplate,
    sheet: dict[str, Any],
    version: int,
) -> tuple[list[Tell], list[str]]:
    """The consequences in force brought in line with a corrected sheet, each an audit row:
    a unit now 不合格 gets 通报批评, its result sent on and a 限期整改 task (due the template's
    days from today) as closing would have given, the office that ran the campaign asked to
    record the 诫勉谈话 (the one correcting reads it in the reply); a
    unit no longer 不合格 has them withdrawn and its open task closed (a recorded talk stays);
    the 通报表扬 list follows the top. Returns who is told and what the 通报 says of it."""
    in_force = await campaign_outcomes.outcomes(tx, campaign.id)
    names = {int(u["unit_id"]): str(u["name"]) for u in sheet["units"]}
    failing = {int(u["unit_id"]) for u in sheet["units"] if u["grade"] == template.fail_grade}
    criticised = {u for u, kinds in in_force.items() if "criticism" in kinds}
    praised_now = {int(u) for u in sheet["praise"]}
    praised = {u for u, kinds in in_force.items() if "praise" in kinds}
    due = local_today(tx.now, zone) + timedelta(days=template.rectification_days)
    office_told = [campaign.created_by] if campaign.created_by != office.id else []
    tells: list[Tell] = []
    clauses: list[str] = []

    def tell_unit(people: list[int], key: str, unit_id: int, **extra: Any) -> None:
        """One notice to each of the unit's people, once per version."""
        params = {"campaign": campaign.id, "unit": unit_id, "version": version, **extra}
        event = f"{campaign.id}:{version}:{unit_id}"
        tells.extend(Tell(p, key, dict(params), event) for p in people)

    for unit_id in sorted(failing - criticised):
        for kind in ("criticism", "reported"):
            await campaign_outcomes.add_outcome(
                tx, campaign.id, unit_id, kind, office.id, version=version
            )
        await campaign_outcomes.open_rectification(
            tx, campaign.id, unit_id, due, office.id, version=version
        )
        task = await campaign_outcomes.rectification(tx, campaign.id, unit_id)
        assert task is not None
        extra = {"rectify_by": task.due_on.isoformat(), "grade": template.fail_grade}
        tell_unit(await unit_people(tx, unit_id), "campaign_corrected_failed", unit_id, **extra)
        tell_unit(office_told, "campaign_corrected_failed_office", unit_id, **extra)
        clauses.append(
            f"{names[unit_id]}列入通报批评，结果抄送目标考核办公室，限期至 {task.due_on.isoformat()} 整改"
        )
    for unit_id in sorted(criticised - failing):
        for kind in ("criticism", "reported"):
            await campaign_outcomes.withdraw_outcome(
                tx, campaign.id, unit_id, kind, version, office.id
            )
        closed = await campaign_outcomes.withdraw_rectification(
            tx, campaign.id, unit_id, version, office.id
        )
        talks = sum(
            1 for t in await campaign_outcomes.talks(tx, campaign.id) if t.unit_id == unit_id
        )
        grade = next(str(u["grade"]) for u in sheet["units"] if int(u["unit_id"]) == unit_id)
        suffix = "_task" if closed else ""
        tell_unit(
            await unit_people(tx, unit_id),
            f"campaign_corrected_unfailed{suffix}",
            unit_id,
            grade=grade,
        )
        tell_unit(
            office_told,
            f"campaign_corrected_unfailed_office{suffix}",
            unit_id,
            grade=grade,
            talks=talks,
        )
        clauses.append(f"{names[unit_id]}撤销通报批评" + ("，限期整改任务关闭" if closed else ""))
    for unit_id in sorted(praised_now - praised):
        await campaign_outcomes.add_outcome(
            tx, campaign.id, unit_id, "praise", office.id, version=version
        )
        tell_unit(await unit_people(tx, unit_id), "campaign_corrected_praised", unit_id)
        clauses.append(f"{names[unit_id]}列入通报表扬")
    for unit_id in sorted(praised - praised_now):
        await campaign_outcomes.withdraw_outcome(
            tx, campaign.id, unit_id, "praise", version, office.id
        )
        tell_unit(await unit_people(tx, unit_id), "campaign_corrected_unpraised", unit_id)
        clauses.append(f"{names[unit_id]}不再列入通报表扬")
    return tells, clauses


async def check_id_at(db: Database, campaign_id: int, index: int) -> str:
    """The id of the check at `index` of the campaign's checklist."""
    async with db.reading() as tx:
        _, template = await load(tx, campaign_id)
    ids = template.check_ids()
    if not 0 <= index < len(ids):
        raise Refused("forged")
    return ids[index]
