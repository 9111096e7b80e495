"""/submit's second start and a draft's 取消: a second /submit (or 修改后重报) while a draft
with content is open asks 继续上次草稿 / 放弃并重新开始, ✖️ 取消 of such a draft asks 确认取消 /
继续填写, a draft with nothing in it yet starts afresh or is dropped at once, and a stale or
repeated tap of these questions says it was already done. On the engine's in-memory channel
and over the fake Bot API."""

from __future__ import annotations

from channels.telegram.app import BotApp
from chat.actions import revise as rv
from chat.actions import submit as sub
from chat.dialogue.session import Inbound
from chat.memory import Sent
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState
from storage import items, sessions
from storage.db import Database
from tests import test_dialogue as base
from tests.flow import buttons, settle, texts_of
from tests.test_dialogue import channel, return_press, submit_item
from tests.test_dialogue_submit import aside
from tests.test_flows import WINDOW, join, say, tap
from workflow.rules import CentreRules

rules, cast = base.rules, base.cast  # the engine tests' fixtures: shipped rules, a cast


def keys(sent: list[Sent]) -> list[str]:
    """The catalogue keys of what was said (a cleared button row says nothing)."""
    return [s.reply.key for s in sent if s.reply is not None and s.reply.key]


async def test_a_second_submit_continues_or_starts_again(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    person = cast["informant"]
    await chat.command(person, "submit")
    again = await chat.command(person, "submit")  # nothing given yet: asked afresh at once
    assert keys(again) == ["submit.choose_category"]
    await chat.press(person, sub.PickCategory("measures"))
    await chat.text(person, "第一次的标题")
    asked = await chat.command(person, "submit")
    assert keys(asked) == ["submit.draft_open"]
    assert [label for row in asked[0].buttons for label, _ in row] == [
        "继续上次草稿",
        "放弃并重新开始",
    ]
    typed = await chat.text(person, "正文？")  # the question wants its buttons
    assert keys(typed) == ["submit.use_buttons"]
    resumed = await chat.press(person, asked[0].press("继续上次草稿"))
    assert keys(resumed) == ["submit.ask_body"]  # back where the draft was
    stale = await chat.press(person, asked[0].press("放弃并重新开始"))
    assert keys(stale) == ["submit.choice_done"]
    await chat.text(person, "第一次的正文。")
    async with db.reading() as tx:
        kept = await sessions.load(tx, person, aside(chat))
    assert kept is not None and kept.step == "body"
    assert (kept.draft["title"], kept.draft["body"]) == ("第一次的标题", "第一次的正文。")
    token = kept.draft["token"]

    asked = await chat.command(person, "submit")
    fresh = await chat.press(person, asked[0].press("放弃并重新开始"))
    assert keys(fresh) == ["submit.choose_category"]
    again = await chat.press(person, asked[0].press("放弃并重新开始"))  # tapped twice
    assert keys(again) == ["submit.choice_done"]
    async with db.reading() as tx:
        started = await sessions.load(tx, person, aside(chat))
    assert started is not None and started.step == "category"
    assert not started.draft.get("title") and not started.draft.get("body")
    assert started.draft["token"] != token  # a new draft: its own item when confirmed
    item_id = await submit_item(chat, person, "重新开始后的标题")
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        count = await tx.fetchone("SELECT count(*) FROM items")
    assert item is not None and item.title == "重新开始后的标题"
    assert count is not None and count[0] == 1


async def test_cancel_of_a_draft_with_content_asks_first(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    person = cast["informant"]
    await chat.command(person, "submit")
    dropped = await chat.press(person, sub.Step("cancel"))  # nothing given: gone at once
    assert keys(dropped) == ["submit.cancelled"]
    await chat.command(person, "submit")
    await chat.press(person, sub.PickCategory("measures"))
    await chat.text(person, "要取消的标题")
    asked = await chat.press(person, sub.Step("cancel"))
    assert keys(asked) == ["submit.cancel_ask"]
    assert [label for row in asked[0].buttons for label, _ in row] == ["确认取消", "继续填写"]
    kept = await chat.press(person, asked[0].press("继续填写"))
    assert keys(kept) == ["submit.ask_body"]
    asked = await chat.press(person, sub.Step("cancel"))
    done = await chat.press(person, asked[0].press("确认取消"))
    assert keys(done) == ["submit.cancelled"]
    twice = await chat.press(person, asked[0].press("确认取消"))
    assert keys(twice) == ["submit.choice_done"]
    async with db.reading() as tx:
        assert await sessions.load(tx, person, aside(chat)) is None


async def test_revise_while_a_draft_is_open_asks_which(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    author, head = cast["informant"], cast["head"]
    item_id = await submit_item(chat, author)
    await chat.press(head, await return_press(db, item_id))
    shown = await chat.text(head, "请补充照片")
    await chat.press(head, shown[0].press("✅ 确认"))
    await chat.command(author, "submit")
    await chat.press(author, sub.PickCategory("culture"))
    asked = await chat.press(author, rv.Revise(item_id))
    assert keys(asked) == ["submit.draft_open"]
    revising = await chat.press(author, asked[0].press("放弃并重新开始"))
    assert keys(revising) == ["submit.preview"] and f"#{item_id}" in revising[0].text
    same = await chat.press(author, rv.Revise(item_id))  # the item already being revised
    assert keys(same) == ["submit.preview"]
    asked = await chat.command(author, "submit")  # now a revision is the open draft
    assert keys(asked) == ["submit.draft_open_revise"]
    assert f"#{item_id}" in asked[0].text
    back = await chat.press(author, asked[0].press("继续上次草稿"))
    assert keys(back) == ["submit.preview"]
    done = await chat.press(author, sub.Step("ok"))
    assert keys(done) == ["submit.resubmitted"]
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None and (item.state, item.chain_round) == (ItemState.PENDING, 1)


async def test_over_telegram(server: FakeBotApi, bot: BotApp) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    await say(server, bot, informant, "/submit")
    await tap(server, bot, informant, informant.received()[-1], "sub:cat:measures")
    await say(server, bot, informant, "还没写完的信息")
    assert "没有报送的草稿" in await say(server, bot, informant, "/submit")
    question = informant.received()[-1]
    assert buttons(question) == {"继续上次草稿": "sub:resume", "放弃并重新开始": "sub:restart"}
    await tap(server, bot, informant, question, "sub:resume")
    assert "请输入正文" in texts_of(informant)[-1]
    assert buttons(informant.received()[-2]) == {}  # the answered question's buttons go
    await informant.click(question, "sub:restart", forged=True)  # a tap already on its way
    await settle(server, bot)
    assert "这个选择已经处理过了" in texts_of(informant)[-1]
    await say(server, bot, informant, "正文。")
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    await say(server, bot, informant, "2026-10-14")
    await tap(server, bot, informant, informant.received()[-1], "sub:files:done")
    await tap(server, bot, informant, informant.received()[-1], "sub:cancel")
    ask = informant.received()[-1]
    assert "确定要取消吗" in str(ask["text"])
    assert buttons(ask) == {"确认取消": "sub:drop", "继续填写": "sub:keep"}
    await tap(server, bot, informant, ask, "sub:keep")
    assert "请核对" in texts_of(informant)[-1]  # back at the preview
    await tap(server, bot, informant, informant.received()[-1], "sub:cancel")
    await tap(server, bot, informant, informant.received()[-1], "sub:drop")
    assert "已取消，草稿已删除" in texts_of(informant)[-1]
    assert "当前没有进行中的操作" in await say(server, bot, informant, "/cancel")


async def test_cancel_of_a_draft_submitted_but_not_yet_said_so(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    """✅ 确认 committed, its reply lost to a kill: ✖️ 取消 then forgets the receipt at once
    (the item stays submitted; no confirmation asked of a draft that is no longer one)."""
    chat = channel(db, rules)
    person = cast["informant"]
    await chat.command(person, "submit")
    await chat.press(person, sub.PickCategory("measures"))
    await chat.text(person, "标题")
    await chat.text(person, "正文。")
    await chat.press(person, sub.Step("body:done"))
    await chat.press(person, sub.PickDay(0))
    await chat.press(person, sub.Step("files:done"))
    await chat.engine.handle(Inbound(person, chat.name, "ok-1", press=sub.Step("ok")))
    gone = await chat.press(person, sub.Step("cancel"))
    assert keys(gone) == ["submit.cancelled"]
    async with db.reading() as tx:
        assert await sessions.load(tx, person, aside(chat)) is None
        count = await tx.fetchone("SELECT count(*) FROM items WHERE title = '标题'")
    assert count is not None and count[0] == 1
