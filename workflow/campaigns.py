"""An assessment campaign's life (考核, ../shared/spec/ASSESSMENT.md): plan → the leading
group's approval → notices → self-checks and scoring (campaign_units.py) → preliminary grades →
approval → results and consequences → rectification; corrections after closing.

Every service re-checks the person's rights and the campaign's state in its own transaction,
refuses with `Refused(key)` and returns `Tell`s: who to tell what, by person id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from scoring.assessment import AssessmentTemplate, Scope, ScoreOutOfRange, check_score
from storage import (
    campaign_decisions,
    campaign_outcomes,
    campaign_scores,
    campaign_sheets,
    campaigns,
    people,
    units,
)
from storage.campaigns import Campaign
from storage.db import Database, Tx
from storage.models import Person
from workflow.campaign_common import (
    Tell,
    check_known,
    clean_text,
    expect_state,
    load,
    local_today,
    member_ids,
    office_only,
    unit_in_campaign,
    unit_people,
)
from workflow.campaign_sheet import compose, unit_lines
from workflow.outcomes import Refused

LEADING = "leading"
ASSESSOR = "assessor"


@dataclass(frozen=True, slots=True)
class Step:
    """Where an approval stands: the round and the step waiting, and who holds it."""

    subject: str
    round: int
    step: int
    person_id: int


def _earliest(today: date, template: AssessmentTemplate) -> date:
    """The first on-site date the notice period allows (calendar days, as the seed counts)."""
    return today + timedelta(days=template.notice_days)


async def _check_dates(
    tx: Tx, template: AssessmentTemplate, dates: Mapping[int, date], today: date
) -> None:
    """Refuses an on-site date inside the notice period, naming the unit and the first day."""
    earliest = _earliest(today, template)
    for unit_id, onsite in sorted(dates.items()):
        if onsite < earliest:
            unit = await units.get_unit(tx, unit_id)
            raise Refused(
                "campaign_onsite_too_soon",
                unit=unit.name if unit else str(unit_id),
                earliest=earliest.isoformat(),
                days=template.notice_days,
            )


async def plan(
    db: Database,
    office: Person,
    templates: Mapping[str, AssessmentTemplate],
    zone: ZoneInfo,
    *,
    template_key: str,
    title: str,
    year: int,
    scope: Scope,
    onsite: Mapping[int, date],
    leading: list[int],
    assessors: list[int],
) -> Campaign:
    """The office's plan (制定考核方案): template, scope, groups and each unit's on-site date.

    普遍考核 takes every active unit; 重点考核 the units named. Dates inside the template's
    notice period are refused, as is a group without people or with someone unknown.
    """
    template = templates.get(template_key)
    if template is None:
        raise Refused("campaign_unknown_template", template=template_key)
    name = clean_text(title, required=True, key="campaign_title_missing")
    async with db.transaction() as tx:
        await office_only(tx, office)
        active = {unit.id for unit in await units.list_units(tx)}
        unknown = set(onsite) - active
        if unknown:
            raise Refused("unknown_unit", name=",".join(str(u) for u in sorted(unknown)))
        if scope is Scope.GENERAL and set(onsite) != active:
            missing = [u.name for u in await units.list_units(tx) if u.id not in onsite]
            raise Refused("campaign_general_needs_all", missing="、".join(missing))
        if not onsite:
            raise Refused("campaign_no_units")
        if not leading or not assessors:
            raise Refused("campaign_group_empty")
        if len(set(leading)) != len(leading) or len(set(assessors)) != len(assessors):
            raise Refused("campaign_group_repeated")
        for person_id in {*leading, *assessors}:
            if await people.get_person(tx, person_id) is None:
                raise Refused("campaign_unknown_person", person=person_id)
        await _check_dates(tx, template, onsite, local_today(tx.now, zone))
        campaign_id = await campaigns.create(
            tx,
            title=name,
            year=year,
            template_key=template.key,
            template=template.model_dump(mode="json"),
            scope=scope.value,
            created_by=office.id,
            units=dict(onsite),
            leading=leading,
            assessors=assessors,
        )
        found = await campaigns.get(tx, campaign_id)
    assert found is not None
    return found


async def set_onsite(
    db: Database, office: Person, zone: ZoneInfo, campaign_id: int, unit_id: int, onsite: date
) -> None:
    """Changes a unit's on-site date while the plan is a draft (or back from a return)."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "draft")
        await unit_in_campaign(tx, campaign_id, unit_id)
        await _check_dates(tx, template, {unit_id: onsite}, local_today(tx.now, zone))
        await campaigns.set_onsite(tx, campaign_id, unit_id, onsite, office.id)


async def _waiting(tx: Tx, campaign: Campaign, subject: str) -> Step | None:
    """The approval step waiting in the current round, if the campaign is under review."""
    review = {"plan": "plan_review", "grades": "grade_review"}[subject]
    if campaign.state != review:
        return None
    round_ = campaign.plan_round if subject == "plan" else campaign.grade_round
    chain = await member_ids(tx, campaign.id, LEADING)
    done = await campaign_decisions.decisions(tx, campaign.id, subject, round_)
    step = len(done) + 1
    if step > len(chain):
        return None
    return Step(subject, round_, step, chain[step - 1])


async def waiting_step(db: Database, campaign_id: int, subject: str) -> Step | None:
    """Which approval step of the plan or the grades waits now, and for whom."""
    async with db.reading() as tx:
        campaign, _ = await load(tx, campaign_id)
        return await _waiting(tx, campaign, subject)


def _ask(step: Step, campaign: Campaign) -> Tell:
    """The request to the leading-group member whose step waits."""
    return Tell(
        step.person_id,
        f"campaign_{step.subject}_to_approve",
        {"campaign": campaign.id, "title": campaign.title, "round": step.round, "step": step.step},
        f"{campaign.id}:{step.subject}:{step.round}:{step.step}",
    )


async def submit_plan(db: Database, office: Person, zone: ZoneInfo, campaign_id: int) -> list[Tell]:
    """Sends the plan to the leading group (a new round); its first member is asked."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "draft")
        lines = await campaigns.units_of(tx, campaign_id)
        await _check_dates(
            tx, template, {u.unit_id: u.onsite_on for u in lines}, local_today(tx.now, zone)
        )
        if not await campaigns.move(tx, campaign_id, "draft", "plan_review", office.id):
            raise Refused("campaign_wrong_state", state=campaign.state)
        moved, _ = await load(tx, campaign_id)
        step = await _waiting(tx, moved, "plan")
        assert step is not None
        return [_ask(step, moved)]


async def _decide(
    tx: Tx, person: Person, campaign: Campaign, step: Step, approve: bool, reason: str
) -> tuple[bool, str | None]:
    """Records one step's decision after the checks every approval shares; returns whether
    the chain is complete and the cleaned reason."""
    waiting = await _waiting(tx, campaign, step.subject)
    if waiting is None or (waiting.round, waiting.step) != (step.round, step.step):
        raise Refused("campaign_decided")
    if waiting.person_id != person.id:
        raise Refused("not_allowed")
    clean = None if approve else clean_text(reason, required=True)
    if not await campaign_decisions.decide(
        tx,
        campaign.id,
        subject=step.subject,
        round_=step.round,
        step=step.step,
        person_id=person.id,
        decision="approve" if approve else "return",
        reason=clean,
    ):
        raise Refused("campaign_decided")
    chain = await member_ids(tx, campaign.id, LEADING)
    return approve and step.step == len(chain), clean


async def decide_plan(
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
    """A leading-group member approves the plan or returns it with a reason. The last
    approval starts the campaign and sends every unit its notice (下发考核通知); an on-site date
    that came inside the notice period meanwhile is refused, so the plan must go back."""
    async with db.transaction() as tx:
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "plan_review")
        if approve:
            lines = await campaigns.units_of(tx, campaign_id)
            await _check_dates(
                tx, template, {u.unit_id: u.onsite_on for u in lines}, local_today(tx.now, zone)
            )
        done, clean = await _decide(
            tx, person, campaign, Step("plan", round_, step, person.id), approve, reason
        )
        if not approve:
            await campaigns.move(tx, campaign_id, "plan_review", "draft", person.id, reason=clean)
            return [
                Tell(
                    campaign.created_by,
                    "campaign_plan_returned",
                    {"campaign": campaign_id, "title": campaign.title, "reason": clean},
                    f"{campaign_id}:{round_}",
                )
            ]
        if not done:
            nxt = await _waiting(tx, campaign, "plan")
            assert nxt is not None
            return [_ask(nxt, campaign)]
        await campaigns.move(tx, campaign_id, "plan_review", "running", person.id)
        return await _notices(tx, campaign, template)


async def _notices(tx: Tx, campaign: Campaign, template: AssessmentTemplate) -> list[Tell]:
    """The notices of an approved plan: each unit's people get their date and the checklist;
    the assessment group its units; the office that it went out."""
    tells: list[Tell] = []
    notified = set(await campaigns.mark_notified(tx, campaign.id, None))
    checks = len(template.check_ids())
    for line in await campaigns.units_of(tx, campaign.id):
        if line.unit_id not in notified:
            continue
        for person_id in await unit_people(tx, line.unit_id):
            tells.append(
                Tell(
                    person_id,
                    "campaign_notice",
                    {
                        "campaign": campaign.id,
                        "title": campaign.title,
                        "unit": line.unit_id,
                        "onsite_on": line.onsite_on.isoformat(),
                        "checks": checks,
                    },
                    f"{campaign.id}:{line.unit_id}",
                )
            )
    for person_id in await member_ids(tx, campaign.id, ASSESSOR):
        tells.append(
            Tell(person_id, "campaign_assessor", {"campaign": campaign.id}, str(campaign.id))
        )
    tells.append(
        Tell(campaign.created_by, "campaign_started", {"campaign": campaign.id}, str(campaign.id))
    )
    return tells


# --- who has not -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a unit's self-check has come."""

    unit_id: int
    name: str
    onsite_on: date
    answered: int
    checks: int
    reported: bool
    signed: bool


async def progress(db: Database, office: Person, campaign_id: int) -> list[Progress]:
    """Each unit's self-check progress, those not done (no signed report) first: the office's
    who-has-not list."""
    async with db.reading() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        return await _progress(tx, campaign, template)


async def _progress(tx: Tx, campaign: Campaign, template: AssessmentTemplate) -> list[Progress]:
    """`progress` inside a snapshot."""
    answered: dict[int, int] = {}
    for entry in await campaign_scores.selfchecks(tx, campaign.id):
        answered[entry.unit_id] = answered.get(entry.unit_id, 0) + 1
    found = []
    for line in await campaigns.units_of(tx, campaign.id):
        unit = await units.get_unit(tx, line.unit_id)
        found.append(
            Progress(
                line.unit_id,
                unit.name if unit else str(line.unit_id),
                line.onsite_on,
                answered.get(line.unit_id, 0),
                len(template.check_ids()),
                line.report_at is not None,
                line.signed_at is not None,
            )
        )
    return sorted(found, key=lambda p: (p.signed, p.onsite_on))


async def reminders(db: Database, zone: ZoneInfo) -> list[Tell]:
    """What the daily sweep tells today: units of running campaigns whose on-site date is a
    reminder's number of days away and whose report is not signed; units whose rectification
    is due so soon or overdue. Each reminder's event names the day, so it goes once."""
    tells: list[Tell] = []
    async with db.reading() as tx:
        today = local_today(tx.now, zone)
        for campaign in await campaigns.listed(tx):
            template = AssessmentTemplate.model_validate(campaign.template)
            if campaign.state == "running":
                for line in await _progress(tx, campaign, template):
                    days = (line.onsite_on - today).days
                    if line.signed or days not in template.reminder_days:
                        continue
                    for person_id in await unit_people(tx, line.unit_id):
                        tells.append(
                            Tell(
                                person_id,
                                "campaign_selfcheck_reminder",
                                {
                                    "campaign": campaign.id,
                                    "unit": line.unit_id,
                                    "days": days,
                                    "answered": line.answered,
                                    "checks": line.checks,
                                },
                                f"{campaign.id}:{line.unit_id}:{today.isoformat()}",
                            )
                        )
        for task in await campaign_outcomes.open_rectifications(tx):
            owner = await campaigns.get(tx, task.campaign_id)
            assert owner is not None
            template = AssessmentTemplate.model_validate(owner.template)
            days = (task.due_on - today).days
            if task.state != "open" or (days >= 0 and days not in template.reminder_days):
                continue
            for person_id in await unit_people(tx, task.unit_id):
                tells.append(
                    Tell(
                        person_id,
                        "campaign_rectification_reminder",
                        {
                            "campaign": task.campaign_id,
                            "due_on": task.due_on.isoformat(),
                            "days": days,
                        },
                        f"{task.campaign_id}:{task.unit_id}:{today.isoformat()}",
                    )
                )
    return tells


# --- grades ------------------------------------------------------------------------------------


async def propose_grades(db: Database, office: Person, campaign_id: int) -> list[Tell]:
    """The office's preliminary grades (初步考核等次) from the final scores, sent to the leading
    group; refused while any unit's check has no score."""
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
        await campaign_decisions.put_preliminary(
            tx,
            campaign_id,
            {unit_id: (str(line.total), line.grade) for unit_id, line in lines.items()},
            office.id,
        )
        if not await campaigns.move(tx, campaign_id, "running", "grade_review", office.id):
            raise Refused("campaign_wrong_state", state=campaign.state)
        moved, _ = await load(tx, campaign_id)
        step = await _waiting(tx, moved, "grades")
        assert step is not None
        return [_ask(step, moved)]


async def change_grade(
    db: Database, person: Person, campaign_id: int, unit_id: int, grade: str, reason: str
) -> None:
    """A leading-group member changes a unit's grade under review; a change needs a reason."""
    async with db.transaction() as tx:
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "grade_review")
        if person.id not in await member_ids(tx, campaign_id, LEADING):
            raise Refused("not_allowed")
        if grade not in [g.name for g in template.grades]:
            raise Refused("campaign_unknown_grade", grade=grade)
        row = (await campaign_decisions.grades(tx, campaign_id)).get(unit_id)
        if row is None:
            raise Refused("campaign_unit_not_assessed")
        clean = clean_text(reason, required=grade != row.preliminary)
        await campaign_decisions.change_grade(tx, campaign_id, unit_id, grade, clean, person.id)


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
        done, clean = await _decide(
            tx, person, campaign, Step("grades", round_, step, person.id), approve, reason
        )
        if not approve:
            await campaigns.move(
                tx, campaign_id, "grade_review", "running", person.id, reason=clean
            )
            return [
                Tell(
                    campaign.created_by,
                    "campaign_grades_returned",
                    {"campaign": campaign_id, "reason": clean},
                    f"{campaign_id}:{round_}",
                )
            ]
        if not done:
            nxt = await _waiting(tx, campaign, "grades")
            assert nxt is not None
            return [_ask(nxt, campaign)]
        return await _close(tx, person, campaign, template, local_today(tx.now, zone))


async def _close(
    tx: Tx, person: Person, campaign: Campaign, template: AssessmentTemplate, today: date
) -> list[Tell]:
    """Closes the campaign: consequences recorded, sheet version 1 stored, everyone told."""
    await campaigns.move(tx, campaign.id, "grade_review", "closed", person.id)
    draft = await compose(tx, campaign, template, version=0)
    tells: list[Tell] = []
    due = today + timedelta(days=template.rectification_days)
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


async def correct(
    db: Database,
    office: Person,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    points: Decimal,
    reason: str,
) -> int:
    """A correction of a closed campaign (as in the scoring rules): the check's settled score
    becomes a new settlement version and the results a new numbered sheet; the old kept.
    Grades the leading group changed stay; others follow the corrected total. Returns the
    new version."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "closed")
        await unit_in_campaign(tx, campaign_id, unit_id)
        check_known(template, check_id)
        check = template.check(check_id)
        assert check is not None
        try:
            value = check_score(points, check.max_points)
        except ScoreOutOfRange:
            raise Refused("campaign_score_out_of_range", max=str(check.max_points)) from None
        clean = clean_text(reason, required=True)
        latest = await campaign_sheets.sheet(tx, campaign_id)
        assert latest is not None
        version = latest.version + 1
        await campaign_scores.settle(
            tx, campaign_id, unit_id, check_id, value, clean, version=version, by=office.id
        )
        sheet = await compose(tx, campaign, template, version=version)
        return await campaign_sheets.add_sheet(
            tx, campaign_id, {**sheet, "version": version}, office.id, clean
        )


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


# --- consequences ------------------------------------------------------------------------------


async def record_talk(
    db: Database,
    office: Person,
    campaign_id: int,
    unit_id: int,
    *,
    held_on: date,
    talker: str,
    with_whom: str,
    note: str = "",
) -> int:
    """Records the 诫勉谈话 with a failing unit's leaders: who talked with whom, when."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, _ = await load(tx, campaign_id)
        expect_state(campaign, "closed")
        if "criticism" not in (await campaign_outcomes.outcomes(tx, campaign_id)).get(
            unit_id, set()
        ):
            raise Refused("campaign_unit_not_failed")
        return await campaign_outcomes.add_talk(
            tx,
            campaign_id,
            unit_id,
            held_on=held_on,
            talker=clean_text(talker, required=True, key="campaign_talk_incomplete"),
            with_whom=clean_text(with_whom, required=True, key="campaign_talk_incomplete"),
            note=clean_text(note, required=False),
            actor_id=office.id,
        )


async def review_rectification(
    db: Database, office: Person, campaign_id: int, unit_id: int, *, accept: bool, reason: str = ""
) -> list[Tell]:
    """The office accepts a unit's rectification report, closing the task, or returns it with
    a reason (the task stays open, its deadline unchanged)."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        task = await campaign_outcomes.rectification(tx, campaign_id, unit_id)
        if task is None:
            raise Refused("campaign_no_rectification")
        clean = None if accept else clean_text(reason, required=True)
        if not await campaign_outcomes.review_rectification(
            tx, campaign_id, unit_id, accept=accept, reason=clean, by=office.id
        ):
            raise Refused("campaign_rectification_not_submitted")
        key = "campaign_rectification_accepted" if accept else "campaign_rectification_returned"
        return [
            Tell(
                person_id,
                key,
                {"campaign": campaign_id, "reason": clean},
                f"{campaign_id}:{unit_id}:{tx.stamp}",
            )
            for person_id in await unit_people(tx, unit_id)
        ]
