"""A running campaign's scores: each member's (in chat or by workbook), settlements, the survey."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scoring.assessment import Answer
from storage import campaign_scores, campaigns, files, people
from storage.campaigns import Campaign, CampaignUnit
from storage.db import Database, Tx
from storage.files import StoredFile
from storage.models import Person
from workflow.campaign_common import (
    ASSESSOR,
    clean_text,
    expect_state,
    is_office,
    load,
    member_ids,
    office_only,
    unit_in_campaign,
    valid_score,
)
from workflow.campaign_sheet import compose
from workflow.outcomes import Refused

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    value = valid_score(template, check_id, points)
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


async def assessing(db: Database, member: Person) -> list[tuple[Campaign, CampaignUnit]]:
    """The units of running campaigns a person is to score (the assessment group's)."""
    found = []
    async with db.reading() as tx:
        for campaign in await campaigns.listed(tx):
            if campaign.state != "running":
                continue
            if member.id in await member_ids(tx, campaign.id, ASSESSOR):
                found += [(campaign, line) for line in await campaigns.units_of(tx, campaign.id)]
    return found


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


async def _office_or_assessor(tx: Tx, person: Person, campaign_id: int) -> bool:
    """Whether the person works in the office; refused unless they do or are of the group."""
    if await is_office(tx, person):
        return True
    if person.id not in await member_ids(tx, campaign_id, ASSESSOR):
        raise Refused("not_allowed")
    return False


async def score_sheet(db: Database, person: Person, campaign_id: int) -> bytes:
    """The blank score workbook the group fills in on site (one sheet per unit), for the
    office or a member of the group."""
    from workflow.campaign_workbook import score_workbook  # openpyxl on demand

    async with db.reading() as tx:
        await _office_or_assessor(tx, person, campaign_id)
        campaign, template = await load(tx, campaign_id)
        expect_state(campaign, "running")
        sheet = await compose(tx, campaign, template, version=0)
    return score_workbook(sheet)


async def score_sheet_file(db: Database, person: Person, campaign_id: int) -> StoredFile:
    """The blank score workbook kept in the ledger (once per content), to be sent as a file."""
    data = await score_sheet(db, person, campaign_id)
    digest = hashlib.sha256(data).hexdigest()
    key = f"campaign:{campaign_id}:scoresheet:{digest}"
    async with db.transaction() as tx:
        title = (await load(tx, campaign_id))[0].title
        name = f"{title}考核评分表.xlsx"
        await files.put(tx, key, name, XLSX_MIME, data)
        stored = await files.get(tx, key)
    assert stored is not None
    return stored


async def upload_scores(
    db: Database, person: Person, campaign_id: int, member_id: int, data: bytes
) -> int:
    """Records a group member's filled score workbook, uploaded by the office or by the member
    themselves: every score or none (one bad cell refuses the file, naming the cell). Returns
    the scores changed."""
    from workflow.campaign_workbook import ScoreWorkbookError, read_score_workbook

    async with db.transaction() as tx:
        office = await _office_or_assessor(tx, person, campaign_id)
        if not office and member_id != person.id:
            raise Refused("not_allowed")
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
        if not rows:
            raise Refused("campaign_workbook_empty")
        changed = 0
        for row in rows:
            if await campaigns.unit_of(tx, campaign_id, row.unit_id) is None:
                where = row.cell.partition("!")[0] + "!B2"
                raise Refused(
                    "campaign_workbook_unreadable",
                    where=where,
                    problem=f"单位编号 {row.unit_id} 不在本次考核范围内",
                )
            changed += await score_in(
                tx,
                member,
                campaign_id,
                row.unit_id,
                row.check_id,
                row.points,
                row.comment,
                source="workbook",
                actor_id=person.id,
            )
        return changed


async def upload_scores_file(
    db: Database, person: Person, campaign_id: int, member_id: int, file_key: str
) -> int:
    """`upload_scores` of a file a channel received and stored."""
    async with db.reading() as tx:
        stored = await files.get(tx, file_key)
    if stored is None or not stored.data:
        raise Refused("campaign_file_empty")
    return await upload_scores(db, person, campaign_id, member_id, stored.data)


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
        value = valid_score(template, check_id, points)
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
