"""Two readings the seed leaves open, each a template setting: a grade changed after members
approved asks the leading group again from its first member (or, set to "stand", keeps their
approvals), over the fake Bot API; and another unit's self-check and evidence share one rule,
closed before the results and after them unless the template opens them."""

from __future__ import annotations

from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from storage import campaign_decisions
from storage.db import Database
from storage.models import Person
from tests.campaign_cast import ZONE, refused
from tests.conftest import FakeClock
from tests.flow import buttons, settle, texts_of
from tests.test_campaign_grades import closed
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from tests.test_campaigns_chat import forged, press
from tests.test_flows import say
from workflow import campaign_grades as cg
from workflow import campaign_review as cv
from workflow import campaign_units as cu
from workflow import campaigns as cs
from workflow.outcomes import Refused


async def set_template(db: Database, campaign_id: int, key: str, value: str) -> None:
    """The campaign's stored template with one setting changed (JSON `value`)."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE campaigns SET template = json_set(template, ?, json(?)) WHERE id = ?",
            (f"$.{key}", value, campaign_id),
        )


async def test_a_change_after_an_approval_asks_the_group_again(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    life = await approved(ledger, clock, "county")
    await self_checked(life)
    await scored(life)
    cast, cid, window = life.cast, life.campaign_id, life.cast.window
    await cg.propose_grades(ledger, cast.office, cid)
    first = server.user(5002, "分管领导")
    second = server.user(5003, "主要领导")
    office = server.user(5001, "办公室")
    bot.bot_data.courier.wake()
    await settle(server, bot)
    await press(server, bot, first, f"ca:d:g:{cid}:1:1:a")
    bot.bot_data.courier.wake()
    await settle(server, bot)
    assert "第 1 轮，第 2 步" in texts_of(second)[-1]

    # The second member changes a grade the first approved: round 2 starts from the first.
    await press(server, bot, second, f"ca:gr:{cid}")
    await press(server, bot, second, f"ca:gc:{cid}:{window}")
    await press(server, bot, second, f"ca:gk:{cid}:{window}:1")
    await say(server, bot, second, "佐证材料不全")
    await press(server, bot, second, f"ca:gx:{cid}:{window}:c")
    bot.bot_data.courier.wake()
    await settle(server, bot)
    for user in (first, office):
        told = [t for t in texts_of(user) if "调整为 合格" in t]
        assert told and "领导小组从第 1 步起重新审定" in told[-1]
    request = texts_of(first)[-1]
    assert "请审定考核等次" in request and "第 2 轮，第 1 步" in request
    assert "市人社局窗口：优良 → 合格（主要领导，理由：佐证材料不全）" in request
    assert f"ca:d:g:{cid}:2:1:a" in buttons(first.received()[-1]).values()
    assert "已经处理过" in await forged(server, bot, second, f"ca:d:g:{cid}:1:2:a")
    step = await cs.waiting_step(ledger, cid, "grades")
    assert step is not None and (step.round, step.step) == (2, 1)
    async with ledger.reading() as tx:
        trail = await tx.fetchall(
            "SELECT action FROM audit_log WHERE action = 'campaign.grades_asked_again'"
        )
        kept = await campaign_decisions.decisions(tx, cid, "grades", 1)
    assert len(trail) == 1 and [(d.step, d.decision) for d in kept] == [(1, "approve")]

    # Both approve round 2; the grade stands as changed.
    await press(server, bot, first, f"ca:d:g:{cid}:2:1:a")
    bot.bot_data.courier.wake()
    await settle(server, bot)
    await press(server, bot, second, f"ca:d:g:{cid}:2:2:a")
    sheet = await cg.results(ledger, cast.office, cid)
    assert next(u for u in sheet["units"] if u["unit_id"] == window)["grade"] == "合格"


async def test_approvals_stand_when_the_template_says_so(db: Database, clock: FakeClock) -> None:
    life = await approved(db, clock, "bureau")
    await self_checked(life)
    await scored(life)
    cast, cid = life.cast, life.campaign_id
    await set_template(db, cid, "approvals_on_change", '"stand"')
    await cg.propose_grades(db, cast.office, cid)
    await cg.decide_grades(db, cast.leaders[0], ZONE, cid, round_=1, step=1, approve=True)
    tells = await cg.change_grade(db, cast.leaders[1], cid, cast.window, "合格", "材料不全")
    assert {t.key for t in tells} == {"campaign_grade_changed"}
    step = await cs.waiting_step(db, cid, "grades")
    assert step is not None and (step.round, step.step) == (1, 2)


NO = "campaign_not_yours"


async def test_another_units_self_check_and_evidence_share_one_rule(
    db: Database, clock: FakeClock
) -> None:
    life = await approved(db, clock, "county")
    await self_checked(life)
    cast, cid, window = life.cast, life.campaign_id, life.cast.window

    async def sees(person: Person) -> tuple[str, str]:
        """What the person gets opening the window's self-check, and its evidence."""
        got = []
        for call in (cu.view_selfcheck, cv.evidence_of):
            try:
                if call is cu.view_selfcheck:
                    await cu.view_selfcheck(db, person, cid, window)
                else:
                    await cv.evidence_of(db, person, cid, window, 0)
                got.append("shown")
            except Refused as refusal:
                got.append(refusal.key)
        return got[0], got[1]

    await set_template(db, cid, "peers_after_results", "true")
    assert await sees(cast.township_staff) == (NO, NO)  # running: never
    await set_template(db, cid, "peers_after_results", "false")
    await scored(life)
    await closed(life)  # which finds the window's self-check closed to the township
    await set_template(db, cid, "peers_after_results", "true")
    assert await sees(cast.township_staff) == ("shown", "shown")
    assert await sees(cast.outsider) == (NO, NO)
    await set_template(db, cid, "peers_after_results", "false")
    assert await sees(cast.township_staff) == (NO, NO)
    assert await sees(cast.window_staff) == ("shown", "shown")
    assert await sees(cast.assessors[0]) == ("shown", "shown")
    await refused("campaign_not_yours", cv.evidence_of(db, cast.township_staff, cid, window, 0))
