"""Every notice a campaign service decides is queued in the outbox in the service's own
transaction: one row per person and event, worded by the catalogue; a refusal queues none."""

from __future__ import annotations

import json

from chat.texts import Texts
from scoring.assessment import Verdict
from storage import outbox
from storage.db import Database
from tests.campaign_cast import refused
from tests.conftest import FakeClock
from tests.test_campaign_plan import approved
from workflow import campaign_units as cu


async def queued(db: Database) -> list[tuple[int | None, str, dict[str, object]]]:
    """Who the outbox holds what for: (person, notice key, params), in queued order."""
    async with db.reading() as tx:
        rows = await outbox.by_purpose(tx, "", "notice:campaign")
    found = []
    for row in rows:
        payload = json.loads(row.payload)
        found.append((row.person_id, str(payload["notice"]), dict(payload["params"])))
    return found


async def test_the_plans_life_reaches_people_through_the_outbox(
    db: Database, clock: FakeClock
) -> None:
    life = await approved(db, clock, "county")
    cast = life.cast
    rows = await queued(db)
    asked = [(p, k) for p, k, _ in rows if k == "campaign_plan_to_approve"]
    # round 1 to the first leader, round 2 to both in order
    assert asked == [(cast.leaders[0].id, k) for k in ["campaign_plan_to_approve"] * 2] + [
        (cast.leaders[1].id, "campaign_plan_to_approve")
    ]
    first = next(params for _, k, params in rows if k == "campaign_plan_to_approve")
    c = life.campaign_id
    assert first["buttons"] == [  # queued in wire form, read back by chat.actions.campaign
        [
            ["btn.campaign_approve", f"ca:d:p:{c}:1:1:a"],
            ["btn.campaign_return", f"ca:d:p:{c}:1:1:r"],
        ]
    ]
    opened = {str(params["buttons"]) for _, k, params in rows if k == "campaign_notice"}
    assert opened == {
        str([[["btn.campaign_selfcheck", f"ca:s:{c}:{unit}"]]])
        for unit in (cast.window, cast.township)
    }
    returned = [params for p, k, params in rows if k == "campaign_plan_returned"]
    assert [r["reason"] for r in returned] == ["考核日期请与各单位协调"]
    notices = {(p, params["unit_name"]) for p, k, params in rows if k == "campaign_notice"}
    assert notices == {
        (cast.window_staff.id, "市人社局窗口"),
        (cast.window_leader.id, "市人社局窗口"),
        (cast.township_staff.id, "城关镇便民服务中心"),
        (cast.township_leader.id, "城关镇便民服务中心"),
    }
    assert all(params["title"] == "2026年度政务公开工作考核" for _, _, params in rows)
    before = len(rows)

    # A refused step queues nothing; the report's request to sign carries the report.
    await refused(
        "campaign_selfcheck_incomplete",
        cu.submit_report(db, cast.window_staff, life.campaign_id, cast.window, text="自查报告"),
    )
    assert len(await queued(db)) == before
    for check_id in life.template.check_ids():
        await cu.answer_check(
            db, cast.window_staff, life.campaign_id, cast.window, check_id, Verdict.MET
        )
    await cu.submit_report(db, cast.window_staff, life.campaign_id, cast.window, text="自查报告")
    await cu.sign_report(db, cast.window_leader, life.campaign_id, cast.window)
    rows = await queued(db)
    assert [(p, k, params.get("report")) for p, k, params in rows[before:]] == [
        (cast.window_leader.id, "campaign_report_to_sign", "自查报告"),
        (cast.office.id, "campaign_report_signed", None),
    ]
    texts = Texts("zh")
    for _, key, params in rows:  # each is worded with the params it was queued with
        assert str(params["title"]) in texts(f"notice.{key}", **params)
