"""A running campaign, unit by unit: the self-check with evidence and its signed report,
each group member's scores (in chat or by the score workbook), the office's settlements, the
satisfaction survey and the rectification report. Rights and state are re-checked each time."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scoring.assessment import Answer, ScoreOutOfRange, Verdict, check_score
from storage import campaign_outcomes, campaign_scores, campaigns, files, people
from storage.campaign_scores import Evidence, SelfCheck
from storage.campaigns import CampaignUnit
from storage.db import Database, Tx
from storage.models import Person
from workflow.campaign_common import (
    SIGNER_ROLE,
    Tell,
    check_known,
    clean_text,
    expect_state,
    is_office,
    load,
    member_ids,
    office_only,
    unit_in_campaign,
    unit_people,
    works_for,
)
from workflow.campaign_sheet import compose
from workflow.campaigns import ASSESSOR, LEADING
from workflow.outcomes import Refused

#: Evidence and reports larger than this are refused (the ledger keeps their bytes).
FILE_LIMIT = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    """A photo or document someone sent: its name, type and bytes."""

    name: str
    mime_type: str
    data: bytes


async def _store(tx: Tx, campaign_id: int, unit_id: int, upload: Upload) -> str:
    """Keeps a file's bytes in the ledger, once per content; returns its key."""
    if not upload.data:
        raise Refused("campaign_file_empty")
    if len(upload.data) > FILE_LIMIT:
        raise Refused("campaign_file_too_large", limit_mb=FILE_LIMIT // (1024 * 1024))
    digest = hashlib.sha256(upload.data).hexdigest()
    key = f"campaign:{campaign_id}:{unit_id}:{digest}"
    await files.put(tx, key, upload.name, upload.mime_type, upload.data)
    return key


async def _unit_worker(tx: Tx, person: Person, campaign_id: int, unit_id: int) -> CampaignUnit:
    """The unit's line, if the campaign runs and the person works for the unit."""
    campaign, _ = await load(tx, campaign_id)
    expect_state(campaign, "running")
    line = await unit_in_campaign(tx, campaign_id, unit_id)
    if not await works_for(tx, person, unit_id):
        raise Refused("not_allowed")
    return line


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
) -> int:
    """Adds evidence to a check: a text, or a photo or document whose bytes the ledger keeps."""
    async with db.transaction() as tx:
        line = await _unit_worker(tx, person, campaign_id, unit_id)
        _, template = await load(tx, campaign_id)
        check_known(template, check_id)
        if line.signed_at is not None:
            raise Refused("campaign_report_signed")
        if upload is None:
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
        key = await _store(tx, campaign_id, unit_id, upload)
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
) -> list[Tell]:
    """The unit's self-check report (自查汇报材料), text or a document, once every check is
    answered; its leaders are asked to sign."""
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
            key: str | None = await _store(tx, campaign_id, unit_id, upload)
            body: str | None = None
        else:
            key, body = None, clean_text(text, required=True, key="campaign_report_empty")
        await campaigns.put_report(tx, campaign_id, unit_id, text=body, file_key=key, by=person.id)
        return [
            Tell(
                leader,
                "campaign_report_to_sign",
                {"campaign": campaign_id, "unit": unit_id},
                f"{campaign_id}:{unit_id}:{tx.stamp}",
            )
            for leader in await unit_people(tx, unit_id, frozenset({SIGNER_ROLE}))
        ]


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
        return [
            Tell(
                campaign.created_by,
                "campaign_report_signed",
                {"campaign": campaign_id, "unit": unit_id},
                f"{campaign_id}:{unit_id}",
            )
        ]


@dataclass(frozen=True, slots=True)
class SelfCheckView:
    """A unit's self-check as a reader sees it: answers, evidence and its report."""

    unit: CampaignUnit
    answers: list[SelfCheck]
    evidence: list[Evidence]


async def view_selfcheck(
    db: Database, person: Person, campaign_id: int, unit_id: int
) -> SelfCheckView:
    """A unit's self-check and evidence: for its own people, the office, the leading group and
    the assessment group; the people of the campaign's other units once the results are out."""
    async with db.reading() as tx:
        campaign, _ = await load(tx, campaign_id)
        line = await unit_in_campaign(tx, campaign_id, unit_id)
        allowed = (
            await works_for(tx, person, unit_id)
            or await is_office(tx, person)
            or person.id in await member_ids(tx, campaign_id, LEADING)
            or person.id in await member_ids(tx, campaign_id, ASSESSOR)
            or (
                campaign.state == "closed"
                and any(
                    [
                        await works_for(tx, person, other.unit_id)
                        for other in await campaigns.units_of(tx, campaign_id)
                    ]
                )
            )
        )
        if not allowed:
            raise Refused("campaign_not_yours")
        return SelfCheckView(
            line,
            await campaign_scores.selfchecks(tx, campaign_id, unit_id),
            await campaign_scores.evidence(tx, campaign_id, unit_id),
        )


# --- scoring -----------------------------------------------------------------------------------


async def score_in(
    tx: Tx,
    member: Person,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    points: Decimal,
    comment: str = "",
    *,
    source: str = "chat",
    actor_id: int | None = None,
) -> bool:
    """`score` inside the caller's transaction (the score workbook records many at once)."""
    campaign, template = await load(tx, campaign_id)
    if member.id not in await member_ids(tx, campaign_id, ASSESSOR):
        raise Refused("campaign_not_assessor")
    expect_state(campaign, "running")
    await unit_in_campaign(tx, campaign_id, unit_id)
    check_known(template, check_id)
    check = template.check(check_id)
    assert check is not None
    try:
        value = check_score(points, check.max_points)
    except ScoreOutOfRange:
        raise Refused(
            "campaign_score_out_of_range", check=check_id, max=str(check.max_points)
        ) from None
    return await campaign_scores.put_score(
        tx,
        campaign_id,
        unit_id,
        check_id,
        member.id,
        value,
        clean_text(comment, required=False),
        source=source,
        actor_id=actor_id or member.id,
    )


async def score(
    db: Database,
    member: Person,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    points: Decimal,
    comment: str = "",
) -> bool:
    """A group member's score for one check of a unit (实地考核), 0 … the check's maximum in
    steps of 0.1; scoring again replaces it. False when nothing changed."""
    async with db.transaction() as tx:
        return await score_in(tx, member, campaign_id, unit_id, check_id, points, comment)


async def score_sheet(db: Database, office: Person, campaign_id: int) -> bytes:
    """The blank score workbook the group fills in on site (one sheet per unit)."""
    from workflow.campaign_workbook import score_workbook  # openpyxl on demand

    async with db.reading() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "running")
        sheet = await compose(tx, campaign, template, version=0)
    return score_workbook(sheet)


async def upload_scores(
    db: Database, office: Person, campaign_id: int, member_id: int, data: bytes
) -> int:
    """Records a group member's filled score workbook, uploaded by the office: every score or
    none (one bad cell refuses the file, naming the cell). Returns the scores changed."""
    from workflow.campaign_workbook import ScoreWorkbookError, read_score_workbook

    async with db.transaction() as tx:
        await office_only(tx, office)
        _, template = await load(tx, campaign_id)
        member = await people.get_person(tx, member_id)
        if member is None:
            raise Refused("campaign_not_assessor")
        try:
            rows = read_score_workbook(data, template)
        except ScoreWorkbookError as error:
            raise Refused(
                "campaign_workbook_unreadable", where=error.where, problem=error.problem
            ) from None
        changed = 0
        for row in rows:
            changed += await score_in(
                tx,
                member,
                campaign_id,
                row.unit_id,
                row.check_id,
                row.points,
                row.comment,
                source="workbook",
                actor_id=office.id,
            )
        return changed


@dataclass(frozen=True, slots=True)
class Differing:
    """A check the members scored differently, and what the campaign's rule makes of it."""

    unit_id: int
    check_id: str
    scores: dict[int, Decimal]
    settled: Decimal | None


async def differing(db: Database, office: Person, campaign_id: int) -> list[Differing]:
    """The checks whose members' scores differ, with any settlement the office made."""
    async with db.reading() as tx:
        await office_only(tx, office)
        await load(tx, campaign_id)
        grouped: dict[tuple[int, str], dict[int, Decimal]] = {}
        for entry in await campaign_scores.scores(tx, campaign_id):
            grouped.setdefault((entry.unit_id, entry.check_id), {})[entry.member_id] = entry.points
        settled = await campaign_scores.settlements(tx, campaign_id, 0)
    return [
        Differing(
            unit_id,
            check_id,
            by_member,
            settled[(unit_id, check_id)].points if (unit_id, check_id) in settled else None,
        )
        for (unit_id, check_id), by_member in sorted(grouped.items())
        if len(set(by_member.values())) > 1
    ]


async def settle(
    db: Database,
    office: Person,
    campaign_id: int,
    unit_id: int,
    check_id: str,
    points: Decimal,
    reason: str,
) -> None:
    """The office settles a check's score with a reason, instead of the campaign's rule."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "running")
        await unit_in_campaign(tx, campaign_id, unit_id)
        check_known(template, check_id)
        check = template.check(check_id)
        assert check is not None
        try:
            value = check_score(points, check.max_points)
        except ScoreOutOfRange:
            raise Refused(
                "campaign_score_out_of_range", check=check_id, max=str(check.max_points)
            ) from None
        await campaign_scores.settle(
            tx,
            campaign_id,
            unit_id,
            check_id,
            value,
            clean_text(reason, required=True),
            version=0,
            by=office.id,
        )


def parse_points(text: str) -> Decimal:
    """A score as typed (全角 digits and the 。 decimal point allowed), or Refused."""
    table = str.maketrans("０１２３４５６７８９．。", "0123456789..")
    try:
        value = Decimal(text.strip().translate(table))
    except InvalidOperation:
        raise Refused("campaign_score_not_number", text=text) from None
    if not value.is_finite():
        raise Refused("campaign_score_not_number", text=text)
    return value


# --- survey ------------------------------------------------------------------------------------


def account_hash(secret: bytes, campaign_id: int, account: str) -> str:
    """The only trace of a survey answerer: a keyed hash of the account, per campaign (the same
    account in two campaigns cannot be linked, and without the key not even guessed)."""
    return hmac.new(secret, f"{campaign_id}:{account}".encode(), hashlib.sha256).hexdigest()


async def answer_survey(
    db: Database,
    secret: bytes,
    campaign_id: int,
    unit_id: int,
    account: str,
    answer: Answer,
    comment: str = "",
) -> None:
    """One 民主测评 answer for a unit (满意 / 基本满意 / 不满意, optional comment), once per account
    per unit per campaign: the second is refused, after a restart too (the ledger's key)."""
    if not account.strip():
        raise Refused("not_allowed")
    async with db.transaction() as tx:
        campaign, _ = await load(tx, campaign_id)
        expect_state(campaign, "running")
        await unit_in_campaign(tx, campaign_id, unit_id)
        if not await campaign_scores.answer_survey(
            tx,
            campaign_id,
            unit_id,
            account_hash(secret, campaign_id, account),
            answer.value,
            clean_text(comment, required=False),
        ):
            raise Refused("campaign_survey_answered")


# --- rectification -----------------------------------------------------------------------------


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
            key: str | None = await _store(tx, campaign_id, unit_id, upload)
            body: str | None = None
        else:
            key, body = None, clean_text(text, required=True, key="campaign_report_empty")
        if not await campaign_outcomes.submit_rectification(
            tx, campaign_id, unit_id, text=body, file_key=key, by=person.id
        ):
            raise Refused("campaign_rectification_submitted")
        return [
            Tell(
                campaign.created_by,
                "campaign_rectification_to_review",
                {"campaign": campaign_id, "unit": unit_id},
                f"{campaign_id}:{unit_id}:{tx.stamp}",
            )
        ]
