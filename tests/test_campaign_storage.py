"""The campaign tables: compare-and-set moves, one decision per step, frozen sheets, closed data."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from storage import audit, campaign_decisions, campaign_scores, campaign_sheets, campaigns, people
from storage.db import Database
from tests.conftest import tg_account
from tests.ledger import seed


async def _campaign(db: Database) -> tuple[int, dict[str, int], int]:
    """A draft campaign over the seeded units; returns its id, unit ids and its creator."""
    ids = await seed(db)
    async with db.transaction() as tx:
        office = await people.ensure_person(tx, tg_account(2001), "办公室")
        campaign_id = await campaigns.create(
            tx,
            title="2026年度政务公开考核",
            year=2026,
            template_key="county",
            template={"key": "county"},
            scope="focus",
            created_by=office.id,
            units={ids["市人社局窗口"]: date(2026, 12, 1)},
            leading=[office.id],
            assessors=[office.id],
        )
    return campaign_id, ids, office.id


async def test_a_second_move_or_decision_changes_nothing(db: Database) -> None:
    campaign_id, _, office = await _campaign(db)
    async with db.transaction() as tx:
        assert await campaigns.move(tx, campaign_id, "draft", "plan_review", office)
        assert not await campaigns.move(tx, campaign_id, "draft", "plan_review", office)
        for expected in (True, False):
            decided = await campaign_decisions.decide(
                tx,
                campaign_id,
                subject="plan",
                round_=1,
                step=1,
                person_id=office,
                decision="approve",
                reason=None,
            )
            assert decided is expected
        found = await campaigns.get(tx, campaign_id)
        trail = await audit.audit_trail(tx, "campaign", campaign_id)
    assert found is not None and (found.state, found.plan_round) == ("plan_review", 1)
    assert [entry.action for entry in trail] == [
        "campaign.create",
        "campaign.plan_review",
        "campaign.plan.approve",
    ]


async def test_a_return_needs_its_reason(db: Database) -> None:
    campaign_id, _, office = await _campaign(db)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await campaign_decisions.decide(
                tx,
                campaign_id,
                subject="plan",
                round_=1,
                step=1,
                person_id=office,
                decision="return",
                reason=" ",
            )


async def test_closed_sheets_and_scores_never_change(db: Database) -> None:
    campaign_id, ids, office = await _campaign(db)
    unit = ids["市人社局窗口"]
    async with db.transaction() as tx:
        await campaign_scores.put_score(
            tx,
            campaign_id,
            unit,
            "content.catalogue",
            office,
            Decimal("7.5"),
            "",
            source="chat",
            actor_id=office,
        )
        for state in ("plan_review", "running", "grade_review", "closed"):
            previous = (await campaigns.get(tx, campaign_id)).state  # type: ignore[union-attr]
            assert await campaigns.move(tx, campaign_id, previous, state, office)
        assert await campaign_sheets.add_sheet(tx, campaign_id, {"total": 1}, office, None) == 1
    for statement in (
        "UPDATE campaign_sheets SET sheet = '{}'",
        "DELETE FROM campaign_sheets",
        "UPDATE campaign_scores SET points = '8'",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as tx:
                await tx.execute(statement)
    async with db.transaction() as tx:
        assert await campaign_sheets.add_sheet(tx, campaign_id, {"total": 2}, office, "更正") == 2
        first = await campaign_sheets.sheet(tx, campaign_id, 1)
        latest = await campaign_sheets.sheet(tx, campaign_id)
    assert first is not None and first.sheet == {"total": 1}
    assert latest is not None and (latest.version, latest.reason) == (2, "更正")


async def test_one_survey_answer_per_account_and_unit(db: Database) -> None:
    campaign_id, ids, _ = await _campaign(db)
    unit = ids["市人社局窗口"]
    digest = "a" * 64
    async with db.transaction() as tx:
        assert await campaign_scores.answer_survey(tx, campaign_id, unit, digest, "satisfied", "")
        assert not await campaign_scores.answer_survey(tx, campaign_id, unit, digest, "basic", "")
        answers = await campaign_scores.survey_answers(tx, campaign_id)
    assert answers == {unit: ["satisfied"]}
