"""A campaign's grades and closing: preliminary grades, their approval and the results
(corrections after closing are `campaign_corrections`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scoring.assessment import AssessmentTemplate
from storage import (
    campaign_decisions,
    campaign_outcomes,
    campaign_sheets,
    campaigns,
)
from storage.campaigns import Campaign
from storage.db import Database, Tx
from storage.models import Person
from workflow.campaign_common import (
    LEADING,
    Tell,
    clean_text,
    expect_state,
    load,
    local_today,
    member_ids,
    office_only,
    post,
    unit_people,
)
from workflow.campaign_results import check_lines, comments_of
from workflow.campaign_settling import unresolved
from workflow.campaign_sheet import compose, unit_lines
from workflow.campaigns import Step, ask, record_decision, step_waiting
from workflow.outcomes import Refused


async def propose_grades(db: Database, office: Person, campaign_id: int) -> list[Tell]:
    """The office's preliminary grades (初步考核等次) from the final scores, sent to the leading
    group; refused while any unit's check has no score, or differs with neither the rule
    accepted nor a settlement."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "running")
        lines = await unit_lines(tx, campaign, template, 0)
        missing = sum(
            1 for line in lines.values() for value in line.checks.values() if value is None
        )
        if missing:
            raise Refused("campaign_scores_missing", count=missing)
        differ = await unresolved(tx, campaign, template)
        if differ:
            raise Refused("campaign_scores_differ", count=differ)
        await campaign_decisions.put_preliminary(
            tx,
            campaign_id,
            {unit_id: (str(line.total), line.grade) for unit_id, line in lines.items()},
            office.id,
        )
        if not await campaigns.move(tx, campaign_id, "running", "grade_review", office.id):
            raise Refused("campaign_wrong_state", state=campaign.state)
        moved, _ = await load(tx, campaign_id)
        step = await step_waiting(tx, moved, "grades")
        assert step is not None
        return await post(tx, [ask(step, moved)])


async def change_grade(
    db: Database, person: Person, campaign_id: int, unit_id: int, grade: str, reason: str
) -> list[Tell]:
    """A leading-group member changes a unit's grade under review; a change needs a reason.
    The group's other members and the office are told what changed, by whom and why, in the
    same transaction, so they see it before they approve. When members of this round had
    already approved, the template's `approvals_on_change` decides: "again" (the default)
    starts a new round asked from the first member, as they approved other grades; "stand"
    keeps their approvals."""
    async with db.transaction() as tx:
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "grade_review")
        leading = await member_ids(tx, campaign_id, LEADING)
        if person.id not in leading:
            raise Refused("not_allowed")
        if grade not in [g.name for g in template.grades]:
            raise Refused("campaign_unknown_grade", grade=grade)
        row = (await campaign_decisions.grades(tx, campaign_id)).get(unit_id)
        if row is None:
            raise Refused("campaign_unit_not_assessed")
        clean = clean_text(reason, required=grade != row.preliminary)
        await campaign_decisions.change_grade(tx, campaign_id, unit_id, grade, clean, person.id)
        told = [p for p in [*leading, campaign.created_by] if p != person.id]
        params = {
            "campaign": campaign_id,
            "unit": unit_id,
            "from": row.final or row.preliminary,
            "grade": grade,
            "by": person.name,
            "reason": clean or "—",
        }
        approved = await campaign_decisions.decisions(
            tx, campaign_id, "grades", campaign.grade_round
        )
        again = bool(approved) and template.approvals_on_change == "again"
        key = "campaign_grade_changed_again" if again else "campaign_grade_changed"
        event = f"{campaign_id}:{unit_id}:{tx.stamp}"
        tells = [Tell(p, key, params, event) for p in dict.fromkeys(told)]
        if again:
            await campaigns.ask_grades_again(
                tx, campaign_id, person.id, unit=unit_id, approvals=len(approved)
            )
            moved, _ = await load(tx, campaign_id)
            step = await step_waiting(tx, moved, "grades")
            assert step is not None
            tells.append(ask(step, moved))
        return await post(tx, tells)


async def decide_grades(
    db: Database,
    person: Person,
    zone: ZoneInfo,
    campaign_id: int,
    *,
    round_: int,
    step: int,
    approve: bool,
    reason: str = "",
) -> list[Tell]:
    """A leading-group member approves the grades (审定) or returns them with a reason. The
    last approval closes the campaign: results published as sheet version 1, each unit told,
    and the consequences by grade recorded (通报表扬; 通报批评, the result sent on to the
    target-assessment office and a 限期整改 task for a failing unit)."""
    async with db.transaction() as tx:
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "grade_review")
        done, clean = await record_decision(
            tx, person, campaign, Step("grades", round_, step, person.id), approve, reason
        )
        if not approve:
            await campaigns.move(
                tx, campaign_id, "grade_review", "running", person.id, reason=clean
            )
            tell = Tell(
                campaign.created_by,
                "campaign_grades_returned",
                {"campaign": campaign_id, "reason": clean},
                f"{campaign_id}:{round_}",
            )
            return await post(tx, [tell])
        if not done:
            nxt = await step_waiting(tx, campaign, "grades")
            assert nxt is not None
            return await post(tx, [ask(nxt, campaign)])
        today = local_today(tx.now, zone)
        return await post(tx, await _close(tx, person, campaign, template, today))


async def _close(
    tx: Tx, person: Person, campaign: Campaign, template: AssessmentTemplate, today: date
) -> list[Tell]:
    """Closes the campaign: consequences recorded, sheet version 1 stored, everyone told (each
    unit's people their grade with every check's score and comment)."""
    await campaigns.move(tx, campaign.id, "grade_review", "closed", person.id)
    draft = await compose(tx, campaign, template, version=0)
    tells: list[Tell] = []
    due = today + timedelta(days=template.rectification_days)
    comments = await comments_of(tx, campaign.id)
    for unit_id in draft["praise"]:
        await campaign_outcomes.add_outcome(tx, campaign.id, unit_id, "praise", person.id)
    for line in draft["units"]:
        unit_id = int(line["unit_id"])
        if line["grade"] == template.fail_grade:
            for kind in ("criticism", "reported"):
                await campaign_outcomes.add_outcome(tx, campaign.id, unit_id, kind, person.id)
            await campaign_outcomes.open_rectification(tx, campaign.id, unit_id, due, person.id)
        for person_id in await unit_people(tx, unit_id):
            tells.append(
                Tell(
                    person_id,
                    "campaign_result",
                    {
                        "campaign": campaign.id,
                        "unit": unit_id,
                        "grade": line["grade"],
                        "total": line["total"],
                        "checks": check_lines(template, line, comments.get(unit_id, {})),
                        "rectify_by": due.isoformat()
                        if line["grade"] == template.fail_grade
                        else None,
                    },
                    f"{campaign.id}:{unit_id}:1",
                )
            )
    sheet = await compose(tx, campaign, template, version=0)
    await campaign_sheets.add_sheet(tx, campaign.id, {**sheet, "version": 1}, person.id, None)
    tells.append(
        Tell(
            campaign.created_by,
            "campaign_closed",
            {
                "campaign": campaign.id,
                "praise": sheet["praise"],
                "failed": [
                    u["unit_id"] for u in sheet["units"] if u["grade"] == template.fail_grade
                ],
            },
            f"{campaign.id}:1",
        )
    )
    return tells


async def results(
    db: Database, person: Person, campaign_id: int, version: int | None = None
) -> dict[str, Any]:
    """A closed campaign's published results (the latest version unless named): the office
    and the leading group see all; a unit's people see their own unit's line only."""
    async with db.reading() as tx:
        await load(tx, campaign_id)
        found = await campaign_sheets.sheet(tx, campaign_id, version)
        if found is None:
            raise Refused("campaign_no_results")
        if person.id in await member_ids(tx, campaign_id, LEADING):
            return found.sheet
        try:
            await office_only(tx, person)
            return found.sheet
        except Refused:
            pass
        mine = [
            line
            for line in found.sheet["units"]
            if person.id in await unit_people(tx, int(line["unit_id"]))
        ]
        if not mine:
            raise Refused("not_allowed")
        return {**found.sheet, "units": mine}


async def workbook(
    db: Database, person: Person, campaign_id: int, version: int | None = None
) -> bytes:
    """The campaign workbook: of a published version (the same bytes every time), or, for the
    office while the campaign runs, of the scores so far. openpyxl is imported only here, as
    the bot keeps it out of its long-running process (bot/offload.py renders in a child)."""
    from workflow.campaign_workbook import campaign_workbook

    async with db.reading() as tx:
        campaign, template = await load(tx, campaign_id)
        if campaign.state == "closed":
            found = await campaign_sheets.sheet(tx, campaign_id, version)
            if found is None:
                raise Refused("campaign_no_results")
            sheet = found.sheet
        else:
            await office_only(tx, person)
            sheet = await compose(tx, campaign, template, version=0)
    if campaign.state == "closed":
        await results(db, person, campaign_id, version)  # the same rights as the results
    return campaign_workbook(sheet)
