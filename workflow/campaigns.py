"""An assessment campaign's plan and its approval: the office plans, the leading group decides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from scoring.assessment import AssessmentTemplate, Scope
from scoring.vocab import Role
from storage import campaign_decisions, campaigns, people, units
from storage.campaigns import Campaign
from storage.db import Database, Tx
from storage.models import Person, Unit
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
    unit_in_campaign,
)
from workflow.campaign_notices import notices
from workflow.outcomes import Refused


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


def earliest_onsite(today: date, template: AssessmentTemplate) -> date:
    """The first on-site date a plan made today may set (what a dialogue tells the office)."""
    return _earliest(today, template)


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


async def candidates(db: Database, office: Person) -> list[Person]:
    """Whom the office may name to a group: the centre's leaders and editors and the units'
    leaders, each once, by name."""
    found: dict[int, Person] = {}
    async with db.reading() as tx:
        await office_only(tx, office)
        for role in (Role.MAIN_LEADER, Role.CENTRE_LEADER, Role.EDITOR, Role.LEADER):
            for person in await people.role_holders_anywhere(tx, role):
                found.setdefault(person.id, person)
    return sorted(found.values(), key=lambda person: (person.name, person.id))


async def unit_choices(db: Database, office: Person) -> list[Unit]:
    """The units a plan may name (every active unit, in the configured order)."""
    async with db.reading() as tx:
        await office_only(tx, office)
        return await units.list_units(tx)


async def title_of(db: Database, campaign_id: int) -> str:
    """A campaign's title, or Refused."""
    async with db.reading() as tx:
        campaign, _ = await load(tx, campaign_id)
    return campaign.title


async def unit_names(db: Database, unit_ids: list[int]) -> dict[int, str]:
    """Units' names by id (an id for a unit gone)."""
    found = {}
    async with db.reading() as tx:
        for unit_id in unit_ids:
            unit = await units.get_unit(tx, unit_id)
            found[unit_id] = unit.name if unit is not None else str(unit_id)
    return found


async def plan_units(db: Database, office: Person, campaign_id: int) -> list[tuple[int, str, date]]:
    """A plan's units with their on-site dates, for the office."""
    async with db.reading() as tx:
        await office_only(tx, office)
        await load(tx, campaign_id)
        found = []
        for line in await campaigns.units_of(tx, campaign_id):
            unit = await units.get_unit(tx, line.unit_id)
            found.append((line.unit_id, unit.name if unit else str(line.unit_id), line.onsite_on))
    return found


async def office_list(db: Database, office: Person) -> list[Campaign]:
    """Every campaign, newest first, for the office."""
    async with db.reading() as tx:
        await office_only(tx, office)
        return await campaigns.listed(tx)


async def step_waiting(tx: Tx, campaign: Campaign, subject: str) -> Step | None:
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
        return await step_waiting(tx, campaign, subject)


def ask(step: Step, campaign: Campaign) -> Tell:
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
        step = await step_waiting(tx, moved, "plan")
        assert step is not None
        return await post(tx, [ask(step, moved)])


async def record_decision(
    tx: Tx, person: Person, campaign: Campaign, step: Step, approve: bool, reason: str
) -> tuple[bool, str | None]:
    """Records one step's decision after the checks every approval shares; returns whether
    the chain is complete and the cleaned reason."""
    waiting = await step_waiting(tx, campaign, step.subject)
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
        done, clean = await record_decision(
            tx, person, campaign, Step("plan", round_, step, person.id), approve, reason
        )
        if not approve:
            await campaigns.move(tx, campaign_id, "plan_review", "draft", person.id, reason=clean)
            return await post(
                tx,
                [
                    Tell(
                        campaign.created_by,
                        "campaign_plan_returned",
                        {"campaign": campaign_id, "title": campaign.title, "reason": clean},
                        f"{campaign_id}:{round_}",
                    )
                ],
            )
        if not done:
            nxt = await step_waiting(tx, campaign, "plan")
            assert nxt is not None
            return await post(tx, [ask(nxt, campaign)])
        await campaigns.move(tx, campaign_id, "plan_review", "running", person.id)
        return await post(tx, await notices(tx, campaign, template))
