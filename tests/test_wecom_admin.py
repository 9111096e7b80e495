"""WeCom admins end to end over HTTP (issue 13): sealed callbacks posted to the callback app,
the dispatcher answering 「单位」「未落实信息员」「撤销角色」「更正」「发通知」「通知送达」
by the channel-neutral commands and the engine's /announce, the replies sent through the
outbox to the WeCom emulator; a member who is no admin is refused as on Telegram."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

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
from chat.channel import MemoryChannel
from delivery import outbox as delivery
from sandbox.wecom.server import FakeWeComApi
from scoring.vocab import AT_CENTRE, Role
from storage import announcements, outbox, people, units
from storage.db import Database
from storage.models import TELEGRAM, Account, Person
from tests.conftest import FakeClock
from tests.flow import REPO, load_units
from tests.test_wecom_commands import delivered, expected, member
from tests.test_wecom_dispatch import AES_KEY, TOKEN, WINDOW, Rig
from workflow import periods, submission
from workflow.commands import admin as admin_commands

WECOM = "wecom"
ADMIN = "laoli"  # listed in config.yaml's admins as wecom:LaoLi; never joined
SECTION = "综合科"


@pytest.fixture
async def rig(db: Database, clock: FakeClock) -> AsyncIterator[Rig]:
    """The emulator, the callback server and a dispatcher; a WeCom admin configured."""
    settings = load_settings(REPO / "config.yaml", {})
    await load_units(db, settings)
    admins = (Account(TELEGRAM, "9001"), Account(WECOM, ADMIN))
    rules = dataclasses.replace(centre_rules(settings), admins=admins)
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
            found = Rig(
                db, rules, api, channel, Dispatcher(db, rules, channel), url, crypt, clock, http
            )
            api.on_callback(found.sink)
            yield found
        await channel.stop()


def test_a_configured_wecom_admin_is_their_lower_cased_userid(tmp_path: Path) -> None:
    """`admins: ["wecom:LaoLi"]` names the WeCom account "laoli" (callbacks lower-case userids),
    beside the Telegram ids."""
    path = tmp_path / "config.yaml"
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("admins: []", 'admins: [9001, "wecom:LaoLi"]'), encoding="utf-8")
    rules = centre_rules(load_settings(path, {}))
    assert rules.admins == (Account(TELEGRAM, "9001"), Account(WECOM, "laoli"))


async def says(rig: Rig, userid: str, text: str) -> str:
    """What a member is shown after sending a text."""
    since = len(rig.api.inbox(userid))
    await rig.say(userid, text)
    await rig.settle()
    return delivered(rig, userid, since)


async def clicks(rig: Rig, userid: str, label: str) -> str:
    """The member clicks the button labelled so on the latest card that has one; what they
    are shown next."""
    for d in reversed(rig.api.inbox(userid)):
        if d.msgtype != "template_card":
            continue
        for button in d.content.get("button_list", []):
            if str(button["text"]) == label:
                since = len(rig.api.inbox(userid))
                await rig.api.press(userid, str(d.content["task_id"]), str(button["key"]))
                await rig.settle()
                return delivered(rig, userid, since)
    raise AssertionError(f"no card button {label!r} for {userid}")


def number_of(shown: str, label: str) -> str:
    """The number a numbered menu gives the choice labelled so."""
    for line in shown.splitlines():
        if (m := re.fullmatch(r"(\d+)\. (.+)", line.strip())) and m[2] == label:
            return m[1]
    raise AssertionError(f"no choice {label!r} in {shown}")


async def person_of(rig: Rig, account: Account) -> Person:
    """The ledger's person behind an account."""
    async with rig.db.reading() as tx:
        found = await people.person_by_account(tx, account)
    assert found is not None
    return found


async def telegram_informant(rig: Rig, unit_name: str, tg_id: str, name: str) -> Person:
    """An informant who joined on Telegram."""
    async with rig.db.transaction() as tx:
        person = await people.ensure_person(tx, Account(TELEGRAM, tg_id), name)
        unit = await units.unit_by_name(tx, unit_name)
        assert unit is not None
        await people.grant_role(tx, person.id, unit.id, Role.INFORMANT, person.id)
    return person


async def test_a_configured_admin_lists_units_and_those_without_an_informant(rig: Rig) -> None:
    """「单位」 from the configured admin (who never joined) lists every unit with its people,
    as the neutral command says it; 「未落实信息员」 leaves out the unit that has one."""
    await member(rig, "wangfang", Role.INFORMANT)
    shown = await says(rig, ADMIN, "单位")
    admin = await person_of(rig, Account(WECOM, ADMIN))  # made a person when they wrote
    assert shown.startswith("单位与人员："), shown
    assert f"{WINDOW}：wangfang（信息员）" in shown, shown
    account = Account(WECOM, ADMIN)
    answer = await admin_commands.list_units(rig.db, rig.rules, account, [])
    for line in await expected(rig, answer):
        assert line in shown, (line, shown)
    missing = await says(rig, ADMIN, "未落实信息员")
    assert missing.startswith("未落实信息员的单位"), missing
    assert f"· {SECTION}" in missing and f"· {WINDOW}" not in missing, missing
    assert admin.name == ADMIN


async def test_a_member_who_is_no_admin_is_refused_as_on_telegram(rig: Rig) -> None:
    """An informant's 「单位」「撤销角色」「更正 …」 get what Telegram says to a non-admin, and
    「发通知」 and 「通知送达」 that only admins and editors announce (each past WeCom's
    half hour in which the same text is not shown twice)."""
    await member(rig, "wangfang", Role.INFORMANT)
    refused = wecom_texts("zh")("refused.ann_not_allowed")
    for word, said in (
        ("单位", "只有管理员可以这样操作。"),
        ("未落实信息员", "只有管理员可以这样操作。"),
        ("撤销角色", "只有管理员可以这样操作。"),
        ("更正 12 省政务服务中心 2026-10-01 漏登", "只有管理员可以这样操作。"),
        ("发通知", refused),
        ("通知送达", refused),
    ):
        rig.clock.now += timedelta(minutes=31)
        assert await says(rig, "wangfang", word) == said, word
    async with rig.db.reading() as tx:
        assert await announcements.recent_announcements(tx, 10) == []


async def test_the_admin_revokes_a_role_after_confirming_and_the_holder_is_told(rig: Rig) -> None:
    """「撤销角色」 offers each role held; the click shows it back with ✅ 确认 / ✖️ 取消, and only
    确认 ends the role; the admin reads it once and the holder is told."""
    wangfang = await member(rig, "wangfang", Role.INFORMANT)
    menu = await says(rig, ADMIN, "撤销角色")
    assert "点击要撤销的身份" in menu, menu
    label = f"{WINDOW} · wangfang · 信息员"
    asked = await clicks(rig, ADMIN, label)
    assert "请确认撤销 wangfang" in asked and "✅ 确认" in asked, asked
    async with rig.db.reading() as tx:
        assert [g.role for g in await people.active_roles(tx, wangfang.id)] == [Role.INFORMANT]
    told = len(rig.api.inbox("wangfang"))
    done = await clicks(rig, ADMIN, "✅ 确认")
    assert done.count("已撤销：wangfang") == 1, done
    async with rig.db.reading() as tx:
        assert await people.active_roles(tx, wangfang.id) == []
    assert delivered(rig, "wangfang", told), "the holder is told"
    again = await clicks(rig, ADMIN, "✅ 确认")  # the same card clicked again
    assert again == "该身份已经撤销过了。", again


async def test_the_admin_records_a_correction_of_a_closed_month(rig: Rig) -> None:
    """「更正 N 渠道 日期 原因」 records an adoption in a closed month and says so, as /correct
    does; a malformed one gets the usage."""
    author = await telegram_informant(rig, SECTION, "501", "王芳")  # a section: no chain
    async with rig.db.reading() as tx:
        unit = await units.unit_by_name(tx, SECTION)
    assert unit is not None
    draft = submission.Draft(unit.id, "measures", "一窗通办上线", "正文。", date(2026, 10, 14))
    item = (await submission.submit(rig.db, rig.rules, author, draft)).item
    assert item.state in AT_CENTRE
    rig.clock.now = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    await periods.close(rig.db, rig.rules, "2026-10")
    usage = await says(rig, ADMIN, "更正 12")
    assert usage.startswith("用法（仅用于已通报结算的月份）"), usage
    outlet = next(iter(rig.rules.outlets))
    shown = await says(rig, ADMIN, f"更正 {item.id} {outlet} 2026-10-20 月末采用漏登")
    assert shown.startswith(f"已更正：补录 #{item.id} 在“{outlet}”的采用（2026-10-20"), shown
    async with rig.db.reading() as tx:
        rows = await tx.fetchall(
            "SELECT c.period, c.kind, a.item_id, c.recorded_by FROM corrections c"
            " JOIN adoptions a ON a.id = c.adoption_id"
        )
    admin = await person_of(rig, Account(WECOM, ADMIN))
    assert [tuple(r) for r in rows] == [("2026-10", "adoption", item.id, admin.id)]


async def test_an_announcement_reaches_both_channels_and_its_delivery_is_shown(rig: Rig) -> None:
    """「发通知」 on WeCom: the prompt offers a photo (no files), the text, the audience as
    numbered replies (信息员, all units), the preview card and 发送; a WeCom and a Telegram
    informant each get it once, and 「通知送达」 shows who was reached."""
    await member(rig, "wangfang", Role.INFORMANT)
    await telegram_informant(rig, SECTION, "501", "王芳")
    prompt = await says(rig, ADMIN, "发通知")
    assert "发布通知" in prompt and "不能向应用发送文件" in prompt, prompt
    audience = await says(rig, ADMIN, "请各单位本周五前报送本月信息。")
    assert "选择接收对象" in audience and "请回复数字" in audience, audience
    assert "当前符合条件：2 人" in audience, audience  # informants, all units: the default
    chosen = await says(rig, ADMIN, number_of(audience, "▫️ 中心主要领导"))
    assert "当前符合条件：2 人" in chosen and "✅ 中心主要领导" in chosen, chosen  # nobody holds it
    preview = await says(rig, ADMIN, number_of(chosen, "预览 ▶"))
    assert "请核对通知" in preview and "请各单位本周五前报送本月信息。" in preview, preview
    queued = await clicks(rig, ADMIN, "✅ 发送")
    assert "已提交，正在发送给 2 人" in queued, queued
    telegram = MemoryChannel(name=TELEGRAM)
    await delivery.drain({WECOM: rig.channel, TELEGRAM: telegram}, rig.db, rig.rules)
    reached = [d.text or "" for d in rig.api.inbox("wangfang")]
    assert sum("请各单位本周五前报送本月信息。" in t for t in reached) == 1, reached
    assert len(telegram.to("501")) == 1
    async with rig.db.reading() as tx:
        [listed] = await announcements.recent_announcements(tx, 10)
        counts = await announcements.delivery_counts(tx, listed.id)
    assert counts["sent"] == 2, counts
    report = await says(rig, ADMIN, "通知送达")
    assert f"#{listed.id}" in report and "2/2" in report, report
    one = await says(rig, ADMIN, f"通知送达 {listed.id}")
    assert "发送情况" in one and "全部送达" in one, one
    again = await clicks(rig, ADMIN, "🔄 刷新")
    assert "发送情况" in again, again


async def test_an_announcement_text_too_long_for_wecom_is_refused_and_asked_again(
    rig: Rig,
) -> None:
    """The text must fit one WeCom message (2,048 bytes) as well as Telegram's: a longer one
    is refused with the limit, and the text is asked again; nothing is queued."""
    await says(rig, ADMIN, "发通知")
    refused = await says(rig, ADMIN, "通" * 629)
    assert "最多 628 字" in refused, refused
    async with rig.db.reading() as tx:
        assert not await outbox.due(tx, TELEGRAM)
