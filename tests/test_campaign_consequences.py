"""A closed campaign's 诫勉谈话, 限期整改 and corrections, for each shipped template."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from storage import audit, campaign_outcomes
from storage.db import Database
from tests.campaign_cast import (
    TEMPLATE_KEYS,
    TODAY,
    ZONE,
    keys,
    refused,
)
from tests.conftest import FakeClock
from tests.test_campaign_grades import closed
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from workflow import campaign_consequences as cc
from workflow import campaign_corrections as cx
from workflow import campaign_grades as cg
from workflow import campaign_notices as cn
from workflow.campaign_common import Upload


@pytest.mark.parametrize("template_key", TEMPLATE_KEYS)
async def test_consequences_rectification_and_a_correction(
    db: Database, clock: FakeClock, template_key: str
) -> None:
    """The talk recorded, the rectification returned then accepted, a correction as version 2."""
    life = await approved(db, clock, template_key)
    await self_checked(life)
    await scored(life)
    published = await closed(life)
    sheet, window_total, due = published.sheet, published.window_total, published.due
    template, cast = life.template, life.cast
    campaign_id = life.campaign_id
    checks = template.check_ids()
    first = template.check(checks[0])
    assert first is not None
    top = template.praise_grade

    # 诫勉谈话 and 限期整改 for the failing unit.
    await refused(
        "campaign_unit_not_failed",
        cc.record_talk(
            db, cast.office, campaign_id, cast.window, held_on=due, talker="纪委书记", with_whom="x"
        ),
    )
    await cc.record_talk(
        db,
        cast.office,
        campaign_id,
        cast.township,
        held_on=TODAY + timedelta(days=40),
        talker="县纪委书记",
        with_whom="镇长、分管副镇长",
    )
    await refused(
        "campaign_rectification_not_submitted",
        cc.review_rectification(db, cast.office, campaign_id, cast.township, accept=True),
    )
    await refused(
        "campaign_no_rectification",
        cc.submit_rectification(db, cast.window_staff, campaign_id, cast.window, text="整改"),
    )
    clock.now = clock.now.replace(year=due.year, month=due.month, day=due.day) - timedelta(
        days=template.reminder_days[0]
    )
    assert (cast.township_staff.id, "campaign_rectification_reminder") in keys(
        await cn.reminders(db, ZONE)
    )
    await cc.submit_rectification(
        db, cast.township_staff, campaign_id, cast.township, text="整改报告(第一稿)"
    )
    await refused(
        "campaign_rectification_submitted",
        cc.submit_rectification(db, cast.township_staff, campaign_id, cast.township, text="再交"),
    )
    await cc.review_rectification(
        db, cast.office, campaign_id, cast.township, accept=False, reason="缺少整改台账"
    )
    await cc.submit_rectification(
        db,
        cast.township_staff,
        campaign_id,
        cast.township,
        upload=Upload("整改报告.docx", "application/msword", b"report bytes"),
    )
    tells = await cc.review_rectification(db, cast.office, campaign_id, cast.township, accept=True)
    assert (cast.township_leader.id, "campaign_rectification_accepted") in keys(tells)
    async with db.reading() as tx:
        task = await campaign_outcomes.rectification(tx, campaign_id, cast.township)
        talks = await campaign_outcomes.talks(tx, campaign_id)
    assert task is not None and task.state == "accepted" and task.report_file is not None
    assert [(t.talker, t.with_whom) for t in talks] == [("县纪委书记", "镇长、分管副镇长")]
    assert not [t for t in await cn.reminders(db, ZONE) if t.key.endswith("rectification_reminder")]

    # A correction after closing: a new numbered sheet, the old one kept as published.
    await refused(
        "campaign_reason_missing",
        cx.correct_check(
            db, cast.office, ZONE, campaign_id, cast.window, checks[0], first.max_points, ""
        ),
    )
    done = await cx.correct_check(
        db, cast.office, ZONE, campaign_id, cast.window, checks[0], first.max_points, "复核更正"
    )
    assert done.version == 2
    old = await cg.results(db, cast.office, campaign_id, 1)
    new = await cg.results(db, cast.office, campaign_id)
    assert old == sheet
    corrected = {line["unit_id"]: line for line in new["units"]}[cast.window]
    assert Decimal(corrected["total"]) == window_total + Decimal("0.5")
    assert (
        corrected["grade"] == top and corrected["checks"][checks[0]]["settled_reason"] == "复核更正"
    )
    async with db.reading() as tx:
        trail = [e.action for e in await audit.audit_trail(tx, "campaign", campaign_id)]
    for action in (
        "campaign.plan.return",
        "campaign.notify",
        "campaign.report_signed",
        "campaign.settle",
        "campaign.grade_changed",
        "campaign.closed",
        "campaign.rectification_accepted",
        "campaign.sheet",
    ):
        assert action in trail, action
