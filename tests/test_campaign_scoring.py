"""A running campaign's scores, settlements and survey, for each shipped template."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.assessment import Answer
from storage.db import Database
from tests.campaign_cast import (
    SECRET,
    TEMPLATE_KEYS,
    Life,
    refused,
)
from tests.conftest import FakeClock
from tests.test_campaign_plan import approved
from tests.test_campaign_selfcheck import self_checked
from workflow import campaign_grades as cg
from workflow import campaign_scoring as sc


async def scored(life: Life) -> None:
    """On-site scores, a settlement of differing scores and the survey's answers."""
    db, clock, template, cast = life.db, life.clock, life.template, life.cast
    campaign_id = life.campaign_id
    other_id = life.other_id
    checks = template.check_ids()

    # On-site scoring: out of range, a member of another campaign, a non-member.
    first = template.check(checks[0])
    assert first is not None
    await refused(
        "campaign_score_out_of_range",
        sc.score(db, cast.assessors[0], campaign_id, cast.window, checks[0], first.max_points + 1),
    )
    await refused(
        "campaign_score_out_of_range",
        sc.score(db, cast.assessors[0], campaign_id, cast.window, checks[0], Decimal("-1")),
    )
    await refused(
        "campaign_not_assessor",
        sc.score(db, cast.outsider, campaign_id, cast.window, checks[0], Decimal(1)),
    )
    await refused(
        "campaign_not_assessor",
        sc.score(db, cast.assessors[0], other_id, cast.section, checks[0], Decimal(1)),
    )
    await refused(
        "campaign_unit_not_assessed",
        sc.score(db, cast.assessors[0], campaign_id, cast.section, checks[0], Decimal(1)),
    )
    await refused("campaign_scores_missing", cg.propose_grades(db, cast.office, campaign_id))
    for check_id in checks:
        check = template.check(check_id)
        assert check is not None
        for member in cast.assessors:
            given = check.max_points - (
                1 if member is cast.assessors[1] and check_id == checks[0] else 0
            )
            assert await sc.score(db, member, campaign_id, cast.window, check_id, given, "")
            await sc.score(db, member, campaign_id, cast.township, check_id, check.max_points / 2)
    assert not await sc.score(  # the same score again changes nothing
        db, cast.assessors[0], campaign_id, cast.window, checks[0], first.max_points
    )

    # Settlement of differing scores: listed for the office, settled with a reason.
    found = await sc.differing(db, cast.office, campaign_id)
    assert [(d.unit_id, d.check_id, d.settled) for d in found] == [(cast.window, checks[0], None)]
    await refused(
        "campaign_reason_missing",
        sc.settle(db, cast.office, campaign_id, cast.window, checks[0], first.max_points, " "),
    )
    settled = first.max_points - Decimal("0.5")
    await sc.settle(db, cast.office, campaign_id, cast.window, checks[0], settled, "两位考核员合议")
    assert (await sc.differing(db, cast.office, campaign_id))[0].settled == settled

    # 民主测评 for the window: 8 满意, 1 基本满意, 1 不满意; one answer per account, after a restart too.
    answers = [Answer.SATISFIED] * 8 + [Answer.BASIC, Answer.DISSATISFIED]
    for n, answer in enumerate(answers):
        await sc.answer_survey(db, SECRET, campaign_id, cast.window, f"tg:{9000 + n}", answer)
    await refused(
        "campaign_survey_answered",
        sc.answer_survey(db, SECRET, campaign_id, cast.window, "tg:9000", Answer.DISSATISFIED),
    )
    async with await Database.open(db.path, clock=clock) as restarted:
        await refused(
            "campaign_survey_answered",
            sc.answer_survey(restarted, SECRET, campaign_id, cast.window, "tg:9000", Answer.BASIC),
        )
        async with restarted.reading() as tx:
            stored = await tx.fetchall("SELECT * FROM campaign_survey")
    assert len(stored) == 10
    assert all("9000" not in str(tuple(row)) for row in stored)  # only a keyed hash is kept
    await sc.answer_survey(db, SECRET, campaign_id, cast.township, "tg:9000", Answer.BASIC)


@pytest.mark.parametrize("template_key", TEMPLATE_KEYS)
async def test_scores_are_settled_and_the_survey_answered_once(
    db: Database, clock: FakeClock, template_key: str
) -> None:
    """Scores refused out of range or from outsiders, a settlement, one survey answer each."""
    life = await approved(db, clock, template_key)
    await self_checked(life)
    await scored(life)
