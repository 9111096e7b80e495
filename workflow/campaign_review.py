"""What the people judging a campaign look at and change before its results: a unit's
evidence for one check (opened beside on-site scoring), and the preliminary grades under the
leading group's review with any grade changed, by whom and why."""

from __future__ import annotations

from dataclasses import dataclass

from storage import campaign_decisions, campaign_scores, campaigns, files, people, units
from storage.campaign_scores import Evidence
from storage.db import Database, Tx
from storage.models import Person
from workflow.campaign_common import (
    LEADING,
    expect_state,
    is_office,
    load,
    may_open_unit,
    member_ids,
    unit_in_campaign,
)
from workflow.outcomes import Refused


@dataclass(frozen=True, slots=True)
class EvidenceShown:
    """One check's evidence of a unit: each piece with its file's name ("" for a text)."""

    unit_name: str
    index: int
    check: str
    pieces: list[tuple[Evidence, str]]


async def unit_name(tx: Tx, unit_id: int) -> str:
    """A unit's name (its id if it is gone)."""
    unit = await units.get_unit(tx, unit_id)
    return unit.name if unit is not None else str(unit_id)


async def person_name(tx: Tx, person_id: int | None) -> str:
    """A person's name ("" for nobody)."""
    found = await people.get_person(tx, person_id) if person_id is not None else None
    return found.name if found is not None else ""


async def evidence_of(
    db: Database, person: Person, campaign_id: int, unit_id: int, index: int
) -> EvidenceShown:
    """A unit's evidence for the check at `index`, by the rule its self-check shares
    (`campaign_common.may_open_unit`): the office, the campaign's two groups and the unit's
    own people; another unit's people only after the results and where the template allows."""
    async with db.reading() as tx:
        campaign, template = await load(tx, campaign_id)
        await unit_in_campaign(tx, campaign_id, unit_id)
        if not await may_open_unit(tx, person, campaign, template, unit_id):
            raise Refused("campaign_not_yours")
        checks = [(f"{s.key}.{c.key}", c.title) for s in template.sections for c in s.checks]
        if not 0 <= index < len(checks):
            raise Refused("forged")
        check_id, title = checks[index]
        pieces = []
        for piece in await campaign_scores.evidence(tx, campaign_id, unit_id):
            if piece.check_id == check_id:
                stored = await files.get(tx, piece.file_key) if piece.file_key else None
                pieces.append((piece, stored.name if stored is not None else ""))
        return EvidenceShown(await unit_name(tx, unit_id), index, title, pieces)


@dataclass(frozen=True, slots=True)
class GradeLine:
    """A unit under review: its total, preliminary grade and any changed grade."""

    unit_id: int
    name: str
    total: str
    preliminary: str
    final: str | None  # changed by the leading group (None: as proposed)
    reason: str
    changed_by: str


@dataclass(frozen=True, slots=True)
class GradesUnderReview:
    """The preliminary grades as a leading-group member reviews them."""

    campaign_id: int
    title: str
    state: str
    lines: list[GradeLine]
    grades: list[str]  # the template's grade names, best first
    may_change: bool  # a leading-group member while the grades are under review


async def grades_under_review(db: Database, person: Person, campaign_id: int) -> GradesUnderReview:
    """The grades proposed and any change made: for the leading group and the office."""
    async with db.reading() as tx:
        campaign, template = await load(tx, campaign_id)
        leading = person.id in await member_ids(tx, campaign_id, LEADING)
        if not leading and not await is_office(tx, person):
            raise Refused("not_allowed")
        rows = await campaign_decisions.grades(tx, campaign_id)
        if not rows:
            raise Refused("campaign_wrong_state", state=campaign.state)
        lines = []
        for line in await campaigns.units_of(tx, campaign_id):
            row = rows.get(line.unit_id)
            if row is None:
                continue
            changed = row.final is not None and row.final != row.preliminary
            lines.append(
                GradeLine(
                    line.unit_id,
                    await unit_name(tx, line.unit_id),
                    row.total,
                    row.preliminary,
                    row.final if changed else None,
                    (row.reason or "") if changed else "",
                    await person_name(tx, row.changed_by) if changed else "",
                )
            )
        return GradesUnderReview(
            campaign_id,
            campaign.title,
            campaign.state,
            lines,
            [g.name for g in template.grades],
            leading and campaign.state == "grade_review",
        )


async def grade_to_change(
    db: Database, person: Person, campaign_id: int, unit_id: int
) -> GradeLine:
    """The unit's line a leading-group member is about to change (refused to anyone else, or
    once the grades are decided)."""
    async with db.reading() as tx:
        campaign, _ = await load(tx, campaign_id)
        expect_state(campaign, "grade_review")
        if person.id not in await member_ids(tx, campaign_id, LEADING):
            raise Refused("not_allowed")
    review = await grades_under_review(db, person, campaign_id)
    found = next((line for line in review.lines if line.unit_id == unit_id), None)
    if found is None:
        raise Refused("campaign_unit_not_assessed")
    return found
