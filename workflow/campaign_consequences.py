"""A closed campaign's consequences: the 诫勉谈话 recorded and each 限期整改 reported (text
and evidence, round by round) and reviewed by the office, who tells the unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from chat.actions import Button
from chat.actions import campaign as ca
from storage import campaign_outcomes, campaign_reports, files, units
from storage.campaign_reports import Evidence
from storage.campaigns import Campaign
from storage.db import Database, Tx
from storage.models import Person
from workflow.campaign_common import (
    Tell,
    Upload,
    clean_text,
    expect_state,
    is_office,
    load,
    office_only,
    post,
    received_file,
    store_file,
    unit_in_campaign,
    unit_people,
    works_for,
)
from workflow.outcomes import Refused

#: The longest rectification report kept as text (several messages joined).
REPORT_LIMIT: Final = 5000
#: The most photos and files one report carries.
EVIDENCE_LIMIT: Final = 20
#: How much of a report's text its review notice quotes (the whole is a press away).
QUOTED: Final = 300


@dataclass(frozen=True, slots=True)
class Task:
    """A unit's rectification task as its people see it."""

    campaign_id: int
    title: str
    unit_id: int
    unit_name: str
    due_on: date
    state: str
    returned: str | None  # the last return's reason, when the task is open again


@dataclass(frozen=True, slots=True)
class ReportShown:
    """One round of a report, as the office or the unit opens it."""

    title: str
    unit_name: str
    round: int
    text: str
    evidence: tuple[Evidence, ...]
    names: tuple[str, ...]  # each evidence file's name


async def _unit_name(tx: Tx, unit_id: int) -> str:
    """A unit's name (its id if it is gone)."""
    unit = await units.get_unit(tx, unit_id)
    return unit.name if unit is not None else str(unit_id)


async def failed_unit(db: Database, office: Person, campaign_id: int, unit_id: int) -> str:
    """The unit's name, if the office may record a 诫勉谈话 with it (a closed campaign's
    不合格 unit); refused otherwise."""
    async with db.reading() as tx:
        await office_only(tx, office)
        campaign, _ = await load(tx, campaign_id)
        expect_state(campaign, "closed")
        await unit_in_campaign(tx, campaign_id, unit_id)
        if "criticism" not in (await campaign_outcomes.outcomes(tx, campaign_id)).get(
            unit_id, set()
        ):
            raise Refused("campaign_unit_not_failed")
        return await _unit_name(tx, unit_id)


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
    a reason (the task stays open, its deadline unchanged): the round waiting now."""
    async with db.reading() as tx:
        found = await campaign_reports.reports(tx, campaign_id, unit_id)
    round_ = found[-1].round if found else 0
    return await review_report(
        db, office, campaign_id, unit_id, round_, accept=accept, reason=reason
    )


async def review_report(
    db: Database,
    office: Person,
    campaign_id: int,
    unit_id: int,
    round_: int,
    *,
    accept: bool,
    reason: str = "",
) -> list[Tell]:
    """The office's 验收通过 (the task closes) or 退回 with a reason (open again, the deadline
    unchanged) of one round of the report; a round already reviewed, or replaced, is refused.
    The unit's people are told; a returned report carries the button to write it again."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        task = await campaign_outcomes.rectification(tx, campaign_id, unit_id)
        if task is None:
            raise Refused("campaign_no_rectification")
        rounds = await campaign_reports.reports(tx, campaign_id, unit_id)
        if task.state == "accepted" or (rounds and rounds[-1].verdict is not None):
            raise Refused("campaign_rectification_reviewed")
        if task.state != "submitted" or not rounds or rounds[-1].round != round_:
            raise Refused("campaign_rectification_not_submitted")
        clean = None if accept else clean_text(reason, required=True)
        if not await campaign_outcomes.review_rectification(
            tx, campaign_id, unit_id, accept=accept, reason=clean, by=office.id
        ) or not await campaign_reports.review(
            tx, campaign_id, unit_id, round_, accept=accept, reason=clean, by=office.id
        ):
            raise Refused("campaign_rectification_reviewed")
        key = "campaign_rectification_accepted" if accept else "campaign_rectification_returned"
        params: dict[str, object] = {"campaign": campaign_id, "unit": unit_id, "reason": clean}
        if not accept:
            params["buttons"] = (
                (Button("btn.campaign_rectify_again", ca.Rectify(campaign_id, unit_id)),),
            )
        tells = [
            Tell(person_id, key, dict(params), f"{campaign_id}:{unit_id}:{round_}")
            for person_id in await unit_people(tx, unit_id)
        ]
        return await post(tx, tells)


async def rectify_task(db: Database, person: Person, campaign_id: int, unit_id: int) -> Task:
    """The unit's open task, for someone working for the unit; refused to anyone else, with
    no task, a report waiting for review, or the task accepted."""
    async with db.reading() as tx:
        campaign, _ = await load(tx, campaign_id)
        if not await works_for(tx, person, unit_id):
            raise Refused("not_allowed")
        task = await campaign_outcomes.rectification(tx, campaign_id, unit_id)
        if task is None:
            raise Refused("campaign_no_rectification")
        if task.state == "submitted":
            raise Refused("campaign_rectification_submitted")
        if task.state == "accepted":
            raise Refused("campaign_rectification_done")
        return Task(
            campaign_id,
            campaign.title,
            unit_id,
            await _unit_name(tx, unit_id),
            task.due_on,
            task.state,
            task.return_reason,
        )


async def my_tasks(db: Database, person: Person) -> list[Task]:
    """The rectification tasks of the units the person works for, not yet accepted."""
    async with db.reading() as tx:
        found = []
        for task in await campaign_outcomes.open_rectifications(tx):
            if not await works_for(tx, person, task.unit_id):
                continue
            campaign, _ = await load(tx, task.campaign_id)
            found.append(
                Task(
                    task.campaign_id,
                    campaign.title,
                    task.unit_id,
                    await _unit_name(tx, task.unit_id),
                    task.due_on,
                    task.state,
                    task.return_reason,
                )
            )
    return found


def report_text(parts: list[str]) -> str:
    """A report's messages joined, refused over the length kept."""
    text = "\n".join(part.strip() for part in parts if part.strip())
    if len(text) > REPORT_LIMIT:
        raise Refused("campaign_text_too_long", limit=REPORT_LIMIT)
    return text


async def submit_report(
    db: Database,
    person: Person,
    campaign_id: int,
    unit_id: int,
    *,
    parts: list[str],
    evidence: list[tuple[str, str]],
) -> list[Tell]:
    """A failing unit's rectification report written in chat: its messages (joined) and its
    photos and files (kind, stored key), kept as the next round; the office is asked to
    review it, with 验收通过 / 退回 and the materials a press away."""
    text = report_text(parts)
    if not text and not evidence:
        raise Refused("campaign_report_empty")
    if len(evidence) > EVIDENCE_LIMIT:
        raise Refused("campaign_evidence_too_many", limit=EVIDENCE_LIMIT)
    async with db.transaction() as tx:
        campaign, _ = await load(tx, campaign_id)
        if not await works_for(tx, person, unit_id):
            raise Refused("not_allowed")
        if await campaign_outcomes.rectification(tx, campaign_id, unit_id) is None:
            raise Refused("campaign_no_rectification")
        for _, key in evidence:
            await received_file(tx, key)
        first = evidence[0][1] if evidence else None
        if not await campaign_outcomes.submit_rectification(
            tx, campaign_id, unit_id, text=text or None, file_key=first, by=person.id
        ):
            raise Refused("campaign_rectification_submitted")
        round_ = await campaign_reports.add_report(
            tx, campaign_id, unit_id, text=text, evidence=evidence, by=person.id
        )
        return await post(tx, [_to_review(campaign, unit_id, round_, text, len(evidence))])


def _to_review(campaign: Campaign, unit_id: int, round_: int, text: str, count: int) -> Tell:
    """The office asked to review a round, its buttons on the notice."""
    campaign_id = campaign.id
    quoted = text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"
    return Tell(
        campaign.created_by,
        "campaign_rectification_to_review",
        {
            "campaign": campaign_id,
            "unit": unit_id,
            "round": round_,
            "text": quoted or "—",
            "files": count,
            "buttons": (
                (
                    Button("btn.campaign_accept", ca.Review(campaign_id, unit_id, round_, "a")),
                    Button("btn.campaign_return", ca.Review(campaign_id, unit_id, round_, "r")),
                ),
                (
                    Button(
                        "btn.campaign_report_files", ca.ReportFiles(campaign_id, unit_id, round_)
                    ),
                ),
            ),
        },
        f"{campaign_id}:{unit_id}:{round_}",
    )


async def report_shown(
    db: Database, person: Person, campaign_id: int, unit_id: int, round_: int
) -> ReportShown:
    """One round of a report with its evidence, for the office or the unit's own people."""
    async with db.reading() as tx:
        campaign, _ = await load(tx, campaign_id)
        if not (await is_office(tx, person) or await works_for(tx, person, unit_id)):
            raise Refused("not_allowed")
        found = {r.round: r for r in await campaign_reports.reports(tx, campaign_id, unit_id)}
        if round_ not in found:
            raise Refused("campaign_rectification_not_submitted")
        kept = await campaign_reports.evidence(tx, campaign_id, unit_id, round_)
        names = []
        for piece in kept:
            stored = await files.get(tx, piece.file_key)
            names.append(stored.name if stored is not None else piece.file_key)
        return ReportShown(
            campaign.title,
            await _unit_name(tx, unit_id),
            round_,
            found[round_].text,
            tuple(kept),
            tuple(names),
        )


async def submit_rectification(
    db: Database,
    person: Person,
    campaign_id: int,
    unit_id: int,
    *,
    text: str = "",
    upload: Upload | None = None,
) -> list[Tell]:
    """A failing unit's rectification report (整改报告); the office is asked to accept it."""
    async with db.transaction() as tx:
        campaign, _ = await load(tx, campaign_id)
        if not await works_for(tx, person, unit_id):
            raise Refused("not_allowed")
        if await campaign_outcomes.rectification(tx, campaign_id, unit_id) is None:
            raise Refused("campaign_no_rectification")
        if upload is not None:
            key: str | None = await store_file(tx, campaign_id, unit_id, upload)
            body: str | None = None
        else:
            key, body = None, clean_text(text, required=True, key="campaign_report_empty")
        if not await campaign_outcomes.submit_rectification(
            tx, campaign_id, unit_id, text=body, file_key=key, by=person.id
        ):
            raise Refused("campaign_rectification_submitted")
        kind = (
            "photo" if upload is not None and upload.mime_type.startswith("image/") else "document"
        )
        round_ = await campaign_reports.add_report(
            tx,
            campaign_id,
            unit_id,
            text=body or "",
            evidence=[(kind, key)] if key is not None else [],
            by=person.id,
        )
        tell = _to_review(campaign, unit_id, round_, body or "", 1 if key else 0)
        return await post(tx, [tell])


async def review_waiting(
    db: Database, office: Person, campaign_id: int, unit_id: int, round_: int
) -> tuple[str, str]:
    """The campaign's title and the unit's name, if this round waits for the office's review;
    refused to anyone outside the office, once it is reviewed or replaced, and once a
    correction closed the task."""
    async with db.reading() as tx:
        await office_only(tx, office)
        campaign, _ = await load(tx, campaign_id)
        if await campaign_outcomes.rectification(tx, campaign_id, unit_id) is None:
            raise Refused("campaign_no_rectification")
        rounds = await campaign_reports.reports(tx, campaign_id, unit_id)
        if not rounds or rounds[-1].round != round_ or rounds[-1].verdict is not None:
            raise Refused("campaign_rectification_reviewed")
        return campaign.title, await _unit_name(tx, unit_id)
