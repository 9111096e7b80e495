"""The sandbox's demo campaigns: the seeded ledger's states, the office's /campaigns, and the
reminders a day of time travel brings (in the ledger and in the demo chats)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from sandbox import seed
from sandbox.seed_campaigns import ANSWERED, lead_days
from storage import (
    campaign_decisions,
    campaign_outcomes,
    campaign_scores,
    campaign_sheets,
    campaigns,
    people,
    units,
)
from storage.db import Database
from storage.models import TELEGRAM, Account, Person
from tests.test_sandbox import REPO, Page
from tests.test_sandbox import page as page  # the running sandbox, as its page uses it
from tests.test_sandbox import settings as settings
from workflow import campaign_notices, campaign_scoring
from workflow.campaign_common import Tell
from workflow.campaign_templates import SHIPPED_DIR, load_templates

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
TODAY = NOW.astimezone(SHANGHAI).date()
OFFICE, TOWNSHIP_STAFF, TOWNSHIP_LEADER, WINDOW_STAFF = 1006, 1004, 1005, 1001
TEMPLATES = load_templates(SHIPPED_DIR)
#: The township's on-site day and deadline: Wednesday is the next working day, 3 days before.
DUE = TODAY + timedelta(days=4)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        """Now."""
        return self.now


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[tuple[Database, Clock]]:
    """The demo centre seeded at NOW, on a clock the test moves."""
    clock = Clock(NOW)
    db = await Database.open(tmp_path / "demo.db", clock=clock)
    try:
        await db.migrate()
        await seed.seed(db, load_settings(REPO / "config.yaml", {}), clock)
        yield db, clock
    finally:
        await db.close()


async def _person_id(db: Database, tg_id: int) -> int:
    """A demo person's id by Telegram id."""
    async with db.reading() as tx:
        found = await people.person_by_account(tx, Account(TELEGRAM, str(tg_id)))
    assert found is not None
    return found.id


def _told(tells: list[Tell], key: str) -> set[int]:
    """Who the tells tell `key`."""
    return {tell.person_id for tell in tells if tell.key == key}


async def test_the_demo_campaigns_stand_where_the_readme_says(
    demo: tuple[Database, Clock],
) -> None:
    db, _ = demo
    async with db.reading() as tx:
        listed = {c.state: c for c in await campaigns.listed(tx)}
        by_name = {u.name: u.id for u in await units.list_units(tx)}
    assert sorted(listed) == ["closed", "running"]
    window, township = by_name["市人社局窗口"], by_name["城关镇便民服务中心"]
    running, closed = listed["running"], listed["closed"]
    county, bureau = TEMPLATES["county"], TEMPLATES["bureau"]
    assert (running.template_key, closed.template_key) == ("county", "bureau")

    async with db.reading() as tx:
        # Running: the township mid self-check, with evidence and no report.
        line = await campaigns.unit_of(tx, running.id, township)
        assert line is not None
        assert line.onsite_on == DUE
        assert (line.report_at, line.signed_at) == (None, None)
        answered = await campaign_scores.selfchecks(tx, running.id, township)
        assert 0 < len(answered) == ANSWERED < len(county.check_ids())
        evidence = await campaign_scores.evidence(tx, running.id, township)
        assert {e.kind for e in evidence} == {"text", "photo"}
        assert all(e.file_key for e in evidence if e.kind == "photo")
        # Running: the window self-checked, signed and scored by both members on site.
        line = await campaigns.unit_of(tx, running.id, window)
        assert line is not None and line.signed_at is not None
        assert line.onsite_on < TODAY
        scores = await campaign_scores.scores(tx, running.id)
        members = {m.person_id for m in await campaigns.members(tx, running.id, "assessor")}
        assert {(s.unit_id, s.member_id, s.check_id) for s in scores} == {
            (window, member, check) for member in members for check in county.check_ids()
        }
        # Closed: the window 优秀 and praised; the township 不合格 with its rectification open.
        sheet = await campaign_sheets.sheet(tx, closed.id)
        assert sheet is not None and sheet.version == 1
        grades = await campaign_decisions.grades(tx, closed.id)
        assert (grades[window].preliminary, grades[township].preliminary) == (
            bureau.praise_grade,
            bureau.fail_grade,
        )
        assert Decimal(grades[township].total) < 60 <= 90 <= Decimal(grades[window].total)
        outcomes = await campaign_outcomes.outcomes(tx, closed.id)
        assert outcomes[window] == {"praise"}
        assert outcomes[township] == {"criticism", "reported"}
        task = await campaign_outcomes.rectification(tx, closed.id, township)
        assert task is not None and task.state == "open"
        assert task.due_on == DUE
        assert await campaign_outcomes.rectification(tx, closed.id, window) is None
        assert len(await campaign_outcomes.talks(tx, closed.id)) == 1
        answers = await campaign_scores.survey_answers(tx, closed.id)
        assert (len(answers[window]), len(answers[township])) == (10, 12)

    # The office has a differing score of the window's to settle before any grades.
    office = await people_get(db, await _person_id(db, OFFICE))
    differing = await campaign_scoring.differing(db, office, running.id)
    assert [(d.unit_id, d.settled) for d in differing] == [(window, None)]


async def people_get(db: Database, person_id: int) -> Person:
    """A person by id."""
    async with db.reading() as tx:
        found = await people.get_person(tx, person_id)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("now", "lead"),
    [
        (NOW, 4),  # a Tuesday: Wednesday is the next working day
        (datetime(2026, 11, 27, 2, tzinfo=UTC), 6),  # a Friday: Monday is
        (datetime(2026, 9, 30, 2, tzinfo=UTC), 11),  # before National Day: 8 October is
    ],
)
async def test_the_next_working_day_brings_both_reminders(
    tmp_path: Path, now: datetime, lead: int
) -> None:
    settings = load_settings(REPO / "config.yaml", {})
    rules = centre_rules(settings)
    today = now.astimezone(SHANGHAI).date()
    assert lead_days(rules.calendar, today, TEMPLATES["county"]) == lead
    clock = Clock(now)
    db = await Database.open(tmp_path / "demo.db", clock=clock)
    try:
        await db.migrate()
        await seed.seed(db, settings, clock)
        staff = await _person_id(db, TOWNSHIP_STAFF)
        leader = await _person_id(db, TOWNSHIP_LEADER)
        async with db.reading() as tx:  # the township's second informant, on WeCom
            on_wecom = await people.person_by_account(tx, Account("wecom", "huangxiaoyan"))
        assert on_wecom is not None
        window_staff = await _person_id(db, WINDOW_STAFF)
        assert await campaign_notices.reminders(db, SHANGHAI) == []  # not yet due
        clock.now = now + timedelta(days=1)
        while not rules.calendar.is_working_day(clock.now.astimezone(SHANGHAI).date()):
            clock.now += timedelta(days=1)
        tells = await campaign_notices.reminders(db, SHANGHAI)
    finally:
        await db.close()
    assert _told(tells, "campaign_selfcheck_reminder") == {staff, leader, on_wecom.id}
    assert _told(tells, "campaign_rectification_reminder") == {staff, leader, on_wecom.id}
    assert {t.params["days"] for t in tells} == {3}
    assert window_staff not in {t.person_id for t in tells}  # signed, and not failing


async def test_the_seed_is_the_same_after_a_reset(tmp_path: Path) -> None:
    """Two seedings at the same moment give the same campaigns, answers and scores."""
    settings = load_settings(REPO / "config.yaml", {})
    found = []
    for name in ("a.db", "b.db"):
        db = await Database.open(tmp_path / name, clock=lambda: NOW)
        try:
            await db.migrate()
            await seed.seed(db, settings, lambda: NOW)
            async with db.reading() as tx:
                listed = await campaigns.listed(tx)
                found.append(
                    [
                        (
                            c.title,
                            c.state,
                            sorted(
                                (s.unit_id, s.check_id, s.member_id, s.points)
                                for s in await campaign_scores.scores(tx, c.id)
                            ),
                            [
                                (s.unit_id, s.check_id, s.verdict)
                                for s in await campaign_scores.selfchecks(tx, c.id)
                            ],
                        )
                        for c in listed
                    ]
                )
        finally:
            await db.close()
    assert found[0] == found[1]
    assert centre_rules(settings).zone == SHANGHAI


async def test_the_office_sees_the_campaigns_and_a_day_brings_the_reminders(page: Page) -> None:
    listed = {p["id"]: p["role"] for p in await page.get("api/people")}
    assert listed[OFFICE].endswith("考核办公室")
    assert sum(role.endswith("考核组") for role in listed.values()) == 2
    # The seeded notices reached the township's chat: its notice with the 自查 button.
    await page.wait_button(TOWNSHIP_STAFF, "📝 开始自查")
    await page.wait_text(TOWNSHIP_STAFF, "请于")  # its result, with the rectification's deadline

    before = await page.send(OFFICE, "/campaigns")
    office = await page.wait_text(OFFICE, "政务公开工作考核", before)
    assert "进行中" in office["text"] and "已结束" in office["text"]
    assert "便民服务单位政务公开考核评议" in office["text"]
    for label in ("📊 #", "📨 提出初步等次", "⚖️ 核定分数"):
        assert any(b["text"].startswith(label) for row in office["inline_keyboard"] for b in row)
    before = await page.send(TOWNSHIP_STAFF, "/campaigns")
    mine = await page.wait_text(TOWNSHIP_STAFF, "城关镇便民服务中心：实地考核", before)
    assert any(b["text"].startswith("📝") for row in mine["inline_keyboard"] for b in row)

    before = len(await page.chat(TOWNSHIP_STAFF))
    status, _ = await page.post("api/clock", {"to": "next_working_day"})  # the page's button
    assert status == 200
    await page.wait_text(TOWNSHIP_STAFF, "距实地考核还有 3 天", before)
    await page.wait_text(TOWNSHIP_STAFF, "整改期限", before)
    await page.wait_text(TOWNSHIP_LEADER, "整改期限", before)
