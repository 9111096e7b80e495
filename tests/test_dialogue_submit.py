"""/submit on the conversation engine's in-memory channel, no HTTP: every step with a file
and a field changed from the preview, refusals, the draft kept aside while other actions and
another dialogue come between, an event delivered twice, a finish whose reply a kill took,
and 修改后重报; and a flow kept aside on the engine by itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from chat.actions import revise as rv
from chat.actions import submit as sub
from chat.dialogue import Engine, Flow, Handled, Reply, Step, Stop, aside_channel
from chat.dialogue.session import FileIn, Inbound
from chat.memory import MemoryChannel
from scoring.vocab import ItemState, Role
from storage import items, people, sessions
from storage.db import Database
from storage.sessions import LedgerSessions
from tests import test_dialogue as base
from tests.conftest import FakeClock
from tests.test_dialogue import channel, return_press, submit_item
from workflow import attachments
from workflow.dialogues import explain
from workflow.rules import CentreRules

rules, cast = base.rules, base.cast  # the engine tests' fixtures: shipped rules, a cast


def aside(chat: MemoryChannel) -> str:
    """Where the channel keeps /submit's session."""
    return aside_channel(chat.name, "submit")


async def stored(db: Database, name: str, data: bytes) -> str:
    """A file received on the channel, stored; its key."""
    return await attachments.receive(
        db, data=data, name=name, mime_type="application/pdf", channel="memory",
        remote_id=name, actor_id=None,
    )  # fmt: skip


async def test_every_step_with_a_file_and_a_field_changed(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    person = cast["informant"]
    await chat.command(person, "submit")
    await chat.press(person, chat.last(person).press("调研报告"))
    await chat.text(person, "一窗通办上线")
    first = await chat.text(person, "第一段。")
    assert first[0].text == "已记录正文（共 4 字）。可继续发送补充内容，写完后点击“完成”。"
    await chat.text(person, "第二段。")
    dated = await chat.press(person, chat.last(person).press("完成"))
    assert [s.reply.key for s in dated if s.reply] == ["submit.ask_date"]
    files = await chat.text(person, "昨天")
    assert files[0].buttons[0][0][0] == "跳过"
    exe = await chat.file(person, FileIn("", "setup.exe", None, 10))
    assert exe[0].text.startswith("不支持这种文件（setup.exe）")
    key = await stored(db, "汇报.pdf", b"%PDF-1.4")
    added = await chat.file(person, FileIn(key, "汇报.pdf", "application/pdf", 8))
    assert added[0].text.startswith("已添加附件 1 个")
    preview = await chat.press(person, added[0].press("完成"))
    assert "第一段。\n第二段。" in preview[0].text and "附件：1 个" in preview[0].text
    offered = await chat.press(person, preview[0].press("✏️ 修改"))
    assert [label for label, _ in offered[0].buttons[0]] == ["类别", "标题", "正文", "日期", "附件"]
    await chat.press(person, offered[0].press("标题"))
    back = await chat.text(person, "一窗通办全面上线")
    assert back[0].reply is not None and back[0].reply.key == "submit.preview"
    done = await chat.press(person, back[0].press("✅ 确认报送"))
    assert done[0].text.startswith("✅ 已报送，编号 #")
    item_id = int(done[0].reply.params["item"])  # type: ignore[union-attr]
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        kept = await items.files_of(tx, item_id)
        assert await sessions.load(tx, person, aside(chat)) is None
    assert item is not None and (item.title, item.body) == (
        "一窗通办全面上线",
        "第一段。\n第二段。",
    )
    assert [f.file_name for f in kept] == ["汇报.pdf"]


async def test_refusals_leave_the_question_standing(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    person = cast["informant"]
    await chat.command(person, "submit")
    assert [s.text for s in await chat.text(person, "标题")] == ["请点击上面的按钮。"]
    await chat.press(person, sub.PickCategory("measures"))
    long = await chat.text(person, "长" * (rules.title_max + 1))
    assert long[0].reply is not None and long[0].reply.key == "refused.title_too_long"
    await chat.text(person, "标题")
    empty = await chat.press(person, sub.Step("body:done"))  # 完成 with no body yet
    assert [s.reply.key for s in empty if s.reply] == ["refused.body_empty"]
    await chat.text(person, "甲" * (rules.body_max - 2))
    over = await chat.text(person, "乙乙乙")  # nothing of it kept, the kept text's end shown
    assert over[0].reply is not None and over[0].reply.key == "submit.body_part_refused"
    assert over[0].reply.params["kept"] == rules.body_max - 2
    async with db.reading() as tx:
        session = await sessions.load(tx, person, aside(chat))
    assert session is not None and session.step == "body"
    assert session.draft["body"] == "甲" * (rules.body_max - 2)


async def test_other_actions_leave_the_draft(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    person = cast["writer"]
    await chat.command(person, "submit")
    await chat.press(person, sub.PickCategory("measures"))
    assert await chat.command(person, "help") == []  # another command: not ended, nothing said
    stale = await chat.press(person, sub.Step("files:done"))  # a button of another step
    assert stale == [] and chat.unhandled[-1].press == sub.Step("files:done")
    sticker = await chat.engine.handle(Inbound(person, chat.name, "sticker-1"))
    assert [r.key for r in sticker.replies] == ["submit.want_text"]
    titled = await chat.text(person, "科室自己的标题")
    assert [s.reply.key for s in titled if s.reply] == ["submit.ask_body"]
    async with db.reading() as tx:
        session = await sessions.load(tx, person, aside(chat))
    assert session is not None and session.draft["title"] == "科室自己的标题"


async def test_a_typed_wait_goes_first_and_the_draft_goes_on_after(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    item_id = await submit_item(chat, cast["informant"])
    head = cast["head"]
    async with db.transaction() as tx:
        item = await items.get_item(tx, item_id)
        assert item is not None
        await people.grant_role(tx, head, item.unit_id, Role.INFORMANT, None)
    await chat.command(head, "submit")
    await chat.press(head, sub.PickCategory("measures"))
    asked = await chat.press(head, await return_press(db, item_id))  # a reason asked
    assert [s.reply.key for s in asked if s.reply] == ["signoff.ask_reason"]
    shown = await chat.text(head, "数据需要核实")  # the reason, not the title
    assert "原因：数据需要核实" in shown[0].text
    titled = await chat.text(head, "负责人的标题")
    assert [s.reply.key for s in titled if s.reply] == ["submit.ask_body"]
    asked = await chat.command(head, "submit")  # /submit again: continue, or start afresh
    assert [s.reply.key for s in asked if s.reply] == ["submit.draft_open"]
    fresh = await chat.press(head, asked[0].press("放弃并重新开始"))
    assert [s.reply.key for s in fresh if s.reply] == ["submit.choose_category"]


async def test_an_event_lost_or_delivered_twice_is_taken_once(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    person = cast["informant"]
    engine = chat.engine
    await chat.command(person, "submit")
    await chat.press(person, sub.PickCategory("measures"))
    await chat.text(person, "标题")
    lost = Inbound(person, chat.name, "part-1", text="一段正文。")
    await engine.handle(lost)  # killed before its reply went out: the step has not moved
    async with db.reading() as tx:
        before = await sessions.load(tx, person, aside(chat))
    assert before is not None and (before.step, before.draft.get("body")) == ("body", None)
    part = Inbound(person, chat.name, "part-2", text="一段正文。")  # the person sends it again
    once = await engine.handle(part)
    await engine.delivered(part, once)
    again = await engine.handle(part)  # Telegram delivers it again after a kill
    assert [r.key for r in once.replies] == [r.key for r in again.replies] == ["submit.body_more"]
    async with db.reading() as tx:
        session = await sessions.load(tx, person, aside(chat))
    assert session is not None and session.draft["body"] == "一段正文。"


async def test_a_confirmation_a_kill_took_is_given_again_for_one_item(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    """The item commits with the session at its receipt; the reply never went out (killed
    before `delivered`): ✅ again answers with the same item, and then the session is gone."""
    chat = channel(db, rules)
    person = cast["informant"]
    await chat.command(person, "submit")
    await chat.press(person, sub.PickCategory("measures"))
    await chat.text(person, "标题")
    await chat.text(person, "正文。")
    await chat.press(person, sub.Step("body:done"))
    await chat.press(person, sub.PickDay(0))
    await chat.press(person, sub.Step("files:done"))
    first = await chat.engine.handle(Inbound(person, chat.name, "ok-1", press=sub.Step("ok")))
    async with db.reading() as tx:
        receipt = await sessions.load(tx, person, aside(chat))
    assert receipt is not None and receipt.step == "sent"
    again = await chat.press(person, sub.Step("ok"))
    assert again[0].reply is not None and first.replies[0].params == again[0].reply.params
    async with db.reading() as tx:
        assert await sessions.load(tx, person, aside(chat)) is None
        count = await tx.fetchone("SELECT count(*) FROM items WHERE title = '标题'")
    assert count is not None and count[0] == 1


async def test_a_returned_item_revised_from_its_preview(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    author = cast["informant"]
    item_id = await submit_item(chat, author)
    head = cast["head"]
    await chat.press(head, await return_press(db, item_id))
    shown = await chat.text(head, "请补充数字")
    await chat.press(head, shown[0].press("✅ 确认"))
    refused = await chat.press(head, rv.Revise(item_id))  # not the head's
    assert [s.reply.key for s in refused if s.reply] == ["refused.item_not_yours"]
    preview = await chat.press(author, rv.Revise(item_id))
    assert preview[0].reply is not None and preview[0].reply.key == "submit.preview"
    assert f"#{item_id}" in preview[0].text
    offered = await chat.press(author, sub.Change())
    assert [label for label, _ in offered[0].buttons[0]] == ["类别", "标题", "正文", "日期", "附件"]
    forged = await chat.press(author, sub.Change("state"))
    assert [s.reply.key for s in forged if s.reply] == ["refused.forged"]
    await chat.press(author, sub.Change("body"))
    await chat.text(author, "补充：当天办件 3000 余件。")
    back = await chat.press(author, sub.Step("body:done"))
    assert back[0].reply is not None and back[0].reply.key == "submit.preview"
    done = await chat.press(author, sub.Step("ok"))
    assert done[0].text.startswith(f"✅ 信息 #{item_id} 已修改并重新送审")
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None and item.state is ItemState.PENDING
    assert (item.body, item.chain_round) == ("补充：当天办件 3000 余件。", 1)


async def test_a_flow_kept_aside(db: Database, cast: dict[str, int], clock: FakeClock) -> None:
    """Beside the typed wait: a start may stop with its own reply, other actions and time
    leave it, a sticker gets the step's misfit, its step is written once the replies are out,
    and its finish leaves the receipt until the channel says the replies went out."""

    async def start(event: Inbound) -> dict[str, object] | None:
        if event.command == "nope":
            raise Stop(Reply("no"))
        return {} if event.command == "note" else None

    def prompt(draft: Mapping[str, object]) -> Reply:
        return Reply("ask")

    async def take(event: Inbound, draft: object) -> dict[str, object]:
        return {"text": event.text}

    async def finish(event: Inbound, draft: object) -> list[Reply]:
        async with db.transaction() as tx:
            await tx.audit(event.person_id, "test.note", "item", 1)
        return [Reply("done")]

    step = Step("text", prompt, take, misfit="want")
    flow = Flow("note", "help.submit", start, (step, Step("sent", prompt, take)), finish)
    engine = Engine(
        LedgerSessions(db),
        [replace(flow, aside=True, receipt="sent")],
        clock=clock,
        typed_answer=timedelta(minutes=10),
        explain=explain,
    )
    person, slot = cast["writer"], aside_channel("memory", "note")

    async def act(event_id: str, **what: object) -> Handled:
        """The event handled, its replies sent."""
        event = Inbound(person, "memory", event_id, **what)  # type: ignore[arg-type]
        handled = await engine.handle(event)
        await engine.delivered(event, handled)
        return handled

    said = await act("1", command="nope")
    assert ([r.key for r in said.replies], said.taken) == (["no"], True)
    start_event = Inbound(person, "memory", "2", command="note")
    started = await engine.handle(start_event)
    assert [r.key for r in started.replies] == ["ask"]
    assert await engine.store.load(person, slot) is None  # written once the question is out
    await engine.delivered(start_event, started)
    clock.now += timedelta(days=1)
    assert not (await act("3", command="help")).taken
    assert [r.key for r in (await act("4")).replies] == ["want"]  # a sticker
    text = Inbound(person, "memory", "5", text="记下")
    finished = await engine.handle(text)
    assert [r.key for r in finished.replies] == ["done"]
    receipt = await engine.store.load(person, slot)
    assert receipt is not None and receipt.step == "sent"
    await engine.delivered(text, finished)
    assert await engine.store.load(person, slot) is None
