"""A running campaign's self-checks and reminders, for each shipped template."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.jobs import campaign_reminders
from scoring.assessment import Verdict
from storage.db import Database
from tests.campaign_cast import (
    TEMPLATE_KEYS,
    TODAY,
    ZONE,
    Life,
    keys,
    refused,
)
from tests.conftest import FakeClock
from tests.test_campaign_plan import approved
from workflow import campaign_notices as cn
from workflow import campaign_units as cu
from workflow.campaign_common import Upload


async def self_checked(life: Life) -> None:
    """Self-checks with evidence and a signed report, then the reminders of who has not."""
    db, clock, template, cast = life.db, life.clock, life.template, life.cast
    campaign_id = life.campaign_id
    later = life.later

    # Self-check: check by check with evidence, a report signed by the unit's leader.
    checks = template.check_ids()
    await refused(
        "not_allowed",
        cu.answer_check(db, cast.township_staff, campaign_id, cast.window, checks[0], Verdict.MET),
    )
    await refused(
        "campaign_unknown_check",
        cu.answer_check(db, cast.window_staff, campaign_id, cast.window, "nope.x", Verdict.MET),
    )
    for check_id in checks:
        await cu.answer_check(
            db, cast.window_staff, campaign_id, cast.window, check_id, Verdict.MET, "已落实"
        )
    await cu.add_evidence(
        db, cast.window_staff, campaign_id, cast.window, checks[0], text="领导小组成立文件"
    )
    photo = Upload("公开栏.jpg", "image/jpeg", b"\xff\xd8 a photo of the board")
    evidence_id = await cu.add_evidence(
        db, cast.window_staff, campaign_id, cast.window, checks[1], upload=photo, photo=True
    )
    await refused(
        "campaign_selfcheck_incomplete",
        cu.submit_report(db, cast.township_staff, campaign_id, cast.township, text="自查报告"),
    )
    await refused(
        "campaign_report_missing", cu.sign_report(db, cast.window_leader, campaign_id, cast.window)
    )
    tells = await cu.submit_report(
        db, cast.window_staff, campaign_id, cast.window, text="市人社局窗口政务公开工作自查报告"
    )
    assert keys(tells) == {(cast.window_leader.id, "campaign_report_to_sign")}
    await refused("not_allowed", cu.sign_report(db, cast.window_staff, campaign_id, cast.window))
    assert keys(await cu.sign_report(db, cast.window_leader, campaign_id, cast.window)) == {
        (cast.office.id, "campaign_report_signed")
    }
    await refused(
        "campaign_report_signed",
        cu.answer_check(db, cast.window_staff, campaign_id, cast.window, checks[0], Verdict.PARTLY),
    )
    await refused(  # another unit reading the window's self-check before the results
        "campaign_not_yours",
        cu.view_selfcheck(db, cast.township_staff, campaign_id, cast.window),
    )
    seen = await cu.view_selfcheck(db, cast.assessors[0], campaign_id, cast.window)
    assert len(seen.answers) == len(checks)
    assert [e.id for e in seen.evidence if e.kind == "photo"] == [evidence_id]
    assert seen.unit.signed_at is not None
    for check_id in checks[:2]:
        await cu.answer_check(
            db, cast.township_staff, campaign_id, cast.township, check_id, Verdict.PARTLY
        )
    ready = await cn.progress(db, cast.office, campaign_id)
    assert [(p.unit_id, p.answered, p.signed) for p in ready] == [
        (cast.township, 2, False),
        (cast.window, len(checks), True),
    ]
    await refused("not_allowed", cn.progress(db, cast.window_staff, campaign_id))

    # Reminders: the days before the township's date, once a day, only for who has not.
    clock.now += timedelta(days=(later - TODAY).days - template.reminder_days[0])
    reminded = await cn.reminders(db, ZONE)
    assert keys(reminded) == {
        (cast.township_staff.id, "campaign_selfcheck_reminder"),
        (cast.township_leader.id, "campaign_selfcheck_reminder"),
    }
    clock.now += timedelta(days=1)
    assert template.reminder_days == (3, 1)
    assert await cn.reminders(db, ZONE) == []  # two days before: not a reminder day


@pytest.mark.parametrize("template_key", TEMPLATE_KEYS)
async def test_a_self_check_is_answered_signed_and_reminded(
    db: Database, clock: FakeClock, template_key: str
) -> None:
    """Self-checks with evidence, the leader's signature, who reads them, who is reminded."""
    life = await approved(db, clock, template_key)
    await self_checked(life)


async def test_the_daily_sweep_queues_the_reminders_once_a_day(
    db: Database, clock: FakeClock
) -> None:
    """The scheduler's part: the reminders the service finds reach the outbox, once a day."""
    life = await approved(db, clock, TEMPLATE_KEYS[0])
    clock.now += timedelta(days=(life.later - TODAY).days - life.template.reminder_days[0])
    services = SimpleNamespace(db=db, rules=SimpleNamespace(zone=ZONE))
    for _ in range(2):  # a second sweep the same day adds nothing
        await campaign_reminders(services)
    async with db.reading() as tx:
        rows = await tx.fetchall(
            "SELECT person_id FROM outbox WHERE purpose LIKE 'notice:campaign_selfcheck_reminder:%'"
        )
    reminded = {int(row["person_id"]) for row in rows}
    assert len(rows) == len(reminded) and reminded
    assert reminded == {life.cast.township_staff.id, life.cast.township_leader.id}  # its day nears
