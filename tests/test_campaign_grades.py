"""A campaign's grades, their approval and the published results, for each shipped template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from scoring.assessment import Answer
from storage import campaign_decisions
from storage.db import Database
from tests.campaign_cast import (
    SECRET,
    TEMPLATE_KEYS,
    ZONE,
    Life,
    keys,
    refused,
)
from tests.conftest import FakeClock
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from workflow import campaign_grades as cg
from workflow import campaign_scoring as sc
from workflow import campaign_units as cu


@dataclass(frozen=True)
class Closed:
    """What closing published: the results, the window's total, the rectification's due day."""

    sheet: dict[str, Any]
    window_total: Decimal
    due: date


async def closed(life: Life) -> Closed:
    """Preliminary grades, a changed grade, a return, the approval and the results."""
    db, template, cast = life.db, life.template, life.cast
    campaign_id = life.campaign_id
    later = life.later
    checks = template.check_ids()

    # Preliminary grades and the leading group's approval (a changed grade needs a reason).
    survey = template.check(template.survey_check() or "")
    assert survey is not None
    window_total = 100 - Decimal("0.5") - survey.max_points / 10  # 0.9 of the survey's points
    tells = await cg.propose_grades(db, cast.office, campaign_id)
    assert keys(tells) == {(cast.leaders[0].id, "campaign_grades_to_approve")}
    async with db.reading() as tx:
        grades = await campaign_decisions.grades(tx, campaign_id)
    top, fail = template.praise_grade, template.fail_grade
    assert Decimal(grades[cast.window].total) == window_total
    assert (grades[cast.window].preliminary, grades[cast.township].preliminary) == (top, fail)
    await refused(
        "campaign_reason_missing",
        cg.change_grade(db, cast.leaders[0], campaign_id, cast.window, "合格", ""),
    )
    await refused(
        "not_allowed", cg.change_grade(db, cast.office, campaign_id, cast.window, "合格", "x")
    )
    await cg.change_grade(db, cast.leaders[0], campaign_id, cast.window, "合格", "材料不全")
    await cg.decide_grades(
        db,
        cast.leaders[0],
        ZONE,
        campaign_id,
        round_=1,
        step=1,
        approve=False,
        reason="请复核窗口得分",
    )
    await sc.score(db, cast.assessors[0], campaign_id, cast.township, checks[-1], Decimal(0))
    await cg.propose_grades(db, cast.office, campaign_id)  # round 2: no changed grade left
    await cg.decide_grades(db, cast.leaders[0], ZONE, campaign_id, round_=2, step=1, approve=True)
    tells = await cg.decide_grades(
        db, cast.leaders[1], ZONE, campaign_id, round_=2, step=2, approve=True
    )

    # Results and consequences.
    due = later - timedelta(days=2) + timedelta(days=template.rectification_days)
    results = [t for t in tells if t.key == "campaign_result"]
    assert {(t.person_id, t.params["grade"]) for t in results} == {
        (cast.window_staff.id, top),
        (cast.window_leader.id, top),
        (cast.township_staff.id, fail),
        (cast.township_leader.id, fail),
    }
    assert {t.params["rectify_by"] for t in results if t.params["grade"] == fail} == {
        due.isoformat()
    }
    sheet = await cg.results(db, cast.office, campaign_id)
    assert sheet["version"] == 1 and sheet["praise"] == [cast.window]
    lines = {line["unit_id"]: line for line in sheet["units"]}
    assert Decimal(lines[cast.window]["total"]) == window_total
    assert lines[cast.window]["checks"][checks[0]]["how"] == "settled"
    assert lines[cast.window]["checks"][template.survey_check()]["how"] == "survey"
    assert lines[cast.window]["survey"] == {"satisfied": 8, "basic": 1, "dissatisfied": 1}
    assert lines[cast.window]["outcomes"] == ["praise"]
    assert lines[cast.township]["outcomes"] == ["criticism", "reported"]
    own = await cg.results(db, cast.township_staff, campaign_id)
    assert [line["unit_id"] for line in own["units"]] == [cast.township]
    await refused("not_allowed", cg.results(db, cast.outsider, campaign_id))
    # Another unit's self-check stays closed after the results (the template's default).
    await refused(
        "campaign_not_yours", cu.view_selfcheck(db, cast.township_staff, campaign_id, cast.window)
    )
    assert (await cu.view_selfcheck(db, cast.window_staff, campaign_id, cast.window)).answers
    await refused(
        "campaign_not_yours", cu.view_selfcheck(db, cast.outsider, campaign_id, cast.window)
    )

    # A closed campaign takes no more scores, self-checks or survey answers.
    await refused(
        "campaign_wrong_state",
        sc.score(db, cast.assessors[0], campaign_id, cast.window, checks[0], Decimal(1)),
    )
    await refused(
        "campaign_wrong_state",
        sc.answer_survey(db, SECRET, campaign_id, cast.window, "tg:1", Answer.SATISFIED),
    )
    return Closed(sheet, window_total, due)


@pytest.mark.parametrize("template_key", TEMPLATE_KEYS)
async def test_grades_are_approved_and_results_published(
    db: Database, clock: FakeClock, template_key: str
) -> None:
    """Grades proposed, changed with a reason, returned, approved; results and who sees them."""
    life = await approved(db, clock, template_key)
    await self_checked(life)
    await scored(life)
    await closed(life)
