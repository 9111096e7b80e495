"""Settling differing scores (第1篇 九, 第3篇 九): the checks a campaign's group scored
differently, each member's score and comment beside the template's rule; the office accepts
the rule or settles a check with a score and a reason, and grades wait until every one is."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scoring.assessment import Answer, AssessmentTemplate, settle, survey_points, survey_rates
from storage import campaign_accepts, campaign_scores, campaigns, people, units
from storage.campaigns import Campaign
from storage.db import Database, Tx
from storage.models import Person
from workflow import campaign_scoring
from workflow.campaign_common import (
    ASSESSOR,
    clean_text,
    expect_state,
    is_office,
    load,
    office_only,
    unit_in_campaign,
    valid_score,
)
from workflow.outcomes import Refused

#: The template's rule as the office reads it.
RULES = {"average": "取平均分", "median": "取中位数"}


@dataclass(frozen=True, slots=True)
class MemberScore:
    """One member's score of a check, with their comment."""

    name: str
    points: Decimal
    comment: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A check the members scored differently: their scores, the rule's result, and how the
    office resolved it (settled with a reason, or the rule accepted over these very scores)."""

    unit_id: int
    unit_name: str
    index: int  # the check's place in the checklist (what a button carries)
    check_id: str
    title: str
    max_points: Decimal
    scores: tuple[MemberScore, ...]
    rule: Decimal
    settled: Decimal | None
    reason: str
    accepted: bool

    @property
    def resolved(self) -> bool:
        """Whether the office settled it or accepted the rule over the present scores."""
        return self.settled is not None or self.accepted


async def disagreements(
    tx: Tx, campaign: Campaign, template: AssessmentTemplate
) -> list[Disagreement]:
    """The checks whose members' scores differ, by unit then checklist order; a survey check
    the survey's answers already score is left out (the members' scores do not count)."""
    ids = template.check_ids()
    place = {check_id: index for index, check_id in enumerate(ids)}
    grouped: dict[tuple[int, str], dict[int, tuple[Decimal, str]]] = {}
    for entry in await campaign_scores.scores(tx, campaign.id):
        grouped.setdefault((entry.unit_id, entry.check_id), {})[entry.member_id] = (
            entry.points,
            entry.comment,
        )
    settled = await campaign_scores.settlements(tx, campaign.id, 0)
    accepted = await campaign_accepts.accepted(tx, campaign.id)
    answers = await campaign_scores.survey_answers(tx, campaign.id)
    order = [line.unit_id for line in await campaigns.units_of(tx, campaign.id)]
    names: dict[int, str] = {}
    found = []
    for (unit_id, check_id), by_member in sorted(
        grouped.items(),
        key=lambda item: (order.index(item[0][0]), place.get(item[0][1], len(ids))),
    ):
        points = {member: value for member, (value, _) in by_member.items()}
        check = template.check(check_id)
        if len(set(points.values())) < 2 or check is None:
            continue
        if check.survey:
            rates = survey_rates(Answer(a) for a in answers.get(unit_id, []))
            if survey_points(rates, check.max_points, template.survey_rule) is not None:
                continue
        if unit_id not in names:
            unit = await units.get_unit(tx, unit_id)
            names[unit_id] = unit.name if unit is not None else str(unit_id)
        scores = []
        for member, (value, comment) in sorted(by_member.items()):
            person = await people.get_person(tx, member)
            scores.append(MemberScore(person.name if person else str(member), value, comment))
        fixed = settled.get((unit_id, check_id))
        found.append(
            Disagreement(
                unit_id,
                names[unit_id],
                place[check_id],
                check_id,
                check.title,
                check.max_points,
                tuple(scores),
                settle(list(points.values()), template.settlement),
                fixed.points if fixed else None,
                fixed.reason if fixed else "",
                accepted.get((unit_id, check_id)) == campaign_accepts.scores_text(points),
            )
        )
    return found


async def unresolved(tx: Tx, campaign: Campaign, template: AssessmentTemplate) -> int:
    """How many differing checks the office has neither settled nor accepted the rule for."""
    return sum(1 for found in await disagreements(tx, campaign, template) if not found.resolved)


async def settling(
    db: Database, office: Person, campaign_id: int
) -> tuple[Campaign, AssessmentTemplate, list[Disagreement]]:
    """What the office settles: the campaign, its template and the differing checks."""
    async with db.reading() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        return campaign, template, await disagreements(tx, campaign, template)


def _check_at(template: AssessmentTemplate, index: int) -> str:
    """The id of the check at a place in the checklist, or Refused."""
    ids = template.check_ids()
    if not 0 <= index < len(ids):
        raise Refused("campaign_unknown_check", check=str(index + 1))
    return ids[index]


async def _accept(tx: Tx, office: Person, campaign: Campaign, found: Disagreement) -> bool:
    """Records the rule's result accepted over the check's present scores."""
    scores = {
        entry.member_id: entry.points
        for entry in await campaign_scores.scores(tx, campaign.id)
        if (entry.unit_id, entry.check_id) == (found.unit_id, found.check_id)
    }
    return await campaign_accepts.accept(
        tx, campaign.id, found.unit_id, found.check_id, scores, found.rule, by=office.id
    )


async def accept_rule(
    db: Database, office: Person, campaign_id: int, unit_id: int, index: int
) -> Disagreement:
    """The office accepts the template's rule (average by default) for one differing check;
    refused for a check that does not differ or is already settled."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "running")
        await unit_in_campaign(tx, campaign_id, unit_id)
        check_id = _check_at(template, index)
        found = next(
            (
                d
                for d in await disagreements(tx, campaign, template)
                if (d.unit_id, d.check_id) == (unit_id, check_id)
            ),
            None,
        )
        if found is None:
            raise Refused("campaign_scores_agree")
        if found.settled is not None:
            raise Refused("campaign_check_settled", points=str(found.settled))
        await _accept(tx, office, campaign, found)
        return found


async def accept_all(db: Database, office: Person, campaign_id: int) -> int:
    """The office accepts the rule for every differing check not yet resolved; how many."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "running")
        count = 0
        for found in await disagreements(tx, campaign, template):
            if not found.resolved:
                count += await _accept(tx, office, campaign, found)
        return count


async def check_points(
    db: Database, office: Person, campaign_id: int, index: int, text: str
) -> tuple[str, Decimal]:
    """A settled score as typed, checked against the check's range; its check id and value."""
    async with db.reading() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "running")
        check_id = _check_at(template, index)
        return check_id, valid_score(template, check_id, campaign_scoring.parse_points(text))


def check_reason(text: str) -> str:
    """A settlement's reason: required, within the length kept."""
    return clean_text(text, required=True)


async def settle_check(
    db: Database,
    office: Person,
    campaign_id: int,
    unit_id: int,
    index: int,
    points: Decimal,
    reason: str,
) -> str:
    """The office settles the check at a place in the checklist with a score and a reason
    (audited); its check id."""
    async with db.reading() as tx:
        _, template = await load(tx, campaign_id)
    check_id = _check_at(template, index)
    await campaign_scoring.settle(db, office, campaign_id, unit_id, check_id, points, reason)
    return check_id


async def uploaders(
    db: Database, person: Person, campaign_id: int
) -> tuple[bool, list[list[int | str]]]:
    """Whether the person uploads for the office (else for themselves, as a member of the
    group), and the group's members by id and name; refused to anyone else or when the
    campaign is not being scored."""
    async with db.reading() as tx:
        campaign, _ = await load(tx, campaign_id)
        office = await is_office(tx, person)
        members: list[list[int | str]] = []
        ids = []
        for member in await campaigns.members(tx, campaign_id, ASSESSOR):
            found = await people.get_person(tx, member.person_id)
            members.append([member.person_id, found.name if found else str(member.person_id)])
            ids.append(member.person_id)
        if not office and person.id not in ids:
            raise Refused("not_allowed")
        expect_state(campaign, "running")
        return office, members
