"""A closed campaign's consequences: the 诫勉谈话 recorded and each 限期整改 reported and reviewed."""

from __future__ import annotations

from datetime import date

from storage import campaign_outcomes
from storage.db import Database
from storage.models import Person
from workflow.campaign_common import (
    Tell,
    Upload,
    clean_text,
    expect_state,
    load,
    office_only,
    post,
    store_file,
    unit_people,
    works_for,
)
from workflow.outcomes import Refused


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
        tells = [
            Tell(
                person_id,
                key,
                {"campaign": campaign_id, "reason": clean},
                f"{campaign_id}:{unit_id}:{tx.stamp}",
            )
            for person_id in await unit_people(tx, unit_id)
        ]
        return await post(tx, tells)


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
        tell = Tell(
            campaign.created_by,
            "campaign_rectification_to_review",
            {"campaign": campaign_id, "unit": unit_id},
            f"{campaign_id}:{unit_id}:{tx.stamp}",
        )
        return await post(tx, [tell])
