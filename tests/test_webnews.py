"""Website news (中心新闻, 第七条) end to end: register → routing → sign-off → return → resend →
approve → publish with a URL → one adoption at the website outlet; plus the service's edges."""

from __future__ import annotations

from datetime import date

import pytest

from bot.settings.loader import load_settings
from bot.settings.schema import Settings
from bot.wiring import centre_rules
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import adoptions, audit, people, routes, webnews
from storage.db import Database
from storage.models import Person
from tests.conftest import tg_account
from tests.flow import (
    JSON,
    REPO,
    TOKEN,
    bulletin_line,
    button_data,
    buttons,
    load_units,
    settle,
    texts_of,
)
from tests.test_flows import join, say, submit_quickly, tap
from workflow import centre, submission
from workflow import webnews as flow
from workflow.figures import month_report
from workflow.outcomes import Refused
from workflow.rules import CentreRules

WEBSITE = "市政务服务中心网站"
BRIEF = "《工作简报》"
PROVINCE = "省政务服务中心"
URL = "https://zwfw.example.gov.cn/news/2026/1015.html"


def carrier(user: FakeUser, data: str) -> JSON:
    """The user's newest message with this button."""
    return next(m for m in reversed(user.received()) if data in buttons(m).values())


async def answer_of(server: FakeBotApi, bot: BotApp, update: dict[str, object]) -> str:
    """The alert text a press got."""
    await settle(server, bot)
    query = update["callback_query"]
    assert isinstance(query, dict)
    return str((await server.wait_for_answer(str(query["id"])))["text"])


async def test_register_route_sign_return_resend_approve_publish(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    leader = server.user(105, "孙强")
    deputy = server.user(106, "钱进")
    netadmin = server.user(107, "吴网")
    await join(server, bot, informant, "综合科", "informant")  # a section head: no chain
    await join(server, bot, editor, "办公室", "editor")
    await join(server, bot, leader, "办公室", "centre_leader")
    await join(server, bot, deputy, "办公室", "centre_leader")
    await join(server, bot, netadmin, "办公室", "network_admin")
    await submit_quickly(server, bot, informant)  # category measures: the first hint

    # Registering shows the routing suggestion, the hint's outlets pre-checked.
    await tap(server, bot, editor, editor.received()[-1], "ed:reg:1")
    suggestion = editor.received()[-1]
    assert "去向建议" in str(suggestion["text"])
    assert "类别相符" in str(suggestion["text"])
    shown = buttons(suggestion)
    assert f"✅ {WEBSITE}" in shown
    assert f"✅ {PROVINCE}" in shown
    assert f"⬜ {BRIEF}" in shown
    assert button_data(suggestion, "ed:rt:1:9:ok")  # bits 0 (website) and 3 (province)

    # The editor drops the province and adds the brief, then confirms.
    await tap(server, bot, editor, suggestion, "ed:rt:1:9:3")
    suggestion = editor.received()[-1]
    assert f"⬜ {PROVINCE}" in buttons(suggestion)
    await tap(server, bot, editor, suggestion, "ed:rt:1:1:1")
    suggestion = editor.received()[-1]
    answer = await tap(server, bot, editor, suggestion, "ed:rt:1:3:ok")
    assert "去向已确认" in answer["text"]
    assert f"已确认去向：{WEBSITE}、{BRIEF}" in str(editor.received()[-2]["text"])
    assert "候选稿" in texts_of(editor)[-1]
    assert "已送网站审签" in texts_of(editor)[-1]
    again = await editor.click(suggestion, "ed:rt:1:3:ok", forged=True)
    assert "没有变化" in await answer_of(server, bot, again)
    async with ledger.reading() as tx:
        chosen = {r.outlet for r in await routes.routes_of(tx, 1)}
        news = await webnews.news_of_item(tx, 1)
    assert chosen == {WEBSITE, BRIEF}
    assert news is not None
    assert (news.state, news.round) == ("signing", 1)

    # Every centre leader is asked; one returns it with a reason.
    for person in (leader, deputy):
        request = person.received()[-1]
        assert "请审签中心网站新闻 #1" in str(request["text"])
        assert set(buttons(request).values()) == {"wn:a:1:1", "wn:r:1:1"}
    old_request = deputy.received()[-1]
    request = leader.received()[-1]
    await tap(server, bot, leader, request, "wn:r:1:1")
    assert "退回网站新闻 #1 的原因" in texts_of(leader)[-1]
    shown_back = await say(server, bot, leader, "标题要写明成效")  # confirm first
    assert "请确认退回网站新闻 #1" in shown_back and "标题要写明成效" in shown_back
    assert "标题要写明成效" not in texts_of(editor)[-1]  # nothing happened yet
    confirm = leader.received()[-1]
    assert set(buttons(confirm).values()) == {"wn:c:1:1", "wn:x:1:1"}
    await tap(server, bot, leader, confirm, "wn:c:1:1")
    assert "已退回" in texts_of(leader)[-1]
    again = await leader.click(confirm, "wn:c:1:1", forged=True)  # a second press: refused
    assert "这个确认已失效" in await answer_of(server, bot, again)
    returned = editor.received()[-1]
    assert "标题要写明成效" in str(returned["text"])
    assert set(buttons(returned).values()) == {"ed:edit:1", "wn:s:1:1"}

    # The editor edits the item and resends: round 2 carries the edited text.
    await tap(server, bot, editor, returned, "ed:edit:1")
    await say(server, bot, editor, "“一窗通办”让群众少跑腿\n编辑后的正文。")
    more = editor.received()[-1]
    await tap(server, bot, editor, more, "ed:edok:1")
    await tap(server, bot, editor, returned, "wn:s:1:1")
    assert "第 2 轮" in texts_of(editor)[-1]
    resent = await editor.click(returned, "wn:s:1:1", forged=True)
    assert "此按钮已失效" in await answer_of(server, bot, resent)
    stale = await deputy.click(old_request, "wn:a:1:1")
    assert "此按钮已失效" in await answer_of(server, bot, stale)
    async with ledger.reading() as tx:
        news = await webnews.news_of_item(tx, 1)
    assert news is not None
    assert (news.state, news.round, news.heading) == ("signing", 2, "“一窗通办”让群众少跑腿")

    # Only a centre leader signs; the first approval counts, the second is told calmly.
    request = leader.received()[-1]
    outsider = await informant.click(request["message_id"], "wn:a:1:2", chat_id=105, forged=True)
    assert "只有中心分管领导" in await answer_of(server, bot, outsider)
    answer = await tap(server, bot, leader, request, "wn:a:1:2")
    assert "已同意发布" in answer["text"]
    assert "已同意发布（孙强）" in str(leader.received()[-1]["text"])
    late = await deputy.click(deputy.received()[-1], "wn:a:1:2")
    assert "孙强 审签同意" in await answer_of(server, bot, late)
    assert "等待网络管理员发布" in texts_of(editor)[-1]

    # The network admin publishes: a bad address is explained and loses nothing.
    publish = netadmin.received()[-1]
    assert "请在中心网站发布" in str(publish["text"])
    await tap(server, bot, netadmin, publish, button_data(publish, "wn:p:1:2"))
    assert "粘贴" in texts_of(netadmin)[-1]
    assert "不是有效的网址" in await say(server, bot, netadmin, "网站首页第三条")
    assert "不是有效的网址" in await say(server, bot, netadmin, "ftp://zwfw.example.gov.cn/1")
    async with ledger.reading() as tx:
        news = await webnews.news_of_item(tx, 1)
        assert await adoptions.adoptions_of(tx, 1) == []
    assert news is not None
    assert news.state == "approved"
    done = await say(server, bot, netadmin, URL)
    assert "已发布" in done
    assert "1 级，1 分" in done
    assert URL in texts_of(editor)[-1]
    assert f"被“{WEBSITE}”采用" in texts_of(informant)[-1]

    # A repeat press changes nothing.
    async with ledger.reading() as tx:
        before = await audit.audit_count(tx)
    repeat = await netadmin.click(publish, "wn:p:1:2", forged=True)
    assert "已由 吴网 发布" in await answer_of(server, bot, repeat)
    async with ledger.reading() as tx:
        adopted = await adoptions.adoptions_of(tx, 1)
        news = await webnews.news_of_item(tx, 1)
        assert await audit.audit_count(tx) == before
        trail = [e.action for e in await audit.audit_trail(tx, "web_news", 1)]
    assert [(a.outlet, a.level, a.points, a.reference) for a in adopted] == [(WEBSITE, 1, 1, URL)]
    assert news is not None
    assert (news.state, news.url, news.adoption_id) == ("published", URL, adopted[0].id)
    assert trail == ["web.propose", "web.return", "web.resend", "web.approve", "web.publish"]

    # The points show once in the unit's summary; nothing waits any more.
    assert "得分 1" in await say(server, bot, informant, "/unit")
    rules = bot.bot_data.rules
    report = await month_report(ledger, rules.policy, rules.zone, 2026, 10)
    assert "综合科：1.0 分" in bulletin_line(report, "综合科")  # and once in the monthly bulletin
    assert "没有待您处理" in await say(server, bot, editor, "/news")
    assert "没有待您处理" in await say(server, bot, netadmin, "/news")
    assert "您没有这些身份" in await say(server, bot, informant, "/news")


async def test_news_command_lists_and_sends(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    leader = server.user(105, "孙强")
    await join(server, bot, informant, "综合科", "informant")
    await join(server, bot, editor, "办公室", "editor")
    await submit_quickly(server, bot, informant)
    assert "还没有登记" in await say(server, bot, editor, "/news 1")
    await tap(server, bot, editor, carrier(editor, "ed:reg:1"), "ed:reg:1")
    assert "没有中心分管领导" in await say(server, bot, editor, "/news 1")
    assert "已在网站审签流程中" in await say(server, bot, editor, "/news #1")
    assert "用法" in await say(server, bot, editor, "/news abc")
    routes_button = carrier(editor, "ed:route:1")
    nosy = await informant.click(
        routes_button["message_id"], "ed:route:1", chat_id=104, forged=True
    )
    assert "只有中心信息员" in await answer_of(server, bot, nosy)
    await tap(server, bot, editor, routes_button, "ed:route:1")
    assert f"已确认的去向：{WEBSITE}" in texts_of(editor)[-1]
    assert "待审签" in await say(server, bot, editor, "/news")
    await join(server, bot, leader, "办公室", "centre_leader")
    listing = await say(server, bot, leader, "/news")
    assert "待审签：网站新闻 #1" in listing
    assert set(buttons(leader.received()[-1]).values()) == {"wn:a:1:1", "wn:r:1:1"}
    async with ledger.reading() as tx:
        chosen = [r.outlet for r in await routes.routes_of(tx, 1)]
    assert chosen == [WEBSITE]  # sending to the website records the route too


async def test_cancel_drops_an_awaited_url(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    leader = server.user(105, "孙强")
    netadmin = server.user(107, "吴网")
    await join(server, bot, informant, "综合科", "informant")
    await join(server, bot, editor, "办公室", "editor")
    await join(server, bot, leader, "办公室", "centre_leader")
    await join(server, bot, netadmin, "办公室", "network_admin")
    await submit_quickly(server, bot, informant)
    await tap(server, bot, editor, editor.received()[-1], "ed:reg:1")
    await say(server, bot, editor, "/news 1")
    await tap(server, bot, leader, leader.received()[-1], "wn:a:1:1")
    await tap(server, bot, netadmin, netadmin.received()[-1], "wn:p:1:1")
    assert "已取消" in await say(server, bot, netadmin, "/cancel")
    assert URL not in await say(server, bot, netadmin, URL)
    async with ledger.reading() as tx:
        news = await webnews.news_of_item(tx, 1)
    assert news is not None
    assert news.state == "approved"


# -- the service, without the chat


def shipped() -> Settings:
    """The shipped config.yaml (a token is required; it is never used here)."""
    return load_settings(REPO / "config.yaml", {"BAOSONG_BOT_TOKEN": TOKEN})


@pytest.fixture
def rules() -> CentreRules:
    """The shipped rules."""
    return centre_rules(shipped())


async def _crew(db: Database, rules: CentreRules) -> dict[str, Person]:
    """An informant of 综合科, an editor, a centre leader and a network admin."""
    found: dict[str, Person] = {}
    await load_units(db, shipped())
    async with db.transaction() as tx:
        for tg, name, unit_name, role in (
            (1, "informant", "综合科", "informant"),
            (2, "editor", "办公室", "editor"),
            (3, "leader", "办公室", "centre_leader"),
            (4, "netadmin", "办公室", "network_admin"),
        ):
            person = await people.ensure_person(tx, tg_account(tg), name)
            unit = await tx.fetchone("SELECT id FROM units WHERE name = ?", (unit_name,))
            assert unit is not None
            await people.grant_role(tx, person.id, int(unit["id"]), Role(role), None)
            found[name] = person
    return found


async def _registered_item(db: Database, rules: CentreRules, crew: dict[str, Person]) -> int:
    """A section item at the centre, registered."""
    async with db.reading() as tx:
        unit = await tx.fetchone("SELECT id FROM units WHERE name = '综合科'")
    assert unit is not None
    draft = submission.Draft(
        unit_id=int(unit["id"]),
        category="public_work",
        title="政策解读",
        body="正文。",
        event_date=date(2026, 10, 14),
    )
    item = (await submission.submit(db, rules, crew["informant"], draft)).item
    await centre.register(db, crew["editor"], item.id)
    return item.id


async def test_publishing_keeps_an_earlier_website_adoption(
    db: Database, rules: CentreRules
) -> None:
    crew = await _crew(db, rules)
    item_id = await _registered_item(db, rules, crew)
    earlier = await centre.adopt(
        db, rules, crew["editor"], item_id, outlet_name=WEBSITE, adopted_on=date(2026, 10, 15)
    )
    sent = await flow.send(db, rules, crew["editor"], item_id)
    await flow.decide(db, crew["leader"], sent.news.id, 1, approve=True)
    with pytest.raises(Refused) as refused:
        await flow.publish(db, rules, crew["netadmin"], sent.news.id, 1, "http://")
    assert refused.value.key == "web_bad_url"
    published = await flow.publish(db, rules, crew["netadmin"], sent.news.id, 1, URL)
    assert published.adoption is None
    assert published.news.adoption_id == earlier.adoption.id
    async with db.reading() as tx:
        assert len(await adoptions.adoptions_of(tx, item_id)) == 1


async def test_only_the_right_people_and_rounds(db: Database, rules: CentreRules) -> None:
    crew = await _crew(db, rules)
    item_id = await _registered_item(db, rules, crew)
    with pytest.raises(Refused, match="not_editor"):
        await flow.send(db, rules, crew["leader"], item_id)
    sent = await flow.send(db, rules, crew["editor"], item_id)
    with pytest.raises(Refused, match="web_not_leader"):
        await flow.decide(db, crew["editor"], sent.news.id, 1, approve=True)
    with pytest.raises(Refused, match="web_return_needs_reason"):
        await flow.decide(db, crew["leader"], sent.news.id, 1, approve=False, reason=" \u200b ")
    with pytest.raises(Refused, match="web_stale"):
        await flow.decide(db, crew["leader"], sent.news.id, 2, approve=True)
    with pytest.raises(Refused, match="web_stale"):
        await flow.check_publishable(db, crew["netadmin"], sent.news.id, 1)
    with pytest.raises(Refused, match="web_not_network_admin"):
        await flow.check_publishable(db, crew["leader"], sent.news.id, 1)
    await flow.decide(db, crew["leader"], sent.news.id, 1, approve=False, reason="再改改")
    with pytest.raises(Refused, match="web_stale"):
        await flow.resend(db, rules, crew["editor"], sent.news.id, 2)
    again = await flow.resend(db, rules, crew["editor"], sent.news.id, 1)
    assert again.news.round == 2


@pytest.mark.parametrize(
    "text",
    [
        "https://zwfw.example.gov.cn/a.html",
        "http://10.0.0.8:8080/news?id=3",
        "  HTTPS://example.org/x  ",
    ],
)
def test_good_urls(text: str) -> None:
    assert flow.check_url(text) == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "example.org/x",
        "ftp://example.org/x",
        "https://",
        "https://exa mple.org",
        "javascript:alert(1)",
        "http://example.org:99999/",
        "https://example.org/" + "a" * 400,
    ],
)
def test_bad_urls(text: str) -> None:
    with pytest.raises(Refused):
        flow.check_url(text)


async def test_an_edit_sends_news_under_review_back_and_says_why(
    db: Database, rules: CentreRules
) -> None:
    crew = await _crew(db, rules)
    item_id = await _registered_item(db, rules, crew)
    sent = await flow.send(db, rules, crew["editor"], item_id)
    await flow.decide(db, crew["leader"], sent.news.id, 1, approve=True)
    await centre.edit(
        db,
        rules,
        crew["editor"],
        item_id,
        title="政策解读（修订）",
        body="修订后的正文。",
        then=flow.restart_in,
    )
    async with db.reading() as tx:
        news = await webnews.get_news(tx, sent.news.id)
        queued = await tx.fetchall("SELECT purpose, person_id FROM outbox ORDER BY id")
    assert news is not None and (news.state, news.round) == ("signing", 2)
    assert (news.heading, news.body) == ("政策解读（修订）", "修订后的正文。")
    purposes = {(str(r["purpose"]), int(r["person_id"])) for r in queued}
    assert (f"notice:web_sign_again:{news.id}:2", crew["leader"].id) in purposes
    assert (f"notice:web_publish_held:{news.id}:1", crew["netadmin"].id) in purposes
    with pytest.raises(Refused) as stale:  # the approved round no longer holds
        await flow.publish(db, rules, crew["netadmin"], news.id, 1, URL)
    assert stale.value.key in {"web_stale", "web_not_approved"}
    # Returned news is not under review: an edit leaves it for 重新送审.
    await flow.decide(db, crew["leader"], news.id, 2, approve=False, reason="标题再改")
    await centre.edit(
        db, rules, crew["editor"], item_id, title="再改", body="再改的正文。", then=flow.restart_in
    )
    async with db.reading() as tx:
        kept = await webnews.get_news(tx, news.id)
    assert kept is not None and (kept.state, kept.round) == ("returned", 2)
