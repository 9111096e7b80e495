"""What a walk through every role's journey in the sandbox found, fixed, on both emulators."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings.schema import Settings
from chat.actions import campaign as ca
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import campaign_scores, items, units
from storage.db import Database
from tests.campaign_cast import TEMPLATES
from tests.conftest import FakeClock
from tests.people import CHANNELS, TELEGRAM, Centre, Someone, centre_running
from tests.test_wecom_campaigns import ASSESSOR, CITIZEN, Running
from tests.test_wecom_campaigns import asks as wecom_asks
from tests.test_wecom_campaigns import press as wecom_press
from tests.test_wecom_campaigns import running as running_campaign
from workflow import campaign_survey
from workflow.campaign_survey import survey_word

running = running_campaign  # the WeCom campaign tests' fixture: a campaign under way

WINDOW = "市人社局窗口"
SECTION = "综合科"
TITLE = "市人社局窗口推行帮办代办服务"
BODY = "近日，市人社局窗口推出帮办代办服务，累计服务群众300余人次。"


@pytest.fixture
async def centre(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot serving both emulators."""
    async with centre_running(server, settings, ledger, clock) as found:
        yield found


async def submitted(centre: Centre, channel: str) -> Someone:
    """王芳 submits an item on the channel, typing 完成 after its body (as WeCom members do)."""
    informant = centre.person(channel, "wangfang", "王芳")
    await informant.join(WINDOW, Role.INFORMANT)
    await informant.command("submit")
    await informant.press("主要措施和创新做法")
    await informant.say(TITLE)
    assert "共 31 字" in await informant.say(BODY)
    assert "哪天发生" in await informant.say("完成。")  # the button's word, typed
    await informant.say("2026-10-14")
    preview = await informant.press("跳过")
    assert "请核对" in preview and f"{BODY}\n\n附件" in preview  # no 完成 line after it
    assert "已报送，编号 #1" in await informant.press("确认报送")
    return informant


@pytest.mark.parametrize("channel", CHANNELS)
async def test_typed_done_ends_a_body_and_is_not_kept(centre: Centre, channel: str) -> None:
    """完成 typed after a body's parts ends the body (it was kept as a line of the body); an
    editor's rewrite sent in parts ends the same way."""
    await submitted(centre, channel)
    async with centre.db.reading() as tx:
        item = await items.get_item(tx, 1)
    assert item is not None and item.body == BODY

    # Typed before any body, it is refused as an empty body, not kept.
    other = centre.person(channel, "chenjing", "陈静")
    await other.join(WINDOW, Role.INFORMANT)
    await other.command("submit")
    await other.press("主要措施和创新做法")
    await other.say("标题")
    assert "正文不能为空" in await other.say("完成")


async def at_centre(centre: Centre, channel: str) -> Someone:
    """王芳's item signed by both steps and at the centre; its editor 赵敏, who is returned."""
    informant = centre.person(channel, "wangfang", "王芳")
    head = centre.person(channel, "liming", "李明")
    leader = centre.person(channel, "zhangwei", "张伟")
    editor = centre.person(channel, "zhaomin", "赵敏")
    await informant.join(WINDOW, Role.INFORMANT)
    await head.join(WINDOW, Role.WINDOW_HEAD)
    await leader.join(WINDOW, Role.LEADER)
    await editor.join(SECTION, Role.EDITOR)
    await informant.command("submit")
    await informant.press("主要措施和创新做法")
    await informant.say(TITLE)
    await informant.say(BODY)
    await informant.press("完成")
    await informant.say("2026-10-14")
    await informant.press("跳过")
    await informant.press("确认报送")
    await head.press("同意")
    await leader.press("同意")
    return editor


@pytest.mark.parametrize("channel", CHANNELS)
async def test_typed_done_ends_an_editors_rewrite(centre: Centre, channel: str) -> None:
    """An editor's rewrite in two parts ends with 完成 typed; the item keeps both parts only."""
    editor = await at_centre(centre, channel)
    assert "修改后的全文" in await editor.press("修改")
    assert "已收到正文" in await editor.say(f"{TITLE}\n{BODY}")
    assert "已收到正文" in await editor.say("第二段。")
    assert "已按编辑稿修改" in await editor.say("完成")
    async with centre.db.reading() as tx:
        item = await items.get_item(tx, 1)
    assert item is not None and item.body == f"{BODY}\n第二段。"


async def test_a_score_out_of_range_names_the_check_by_its_number(running: Running) -> None:
    """A group member's points outside a check's range are refused naming the check as the
    questions count it (第 1 项), not by the ledger's id; a word is refused with an example."""
    rig = running.rig
    rig.clock.now = running.onsite
    await wecom_asks(rig, ASSESSOR, "考核")
    shown = await wecom_press(rig, ASSESSOR, ca.ScoreUnit)
    first = TEMPLATES["county"].check(TEMPLATES["county"].check_ids()[0])
    assert first is not None and "评分 1/" in shown, shown
    refused = await wecom_asks(rig, ASSESSOR, str(first.max_points + 1))
    assert f"第 1 项的得分须在 0 到 {first.max_points} 之间" in refused, refused
    assert "." not in refused.split("的得分")[0], refused  # no `section.check` id
    assert "请输入数字，如 5 或 4.5" in await wecom_asks(rig, ASSESSOR, "五")
    assert "评分 2/" in await wecom_asks(rig, ASSESSOR, "1")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_refused_date_says_what_to_type_instead(centre: Centre, channel: str) -> None:
    """An impossible work date, a day still to come and an adoption dated before the item
    reached the centre are each refused saying what to type instead (the adoption's not told
    to give a work date)."""
    informant = centre.person(channel, "chenjing", "陈静")
    await informant.join(WINDOW, Role.INFORMANT)
    await informant.command("submit")
    await informant.press("主要措施和创新做法")
    await informant.say(TITLE)
    await informant.say(BODY)
    await informant.press("完成")
    impossible = await informant.say("13月40日")
    assert "不是有效的日期。请重新输入，如 11月20日、11.20 或 2026-11-20" in impossible
    assert "还没有到。请输入今天或以前的日期" in await informant.say("2099-01-05")

    editor = await at_centre(centre, channel)
    await editor.press("登记采用")
    await editor.press("市政务服务中心网站")
    assert "请输入采用日期" in await editor.press("改采用日期")
    refused = await editor.say("2026-10-01")
    assert "不能早于报送到中心的日期" in refused and "请重新输入" in refused, refused
    future = await editor.say("2099-01-05")
    assert "请输入今天或以前的日期" in future and "工作日期" not in future, future


async def test_skip_typed_in_the_survey_is_no_comment(running: Running) -> None:
    """跳过 typed where the survey offers its 跳过 button (a WeCom member reading the card's
    word) thanks and keeps no comment; it was kept as the comment "跳过"."""
    rig, cast, campaign_id = running.rig, running.cast, running.campaign_id
    links = await campaign_survey.links(rig.db, cast.office, campaign_id)
    token = next(link.token for link in links if link.unit_id == cast.window)
    assert "满意" in await wecom_asks(rig, CITIZEN, survey_word(token))
    assert "没有请点“跳过”" in await wecom_press(rig, CITIZEN, ca.SurveyAnswer)
    assert "感谢您参加民主测评" in await wecom_asks(rig, CITIZEN, "跳过")
    async with rig.db.reading() as tx:
        comments = await campaign_scores.survey_comments(tx, campaign_id, cast.window)
    assert comments == [], comments


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_old_button_of_a_sent_draft_is_stale_not_forbidden(
    centre: Centre, channel: str
) -> None:
    """A date button of a draft already sent, pressed again, is answered as passed (WeCom
    said 您没有权限执行这个操作, which sends an informant to the admin for nothing)."""
    informant = await submitted(centre, channel)
    shown = await informant.press("今天")
    assert "没有权限" not in shown, shown
    if channel == TELEGRAM:
        assert "这份草稿已经提交、取消或超时" in shown, shown
    else:
        assert "这个按钮已失效" in shown, shown


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_long_body_cut_in_the_preview_is_said_to_be_kept(
    centre: Centre, channel: str
) -> None:
    """A body longer than the card shows, sent in parts, is previewed cut with a line saying
    how long it is and that all of it is kept (it stopped at \"…\", as if the rest were lost);
    a short one has no such line."""
    informant = centre.person(channel, "wangfang", "王芳")
    await informant.join(WINDOW, Role.INFORMANT)
    await informant.command("submit")
    await informant.press("主要措施和创新做法")
    await informant.say(TITLE)
    for part in "甲乙丙":  # each part short enough for a WeCom member's message
        await informant.say(part * 600)
    await informant.press("完成")
    await informant.say("2026-10-14")
    preview = await informant.press("跳过")
    assert "正文共 1802 字，已全部收下；这里只显示前 1500 字" in preview, preview
    assert "已报送，编号 #1" in await informant.press("确认报送")
    async with centre.db.reading() as tx:
        item = await items.get_item(tx, 1)
    assert item is not None and len(item.body) == 1802

    await informant.command("submit")
    await informant.press("主要措施和创新做法")
    await informant.say(TITLE)
    await informant.say(BODY)
    await informant.press("完成")
    await informant.say("2026-10-14")
    assert "已全部收下" not in await informant.press("跳过")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_units_without_an_informant_come_in_the_units_order(
    centre: Centre, channel: str
) -> None:
    """未落实信息员 lists the units in the order every list of units keeps (the bulletin's,
    /units'), not by the code points of their names."""
    admin = centre.person(channel, "sunta", "孙涛")
    await admin.join(None, Role.ADMIN)
    shown = await admin.say("/noinformant" if channel == TELEGRAM else "未落实信息员")
    async with centre.db.reading() as tx:
        ordered = [u.name for u in await units.list_units(tx)]
    listed = [line.removeprefix("· ") for line in shown.splitlines() if line.startswith("· ")]
    assert listed == ordered and len(listed) > 2, shown
    assert listed != sorted(listed), listed  # the centre's names are not in code point order


@pytest.mark.parametrize("channel", CHANNELS)
async def test_skip_or_done_typed_where_files_are_asked_goes_on(
    centre: Centre, channel: str
) -> None:
    """Where files are asked, 跳过 typed goes on to the preview, as 完成 typed does after a
    photo (both were answered 请发送照片或文件，或点击“完成” while the button said 跳过); any
    other text still asks for a file, naming both buttons."""
    informant = centre.person(channel, "wangfang", "王芳")
    await informant.join(WINDOW, Role.INFORMANT)
    await informant.command("submit")
    await informant.press("主要措施和创新做法")
    await informant.say(TITLE)
    await informant.say(BODY)
    await informant.press("完成")
    assert "可以发送照片或文件" in await informant.say("2026-10-14")
    wanted = await informant.say("稍后补照片")
    assert "请发送照片或文件；发完点击“完成”，没有附件点击“跳过”" in wanted, wanted
    preview = await informant.say("跳过")
    assert "请核对" in preview and "附件：0 个" in preview, preview
    assert "已报送，编号 #1" in await informant.press("确认报送")

    await informant.command("submit")
    await informant.press("主要措施和创新做法")
    await informant.say(TITLE)
    await informant.say(BODY)
    await informant.press("完成")
    await informant.say("2026-10-14")
    assert "已添加附件 1 个" in await informant.photo()
    preview = await informant.say("完成")
    assert "请核对" in preview and "附件：1 个" in preview, preview
