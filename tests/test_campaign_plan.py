"""A campaign's plan and its approval, for each shipped template, with the refusals people get."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scoring.assessment import Scope
from storage.db import Database
from tests.campaign_cast import (
    TEMPLATE_KEYS,
    TEMPLATES,
    TODAY,
    ZONE,
    Life,
    keys,
    make_cast,
    plan_focus,
    refused,
)
from tests.conftest import FakeClock
from workflow import campaigns as cs


async def approved(db: Database, clock: FakeClock, template_key: str) -> Life:
    """Plans a campaign, sees it refused, returned and approved; returns it running."""
    template = TEMPLATES[template_key]
    cast = await make_cast(db)
    earliest = TODAY + timedelta(days=template.notice_days)  # 10 or 15 calendar days

    # Plan: a date inside the notice period, a general campaign missing units, no group.
    error = await refused(
        "campaign_onsite_too_soon", plan_focus(db, cast, template, earliest - timedelta(days=1))
    )
    assert error.params["earliest"] == earliest.isoformat()
    await refused(
        "campaign_general_needs_all",
        cs.plan(
            db,
            cast.office,
            TEMPLATES,
            ZONE,
            template_key=template_key,
            title="普遍考核",
            year=2026,
            scope=Scope.GENERAL,
            onsite={cast.window: earliest},
            leading=[cast.leaders[0].id],
            assessors=[cast.assessors[0].id],
        ),
    )
    await refused(
        "not_allowed",
        cs.plan(
            db,
            cast.window_staff,
            TEMPLATES,
            ZONE,
            template_key=template_key,
            title="越权",
            year=2026,
            scope=Scope.FOCUS,
            onsite={cast.window: earliest},
            leading=[cast.leaders[0].id],
            assessors=[cast.assessors[0].id],
        ),
    )
    campaign_id = await plan_focus(db, cast, template, earliest)
    other_id = (
        await cs.plan(
            db,
            cast.office,
            TEMPLATES,
            ZONE,
            template_key=template_key,
            title="另一次考核",
            year=2026,
            scope=Scope.FOCUS,
            onsite={cast.section: earliest},
            leading=[cast.leaders[0].id],
            assessors=[cast.outsider.id],
        )
    ).id

    # Approval of the plan: a return needs its reason and sends the plan back.
    tells = await cs.submit_plan(db, cast.office, ZONE, campaign_id)
    assert keys(tells) == {(cast.leaders[0].id, "campaign_plan_to_approve")}
    step = await cs.waiting_step(db, campaign_id, "plan")
    assert step == cs.Step("plan", 1, 1, cast.leaders[0].id)
    await refused(
        "not_allowed",
        cs.decide_plan(db, cast.leaders[1], ZONE, campaign_id, round_=1, step=1, approve=True),
    )
    await refused(
        "campaign_reason_missing",
        cs.decide_plan(db, cast.leaders[0], ZONE, campaign_id, round_=1, step=1, approve=False),
    )
    tells = await cs.decide_plan(
        db,
        cast.leaders[0],
        ZONE,
        campaign_id,
        round_=1,
        step=1,
        approve=False,
        reason="考核日期请与各单位协调",
    )
    assert keys(tells) == {(cast.office.id, "campaign_plan_returned")}
    later = earliest + timedelta(days=5)
    await refused(
        "campaign_onsite_too_soon",
        cs.set_onsite(db, cast.office, ZONE, campaign_id, cast.township, TODAY),
    )
    await cs.set_onsite(db, cast.office, ZONE, campaign_id, cast.township, later)
    await cs.submit_plan(db, cast.office, ZONE, campaign_id)
    await refused(  # the first round's button, pressed again
        "campaign_decided",
        cs.decide_plan(db, cast.leaders[0], ZONE, campaign_id, round_=1, step=1, approve=True),
    )
    tells = await cs.decide_plan(
        db, cast.leaders[0], ZONE, campaign_id, round_=2, step=1, approve=True
    )
    assert keys(tells) == {(cast.leaders[1].id, "campaign_plan_to_approve")}
    await refused(
        "campaign_decided",
        cs.decide_plan(db, cast.leaders[0], ZONE, campaign_id, round_=2, step=1, approve=True),
    )
    tells = await cs.decide_plan(
        db, cast.leaders[1], ZONE, campaign_id, round_=2, step=2, approve=True
    )
    notices = [t for t in tells if t.key == "campaign_notice"]
    assert {(t.person_id, t.params["onsite_on"]) for t in notices} == {
        (cast.window_staff.id, earliest.isoformat()),
        (cast.window_leader.id, earliest.isoformat()),
        (cast.township_staff.id, later.isoformat()),
        (cast.township_leader.id, later.isoformat()),
    }
    assert {(a.id, "campaign_assessor") for a in cast.assessors} <= keys(tells)
    return Life(db, clock, template, cast, campaign_id, other_id, earliest, later)


@pytest.mark.parametrize("template_key", TEMPLATE_KEYS)
async def test_a_plan_is_refused_returned_and_approved(
    db: Database, clock: FakeClock, template_key: str
) -> None:
    """Planning refusals, a return with its reason, a second round and the notices."""
    await approved(db, clock, template_key)
