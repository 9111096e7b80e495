"""A campaign's whole life at the service level, for each shipped template, with the refusals
a person would be told: plan → approval → notices → self-check → scoring and survey →
settlement → grades → approval → results, consequences, rectification and a correction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scoring.assessment import Answer, AssessmentTemplate, Scope, Verdict
from scoring.vocab import Role
from storage import audit, campaign_decisions, campaign_outcomes, people, units
from storage.db import Database
from storage.models import Person
from tests.conftest import FakeClock, tg_account
from tests.ledger import SPECS
from workflow import campaign_consequences as cc
from workflow import campaign_grades as cg
from workflow import campaign_notices as cn
from workflow import campaign_scoring as sc
from workflow import campaign_units as cu
from workflow import campaigns as cs
from workflow.campaign_common import Tell, Upload
from workflow.campaign_templates import SHIPPED_DIR, load_templates
from workflow.outcomes import Refused

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 10, 15)  # the clock fixture's day in Shanghai
SECRET = b"survey-key"
TEMPLATES = load_templates(SHIPPED_DIR)


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


async def _cast(db: Database) -> Cast:
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


async def _plan(db: Database, cast: Cast, template: AssessmentTemplate, onsite: date) -> int:
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


@pytest.mark.parametrize("template_key", ["county", "bureau"])
async def test_a_campaign_from_plan_to_rectification(
    db: Database, clock: FakeClock, tmp_path: Path, template_key: str
) -> None:
    template = TEMPLATES[template_key]
    cast = await _cast(db)
    earliest = TODAY + timedelta(days=template.notice_days)  # 10 or 15 calendar days

    # Plan: a date inside the notice period, a general campaign missing units, no group.
    error = await refused(
        "campaign_onsite_too_soon", _plan(db, cast, template, earliest - timedelta(days=1))
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
    campaign_id = await _plan(db, cast, template, earliest)
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
    assert (await cu.view_selfcheck(db, cast.township_staff, campaign_id, cast.window)).answers
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
        cg.correct(db, cast.office, campaign_id, cast.window, checks[0], first.max_points, ""),
    )
    version = await cg.correct(
        db, cast.office, campaign_id, cast.window, checks[0], first.max_points, "复核更正"
    )
    assert version == 2
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
