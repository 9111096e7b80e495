"""A running campaign's self-checks: each unit's answers and evidence, its signed report."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.assessment import AssessmentTemplate, Verdict
from storage import campaign_scores, campaigns
from storage.campaign_scores import Evidence, SelfCheck
from storage.campaigns import Campaign, CampaignUnit
from storage.db import Database, Tx
from storage.models import Person
from workflow.campaign_common import (
    SIGNER_ROLE,
    Tell,
    Upload,
    check_known,
    clean_text,
    expect_state,
    load,
    may_open_unit,
    post,
    received_file,
    store_file,
    unit_in_campaign,
    unit_people,
    works_for,
)
from workflow.outcomes import Refused


async def _unit_worker(tx: Tx, person: Person, campaign_id: int, unit_id: int) -> CampaignUnit:
    """The unit's line, if the campaign runs and the person works for the unit."""
    campaign, _ = await load(tx, campaign_id)
    expect_state(campaign, "running")
    line = await unit_in_campaign(tx, campaign_id, unit_id)
    if not await works_for(tx, person, unit_id):
        raise Refused("not_allowed")
    return line


async def open_selfcheck(
    db: Database, person: Person, campaign_id: int, unit_id: int
) -> tuple[Campaign, AssessmentTemplate, list[SelfCheck]]:
    """A self-check about to be answered in chat: refused unless the campaign runs, the person
    works for the unit and its report is not signed; the campaign, its template, the answers."""
    async with db.reading() as tx:
        line = await _unit_worker(tx, person, campaign_id, unit_id)
        if line.signed_at is not None:
            raise Refused("campaign_report_signed")
        campaign, template = await load(tx, campaign_id)
        return campaign, template, await campaign_scores.selfchecks(tx, campaign_id, unit_id)


async def my_units(db: Database, person: Person) -> list[tuple[Campaign, CampaignUnit]]:
    """The running campaigns assessing a unit the person works for, with that unit's line."""
    found = []
    async with db.reading() as tx:
        for campaign in await campaigns.listed(tx):
            if campaign.state != "running":
                continue
            for line in await campaigns.units_of(tx, campaign.id):
                if await works_for(tx, person, line.unit_id):
                    found.append((campaign, line))
    return found


# --- self-check --------------------------------------------------------------------------------


async def answer_check(
    db: Database,
    person: Person,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    verdict: Verdict,
    note: str = "",
) -> None:
    """The unit's own answer to one check (met / partly / not met, with a note); it may be
    changed until the report is signed."""
    async with db.transaction() as tx:
        line = await _unit_worker(tx, person, campaign_id, unit_id)
        _, template = await load(tx, campaign_id)
        check_known(template, check_id)
        if line.signed_at is not None:
            raise Refused("campaign_report_signed")
        await campaign_scores.put_selfcheck(
            tx,
            campaign_id,
            unit_id,
            check_id,
            verdict.value,
            clean_text(note, required=False),
            person.id,
        )


async def add_evidence(
    db: Database,
    person: Person,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    *,
    text: str = "",
    upload: Upload | None = None,
    photo: bool = False,
    file_key: str | None = None,
) -> int:
    """Adds evidence to a check: a text, or a photo or document whose bytes the ledger keeps
    (sent now as `upload`, or received on a channel and stored already: `file_key`)."""
    async with db.transaction() as tx:
        line = await _unit_worker(tx, person, campaign_id, unit_id)
        _, template = await load(tx, campaign_id)
        check_known(template, check_id)
        if line.signed_at is not None:
            raise Refused("campaign_report_signed")
        if upload is None and file_key is None:
            body = clean_text(text, required=True, key="campaign_evidence_empty")
            return await campaign_scores.add_evidence(
                tx,
                campaign_id,
                unit_id,
                check_id,
                kind="text",
                text=body,
                file_key=None,
                by=person.id,
            )
        if upload is not None:
            key = await store_file(tx, campaign_id, unit_id, upload)
        else:
            assert file_key is not None
            key = await received_file(tx, file_key)
        return await campaign_scores.add_evidence(
            tx,
            campaign_id,
            unit_id,
            check_id,
            kind="photo" if photo else "document",
            text=clean_text(text, required=False),
            file_key=key,
            by=person.id,
        )


async def submit_report(
    db: Database,
    person: Person,
    campaign_id: int,
    unit_id: int,
    *,
    text: str = "",
    upload: Upload | None = None,
    file_key: str | None = None,
) -> list[Tell]:
    """The unit's self-check report (自查汇报材料), text or a document (sent now, or received
    on a channel and stored: `file_key`), once every check is answered; its leaders are asked
    to sign."""
    async with db.transaction() as tx:
        line = await _unit_worker(tx, person, campaign_id, unit_id)
        _, template = await load(tx, campaign_id)
        if line.signed_at is not None:
            raise Refused("campaign_report_signed")
        answered = {s.check_id for s in await campaign_scores.selfchecks(tx, campaign_id, unit_id)}
        missing = [c for c in template.check_ids() if c not in answered]
        if missing:
            raise Refused("campaign_selfcheck_incomplete", missing=len(missing))
        if upload is not None:
            key: str | None = await store_file(tx, campaign_id, unit_id, upload)
            body: str | None = None
        elif file_key is not None:
            key, body = await received_file(tx, file_key), None
        else:
            key, body = None, clean_text(text, required=True, key="campaign_report_empty")
        await campaigns.put_report(tx, campaign_id, unit_id, text=body, file_key=key, by=person.id)
        tells = [
            Tell(
                leader,
                "campaign_report_to_sign",
                {"campaign": campaign_id, "unit": unit_id},
                f"{campaign_id}:{unit_id}:{tx.stamp}",
            )
            for leader in await unit_people(tx, unit_id, frozenset({SIGNER_ROLE}))
        ]
        return await post(tx, tells)


async def sign_report(db: Database, leader: Person, campaign_id: int, unit_id: int) -> list[Tell]:
    """The unit leader signs the report; the office is told the unit is ready."""
    async with db.transaction() as tx:
        campaign, _ = await load(tx, campaign_id)
        expect_state(campaign, "running")
        line = await unit_in_campaign(tx, campaign_id, unit_id)
        if not await works_for(tx, leader, unit_id, frozenset({SIGNER_ROLE})):
            raise Refused("not_allowed")
        if line.report_at is None:
            raise Refused("campaign_report_missing")
        if not await campaigns.sign_report(tx, campaign_id, unit_id, leader.id):
            raise Refused("campaign_report_signed")
        tell = Tell(
            campaign.created_by,
            "campaign_report_signed",
            {"campaign": campaign_id, "unit": unit_id},
            f"{campaign_id}:{unit_id}",
        )
        return await post(tx, [tell])


@dataclass(frozen=True, slots=True)
class SelfCheckView:
    """A unit's self-check as a reader sees it: answers, evidence and its report."""

    unit: CampaignUnit
    answers: list[SelfCheck]
    evidence: list[Evidence]


async def view_selfcheck(
    db: Database, person: Person, campaign_id: int, unit_id: int
) -> SelfCheckView:
    """A unit's self-check and evidence, by the rule the evidence shares
    (`campaign_common.may_open_unit`): its own people, the office and the two groups; the
    campaign's other units only after the results and where the template allows."""
    async with db.reading() as tx:
        campaign, template = await load(tx, campaign_id)
        line = await unit_in_campaign(tx, campaign_id, unit_id)
        allowed = await may_open_unit(tx, person, campaign, template, unit_id)
        if not allowed:
            raise Refused("campaign_not_yours")
        return SelfCheckView(
            line,
            await campaign_scores.selfchecks(tx, campaign_id, unit_id),
            await campaign_scores.evidence(tx, campaign_id, unit_id),
        )
