"""备案 (filing upward) and a closed campaign's results as the office, the leading group and
the upper office open them: a campaign run for a lower level names the upper office it files
to; once it closes, the people named there are told and may open its results (grades, the
results 通报 once rendered), and nothing else of it. Reading in docs/rules.md."""

from __future__ import annotations

from dataclasses import dataclass

from chat.actions import Button
from chat.actions import campaign as ca
from storage import campaign_outcomes, campaign_reports, campaign_sheets, files, people
from storage.db import Database, Tx
from storage.models import Person
from workflow import campaigns
from workflow.campaign_common import (
    LEADING,
    Tell,
    clean_text,
    is_office,
    load,
    member_ids,
    office_only,
    post,
)
from workflow.campaign_results import doc_key
from workflow.outcomes import Refused


@dataclass(frozen=True, slots=True)
class Failed:
    """A 不合格 unit's consequences as the results show them."""

    unit_id: int
    name: str
    talks: tuple[str, ...]  # each recorded 诫勉谈话 as a line
    rectification: str  # open, submitted, accepted (or "" without a task)
    due_on: str


@dataclass(frozen=True, slots=True)
class ResultsView:
    """A closed campaign's published results, and what the viewer may do with them."""

    campaign_id: int
    title: str
    version: int
    lines: tuple[tuple[str, str, str], ...]  # unit, total, grade, as published
    praise: tuple[str, ...]
    failed: tuple[Failed, ...]
    document: str | None  # the stored results 通报, once rendered
    upper_office: str | None
    office: bool  # the viewer runs the campaign (may record talks, name the upper office)


async def _may_view(tx: Tx, person: Person, campaign_id: int) -> bool:
    """The office, the leading group and the upper office named for the campaign."""
    if await is_office(tx, person) or person.id in await member_ids(tx, campaign_id, LEADING):
        return True
    filed = await campaign_reports.filing(tx, campaign_id)
    return filed is not None and person.id in filed.person_ids


async def results(db: Database, person: Person, campaign_id: int) -> ResultsView:
    """The latest published results; refused to anyone else, and before they exist."""
    async with db.reading() as tx:
        campaign, _ = await load(tx, campaign_id)
        if not await _may_view(tx, person, campaign_id):
            raise Refused("not_allowed")
        sheet = await campaign_sheets.sheet(tx, campaign_id)
        if sheet is None:
            raise Refused("campaign_no_results")
        listed = list(sheet.sheet["units"])
        names = {int(u["unit_id"]): str(u["name"]) for u in listed}
        outcomes = await campaign_outcomes.outcomes(tx, campaign_id)
        talks = await campaign_outcomes.talks(tx, campaign_id)
        failed = []
        for unit_id, kinds in sorted(outcomes.items()):
            if "criticism" not in kinds:
                continue
            task = await campaign_outcomes.rectification(tx, campaign_id, unit_id)
            failed.append(
                Failed(
                    unit_id,
                    names.get(unit_id, str(unit_id)),
                    tuple(
                        f"{t.held_on.isoformat()} {t.talker} 与 {t.with_whom}"
                        + (f"（{t.note}）" if t.note else "")
                        for t in talks
                        if t.unit_id == unit_id
                    ),
                    task.state if task is not None else "",
                    task.due_on.isoformat() if task is not None else "",
                )
            )
        stored = await files.get(tx, doc_key(campaign_id, sheet.version))
        filed = await campaign_reports.filing(tx, campaign_id)
        ranked = sorted(listed, key=lambda u: -float(u["total"]))
        return ResultsView(
            campaign_id,
            campaign.title,
            sheet.version,
            tuple((str(u["name"]), str(u["total"]), str(u["grade"])) for u in ranked),
            tuple(names.get(int(u), str(u)) for u in sheet.sheet.get("praise", [])),
            tuple(failed),
            stored.key if stored is not None else None,
            filed.upper_office if filed is not None else None,
            await is_office(tx, person),
        )


async def upper_candidates(db: Database, office: Person) -> list[Person]:
    """Whom the office may name as the upper office's people (those it may name to a group)."""
    return await campaigns.candidates(db, office)


async def name_upper(
    db: Database, office: Person, campaign_id: int, upper_office: str, person_ids: list[int]
) -> list[Tell]:
    """The office names the upper office a campaign files to and its people there; a closed
    campaign files at once, a running one when it closes (the sweep's `file_pending`)."""
    name = clean_text(upper_office, required=True, key="campaign_upper_missing")
    if not person_ids:
        raise Refused("campaign_upper_nobody")
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, _ = await load(tx, campaign_id)
        filed = await campaign_reports.filing(tx, campaign_id)
        if filed is not None and filed.told:
            raise Refused("campaign_already_filed", upper=filed.upper_office)
        for person_id in person_ids:
            if await people.get_person(tx, person_id) is None:
                raise Refused("campaign_unknown_person", person=person_id)
        await campaign_reports.name_filing(tx, campaign_id, name, person_ids, office.id)
        if campaign.state != "closed":
            return []
        return await _file(tx, campaign_id)


async def _file(tx: Tx, campaign_id: int) -> list[Tell]:
    """Tells the upper office's people the results are filed (with their button), once."""
    filed = await campaign_reports.filing(tx, campaign_id)
    if filed is None or filed.told:
        return []
    sheet = await campaign_sheets.sheet(tx, campaign_id)
    graded = len(sheet.sheet["units"]) if sheet is not None else 0
    tells = [
        Tell(
            person_id,
            "campaign_filed",
            {
                "campaign": campaign_id,
                "upper": filed.upper_office,
                "count": graded,
                "buttons": ((Button("btn.campaign_results", ca.Results(campaign_id)),),),
            },
            f"{campaign_id}",
        )
        for person_id in filed.person_ids
    ]
    await campaign_reports.mark_told(tx, campaign_id)
    return await post(tx, tells)


async def file_pending(db: Database) -> int:
    """Files every closed campaign whose upper office has not been told (the sweep's pass,
    after the results 通报 is rendered); the people told."""
    async with db.reading() as tx:
        waiting = await campaign_reports.untold(tx)
    told = 0
    for campaign_id in waiting:
        async with db.transaction() as tx:
            told += len(await _file(tx, campaign_id))
    return told
