"""End-to-end: announcements (第八条) and /guide, through the real bot and the fake Bot API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.settings.schema import Settings
from bot.wiring import centre_rules
from channels.telegram.app import BotApp
from chat.capabilities import TELEGRAM, WECOM, narrowest
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role, UnitKind
from storage import announcements, audit, items
from storage.db import Database
from tests.conftest import FakeClock, tg_account
from tests.flow import ADMIN, JSON, button_data, buttons, running, settle
from tests.flow import texts_of as all_texts
from tests.test_flows import join, say, submit_quickly, tap
from workflow import announce, joining
from workflow.announce import Audience, Draft
from workflow.outcomes import Refused

WINDOW = "市人社局窗口"
TOWNSHIPS = ("城关镇便民服务中心", "东岭乡便民服务中心", "河口镇便民服务中心")
PDF = b"%PDF-1.4 training material"


def last(user: FakeUser) -> JSON:
    """The newest message the bot shows the user."""
    return user.received()[-1]


def with_button(user: FakeUser, prefix: str) -> JSON:
    """The newest message of the user's chat carrying a button whose data starts with prefix."""
    for message in reversed(user.received()):
        if any(data.startswith(prefix) for data in buttons(message).values()):
            return message
    raise AssertionError(f"no message with a {prefix!r} button")


async def answer_of(server: FakeBotApi, app: BotApp, update: JSON) -> str:
    """The bot's answer (alert text) to a press already enqueued."""
    await settle(server, app)
    return str((await server.wait_for_answer(update["callback_query"]["id"])).get("text") or "")


async def test_file_to_township_informants_once_with_report(
    server: FakeBotApi, settings: Settings, ledger: Database
) -> None:
    admin = server.user(ADMIN, "管理员")
    informants = [server.user(201 + i, f"乡镇信息员{i}") for i in range(3)]
    window_informant = server.user(101, "王芳")
    township_leader = server.user(210, "乡镇主任")
    editor = server.user(104, "赵敏")
    async with running(settings, ledger) as app:
        for user, unit in zip(informants, TOWNSHIPS, strict=True):
            await join(server, app, user, unit, "informant")
        await join(server, app, window_informant, WINDOW, "informant")
        await join(server, app, township_leader, TOWNSHIPS[0], "leader")
        await join(server, app, editor, "综合科", "editor")
        before = {u.id: u.sent_count() for u in [*informants, window_informant, township_leader]}
        before[editor.id] = editor.sent_count()

        # The admin (configured, never joined) starts and sends a training file.
        assert "发布通知" in await say(server, app, admin, "/announce")
        await admin.send_document("培训材料.pdf", "application/pdf", PDF)
        await settle(server, app)
        assert "请输入通知正文" in all_texts(admin)[-1]
        audience = await say(server, app, admin, "信息员培训：10月20日上午9点，三楼会议室。")
        assert "选择接收对象" in audience
        assert "信息员" in audience
        await tap(server, app, admin, last(admin), "an:k:township")
        chosen = str(last(admin)["text"])  # the same message, edited in place
        assert "乡镇便民服务中心" in chosen
        assert "当前符合条件：3 人" in chosen

    # The flow survives a restart between choosing and previewing.
    async with running(settings, ledger) as app:
        await tap(server, app, admin, with_button(admin, "an:pv"), "an:pv")
        preview = str(last(admin)["text"])
        assert "将发送给 3 人" in preview
        for user in informants:
            assert user.first_name in preview
        shown = admin.received()[-2]  # the file exactly as it will go out
        assert "document" in shown
        assert "信息员培训" in str(shown["caption"])
        informants[2].block()  # one recipient blocked the bot meanwhile

        # 发送, pressed twice before the bot answers: one announcement, one message each.
        send = button_data(last(admin), "an:ok:")
        first = await admin.click(last(admin), send)
        second = await admin.click(last(admin), send)
        await settle(server, app)
        assert await answer_of(server, app, first) == ""
        assert "已失效" in await answer_of(server, app, second)
        queued = next(t for t in all_texts(admin) if "通知 #1 已提交" in t)
        assert "3 人" in queued
        replay = await admin.click(with_button(admin, "an:rp:1"), send, forged=True)
        assert "已失效" in await answer_of(server, app, replay)

        for user in informants[:2]:
            got = user.received()[before[user.id] :]
            assert len(got) == 1
            assert got[0]["document"]["file_name"] == "培训材料.pdf"
            assert server.file_bytes(got[0]["document"]["file_id"]) == PDF
            assert "信息员培训" in str(got[0]["caption"])
            assert "市政务服务中心通知" in str(got[0]["caption"])
        assert informants[2].sent_count() == before[informants[2].id]
        for user in (window_informant, township_leader, editor):
            assert user.sent_count() == before[user.id]

        # The delivery report: numbers and who was not reached.
        report = await say(server, app, admin, "/announced 1")
        assert "共 3 人：已送达 2 · 待发送 0 · 失败 1 · 不确定 0" in report
        assert "乡镇信息员2（发送失败）" in report
        assert "乡镇信息员0" not in report
        await tap(server, app, admin, with_button(admin, "an:rp:1"), "an:rp:1")
        assert "已送达 2" in all_texts(admin)[-1]
        listing = await say(server, app, admin, "/announced")
        assert "#1" in listing
        assert "已送达 2/3" in listing

        # A non-editor can neither announce nor read reports.
        assert "只有管理员和中心信息员" in await say(server, app, window_informant, "/announce")
        assert "只有管理员和中心信息员" in await say(server, app, window_informant, "/announced 1")
        peek = await window_informant.click(
            with_button(admin, "an:rp:1"), "an:rp:1", chat_id=ADMIN, forged=True
        )
        assert "只有管理员和中心信息员" in await answer_of(server, app, peek)

    async with ledger.reading() as tx:
        stored = await announcements.recent_announcements(tx)
        rows = await announcements.deliveries(tx, 1)
        trail = [entry.action for entry in await audit.audit_trail(tx, "announcement", 1)]
    assert len(stored) == 1
    assert stored[0].file_kind == "document"
    assert stored[0].audience_data["kinds"] == ["township"]
    assert sorted(int(r.address) for r in rows) == sorted(u.id for u in informants)
    assert trail == ["announce.create"]


async def test_editor_text_to_chosen_units_leaders(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    editor = server.user(104, "赵敏")
    leader = server.user(103, "张伟")
    other_leader = server.user(105, "李强")
    informant = server.user(101, "王芳")
    await join(server, bot, editor, "综合科", "editor")
    await join(server, bot, leader, WINDOW, "leader")
    await join(server, bot, other_leader, TOWNSHIPS[0], "leader")
    await join(server, bot, informant, WINDOW, "informant")
    before = {u.id: u.sent_count() for u in (leader, other_leader, informant)}
    await say(server, bot, editor, "/announce")
    assert "不能为空" in await say(server, bot, editor, "\u200b ")
    await say(server, bot, editor, "请各位分管领导审阅本月信息。")
    aud = last(editor)
    await tap(server, bot, editor, aud, "an:r:informant")  # off
    await tap(server, bot, editor, aud, "an:r:leader")  # on
    assert "当前符合条件：2 人" in str(last(editor)["text"])
    await tap(server, bot, editor, aud, "an:u")
    picked = next(data for label, data in buttons(last(editor)).items() if WINDOW in label)
    await tap(server, bot, editor, aud, picked)
    assert f"✅ {WINDOW}" in buttons(last(editor))
    await tap(server, bot, editor, aud, "an:ub")
    assert "1 个单位" in str(last(editor)["text"])
    await tap(server, bot, editor, aud, "an:pv")
    preview = str(last(editor)["text"])
    assert "将发送给 1 人：张伟" in preview
    assert "请各位分管领导审阅本月信息" in preview
    await tap(server, bot, editor, last(editor), button_data(last(editor), "an:ok:"))
    got = leader.received()[before[leader.id] :]
    assert len(got) == 1
    assert "请各位分管领导审阅本月信息" in str(got[0]["text"])
    assert "赵敏" in str(got[0]["text"])
    assert other_leader.sent_count() == before[other_leader.id]
    assert informant.sent_count() == before[informant.id]

    # Cancelled: nothing stored, nothing sent.
    await say(server, bot, editor, "/announce")
    await say(server, bot, editor, "作废的通知")
    await tap(server, bot, editor, last(editor), "an:x")
    assert "已取消" in all_texts(editor)[-1]
    async with ledger.reading() as tx:
        assert len(await announcements.recent_announcements(tx)) == 1
    assert leader.sent_count() == before[leader.id] + 1

    # An editor who is also an informant, in the middle of /submit, finishes that first.
    await join(server, bot, editor, "综合科", "informant")
    await say(server, bot, editor, "/submit")
    assert "正在填写的信息报送" in await say(server, bot, editor, "/announce")
    assert "已取消" in await say(server, bot, editor, "/cancel")
    assert "发布通知" in await say(server, bot, editor, "/announce")


async def test_guide_shows_topics_deadline_and_chain(server: FakeBotApi, bot: BotApp) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    count = informant.sent_count()
    await informant.send_text("/guide")
    await settle(server, bot)
    parts = all_texts(informant)[count:]
    guide = "\n".join(parts)
    for label in ("贯彻落实上级决策部署", "文化建设", "调研报告"):
        assert label in guide
    assert "2 个工作日" in guide
    assert "标题" in guide and "导语" in guide and "一事一报" in guide
    assert "撰写 → 窗口负责人审签 → 分管领导审签 → 报送市政务服务中心" in guide
    assert "每条 4 分" in guide
    assert all(len(part) < 4096 for part in parts)
    admin = server.user(ADMIN, "管理员")  # configured, never joined: every kind's chain
    count = admin.sent_count()
    await admin.send_text("/guide")
    await settle(server, bot)
    chains = next(t for t in all_texts(admin)[count:] if "审签流程" in t)
    assert "乡镇便民服务中心：撰写 → 分管领导审签 → 报送市政务服务中心" in chains
    assert "中心科室：撰写后直接报送市政务服务中心" in chains
    assert "中心科室其他工作人员：撰写 → 信息员审签" in chains
    stranger = server.user(5, "路人")
    assert "还没有加入任何单位" in await say(server, bot, stranger, "/guide")


async def test_publish_once_per_draft_and_person(ledger: Database, settings: Settings) -> None:
    rules = centre_rules(settings)

    async def person(tg: int, unit: str, role: Role) -> None:
        invite, _ = await joining.create_invite(ledger, rules, unit_name=unit, role=role)
        await joining.redeem(
            ledger, invite.code, account=tg_account(tg), name=f"用户{tg}", username=None
        )

    await person(301, TOWNSHIPS[0], Role.INFORMANT)
    await person(301, TOWNSHIPS[1], Role.INFORMANT)  # two townships: still one message
    await person(302, WINDOW, Role.INFORMANT)  # not a township
    await person(303, "综合科", Role.EDITOR)  # a centre role: whatever the units
    audience = Audience(
        roles=(Role.INFORMANT, Role.EDITOR), scope="kinds", kinds=(UnitKind.TOWNSHIP,)
    )
    draft = Draft(token="t1", text="培训通知", audience=audience)
    published = await announce.publish(
        ledger,
        rules,
        account=tg_account(ADMIN),
        name="管理员",
        username=None,
        draft=draft,
        caption_head="",
        channel=TELEGRAM,
    )
    assert published.recipients == 2
    with pytest.raises(Refused) as again:  # the same draft confirmed again (a replay)
        await announce.publish(
            ledger,
            rules,
            account=tg_account(ADMIN),
            name="管理员",
            username=None,
            draft=draft,
            caption_head="",
            channel=TELEGRAM,
        )
    assert again.value.key == "ann_already_sent"
    with pytest.raises(Refused) as stranger:
        await announce.publish(
            ledger,
            rules,
            account=tg_account(302),
            name="用户302",
            username=None,
            draft=Draft(token="t2", text="x", audience=audience),
            caption_head="",
            channel=TELEGRAM,
        )
    assert stranger.value.key == "ann_not_allowed"
    async with ledger.reading() as tx:
        rows = await announcements.deliveries(tx, published.announcement.id)
        counts = await announcements.delivery_counts(tx, published.announcement.id)
        assert len(await announcements.recent_announcements(tx)) == 1
    assert sorted(int(r.address) for r in rows) == [301, 303]
    assert counts == {"sent": 0, "pending": 2, "failed": 0, "uncertain": 0}


async def test_announce_takes_the_text_after_an_abandoned_edit_wait(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    """An editor who pressed 修改 on an item and then started /announce: the next text is the
    announcement's, and the item is left as it was."""
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    await join(server, bot, informant, "综合科", "informant")  # a section head: no chain
    await join(server, bot, editor, "办公室", "editor")
    await submit_quickly(server, bot, informant)
    await tap(server, bot, editor, editor.received()[-1], "ed:edit:1")
    assert "第一行是标题" in all_texts(editor)[-1]
    await say(server, bot, editor, "/announce")
    await say(server, bot, editor, "通知标题\n请各单位按时报送。")
    assert any(data.startswith("an:r:") for data in buttons(last(editor)).values())
    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
    assert item is not None and item.title == "市人社局窗口推行“一窗通办”"


def test_an_announcement_fits_the_channels_limits_passed_in() -> None:
    """The limits come from the declared capabilities: Telegram's give today's 3,500
    characters of text and a caption of 1,000 with its heading; adding a channel whose
    messages hold less (WeCom: 2,048 bytes, files without captions) lowers both."""
    assert announce.text_limit(TELEGRAM) == 3500
    assert announce.caption_limit(TELEGRAM, "📢 通知") == 1000 - len("📢 通知") - 2 == 994
    assert announce.check_text("字" * 3500, TELEGRAM) == "字" * 3500
    with pytest.raises(Refused) as long:
        announce.check_text("字" * 3501, TELEGRAM)
    assert (long.value.key, long.value.params["limit"]) == ("ann_too_long", 3500)
    with pytest.raises(Refused) as caption:
        announce.check_text("字" * 995, TELEGRAM, caption_head="📢 通知")
    assert (caption.value.key, caption.value.params["limit"]) == ("ann_caption_too_long", 994)
    both = narrowest(TELEGRAM, WECOM)
    assert announce.text_limit(both) == (2048 - announce.FRAME_BYTES) // 3 == 628
    assert announce.caption_limit(both, "📢 通知") == announce.text_limit(both)
    assert announce.caption_limit(WECOM, "📢 通知") == announce.text_limit(WECOM)
    assert announce.check_text("字" * 628, both) == "字" * 628
    with pytest.raises(Refused):
        announce.check_text("字" * 629, both)
    with pytest.raises(Refused) as emoji:  # four bytes each: counted by the bytes they take
        announce.check_text("🙂" * 500, both)
    assert emoji.value.params["length"] == 667


STICKER: JSON = {
    "sticker": {
        "file_id": "CAACAgIAAxkBAAI",
        "file_unique_id": "AgAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
}


async def test_announce_stands_beside_other_commands_and_answers_what_is_not_its_own(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    """Other commands leave an announcement being prepared, it does not expire, a sticker or
    a stray text gets told what is awaited, a caption too long keeps the photo, /cancel ends
    it alone."""
    editor = server.user(104, "赵敏")
    informant = server.user(101, "王芳")
    await join(server, bot, editor, "综合科", "editor")
    await join(server, bot, informant, WINDOW, "informant")
    await say(server, bot, editor, "/announce")
    server._user_message(editor.id, editor, STICKER, None)
    await settle(server, bot)
    assert "请输入通知正文，或发送图片、文件" in all_texts(editor)[-1]
    assert "/help" in await say(server, bot, editor, "/help")
    clock.now += timedelta(hours=2)
    count = editor.sent_count()
    await editor.send_photo(caption="字" * 1000)
    await settle(server, bot)
    said = all_texts(editor)[count:]
    assert len(said) == 2 and "带附件的通知" in said[0] and "已收到图片" in said[1]
    assert "选择接收对象" in await say(server, bot, editor, "培训通知：周五下午。")
    assert "请点击上面消息中的按钮" in await say(server, bot, editor, "再补一句")
    await editor.send_photo()
    await settle(server, bot)
    assert "请点击上面消息中的按钮" in all_texts(editor)[-1]
    await tap(server, bot, editor, with_button(editor, "an:pv"), "an:pv")
    shown = editor.received()[-2]  # the photo as it will go out, then the preview
    assert "photo" in shown and "培训通知：周五下午。" in str(shown["caption"])
    assert "将发送给 1 人：王芳" in str(last(editor)["text"])
    assert "已取消，通知没有发送。" in await say(server, bot, editor, "/cancel")
    assert "当前没有进行中的操作" in await say(server, bot, editor, "/cancel")
    preview = with_button(editor, "an:ok:")  # still there: /cancel leaves the buttons
    stale = await editor.click(preview, button_data(preview, "an:ok:"))
    assert "已失效" in await answer_of(server, bot, stale)
    assert informant.received()[-1].get("caption") is None  # nothing was sent
