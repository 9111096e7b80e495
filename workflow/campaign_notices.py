"""A campaign's notices and reminders: who is told the approved plan, who has not, who is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from scoring.assessment import AssessmentTemplate
from storage import campaign_outcomes, campaign_scores, campaigns, units
from storage.campaigns import Campaign
from storage.db import Database, Tx
from storage.models import Person
from workflow.campaign_common import (
    ASSESSOR,
    Tell,
    load,
    local_today,
    member_ids,
    office_only,
    unit_people,
)


async def notices(tx: Tx, campaign: Campaign, template: AssessmentTemplate) -> list[Tell]:
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
    is due so soon or overdue (each day), and the office the first day it is overdue. Each reminder's event names the day, so it goes once."""
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
            key_late = "campaign_rectification_overdue"
            if days == -1:  # the first day past the deadline: the office is told too
                tells.append(
                    Tell(
                        owner.created_by,
                        "campaign_rectification_late",
                        {
                            "campaign": task.campaign_id,
                            "unit": task.unit_id,
                            "due_on": task.due_on.isoformat(),
                        },
                        f"{task.campaign_id}:{task.unit_id}:late",
                    )
                )
            for person_id in await unit_people(tx, task.unit_id):
                tells.append(
                    Tell(
                        person_id,
                        "campaign_rectification_reminder" if days >= 0 else key_late,
                        {
                            "campaign": task.campaign_id,
                            "unit": task.unit_id,
                            "due_on": task.due_on.isoformat(),
                            "days": days,
                            "late": -days,
                        },
                        f"{task.campaign_id}:{task.unit_id}:{today.isoformat()}",
                    )
                )
    return tells
