"""WeCom's last gaps of issue 13, over HTTP through the WeCom emulator: an editor's 送网站审签
on an item card, the survey's words to an office reached on WeCom when its plan's last
approval (given on WeCom) starts the campaign, and one set of announcement limits when the
process serves both channels."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.settings.loader import load_settings
from bot.settings.schema import Settings
from bot.wiring import centre_rules
from channels.wecom.adapter import WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.callback import CallbackConfig, callback_app, serving
from channels.wecom.crypto import MsgCrypt
from channels.wecom.dispatch import Dispatcher
from channels.wecom.render import wecom_texts
from chat.actions import campaign as ca
from chat.capabilities import TELEGRAM as TELEGRAM_LIMITS
from chat.capabilities import WECOM as WECOM_LIMITS
from chat.capabilities import narrowest
from sandbox.telegram.server import FakeBotApi
from sandbox.wecom.server import FakeWeComApi
from scoring.vocab import Role
from storage import audit, campaign_survey, campaigns, people, units, webnews
from storage.db import Database
from storage.models import Account
from tests.campaign_cast import TEMPLATES, TODAY, ZONE, make_cast, plan_focus
from tests.conftest import FakeClock
from tests.flow import REPO
from tests.people import TELEGRAM, WECOM, Centre, centre_running
from tests.test_wecom_campaigns import newest, press
from tests.test_wecom_cross import Centre as Cross
from tests.test_wecom_desk import EDITOR, cast, centre, seen
from tests.test_wecom_desk import press as click
from tests.test_wecom_dispatch import AES_KEY, TOKEN, Rig
from workflow import announce
from workflow import campaigns as cs

__all__ = ["centre"]  # the desk's fixture: both emulators, a WeCom editor

OFFICE = "bangongshi"


async def test_a_wecom_editor_sends_an_item_to_website_sign_off_from_its_card(
    centre: Cross,
) -> None:
    """🌐 送网站审签 on the item's card (as Telegram's editor presses it) starts website news'
    sign-off: the editor is told in words, the news is in the ledger; pressed again, it is
    refused as on Telegram."""
    _, _, other = await cast(centre)
    await click(centre, EDITOR, f"ed:reg:{other}")
    shown = await click(centre, EDITOR, f"wn:send:{other}")
    assert f"信息 #{other} 已送网站审签（新闻 #1，第 1 轮）" in shown, shown
    async with centre.db.reading() as tx:
        news = await webnews.news_of_item(tx, other)
    assert news is not None and news.round == 1 and news.state == "signing"
    since = len(centre.wecom.inbox(EDITOR))
    await click(centre, EDITOR, f"wn:send:{other}")
    again = seen(centre, EDITOR, since)
    assert "已送网站审签（新闻" not in again and again.strip(), again


@pytest.fixture
async def planned(db: Database, clock: FakeClock) -> AsyncIterator[tuple[Rig, int, list[str]]]:
    """A focus campaign's plan approved by all but the last of the leading group; the office
    and that leader also on WeCom, where they wrote last; the rig, the campaign, the units."""
    cast = await make_cast(db)
    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    template = TEMPLATES["county"]
    campaign_id = await plan_focus(db, cast, template, TODAY + timedelta(days=template.notice_days))
    *first, last = cast.leaders
    clock.now += timedelta(seconds=1)
    async with db.transaction() as tx:
        await people.add_account(tx, cast.office.id, Account(WECOM, OFFICE), actor_id=None)
        await people.add_account(tx, last.id, Account(WECOM, "zuizhong"), actor_id=None)
    await cs.submit_plan(db, cast.office, ZONE, campaign_id)
    for step, leader in enumerate(first, 1):
        await cs.decide_plan(db, leader, ZONE, campaign_id, round_=1, step=step, approve=True)
    async with FakeWeComApi(clock=lambda: clock.now.timestamp()) as api:
        client = WeComClient(api.corp_id, api.secret, api.agent_id, base_url=api.base_url)
        channel = WeComChannel(client, db, wecom_texts("zh"))
        await channel.start()
        config = CallbackConfig(corp_id=api.corp_id, token=TOKEN, encoding_aes_key=AES_KEY)
        async with (
            serving(callback_app(db, config), "127.0.0.1", 0) as port,
            aiohttp.ClientSession() as http,
        ):
            url = f"http://127.0.0.1:{port}/wecom/callback"
            crypt = MsgCrypt(TOKEN, AES_KEY, api.corp_id)
            dispatcher = Dispatcher(db, rules, channel)
            rig = Rig(db, rules, api, channel, dispatcher, url, crypt, clock, http)
            api.on_callback(rig.sink)
            await rig.settle()
            async with db.reading() as tx:
                lines = await campaigns.units_of(tx, campaign_id)
                found = [await units.get_unit(tx, line.unit_id) for line in lines]
            yield rig, campaign_id, [unit.name for unit in found if unit is not None]
        await channel.stop()


async def test_the_office_on_wecom_gets_each_units_survey_words_when_the_campaign_starts(
    planned: tuple[Rig, int, list[str]],
) -> None:
    """The last leader approves the plan on WeCom; the campaign runs, and the office, reached
    on WeCom, gets one message with each unit's 「测评 <token>」 (no QR code, which would open
    Telegram), once; each word opens that unit's survey."""
    rig, campaign_id, names = planned
    assert newest(rig, "zuizhong", ca.Decide) is not None, rig.shown("zuizhong")[-2:]
    await press(rig, "zuizhong", ca.Decide)
    async with rig.db.reading() as tx:
        tokens = list((await campaign_survey.links(tx, campaign_id)).values())
        trail = await audit.audit_trail(tx, "campaign", campaign_id)
    said = [d for d in rig.api.inbox(OFFICE) if "民主测评口令" in (d.text or "")]
    assert len(said) == 1 and all(d.msgtype == "text" for d in said), rig.shown(OFFICE)
    assert not [d for d in rig.api.inbox(OFFICE) if d.msgtype == "image"]
    for name in names:
        assert f"{name}：「测评 " in said[0].text, said[0].text
    assert tokens and all(f"「测评 {token}」" in said[0].text for token in tokens)
    worded = [json.loads(e.detail) for e in trail if e.action == "campaign.survey_words"]
    assert worded == [{"units": len(names)}]


@pytest.fixture
async def both(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot serving both emulators, as `baosong run` serves them."""
    async with centre_running(server, settings, ledger, clock) as found:
        yield found


async def test_telegrams_announce_is_held_to_the_narrowest_limits_when_both_are_served(
    both: Centre,
) -> None:
    """With WeCom served beside it, Telegram's /announce takes what one WeCom message holds
    (628 Chinese characters with the heading and signature, not Telegram's 3,500), as
    「发通知」 on WeCom does; the text of the limit arrives in one WeCom message."""
    assert both.app.bot_data.capabilities == narrowest(TELEGRAM_LIMITS, WECOM_LIMITS)
    limit = announce.text_limit(both.app.bot_data.capabilities)
    assert limit == 628
    editor = both.person(TELEGRAM, "zhaomin", "赵敏")
    await editor.join("综合科", Role.EDITOR)
    reader = both.person(WECOM, "wangfang", "王芳")
    await reader.join("市人社局窗口", Role.INFORMANT)
    await editor.say("/announce")
    assert "最多 628 字" in await editor.say("通" * (limit + 1))
    await editor.say("通" * limit)
    await editor.press("预览")
    await editor.press("✅ 发送")
    got = [d for d in both.wecom.inbox("wangfang") if "通" * 100 in (d.text or "")]
    assert len(got) == 1 and len(got[0].text.encode()) <= 2048, [d.text[:30] for d in got]
    assert got[0].text.endswith("—— 赵敏"), got[0].text[-20:]
