"""Assessment campaigns and the survey for WeCom members, end to end over HTTP: sealed
callbacks posted to the callback app, the dispatcher answering, the replies sent through the
outbox to the WeCom emulator. A unit leader on WeCom does the self-check in chat and signs
the report; a group member scores the unit check by check; a WeCom member answers a unit's
survey once by its word, and a second answer is refused."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta

import aiohttp
import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.wecom.adapter import WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.callback import CallbackConfig, callback_app, serving
from channels.wecom.crypto import MsgCrypt
from channels.wecom.dispatch import Dispatcher
from channels.wecom.render import wecom_texts
from chat.actions import campaign as ca
from sandbox.wecom.server import FakeWeComApi
from storage import campaign_scores, campaigns, people
from storage.db import Database
from storage.models import Account
from tests.campaign_cast import TEMPLATES, TODAY, ZONE, Cast, make_cast, plan_focus
from tests.conftest import FakeClock
from tests.flow import REPO
from tests.test_wecom_commands import asks as asked
from tests.test_wecom_commands import delivered
from tests.test_wecom_dispatch import AES_KEY, TOKEN, Rig
from workflow import campaign_survey
from workflow import campaigns as cs
from workflow.campaign_survey import survey_word

WECOM = "wecom"
LEADER, ASSESSOR, CITIZEN = "chuangkou", "kaohe", "shimin"
PACE = timedelta(seconds=10)


@dataclasses.dataclass
class Running:
    """The rig, the campaign's people and the running campaign."""

    rig: Rig
    cast: Cast
    campaign_id: int
    onsite: datetime


@pytest.fixture
async def running(db: Database, clock: FakeClock) -> AsyncIterator[Running]:
    """A running focus campaign over the window and the township; the window's leader and
    the first group member also have WeCom accounts."""
    cast = await make_cast(db)
    settings = load_settings(REPO / "config.yaml", {})
    rules = centre_rules(settings)
    template = TEMPLATES["county"]
    earliest = TODAY + timedelta(days=template.notice_days)
    campaign_id = await plan_focus(db, cast, template, earliest)
    await cs.submit_plan(db, cast.office, ZONE, campaign_id)
    for step, leader in enumerate(cast.leaders, 1):
        await cs.decide_plan(db, leader, ZONE, campaign_id, round_=1, step=step, approve=True)
    async with db.transaction() as tx:
        await people.add_account(tx, cast.window_leader.id, Account(WECOM, LEADER), actor_id=None)
        await people.add_account(tx, cast.assessors[0].id, Account(WECOM, ASSESSOR), actor_id=None)
    async with FakeWeComApi(clock=lambda: clock.now.timestamp()) as api:
        client = WeComClient(api.corp_id, api.secret, api.agent_id, base_url=api.base_url)
        channel = WeComChannel(client, db, wecom_texts("zh"))
        await channel.start()
        config = CallbackConfig(corp_id=api.corp_id, token=TOKEN, encoding_aes_key=AES_KEY)
        dispatcher = Dispatcher(db, rules, channel)
        async with (
            serving(callback_app(db, config), "127.0.0.1", 0) as port,
            aiohttp.ClientSession() as http,
        ):
            url = f"http://127.0.0.1:{port}/wecom/callback"
            crypt = MsgCrypt(TOKEN, AES_KEY, api.corp_id)
            rig = Rig(db, rules, api, channel, dispatcher, url, crypt, clock, http)
            api.on_callback(rig.sink)
            onsite = datetime.combine(earliest, time(10), ZONE)
            yield Running(rig, cast, campaign_id, onsite)
        await channel.stop()


def newest(rig: Rig, userid: str, kind: type) -> tuple[str, str] | None:
    """The newest card the member got with a button whose press is of the kind: its task and
    the button's key."""
    for d in reversed(rig.api.inbox(userid)):
        if d.msgtype != "template_card":
            continue
        for button in d.content.get("button_list", []):
            if isinstance(ca.decode(str(button["key"])), kind):
                return str(d.content["task_id"]), str(button["key"])
    return None


async def asks(rig: Rig, userid: str, text: str) -> str:
    """What a member is shown after sending a text, ten seconds after their last action
    (WeCom takes 30 messages a member a minute; the adapter paces them)."""
    rig.clock.now += PACE
    return await asked(rig, userid, text)


async def press(rig: Rig, userid: str, kind: type) -> str:
    """The member presses the newest button of the kind, ten seconds after their last
    action; what they are shown after."""
    rig.clock.now += PACE
    found = newest(rig, userid, kind)
    assert found is not None, (kind, rig.shown(userid)[-3:])
    since = len(rig.api.inbox(userid))
    await rig.api.press(userid, *found)
    await rig.settle()
    return delivered(rig, userid, since)


async def test_a_wecom_unit_leader_self_checks_in_chat_and_a_member_scores(
    running: Running,
) -> None:
    """「考核」 lists the window's self-check; each check is answered by its card's button
    (evidence typed for the first; the question says files cannot be sent from WeCom), the
    report typed, then signed on its card; the group member's 「考核」 lists the unit to
    score without an upload button (WeCom members cannot send the workbook back), its blank
    workbook comes as a file, and the points are typed check by check."""
    rig, cast, campaign_id = running.rig, running.cast, running.campaign_id
    listed = await asks(rig, LEADER, "考核")
    assert "2026年度政务公开工作考核" in listed, listed
    shown = await press(rig, LEADER, ca.SelfCheck)
    checks = TEMPLATES["county"].check_ids()
    for n in range(len(checks)):
        assert newest(rig, LEADER, ca.Answer) is not None, shown
        shown = await press(rig, LEADER, ca.Answer)
        if n == 0:
            assert "企业微信不能向应用发送文件" in shown, shown
            shown = await asks(rig, LEADER, "领导小组成立文件")
        shown = await press(rig, LEADER, ca.NextCheck)
    assert "企业微信不能向应用发送文件" in shown, shown  # the report: text here
    shown = await asks(rig, LEADER, "市人社局窗口政务公开工作自查报告")
    shown = await press(rig, LEADER, ca.Sign)
    assert "签字确认" in shown, shown
    async with rig.db.reading() as tx:
        lines = {line.unit_id: line for line in await campaigns.units_of(tx, campaign_id)}
    assert lines[cast.window].signed_at is not None

    rig.clock.now = running.onsite
    listed = await asks(rig, ASSESSOR, "考核")
    assert "市人社局窗口" in listed and "上传评分表" not in listed, listed
    since = len(rig.api.inbox(ASSESSOR))
    shown = await press(rig, ASSESSOR, ca.ScoreSheet)  # the blank workbook, as a WeCom file
    sheet = [d for d in rig.api.inbox(ASSESSOR)[since:] if d.msgtype == "file"]
    assert [rig.api.media[str(d.content["media_id"])].filename[-5:] for d in sheet] == [".xlsx"]
    assert (
        "企业微信成员不能向应用发送文件" in shown and newest(rig, ASSESSOR, ca.UploadScores) is None
    )
    shown = await press(rig, ASSESSOR, ca.ScoreUnit)
    for _ in checks:
        shown = await asks(rig, ASSESSOR, "1")
    assert "已全部评分" in shown, shown
    async with rig.db.reading() as tx:
        scores = await campaign_scores.scores(tx, campaign_id)
    mine = [s for s in scores if (s.unit_id, s.member_id) == (cast.window, cast.assessors[0].id)]
    assert len(mine) == len(checks)


async def test_a_wecom_member_answers_the_survey_once(running: Running) -> None:
    """「测评 <token>」 asks the unit's question on a card, 满意 records it and asks for a
    comment, the typed comment is thanked; the same word again is refused, and the ledger
    keeps one answer."""
    rig, cast, campaign_id = running.rig, running.cast, running.campaign_id
    links = await campaign_survey.links(rig.db, cast.office, campaign_id)
    token = next(link.token for link in links if link.unit_id == cast.window)
    shown = await asks(rig, CITIZEN, survey_word(token))
    assert "民主测评" in shown and "满意" in shown, shown
    shown = await press(rig, CITIZEN, ca.SurveyAnswer)
    assert "已记录：" in shown, shown
    assert shown.count("已记录：") == 1, shown
    shown = await asks(rig, CITIZEN, "窗口服务很好")
    assert "感谢您参加民主测评" in shown, shown
    shown = await asks(rig, CITIZEN, survey_word(token))
    assert "您已经参加过这个单位的测评" in shown, shown
    async with rig.db.reading() as tx:
        answers = await campaign_scores.survey_answers(tx, campaign_id)
    assert len(answers.get(cast.window, [])) == 1, answers
