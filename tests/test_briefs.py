"""《工作简报》 end to end over the fake Bot API: draft, review, return, revise, sign, distribute.

Long because every step of an issue's life is driven through the same cast and drafting
helpers, in order; splitting would copy them into each part.
"""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import docx
import pytest

from bot.documents import briefdoc
from bot.settings.loader import load_settings
from bot.settings.schema import Settings
from bot.wiring import centre_rules
from channels.telegram.app import BotApp
from channels.telegram.context import Context
from channels.telegram.handlers.dialogue import reply_keyboard
from chat import capabilities
from chat.dialogue import Reply
from chat.texts import Texts
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState, Role
from storage import adoptions, audit, briefs, items, outbox, units
from storage.db import Database
from storage.models import TELEGRAM
from tests.conftest import tg_account
from tests.flow import (
    ADMIN,
    JSON,
    REPO,
    bulletin_line,
    button_data,
    buttons,
    flow_settings,
    invite_code,
    load_units,
    running,
    settle,
    texts_of,
)
from workflow import briefs as flow
from workflow import centre, joining, submission
from workflow.briefs import BriefContent
from workflow.dialogues.briefs import menu_buttons
from workflow.figures import month_report
from workflow.outcomes import Refused

SECTION = "综合科"  # its informant submits straight to the centre
OFFICE = "办公室"
GROUP = -1001234


@pytest.fixture
async def settings(server: FakeBotApi, ledger: Database, tmp_path: Path) -> Settings:
    """Config pointed at the fake server, issues also going to one group; units loaded."""
    config = flow_settings(server, tmp_path / "bot.db")
    publishing = config.publishing.model_copy(update={"brief_chat_ids": (GROUP,)})
    config = config.model_copy(update={"publishing": publishing})
    await load_units(ledger, config)
    return config


async def say(server: FakeBotApi, app: BotApp, user: FakeUser, text: str) -> str:
    """The user writes; returns the bot's newest message text in their chat."""
    await user.send_text(text)
    await settle(server, app)
    return texts_of(user)[-1]


async def tap(server: FakeBotApi, app: BotApp, user: FakeUser, message: JSON, data: str) -> JSON:
    """The user presses a button (forged: it may be on an older message); returns the answer."""
    update = await user.click(message, data, forged=True)
    await settle(server, app)
    return await server.wait_for_answer(update["callback_query"]["id"])


async def join(server: FakeBotApi, app: BotApp, user: FakeUser, unit: str, role: str) -> None:
    """The admin makes an invite and the user opens it."""
    admin = server.user(ADMIN, "管理员")
    reply = await say(server, app, admin, f"/invite {unit} {role}")
    await say(server, app, user, f"/start {invite_code(reply)}")


async def submit(server: FakeBotApi, app: BotApp, user: FakeUser, title: str, body: str) -> None:
    """A section informant submits an item (no sign-off chain: it reaches the centre)."""
    await say(server, app, user, "/submit")
    await tap(server, app, user, user.received()[-1], "sub:cat:measures")
    await say(server, app, user, title)
    await say(server, app, user, body)
    await tap(server, app, user, user.received()[-1], "sub:body:done")
    await say(server, app, user, "2026-10-14")
    await tap(server, app, user, user.received()[-1], "sub:files:done")
    await tap(server, app, user, user.received()[-1], "sub:ok")


def last_with_buttons(user: FakeUser, prefix: str) -> JSON:
    """The newest message in the user's chat carrying a button whose data starts with prefix."""
    for message in reversed(user.received()):
        if any(data.startswith(prefix) for data in buttons(message).values()):
            return message
    raise AssertionError(f"no message with a {prefix!r} button: {texts_of(user)[-3:]}")


def documents(messages: list[JSON]) -> list[JSON]:
    """The document messages among these."""
    return [m for m in messages if "document" in m]


def docx_lines(server: FakeBotApi, message: JSON) -> list[str]:
    """The non-empty paragraphs of a delivered .docx."""
    data = server.file_bytes(message["document"]["file_id"])
    return [p.text for p in docx.Document(BytesIO(data)).paragraphs if p.text.strip()]


async def test_draft_review_return_revise_sign_distribute(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    leader = server.user(105, "周中心")
    chief = server.user(106, "吴主任")
    group = server.group(GROUP, "中心简报群")
    await join(server, bot, informant, SECTION, "informant")
    await join(server, bot, editor, OFFICE, "editor")
    await join(server, bot, leader, OFFICE, "centre_leader")
    await join(server, bot, chief, OFFICE, "main_leader")
    await submit(server, bot, informant, "综合科推行“帮办代办”", "综合科推行帮办代办服务。")
    await submit(server, bot, informant, "综合科“周末不打烊”", "周末照常办件。\n群众好评。")

    # Item 2 was already adopted by the bulletin outlet by hand: issuing must not count it again.
    await tap(server, bot, editor, editor.received()[-1], "ed:adopt:2")
    outlets = editor.received()[-1]
    await tap(server, bot, editor, outlets, button_data(outlets, "ed:out:2:1"))
    assert "《工作简报》" in texts_of(editor)[-1]

    # The editor drafts issue no. 1.
    menu = await say(server, bot, editor, "/brief")
    assert "第1期" in menu and "草稿" in menu and "2026-10-15" in menu
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:add")
    shown = "\n".join(texts_of(editor)[-3:])
    assert "#1 综合科推行“帮办代办”" in shown
    assert "#2" not in shown  # already adopted by the bulletin: not offered
    assert "输入要加入的信息编号" in texts_of(editor)[-1]
    assert "看不懂" in await say(server, bot, editor, "第一条")
    assert "没有编号为 #99" in await say(server, bot, editor, "1 99")
    await say(server, bot, editor, "#1，2")
    menu = texts_of(editor)[-1]
    assert "已加入 2 条" in texts_of(editor)[-2]
    assert "1. 综合科推行“帮办代办”" in menu and "2. 综合科“周末不打烊”" in menu

    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:h:1")
    assert "现在的标题" in texts_of(editor)[-1]
    await say(server, bot, editor, "综合科帮办代办让群众少跑腿")
    assert "已修改第 1 条" in texts_of(editor)[-2]
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:b:2")
    await say(server, bot, editor, "综合科周末照常办件。\n当月办件 300 余件。")
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:dn:1")
    menu = texts_of(editor)[-1]
    assert menu.index("综合科“周末不打烊”") < menu.index("综合科帮办代办让群众少跑腿")

    # A date before the items reached the centre is refused at sending; then it is put back.
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:date")
    assert "日期：2026-10-16" in await say(server, bot, editor, "2026-10-16")  # dated ahead
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:date")
    await say(server, bot, editor, "2026-10-14")
    answer = await tap(server, bot, editor, editor.received()[-1], "bf:d:1:send")
    assert "早于信息" in answer["text"]
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:date")
    await say(server, bot, editor, "10月15日")
    assert "第1期" in texts_of(editor)[-2]
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:send")
    assert "已送审" in texts_of(editor)[-1]

    # The centre leader in charge returns it with a reason.
    request = last_with_buttons(leader, "bf:a:1:1:rv")
    assert "请审核《工作简报》2026年第1期" in str(request["text"])
    assert "综合科帮办代办让群众少跑腿" in str(request["text"])
    assert "赵敏" in str(request["text"])
    asked = await tap(server, bot, leader, request, "bf:r:1:1:rv")
    assert "退回第1期的原因" in texts_of(leader)[-1], asked
    shown_back = await say(server, bot, leader, "第二条请补充办件数据")
    assert "请确认退回第1期" in shown_back and "第二条请补充办件数据" in shown_back
    confirm = leader.received()[-1]
    answer = await tap(server, bot, leader, confirm, "bf:c:1:1:rv")
    assert "已退回第1期" in str(answer["text"])
    returned = last_with_buttons(editor, "bf:open:1")
    assert "第二条请补充办件数据" in str(returned["text"])
    assert "周中心" in str(returned["text"])

    # The editor revises and resends: round 2.
    await tap(server, bot, editor, returned, "bf:open:1")
    menu = texts_of(editor)[-1]
    assert "已退回" in menu and "第二条请补充办件数据" in menu and "周中心" in menu
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:b:2")
    await say(server, bot, editor, "综合科周末照常办件。\n当月办件 300 余件，群众满意率 99%。")
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:send")
    assert "已送审" in texts_of(editor)[-1]

    # The old round's buttons, and an editor pressing a leader's button, change nothing.
    stale = await tap(server, bot, leader, request, "bf:a:1:1:rv")
    assert "已经处理过" in stale["text"]
    intruder = await tap(server, bot, editor, request, "bf:a:1:2:rv")
    assert "只有中心分管领导" in intruder["text"]

    request = last_with_buttons(leader, "bf:a:1:2:rv")
    answer = await tap(server, bot, leader, request, "bf:a:1:2:rv")
    assert "已审核通过" in answer["text"]
    assert "已审核通过（周中心）" in str(leader.received()[-1]["text"])  # edited in place
    assert "审核通过" in texts_of(editor)[-1]

    # The main leader signs: the document goes out, adoptions are recorded.
    signing = last_with_buttons(chief, "bf:a:1:2:sg")
    assert "请签发《工作简报》2026年第1期" in str(signing["text"])
    answer = await tap(server, bot, chief, signing, "bf:a:1:2:sg")
    assert "已签发第1期" in answer["text"]
    proofs = {
        person.id: [
            m["document"]["file_name"] for m in documents(person.received()) if "清样" in str(m)
        ]
        for person in (editor, leader, chief)
    }
    assert proofs == {
        editor.id: [],
        leader.id: [
            "工作简报2026年第1期清样（第1轮）.docx",
            "工作简报2026年第1期清样（第2轮）.docx",
        ],
        chief.id: ["工作简报2026年第1期清样（第2轮）.docx"],
    }
    for person in (editor, leader, chief):
        delivered = [m for m in documents(person.received()) if "清样" not in str(m)]
        assert len(delivered) == 1, person
        assert "工作简报》2026年第1期" in str(delivered[0]["caption"])
    sent = documents(group.received())
    assert len(sent) == 1
    assert sent[0]["document"]["file_name"] == "工作简报2026年第1期.docx"
    lines = docx_lines(server, sent[0])
    assert lines[:3] == ["工作简报", "第1期", "市政务服务中心\t2026年10月15日"]
    first, second = lines.index("综合科“周末不打烊”"), lines.index("综合科帮办代办让群众少跑腿")
    assert first < second
    assert "当月办件 300 余件，群众满意率 99%。" in lines
    assert "报：省政务服务中心" in lines
    assert any(line.startswith("发：") for line in lines)
    assert "签发并分发" in "\n".join(texts_of(editor)[-3:])
    assert "被“《工作简报》”采用" in "\n".join(texts_of(informant)[-3:])

    # A second press on 签发 changes nothing.
    again = await tap(server, bot, chief, signing, "bf:a:1:2:sg")
    assert "已经处理过" in again["text"]
    assert len(documents(group.received())) == 1

    async with ledger.reading() as tx:
        issued = await briefs.get_brief(tx, 1)
        first_item = await items.get_item(tx, 1)
        taken = [a for item_id in (1, 2) for a in await adoptions.adoptions_of(tx, item_id)]
        decisions = await briefs.decisions_of(tx, 1)
        trail = [entry.action for entry in await audit.audit_trail(tx, "brief", 1)]
        pending = await outbox.due(tx, TELEGRAM)
    assert issued is not None and issued.state == "issued" and issued.round == 2
    assert issued.file_key is not None
    assert first_item is not None and first_item.state is ItemState.REGISTERED
    assert sorted((a.item_id, a.outlet, a.points) for a in taken) == [
        (1, "《工作简报》", 1),
        (2, "《工作简报》", 1),
    ]
    by_issue = [a for a in taken if a.reference == "第1期"]
    assert [(a.item_id, a.adopted_on.isoformat()) for a in by_issue] == [(1, "2026-10-15")]
    assert [(d.round, d.step, d.approve) for d in decisions] == [
        (1, "review", False),
        (2, "review", True),
        (2, "sign", True),
    ]
    assert trail.count("brief.issue") == 1
    assert "brief.send" in trail and "brief.return" in trail
    assert pending == []

    # Points appear once in the unit's figures: 1 (issue) + 1 (by hand), not 3.
    summary = await say(server, bot, informant, "/unit")
    assert "得分 2" in summary
    rules = bot.bot_data.rules
    report = await month_report(ledger, rules.policy, rules.zone, 2026, 10)
    assert f"{SECTION}：2.0 分" in bulletin_line(
        report, SECTION
    )  # once in the monthly bulletin too

    # /briefs lists it; the document can be fetched again.
    listing = await say(server, bot, editor, "/briefs")
    assert "2026年第1期" in listing and "已签发" in listing
    await tap(
        server, bot, editor, editor.received()[-1], button_data(editor.received()[-1], "bf:get:1")
    )
    assert len(documents(editor.received())) == 2
    refused = await say(server, bot, informant, "/briefs")
    assert "只有中心信息员和中心领导" in refused


async def test_drafting_survives_a_restart_and_outsiders_are_refused(
    server: FakeBotApi, settings: Settings, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    async with running(settings, ledger) as app:
        await join(server, app, informant, SECTION, "informant")
        await join(server, app, editor, OFFICE, "editor")
        await submit(server, app, informant, "综合科推行“帮办代办”", "综合科推行帮办代办服务。")
        assert "只有中心信息员" in await say(server, app, informant, "/brief")
        await say(server, app, editor, "/brief")
        await tap(server, app, editor, editor.received()[-1], "bf:d:1:add")
    async with running(settings, ledger) as app:
        await say(server, app, editor, "1")  # the question asked before the restart
        assert "1. 综合科推行“帮办代办”" in texts_of(editor)[-1]
        answer = await tap(server, app, editor, editor.received()[-1], "bf:d:1:send")
        assert "没有“中心分管领导”" in answer["text"]
        await tap(server, app, editor, editor.received()[-1], "bf:d:1:h:1")
        assert "第1期" in await say(server, app, editor, "/cancel")  # back at the menu
        assert "已取消输入" in texts_of(editor)[-2]
        assert "已保存" in await say(server, app, editor, "/cancel")
        assert "第1期" in await say(server, app, editor, "/brief")  # the same draft again
        await tap(server, app, editor, editor.received()[-1], "bf:d:1:drop")
        await tap(server, app, editor, editor.received()[-1], "bf:d:1:dropok")
        assert "已作废" in texts_of(editor)[-1]
        late = await tap(server, app, editor, editor.received()[-3], "bf:d:1:add")
        assert "不能再修改" in late["text"]
        assert "第1期" in await say(server, app, editor, "/brief")  # the number is free again
    async with ledger.reading() as tx:
        assert [b.state for b in await briefs.list_briefs(tx)] == ["draft"]


async def test_a_return_given_up_or_kept_and_a_menu_that_wants_its_buttons(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    editor = server.user(104, "赵敏")
    leader = server.user(105, "周中心")
    await join(server, bot, editor, OFFICE, "editor")
    await join(server, bot, leader, OFFICE, "centre_leader")
    await say(server, bot, editor, "/brief")
    await editor.send_photo()  # a photo at the menu: the buttons are pointed at
    await settle(server, bot)
    assert "请使用上面的按钮" in texts_of(editor)[-1]
    assert "请使用上面的按钮" in await say(server, bot, editor, "1")
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:date")
    await editor.send_photo()  # where text is asked
    await settle(server, bot)
    assert "请输入文字" in texts_of(editor)[-1]
    await say(server, bot, editor, "10月14日")
    answer = await tap(server, bot, editor, editor.received()[-1], "bf:d:1:send")
    assert "还没有信息" in answer["text"]  # refused: the menu stays
    assert "请使用上面的按钮" in await say(server, bot, editor, "送审")
    async with ledger.transaction() as tx:  # an issue in review, as a sent one would be
        await tx.execute("UPDATE briefs SET state = 'review', round = 1 WHERE id = 1")

    request = leader.received()[-1]  # any of theirs will do: the press is forged
    await tap(server, bot, leader, request, "bf:r:1:1:rv")
    assert "退回第1期的原因" in texts_of(leader)[-1]
    assert "已取消退回" in await say(server, bot, leader, "/cancel")
    assert "当前没有进行中的操作" in await say(server, bot, leader, "/cancel")
    await tap(server, bot, leader, request, "bf:r:1:1:rv")
    await say(server, bot, leader, "请补充")
    kept = await tap(server, bot, leader, leader.received()[-1], "bf:x:1:1:rv")
    assert "没有任何改变" in kept["text"]
    assert "已取消退回" in str(leader.received()[-1]["text"])  # noted under the question
    stale = await tap(server, bot, leader, leader.received()[-1], "bf:c:1:1:rv")
    assert "这个确认已失效" in stale["text"]
    async with ledger.reading() as tx:
        issue = await briefs.get_brief(tx, 1)
    assert issue is not None and issue.state == "review"


# The services directly: what the chat flow above does not reach.


async def test_signing_return_routing_order_and_issuing_once(ledger: Database) -> None:
    config = load_settings(REPO / "config.yaml", {})
    rules = centre_rules(config)
    await load_units(ledger, config)
    cast = {}
    for key, tg, unit, role in [
        ("informant", 101, SECTION, Role.INFORMANT),
        ("editor", 104, OFFICE, Role.EDITOR),
        ("leader", 105, OFFICE, Role.CENTRE_LEADER),
        ("chief", 106, OFFICE, Role.MAIN_LEADER),
    ]:
        invite, _ = await joining.create_invite(ledger, rules, unit_name=unit, role=role)
        joined = await joining.redeem(
            ledger, invite.code, account=tg_account(tg), name=key, username=None
        )
        cast[key] = joined.person
    async with ledger.reading() as tx:
        section = await units.unit_by_name(tx, SECTION)
    assert section is not None
    for title in ("第一条", "第二条", "第三条"):
        draft = submission.Draft(
            unit_id=section.id,
            category="measures",
            title=title,
            body=f"{title}的正文。",
            event_date=date(2026, 10, 14),
        )
        await submission.submit(ledger, rules, cast["informant"], draft)
    async with ledger.transaction() as tx:  # an editor routed item 1 to the bulletin (第六条)
        await tx.execute(
            "INSERT INTO item_routes (item_id, outlet, chosen_by, chosen_at) VALUES (1, ?, ?, ?)",
            (rules.publishing.brief_outlet, cast["editor"].id, tx.stamp),
        )

    rendered: list[BriefContent] = []

    async def render(content: BriefContent) -> bytes:
        rendered.append(content)
        return briefdoc.render(content)

    view = await flow.open_draft(ledger, rules, cast["editor"])
    offered = await flow.candidates(ledger, rules, cast["editor"], view.brief.id)
    assert [(c.item.id, c.routed) for c in offered] == [(1, True), (3, False), (2, False)]
    await flow.add_items(ledger, rules, cast["editor"], view.brief.id, [3, 1])
    with pytest.raises(Refused) as refused:
        await flow.approve_review(
            ledger, rules, cast["editor"], brief_id=view.brief.id, round_=1, render=render
        )
    assert refused.value.key == "brief_not_decider"
    await flow.send_for_review(ledger, rules, cast["editor"], view.brief.id, render=render)
    await flow.approve_review(
        ledger, rules, cast["leader"], brief_id=view.brief.id, round_=1, render=render
    )

    # The main leader returns it at signing; the resent issue is reviewed again (round 2).
    with pytest.raises(Refused) as refused:
        await flow.return_issue(
            ledger, cast["chief"], brief_id=view.brief.id, round_=1, step=flow.SIGN, reason=" "
        )
    assert refused.value.key == "return_needs_reason"
    back = await flow.return_issue(
        ledger, cast["chief"], brief_id=view.brief.id, round_=1, step=flow.SIGN, reason="换个标题"
    )
    assert (back.brief.state, back.brief.return_reason) == ("returned", "换个标题")
    assert [n.key for n in back.notices] == ["brief_returned"]
    await flow.edit_entry(ledger, rules, cast["editor"], view.brief.id, 3, heading="新标题")
    resent = await flow.send_for_review(ledger, rules, cast["editor"], view.brief.id, render=render)
    assert (resent.brief.state, resent.brief.round) == ("review", 2)
    await flow.approve_review(
        ledger, rules, cast["leader"], brief_id=view.brief.id, round_=2, render=render
    )
    # each step's 清样 was rendered as the issue stood, marked with its round
    assert [(c.proof_round, c.entries[0][0]) for c in rendered] == [
        (1, "第三条"),
        (1, "第三条"),
        (2, "新标题"),
        (2, "新标题"),
    ]
    rendered.clear()

    # Item 1 is adopted by the bulletin outlet by hand meanwhile: issuing skips it.
    await centre.adopt(
        ledger,
        rules,
        cast["editor"],
        1,
        outlet_name=rules.publishing.brief_outlet,
        adopted_on=date(2026, 10, 15),
    )
    issued = await flow.issue(
        ledger,
        rules,
        cast["chief"],
        brief_id=view.brief.id,
        round_=2,
        render=render,
        caption=lambda content: f"第{content.number}期",
    )
    assert (issued.adopted, issued.skipped) == (1, 1)
    assert [heading for heading, _ in rendered[0].entries] == ["新标题", "第一条"]
    with pytest.raises(Refused) as refused:
        await flow.issue(
            ledger,
            rules,
            cast["chief"],
            brief_id=view.brief.id,
            round_=2,
            render=render,
            caption=lambda content: "",
        )
    assert refused.value.key == "brief_already_decided"
    async with ledger.reading() as tx:
        live = [a for i in (1, 2, 3) for a in await adoptions.adoptions_of(tx, i)]
        queued = await outbox.due(tx, TELEGRAM)
    assert sorted((a.item_id, a.reference) for a in live) == [(1, None), (3, "第1期")]
    documents_queued = [
        m
        for m in queued
        if m.kind == "document" and json.loads(m.payload)["file"].startswith("brief:")
    ]
    assert sorted(int(m.address) for m in documents_queued) == [
        104,
        105,
        106,
    ]  # no group configured
    assert len(rendered) == 1  # the second try was refused before building anything


def test_the_menu_of_a_full_issue_fits_telegrams_keyboard() -> None:
    """workflow/ caps an issue at MAX_ENTRIES; the Telegram menu of such an issue (five buttons
    an entry, then six) fits what Telegram declares it may hold."""
    items = list(range(1, flow.MAX_ENTRIES + 1))
    menu = Reply("brief.menu", buttons=menu_buttons(1, items))
    context = cast(Context, SimpleNamespace(bot_data=SimpleNamespace(texts=Texts("zh"))))
    rows = reply_keyboard(context, menu).inline_keyboard
    assert sum(len(row) for row in rows) == 5 * flow.MAX_ENTRIES + 6
    assert sum(len(row) for row in rows) <= capabilities.TELEGRAM.buttons_per_message
    assert all(len(row) <= capabilities.TELEGRAM.buttons_per_row for row in rows)
    assert rows[-4][0].text == f"{flow.MAX_ENTRIES} 改标题"
    data = [b.callback_data for row in rows for b in row]
    assert all(len(str(d).encode()) <= capabilities.TELEGRAM.action_bytes for d in data)
