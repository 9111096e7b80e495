"""The figures service: monthly and yearly lines computed from a real ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from scoring.figures import DeductionReason
from scoring.policy import ScoringPolicy
from scoring.vocab import ItemState
from storage import adoptions, items
from storage.db import Database
from tests.ledger import new_item, seed
from workflow.figures import month_report, year_report

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def reach_centre(db: Database, item_id: int, actor: int, day: date) -> None:
    """Moves a draft straight to the centre on a given day."""
    async with db.transaction() as tx:
        assert await items.transition(
            tx,
            item_id,
            expected=ItemState.DRAFT,
            new=ItemState.SUBMITTED,
            actor_id=actor,
            action="item.submit",
            submitted_on=day,
            centre_on=day,
        )


async def adopt(db: Database, item_id: int, outlet: str, level: int, day: date, by: int) -> None:
    """Records one adoption worth `level` points."""
    async with db.transaction() as tx:
        await adoptions.record_adoption(
            tx,
            adoptions.NewAdoption(
                item_id=item_id,
                outlet=outlet,
                level=level,
                points=level,
                media=False,
                adopted_on=day,
                recorded_by=by,
            ),
        )


async def test_month_report_with_year_to_date(db: Database) -> None:
    ids = await seed(db)
    september = await new_item(db, ids)
    october = await new_item(db, ids)
    await reach_centre(db, september.id, ids["informant"], date(2026, 9, 29))
    await reach_centre(db, october.id, ids["informant"], date(2026, 10, 9))
    await adopt(db, september.id, "市政务服务中心网站", 1, date(2026, 9, 30), ids["editor"])
    await adopt(db, october.id, "省政务服务中心", 3, date(2026, 10, 12), ids["editor"])

    report = await month_report(db, ScoringPolicy(), SHANGHAI, 2026, 10)

    window = next(line for line in report.lines if line.counts.name == "市人社局窗口")
    assert (window.counts.at_centre, window.score, window.rank) == (1, Decimal(3), 1)
    assert not window.quota_met  # quota 2, one item in October
    ytd = next(line for line in report.year_to_date if line.counts.name == "市人社局窗口")
    assert ytd.score == Decimal(4)
    assert ytd.quota_required == 20  # 10 months × 2
    assert ytd.counts.monthly_quota_counts[8:10] == (1, 1)
    assert DeductionReason.QUOTA_MISSED in {d.reason for d in ytd.deductions}


async def test_year_report_lists_every_active_unit(db: Database) -> None:
    await seed(db)
    lines = await year_report(db, ScoringPolicy(), SHANGHAI, 2026)
    assert sorted(line.counts.name for line in lines) == [
        "城关镇便民服务中心",
        "市人社局窗口",
        "综合科",
    ]
    assert all(line.score == 0 and line.reward_yuan == 0 for line in lines)
    section = next(line for line in lines if line.counts.name == "综合科")
    assert section.research_duty_met is False
