"""The people, units and shared steps of the campaign tests, from which each stage starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from scoring.assessment import AssessmentTemplate, Scope
from scoring.vocab import Role
from storage import people, units
from storage.db import Database
from storage.models import Person
from tests.conftest import FakeClock, tg_account
from tests.ledger import SPECS
from workflow import campaigns as cs
from workflow.campaign_common import Tell
from workflow.campaign_templates import SHIPPED_DIR, load_templates
from workflow.outcomes import Refused

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 10, 15)  # the clock fixture's day in Shanghai
SECRET = b"survey-key"
TEMPLATES = load_templates(SHIPPED_DIR)
TEMPLATE_KEYS = ["county", "bureau"]


@dataclass
class Cast:
    """The people and units of a campaign."""

    office: Person
    leaders: list[Person]  # the leading group, in approval order
    assessors: list[Person]
    outsider: Person  # an assessor of another campaign only
    window: int
    township: int
    section: int
    window_staff: Person
    window_leader: Person
    township_staff: Person
    township_leader: Person


async def make_cast(db: Database) -> Cast:
    """Units from the shared specs and everyone a campaign needs."""
    async with db.transaction() as tx:
        await units.sync_units(tx, SPECS)
        ids = {unit.name: unit.id for unit in await units.list_units(tx)}
        made = {}
        for tg, name in enumerate(
            [
                "办公室",
                "分管领导",
                "主要领导",
                "考核员甲",
                "考核员乙",
                "考核员丙",
                "窗口信息员",
                "窗口负责人",
                "镇信息员",
                "镇领导",
            ],
            start=5001,
        ):
            made[name] = await people.ensure_person(tx, tg_account(tg), name)
        window, township = ids["市人社局窗口"], ids["城关镇便民服务中心"]
        grants = [
            ("办公室", ids["综合科"], Role.EDITOR),
            ("窗口信息员", window, Role.INFORMANT),
            ("窗口负责人", window, Role.LEADER),
            ("镇信息员", township, Role.INFORMANT),
            ("镇领导", township, Role.LEADER),
        ]
        for name, unit_id, role in grants:
            await people.grant_role(tx, made[name].id, unit_id, role, None)
    return Cast(
        made["办公室"],
        [made["分管领导"], made["主要领导"]],
        [made["考核员甲"], made["考核员乙"]],
        made["考核员丙"],
        window,
        township,
        ids["综合科"],
        made["窗口信息员"],
        made["窗口负责人"],
        made["镇信息员"],
        made["镇领导"],
    )


async def refused(key: str, call: object) -> Refused:
    """Awaits the call and asserts it is refused with the key."""
    with pytest.raises(Refused) as caught:
        await call  # type: ignore[misc]
    assert caught.value.key == key, caught.value.key
    return caught.value


def keys(tells: list[Tell]) -> set[tuple[int, str]]:
    """Who is told what."""
    return {(tell.person_id, tell.key) for tell in tells}


async def plan_focus(db: Database, cast: Cast, template: AssessmentTemplate, onsite: date) -> int:
    """A focus campaign over the window and the township."""
    campaign = await cs.plan(
        db,
        cast.office,
        TEMPLATES,
        ZONE,
        template_key=template.key,
        title="2026年度政务公开工作考核",
        year=2026,
        scope=Scope.FOCUS,
        onsite={cast.window: onsite, cast.township: onsite},
        leading=[p.id for p in cast.leaders],
        assessors=[p.id for p in cast.assessors],
    )
    return campaign.id


@dataclass
class Life:
    """A campaign under way: the ledger, the clock, the template, the cast and the plan's dates."""

    db: Database
    clock: FakeClock
    template: AssessmentTemplate
    cast: Cast
    campaign_id: int
    other_id: int  # a second campaign, over the section, with the outsider as its assessor
    earliest: date  # the window's on-site date, the first the notice period allows
    later: date  # the township's on-site date, moved after the plan's return
