"""The demo centre's two assessment campaigns (考核), made through the campaign services.

A campaign's grades close all of it, so no one campaign can hold a unit mid self-check and a
unit graded 不合格 at once; the demo has two, over the window and the township of the demo
cast, both run by the office (the editor), approved by the leading group (the centre's two
leaders) and scored by the assessment group (two section leaders):

- **closed** (第3篇's template, planned about two months ago): the window graded 优秀 and
  listed for 通报表扬; the township graded 不合格, its 诫勉谈话 recorded and its 限期整改 open;
- **running** (第1篇's template, planned 14 days ago): the window self-checked, signed and
  scored on site two days ago by both members (one check scored differently, not settled
  yet); the township mid self-check (some checks answered, with evidence, no report).

The township's on-site day and its rectification's deadline are the same day, three days
after the next working day (`lead_days`): moving the clock to the next working day brings
both campaigns' reminders (the sweep reminds on working days, three and one day ahead).
Every step runs at its own moment in the past (the ledger's clock set back while it runs),
so the notices, the plan's notice period and the deadlines are those a centre would see; the
messages queued then are delivered when the bot starts, as the chats' history.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final

from scoring.assessment import Answer, AssessmentTemplate, Scope, Verdict
from scoring.workdays import WorkCalendar
from storage.db import Database
from storage.models import TELEGRAM, Account, Person
from workflow import (
    campaign_consequences,
    campaign_grades,
    campaign_scoring,
    campaign_settling,
    campaign_survey,
    campaign_units,
)
from workflow import campaigns as plans
from workflow.campaign_common import Upload
from workflow.campaign_templates import SHIPPED_DIR, load_templates
from workflow.rules import CentreRules

#: Checks the township has answered in the running campaign (of the county template's 14).
ANSWERED: Final = 4
#: Survey answers of the closed campaign per unit: (满意, 基本满意, 不满意).
SURVEY: Final = {"window": (9, 0, 1), "township": (3, 3, 6)}
#: Telegram-like ids of the survey's answerers (people of the public, no accounts here).
SURVEY_ACCOUNTS: Final = 900_001


@dataclass(frozen=True, slots=True)
class DemoPeople:
    """Who the demo campaigns need: the office, both groups, each unit's informant and leader."""

    office: Person
    leading: tuple[Person, ...]  # in approval order
    assessors: tuple[Person, ...]
    window: int
    window_staff: Person
    window_leader: Person
    township: int
    township_staff: Person
    township_leader: Person


@dataclass(frozen=True, slots=True)
class DemoCampaigns:
    """The ids of the two demo campaigns, and the township's day in both (its on-site day in
    the running one, its rectification's deadline in the closed one)."""

    closed: int
    running: int
    township_due: date


def lead_days(calendar: WorkCalendar, today: date, template: AssessmentTemplate) -> int:
    """Days from today to the township's due day: the template's first reminder (3 days
    ahead) falls on the next working day."""
    return (calendar.add_working_days(today, 1) - today).days + max(template.reminder_days)


class _Story:
    """Runs services at chosen moments of the past: day n before today, at a local hour."""

    def __init__(self, db: Database, rules: CentreRules, now: datetime, lead: int) -> None:
        self.db = db
        self.rules = rules
        self.zone = rules.zone
        self.now = now
        self.today = now.astimezone(self.zone).date()
        self.lead = lead  # days from today to the township's on-site day and deadline

    def day(self, offset: int) -> date:
        """Today plus `offset` days (negative: the past)."""
        return self.today + timedelta(days=offset)

    @contextlib.contextmanager
    def at(self, offset: int, hour: int = 10) -> Iterator[None]:
        """The ledger's clock set to a past local day and hour while the block runs."""
        moment = datetime.combine(self.day(offset), time(hour), tzinfo=self.zone).astimezone(UTC)
        moment = min(moment, self.now - timedelta(minutes=1))
        real = self.db.clock
        self.db.clock = lambda: moment
        try:
            yield
        finally:
            self.db.clock = real


async def seed_campaigns(
    db: Database, rules: CentreRules, now: datetime, cast: DemoPeople
) -> DemoCampaigns:
    """Writes the closed campaign, then the running one (see the module's docstring)."""
    templates = load_templates(SHIPPED_DIR)
    today = now.astimezone(rules.zone).date()
    lead = lead_days(rules.calendar, today, templates["county"])
    story = _Story(db, rules, now, lead)
    closed = await _closed(story, templates["bureau"], cast)
    running = await _running(story, templates["county"], cast)
    return DemoCampaigns(closed, running, story.day(lead))


async def _planned(
    story: _Story,
    template: AssessmentTemplate,
    cast: DemoPeople,
    *,
    title: str,
    day: int,
    onsite: Mapping[int, date],
) -> int:
    """A plan made on day `day`, sent up the same day and approved the next by both leaders."""
    with story.at(day, 9):
        campaign = await plans.plan(
            story.db,
            cast.office,
            {template.key: template},
            story.zone,
            template_key=template.key,
            title=title,
            year=story.day(day).year,
            scope=Scope.FOCUS,
            onsite=onsite,
            leading=[person.id for person in cast.leading],
            assessors=[person.id for person in cast.assessors],
        )
        await plans.submit_plan(story.db, cast.office, story.zone, campaign.id)
    for step, leader in enumerate(cast.leading, start=1):
        with story.at(day + 1, 9 + step):
            await plans.decide_plan(
                story.db, leader, story.zone, campaign.id, round_=1, step=step, approve=True
            )
    return campaign.id


async def _self_check(
    story: _Story,
    template: AssessmentTemplate,
    campaign_id: int,
    unit_id: int,
    staff: Person,
    *,
    day: int,
    answered: int,
) -> None:
    """The unit's informant answers the first `answered` checks, one of them only partly,
    with a written note on the first and a photo of the notice board on the second."""
    checks = template.check_ids()
    for place, check_id in enumerate(checks[:answered]):
        verdict = Verdict.PARTLY if place == 2 else Verdict.MET
        note = "部分事项未按时更新，正在补齐" if verdict is Verdict.PARTLY else "已落实，材料齐全"
        with story.at(day, 9 + place % 8):
            await campaign_units.answer_check(
                story.db, staff, campaign_id, unit_id, check_id, verdict, note
            )
    with story.at(day, 17):
        await campaign_units.add_evidence(
            story.db, staff, campaign_id, unit_id, checks[0], text="领导小组成立文件及分工通知"
        )
        if answered > 1:
            await campaign_units.add_evidence(
                story.db,
                staff,
                campaign_id,
                unit_id,
                checks[1],
                text="政务公开栏",
                upload=Upload("政务公开栏.png", "image/png", _board_photo()),
                photo=True,
            )


def _board_photo() -> bytes:
    """A small grey PNG standing for a photo of the unit's notice board."""
    from sandbox.telegram.images import make_png

    return make_png(64, 48)


async def _signed(
    story: _Story, campaign_id: int, unit_id: int, staff: Person, leader: Person, *, day: int
) -> None:
    """The unit's self-check report written by its informant and signed by its leader."""
    with story.at(day, 15):
        await campaign_units.submit_report(
            story.db,
            staff,
            campaign_id,
            unit_id,
            text="本单位对照考核内容逐项开展自查，基本情况、存在问题和整改措施汇报如下……",
        )
    with story.at(day, 16):
        await campaign_units.sign_report(story.db, leader, campaign_id, unit_id)


async def _scored(
    story: _Story,
    template: AssessmentTemplate,
    campaign_id: int,
    unit_id: int,
    assessors: tuple[Person, ...],
    share: Mapping[str, Decimal],
    *,
    day: int,
    differ: str,
) -> None:
    """Each member scores every check at its share of the maximum; on `differ` the second
    member gives one point less, with a comment (the office settles it or accepts the rule)."""
    for member_index, member in enumerate(assessors):
        with story.at(day, 14 + member_index):
            for check_id in template.check_ids():
                check = template.check(check_id)
                assert check is not None
                points = (check.max_points * share.get(check_id, Decimal(1))).quantize(
                    Decimal("0.1")
                )
                comment = ""
                if member_index == 1 and check_id == differ:
                    points, comment = max(points - 1, Decimal(0)), "部分材料未归档"
                await campaign_scoring.score(
                    story.db, member, campaign_id, unit_id, check_id, points, comment
                )


async def _survey(
    story: _Story, cast: DemoPeople, campaign_id: int, answers: Mapping[int, tuple[int, int, int]]
) -> None:
    """The public's answers through the units' survey links (accounts without people)."""
    with story.at(-35, 11):
        links = await campaign_survey.links(story.db, cast.office, campaign_id)
        account = SURVEY_ACCOUNTS
        for link in links:
            satisfied, basic, dissatisfied = answers[link.unit_id]
            given = (
                [Answer.SATISFIED] * satisfied
                + [Answer.BASIC] * basic
                + [Answer.DISSATISFIED] * dissatisfied
            )
            for answer in given:
                await campaign_survey.answer(
                    story.db, link.token, Account(TELEGRAM, str(account)), answer, timedelta(0)
                )
                account += 1


async def _closed(story: _Story, template: AssessmentTemplate, cast: DemoPeople) -> int:
    """The closed campaign: the window 优秀, the township 不合格 with its 整改 due soon."""
    closed_on = story.lead - template.rectification_days  # days from today
    plan_day = closed_on - 34
    campaign_id = await _planned(
        story,
        template,
        cast,
        title=f"{story.day(plan_day).year}年度便民服务单位政务公开考核评议",
        day=plan_day,
        onsite={
            cast.window: story.day(plan_day + template.notice_days + 5),
            cast.township: story.day(plan_day + template.notice_days + 6),
        },
    )
    checks = template.check_ids()
    for unit_id, staff, leader, offset in (
        (cast.window, cast.window_staff, cast.window_leader, 0),
        (cast.township, cast.township_staff, cast.township_leader, 1),
    ):
        await _self_check(
            story,
            template,
            campaign_id,
            unit_id,
            staff,
            day=plan_day + 8 + offset,
            answered=len(checks),
        )
        await _signed(story, campaign_id, unit_id, staff, leader, day=plan_day + 12 + offset)
    await _survey(
        story,
        cast,
        campaign_id,
        {cast.window: SURVEY["window"], cast.township: SURVEY["township"]},
    )
    differ = checks[2]
    await _scored(
        story,
        template,
        campaign_id,
        cast.window,
        cast.assessors,
        {checks[4]: Decimal("0.9")},
        day=plan_day + template.notice_days + 5,
        differ=differ,
    )
    await _scored(
        story,
        template,
        campaign_id,
        cast.township,
        cast.assessors,
        dict.fromkeys(checks, Decimal("0.5")),
        day=plan_day + template.notice_days + 6,
        differ=checks[0],
    )
    with story.at(closed_on - 4, 10):
        await campaign_settling.accept_all(story.db, cast.office, campaign_id)
        await campaign_grades.propose_grades(story.db, cast.office, campaign_id)
    for step, leader in enumerate(cast.leading, start=1):
        with story.at(closed_on - 2 + step, 10):
            await campaign_grades.decide_grades(
                story.db, leader, story.zone, campaign_id, round_=1, step=step, approve=True
            )
    with story.at(closed_on + 6, 15):
        await campaign_consequences.record_talk(
            story.db,
            cast.office,
            campaign_id,
            cast.township,
            held_on=story.day(closed_on + 6),
            talker=cast.leading[-1].name,
            with_whom=cast.township_leader.name,
            note="指出自查和整改中的问题，要求限期整改到位",
        )
    return campaign_id


async def _running(story: _Story, template: AssessmentTemplate, cast: DemoPeople) -> int:
    """The running campaign: the window scored on site, the township mid self-check."""
    plan_day = -14
    window_onsite = -2
    campaign_id = await _planned(
        story,
        template,
        cast,
        title=f"{story.day(plan_day).year}年度政务公开工作考核",
        day=plan_day,
        onsite={
            cast.window: story.day(window_onsite),
            cast.township: story.day(story.lead),
        },
    )
    checks = template.check_ids()
    await _self_check(
        story,
        template,
        campaign_id,
        cast.window,
        cast.window_staff,
        day=plan_day + 4,
        answered=len(checks),
    )
    await _signed(
        story, campaign_id, cast.window, cast.window_staff, cast.window_leader, day=plan_day + 6
    )
    await _scored(
        story,
        template,
        campaign_id,
        cast.window,
        cast.assessors,
        {checks[6]: Decimal("0.8"), checks[-1]: Decimal("0.9")},
        day=window_onsite,
        differ=checks[3],
    )
    await _self_check(
        story,
        template,
        campaign_id,
        cast.township,
        cast.township_staff,
        day=-1,
        answered=ANSWERED,
    )
    return campaign_id
