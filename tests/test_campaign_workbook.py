"""The score workbook (filled in by the group, uploaded by the office) and the campaign
workbook (the same bytes for a published version at any time)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from storage import campaign_scores
from storage.db import Database
from tests.campaign_cast import TEMPLATES, TODAY, ZONE, Cast, make_cast, plan_focus, refused
from tests.conftest import FakeClock
from workflow import campaign_corrections as cx
from workflow import campaign_grades as cg
from workflow import campaign_scoring as sc
from workflow import campaigns as cs


async def _running(db: Database) -> tuple[Cast, int]:
    """A county campaign over the window and the township, approved and running."""
    cast = await make_cast(db)
    campaign_id = await plan_focus(db, cast, TEMPLATES["county"], TODAY + timedelta(days=20))
    await cs.submit_plan(db, cast.office, ZONE, campaign_id)
    for step, leader in enumerate(cast.leaders, start=1):
        await cs.decide_plan(db, leader, ZONE, campaign_id, round_=1, step=step, approve=True)
    return cast, campaign_id


def _filled(blank: bytes, points: dict[str, str]) -> bytes:
    """The blank score workbook with 得分 filled in per check id (every unit alike)."""
    book = load_workbook(io.BytesIO(blank))
    for page in book.worksheets:
        assert isinstance(page, Worksheet)
        for row in range(5, page.max_row + 1):
            check_id = page.cell(row, 1).value
            if check_id in points:
                page.cell(row, 5, points[str(check_id)])
                page.cell(row, 6, "现场查看")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_the_group_scores_by_workbook_and_the_results_workbook_never_changes(
    db: Database, clock: FakeClock
) -> None:
    cast, campaign_id = await _running(db)
    template = TEMPLATES["county"]
    await refused("not_allowed", sc.score_sheet(db, cast.window_staff, campaign_id))
    blank = await sc.score_sheet(db, cast.office, campaign_id)
    assert blank == await sc.score_sheet(db, cast.office, campaign_id)
    assert load_workbook(io.BytesIO(blank)).sheetnames == ["市人社局窗口", "城关镇便民服务中心"]
    full = {
        check_id: str(template.check(check_id).max_points)  # type: ignore[union-attr]
        for check_id in template.check_ids()
    }

    # A bad cell refuses the whole file and records nothing.
    error = await refused(
        "campaign_workbook_unreadable",
        sc.upload_scores(
            db,
            cast.office,
            campaign_id,
            cast.assessors[0].id,
            _filled(blank, {**full, "content.catalogue": "八分"}),
        ),
    )
    assert error.params["where"] == "市人社局窗口!E8"  # the fourth check, under the header
    error = await refused(
        "campaign_workbook_unreadable",
        sc.upload_scores(
            db,
            cast.office,
            campaign_id,
            cast.assessors[0].id,
            _filled(blank, {**full, "effect.survey": "15"}),
        ),
    )  # out of range: named by its cell too
    row = 5 + template.check_ids().index("effect.survey")
    assert error.params["where"] == f"市人社局窗口!E{row}" and "0 到" in error.params["problem"]
    await refused(
        "campaign_not_assessor",
        sc.upload_scores(db, cast.office, campaign_id, cast.outsider.id, _filled(blank, full)),
    )
    await refused(
        "campaign_workbook_unreadable",
        sc.upload_scores(db, cast.office, campaign_id, cast.assessors[0].id, b"not a workbook"),
    )
    async with db.reading() as tx:
        assert await campaign_scores.scores(tx, campaign_id) == []

    checks = len(template.check_ids())
    changed = await sc.upload_scores(
        db, cast.office, campaign_id, cast.assessors[0].id, _filled(blank, full)
    )
    assert changed == 2 * checks
    assert not await sc.upload_scores(
        db, cast.office, campaign_id, cast.assessors[0].id, _filled(blank, full)
    )
    async with db.reading() as tx:
        stored = await campaign_scores.scores(tx, campaign_id)
    assert {(s.source, s.comment) for s in stored} == {("workbook", "现场查看")}
    assert sum(s.points for s in stored) == 200

    # Live workbook for the office, then the published one: the same bytes at any time.
    live = await cg.workbook(db, cast.office, campaign_id)
    assert load_workbook(io.BytesIO(live))["结果"]["A1"].value.endswith("考核进行中,未定稿)")
    await cg.propose_grades(db, cast.office, campaign_id)
    for step, leader in enumerate(cast.leaders, start=1):
        await cg.decide_grades(db, leader, ZONE, campaign_id, round_=1, step=step, approve=True)
    first = await cg.workbook(db, cast.office, campaign_id)
    clock.now += timedelta(days=400)
    assert await cg.workbook(db, cast.window_staff, campaign_id) == first
    await refused("not_allowed", cg.workbook(db, cast.outsider, campaign_id))
    await cx.correct_check(
        db, cast.office, ZONE, campaign_id, cast.window, "effect.survey", Decimal(10), "测评复核"
    )
    assert await cg.workbook(db, cast.office, campaign_id, 1) == first
    second = await cg.workbook(db, cast.office, campaign_id)
    assert second != first

    book = load_workbook(io.BytesIO(second))
    results = book["结果"]
    assert results["A1"].value == "2026年度政务公开工作考核(重点考核,第 2 版)"
    header = [cell.value for cell in results[4]]
    sub = [cell.value for cell in results[5]]
    window = [cell.value for cell in results[6]]
    assert window[0] == "市人社局窗口"
    assert sub[2:4] == ["自查", "得分"]
    total_at = header.index("总分")
    assert window[total_at] == 96  # 100 less the corrected 4 points of the survey check
    assert window[header.index("审定等次")] == "优良"
    assert window[header.index("结果运用")] == "通报表扬"
    notes = [row[0].value for row in results.iter_rows(min_row=8) if row[0].value]
    assert notes[0] == "等次:优良 ≥ 90,合格 ≥ 75,基本合格 ≥ 60,不合格 ≥ 0(总分 100)"
    assert [c.value for c in book["检查项"][2]][:3] == [
        "一.1",
        "一、政务公开组织领导",
        template.sections[0].checks[0].title,
    ]
