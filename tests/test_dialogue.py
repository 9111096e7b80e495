"""The conversation engine on the in-memory channel, no HTTP: /submit, a return with its
reason, an adoption's date, a restart, a wait's rules (ended by another action, said first)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.telegram.render import card_html
from chat.actions import editor as ed
from chat.actions import signoff as so
from chat.actions import submit as sub
from chat.actions import visits as vi
from chat.cards import Card, Phrase
from chat.commands import TELEGRAM_COMMANDS
from chat.dialogue import Engine, Flow, Inbound, Reply, Step, held_channel
from chat.dialogue.session import Ref, Session
from chat.memory import MemoryChannel
from chat.render import PlainText
from chat.texts import Raw, Texts
from scoring.vocab import ItemState, Role
from storage import adoptions, items, people, sessions, units
from storage.db import Database, Rider
from storage.sessions import LedgerSessions
from storage.units import UnitSpec
from tests.conftest import FakeClock, tg_account
from workflow import centre
from workflow.dialogues import Dialogues
from workflow.rules import CentreRules

REPO = Path(__file__).resolve().parent.parent
WINDOW = "市人社局窗口"
SECTION = "综合科"
TEXTS = Texts("zh", PlainText(TELEGRAM_COMMANDS))


def param(value: object) -> object:
    """A reply's parameter as the catalogue takes it: references, phrases and cards rendered."""
    if isinstance(value, Ref | Phrase):
        params = value.params if isinstance(value, Phrase) else {}
        return Raw(TEXTS(value.key, **{k: param(v) for k, v in params.items()}))
    return card_html(TEXTS, value) if isinstance(value, Card) else value


def render(reply: Reply) -> str:
    """A reply as plain text, catalogue references, phrases and cards rendered first."""
    if reply.how == "clear":
        return ""  # no text: an earlier message's buttons go
    said = TEXTS(reply.key, **{name: param(value) for name, value in reply.params.items()})
    return "\n".join([said, *(render(part) for part in reply.also)])


def label(key: str) -> str:
    """A button's label: a catalogue key, or a label given as it is (a category)."""
    return TEXTS(key) if TEXTS.has(key) else key


@pytest.fixture
def rules() -> CentreRules:
    """The rules of the shipped config.yaml."""
    return centre_rules(load_settings(REPO / "config.yaml", {}))


@pytest.fixture
async def cast(db: Database) -> dict[str, int]:
    """The shipped units; an informant and the head of a window, an editor and a section's
    informant."""
    settings = load_settings(REPO / "config.yaml", {})
    async with db.transaction() as tx:
        await units.sync_units(
            tx,
            [
                UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
        )
        by_name = {unit.name: unit.id for unit in await units.list_units(tx)}
        ids = {}
        for name, tg, unit, role in [
            ("informant", 101, WINDOW, Role.INFORMANT),
            ("head", 102, WINDOW, Role.WINDOW_HEAD),
            ("editor", 103, SECTION, Role.EDITOR),
            ("writer", 104, SECTION, Role.INFORMANT),  # a section's own: straight to the centre
        ]:
            person = await people.ensure_person(tx, tg_account(tg), name)
            await people.grant_role(tx, person.id, by_name[unit], role, None)
            ids[name] = person.id
    return ids


async def return_press(db: Database, item_id: int) -> so.Signoff:
    """The 退回 press of the item's current sign-off step."""
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None
    return so.Signoff(item_id, item.chain_round, item.chain_step, "r")


def channel(db: Database, rules: CentreRules) -> MemoryChannel:
    """A fresh engine over the ledger (as after a restart) on the in-memory channel."""
    engine = Dialogues(db, rules).engine(LedgerSessions(db))
    return MemoryChannel(engine, render, label)


async def submit_item(chat: MemoryChannel, person: int, title: str = "一窗通办上线") -> int:
    """/submit from the command to ✅ 确认; the new item's id."""
    await chat.command(person, "submit")
    await chat.press(person, chat.last(person).press("调研报告"))
    await chat.text(person, title)
    await chat.text(person, "今天起市人社局窗口实行一窗通办，群众办事只需跑一次。")
    await chat.press(person, chat.last(person).press("完成"))
    await chat.press(person, chat.last(person).press("今天"))
    await chat.press(person, chat.last(person).press("跳过"))
    done = await chat.press(person, chat.last(person).press("✅ 确认报送"))
    assert done[0].reply is not None and done[0].reply.key == "submit.done"
    return int(done[0].reply.params["item"])


async def test_submit_to_the_end(db: Database, rules: CentreRules, cast: dict[str, int]) -> None:
    chat = channel(db, rules)
    informant = cast["informant"]
    first = await chat.command(informant, "submit")
    assert [s.text for s in first] == ["请选择信息类别："]
    await chat.press(informant, first[0].press("调研报告"))
    assert chat.last(informant).text == "请输入标题（最多 100 字）："
    refused = await chat.text(informant, "   ")  # today's validator: the question stands
    assert refused[0].reply is not None and refused[0].reply.key.startswith("refused.")
    await chat.text(informant, "一窗通办上线")
    await chat.text(informant, "今天起市人社局窗口实行一窗通办。")
    await chat.press(informant, sub.Step("body:done"))
    assert chat.last(informant).reply == Reply(
        "submit.ask_date",
        buttons=chat.last(informant).reply.buttons,  # type: ignore[union-attr]
    )
    await chat.text(informant, "明年")  # not a date: asked again
    await chat.text(informant, "昨天")
    await chat.press(informant, sub.Step("files:done"))
    assert "一窗通办上线" in chat.last(informant).text
    done = await chat.press(informant, sub.Step("ok"))
    assert done[0].text.splitlines()[-1] == "已送 窗口负责人 审签，结果会通知您。"
    item_id = int(done[0].reply.params["item"])  # type: ignore[union-attr]
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        assert await sessions.load(tx, informant, chat.name) is None
    assert item is not None and item.title == "一窗通办上线"
    assert item.event_date == rules.local_now(db.clock()).date() - timedelta(days=1)
    assert chat.unhandled == []


async def test_signoff_returned_with_a_reason(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    item_id = await submit_item(chat, cast["informant"])
    head = cast["head"]
    stale = await return_press(db, item_id)
    asked = await chat.press(head, stale)
    assert asked[0].text == f"请输入退回信息 #{item_id} 的原因（发送 /cancel 放弃）："
    empty = await chat.text(head, "  ")
    assert [s.text for s in empty] == ["原因不能为空，请输入退回原因。"]
    shown = await chat.text(head, "数据需要核实")
    assert "原因：数据需要核实" in shown[0].text
    async with db.reading() as tx:  # nothing changes before ✅ 确认
        before = await items.get_item(tx, item_id)
    assert before is not None and before.state is not ItemState.RETURNED
    done = await chat.press(head, shown[0].press("✅ 确认"))
    assert [(s.reply.how if s.reply else "", s.text) for s in done] == [
        ("toast", "已退回，并通知了作者。"),
        ("mark", "↩️ 已退回（head）：数据需要核实"),
    ]
    async with db.reading() as tx:
        after = await items.get_item(tx, item_id)
        assert await sessions.load(tx, head, chat.name) is None
        assert await sessions.load(tx, head, held_channel(chat.name)) is None
    assert after is not None and after.state is ItemState.RETURNED
    again = await chat.press(head, await return_press(db, item_id))  # decided: refused
    assert again[0].reply is not None and again[0].reply.key.startswith("refused.")


async def test_a_held_return_outlives_other_actions_and_questions(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    """The reason shown back is held: a command, another question, even a wrong ✅ leave it
    (nothing said about it), and its own ✅ still returns the item."""
    chat = channel(db, rules)
    item_id = await submit_item(chat, cast["informant"])
    head = cast["head"]
    await chat.press(head, await return_press(db, item_id))
    shown = await chat.text(head, "数据需要核实")
    assert await chat.command(head, "help") == []  # not ended, and nothing said
    asked = await chat.press(head, await return_press(db, item_id))  # a new typed question
    assert [s.reply.key for s in asked if s.reply] == ["signoff.ask_reason"]
    press = shown[0].press("✅ 确认")
    assert isinstance(press, so.ConfirmReturn)
    other = so.ConfirmReturn(press.item_id + 1, press.round, press.step, True)
    wrong = await chat.press(head, other)  # ends the typed question, the held one stays
    assert [s.reply.key for s in wrong if s.reply] == ["wait.ended", "refused.confirm_stale"]
    done = await chat.press(head, press)
    assert done[0].text == "已退回，并通知了作者。"
    async with db.reading() as tx:
        after = await items.get_item(tx, item_id)
    assert after is not None and after.state is ItemState.RETURNED


async def test_a_held_return_expires(
    db: Database, rules: CentreRules, cast: dict[str, int], clock: FakeClock
) -> None:
    chat = channel(db, rules)
    item_id = await submit_item(chat, cast["informant"])
    head = cast["head"]
    await chat.press(head, await return_press(db, item_id))
    shown = await chat.text(head, "数据需要核实")
    clock.now += rules.typed_answer + timedelta(seconds=1)
    late = await chat.press(head, shown[0].press("✅ 确认"))
    assert [s.reply.key for s in late if s.reply] == ["refused.confirm_stale"]
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        assert await sessions.load(tx, head, held_channel(chat.name)) is None
    assert item is not None and item.state is not ItemState.RETURNED


async def test_adoption_typed_date(
    db: Database, rules: CentreRules, cast: dict[str, int], clock: FakeClock
) -> None:
    chat = channel(db, rules)
    item_id = await submit_item(chat, cast["writer"])
    assert chat.last(cast["writer"]).text.endswith("\n已直接报送市政务服务中心。")
    async with db.reading() as tx:
        editor = await people.get_person(tx, cast["editor"])
    assert editor is not None
    submitted_on = rules.local_now(clock()).date()
    clock.now += timedelta(days=3)
    today = rules.local_now(clock()).date()
    adopted = await centre.adopt(
        db, rules, editor, item_id, outlet_name=next(iter(rules.outlets)), adopted_on=today
    )
    asked = await chat.press(editor.id, ed.AdoptionAction("day", adopted.adoption.id))
    assert asked[0].reply == Reply("centre.ask_day")
    wrong = await chat.text(editor.id, "下个月")
    assert wrong[0].reply is not None and wrong[0].reply.key.startswith("refused.")
    early = await chat.text(editor.id, (submitted_on - timedelta(days=1)).isoformat())
    assert early[0].text == f"采用日期不能早于报送到中心的日期（{submitted_on}），请重新输入。"
    done = await chat.text(editor.id, "前天")
    day = today - timedelta(days=2)
    assert done[0].reply is not None and done[0].reply.params["day"] == day.isoformat()
    async with db.reading() as tx:
        stored = await adoptions.get_adoption(tx, adopted.adoption.id)
        assert await sessions.load(tx, editor.id, chat.name) is None
    assert stored is not None and stored.adopted_on == day


async def test_an_adoption_withdrawn_with_its_reason_shown_back(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    """撤销: an empty reason is asked again, the reason is shown back and held, another
    adoption's ✅ is stale, ✖️ 取消 keeps the adoption and a second round's ✅ withdraws it."""
    chat = channel(db, rules)
    item_id = await submit_item(chat, cast["writer"])
    async with db.reading() as tx:
        editor = await people.get_person(tx, cast["editor"])
    assert editor is not None
    today = rules.local_now(db.clock()).date()
    adopted = await centre.adopt(
        db, rules, editor, item_id, outlet_name=next(iter(rules.outlets)), adopted_on=today
    )
    adoption = adopted.adoption.id
    for verb in ("wdno", "wdok"):
        asked = await chat.press(editor.id, ed.AdoptionAction("wd", adoption))
        assert asked[0].reply == Reply("centre.ask_withdraw")
        empty = await chat.text(editor.id, " ")
        assert [s.text for s in empty] == ["撤销采用需要写明原因。"]
        shown = await chat.text(editor.id, "重复登记")
        assert "原因：重复登记" in shown[0].text
        assert shown[0].press("✅ 确认") == ed.AdoptionAction("wdok", adoption)
        stale = await chat.press(editor.id, ed.AdoptionAction("wdok", adoption + 1))
        assert [s.reply.key for s in stale if s.reply] == ["refused.confirm_stale"]
        done = await chat.press(editor.id, ed.AdoptionAction(verb, adoption))
        async with db.reading() as tx:
            stored = await adoptions.get_adoption(tx, adoption)
            assert await sessions.load(tx, editor.id, held_channel(chat.name)) is None
        assert stored is not None
        if verb == "wdno":
            assert [s.text for s in done] == ["已取消，没有任何改变。", "✖️ 未撤销（已取消）"]
            assert stored.withdrawn_at is None
        else:
            assert [s.reply.how for s in done if s.reply] == ["mark", "say"]
            assert done[-1].text.startswith("已撤销“") and stored.withdrawn_at is not None


async def test_a_visit_step_by_step_with_its_kind_chosen_again(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    """/visit: the visitor typed, a department's units offered, the kind chosen again from the
    unit step (a city visit: the office, straight on to the date), a typed date, 确认登记."""
    chat = channel(db, rules)
    editor = cast["editor"]
    asked = await chat.command(editor, "visit")
    assert asked[0].reply == Reply("visit.ask_visitor")
    kinds = await chat.text(editor, "李四  市人社局局长")
    assert kinds[0].reply is not None and kinds[0].reply.params == {"visitor": "李四 市人社局局长"}
    assert [s.text for s in await chat.text(editor, "随便写")] == [
        "请点击上面的按钮（发送 /cancel 放弃）。"
    ]
    units = await chat.press(editor, vi.PickKind("department"))
    assert units[-1].reply is not None and units[-1].reply.key == "visit.ask_unit_department"
    assert WINDOW in {label for row in units[-1].buttons for label, _ in row}
    passed = await chat.press(editor, vi.PickDay(0))  # the date is not asked yet
    assert [s.reply.key for s in passed if s.reply] == ["refused.visit_step_passed"]
    dated = await chat.press(editor, vi.PickKind("city"))
    assert [s.reply.key for s in dated if s.reply] == ["visit.ask_date"]
    today = rules.local_now(db.clock()).date()
    summary = await chat.text(editor, today.isoformat())
    assert summary[0].reply is not None and summary[0].reply.key == "visit.summary"
    done = await chat.press(editor, vi.Confirm())
    assert [s.reply.how for s in done if s.reply] == ["toast", "say"]
    assert done[-1].text.startswith("📝 来访已登记（#1）。已给 办公室 开写作任务 #1")
    async with db.reading() as tx:
        assert await sessions.load(tx, editor, chat.name) is None
    assert chat.unhandled == []


async def test_a_visit_cancelled_by_its_button(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    editor = cast["editor"]
    await chat.command(editor, "visit", "张三 副市长")
    gone = await chat.press(editor, vi.Cancel())
    assert [s.text for s in gone][-1] == "已取消来访登记。"
    async with db.reading() as tx:
        assert await sessions.load(tx, editor, chat.name) is None
    stale = await chat.press(editor, vi.Cancel())  # nothing left: another handler's
    assert stale == [] and chat.unhandled[-1].press == vi.Cancel()


async def test_restart_mid_dialogue_resumes_where_the_person_was(
    rules: CentreRules, cast: dict[str, int], db: Database, clock: FakeClock
) -> None:
    informant = cast["informant"]
    before = channel(db, rules)
    await before.command(informant, "submit")
    await before.press(informant, before.last(informant).press("调研报告"))
    await before.text(informant, "重启前的标题")
    del before  # the process is gone; another opens the same ledger file
    async with await Database.open(db.path, clock=clock) as reopened:
        after = channel(reopened, rules)
        await after.text(informant, "重启后的正文。")
        asked = await after.press(informant, sub.Step("body:done"))
        assert asked[0].reply is not None and asked[0].reply.key == "submit.ask_date"
        await after.press(informant, sub.PickDay(0))
        await after.press(informant, sub.Step("files:done"))
        done = await after.press(informant, sub.Step("ok"))
        item_id = int(done[0].reply.params["item"])  # type: ignore[union-attr]
        async with reopened.reading() as tx:
            item = await items.get_item(tx, item_id)
        assert item is not None and (item.title, item.body) == ("重启前的标题", "重启后的正文。")


async def test_another_action_ends_the_wait_said_before_its_reply(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    chat = channel(db, rules)
    item_id = await submit_item(chat, cast["informant"])
    head = cast["head"]
    await chat.press(head, await return_press(db, item_id))
    # /submit from a head who is no author: the wait ends first, then /submit's own answer
    said = await chat.command(head, "submit")
    assert said[0].text == "已取消等待输入（退回原因）。"
    assert said[1].reply is not None and said[1].reply.key == "submit.no_unit"
    assert await chat.text(head, "数据需要核实") == []  # no longer an answer to anything
    assert chat.unhandled[-1].text == "数据需要核实"
    await chat.command(head, "help")  # nothing waits: nothing said
    assert chat.unhandled[-1].command == "help" and chat.last(head) is said[-1]


async def test_a_late_answer_is_not_taken(
    db: Database, rules: CentreRules, cast: dict[str, int], clock: FakeClock
) -> None:
    chat = channel(db, rules)
    item_id = await submit_item(chat, cast["informant"])
    head = cast["head"]
    await chat.press(head, await return_press(db, item_id))
    clock.now += rules.typed_answer + timedelta(seconds=1)
    late = await chat.text(head, "数据需要核实")
    assert late[0].reply is not None and late[0].reply.key == "wait.expired"
    assert "10 分钟" in late[0].text
    async with db.reading() as tx:
        assert await sessions.load(tx, head, chat.name) is None
    assert await chat.text(head, "数据需要核实") == []  # the next text is nobody's answer


async def test_the_session_rides_the_effects_transaction(
    db: Database, cast: dict[str, int], clock: FakeClock
) -> None:
    writes: list[Session | None] = []

    class Counted(LedgerSessions):
        async def write(self, person_id: int, channel: str, session: Session | None) -> None:
            writes.append(session)  # a write in a transaction of its own
            await super().write(person_id, channel, session)

    store = Counted(db)
    person = cast["editor"]
    waiting = Session(person, "memory", "adoption_day", "day", {"adoption": 1}, clock())
    await store.write(person, "memory", waiting)
    with pytest.raises(RuntimeError), store.riding(person, "memory", None) as ride:
        async with db.transaction() as tx:
            await tx.audit(person, "test.effect", "item", 1)
            raise RuntimeError("killed before COMMIT")
    assert not committed(ride) and await store.load(person, "memory") == waiting
    with store.riding(person, "memory", None) as ride:
        async with db.reading():
            pass  # a read carries nothing
        assert not committed(ride)
        async with db.transaction() as tx:
            await tx.audit(person, "test.effect", "item", 1)
    assert committed(ride) and await store.load(person, "memory") is None


def committed(ride: Rider) -> bool:
    """Whether the riding write was committed (read afresh each time)."""
    return ride.committed


async def test_a_menu_lasts_answers_cancel_and_saves_its_effects_with_its_session(
    db: Database, clock: FakeClock
) -> None:
    """What a menu needs of the engine: a lasting step (no expiry, ended without a word), a
    command that answers it, a step's effect committed with the session after it, a question
    reading what it shows, and a button pressed after the session ended taken at once."""
    pressed = vi.PickDay  # any press type will do

    async def start(event: Inbound) -> dict[str, object] | None:
        return {"n": 0} if event.command == "menu" or isinstance(event.press, pressed) else None

    async def take(event: Inbound, draft: Mapping[str, object]) -> dict[str, object]:
        if event.command == "cancel":
            return {"next": None}
        return {"next": "menu", "days": getattr(event.press, "days_ago", 0)}

    async def effect(event: Inbound, draft: Mapping[str, object]) -> list[Reply]:
        async with db.transaction() as tx:  # rides: the session is saved with this person
            await people.ensure_person(tx, tg_account(900 + int(draft["days"])), "某人")  # type: ignore[call-overload]
        return [Reply("wait.ended", how="toast")]

    async def show(event: Inbound, draft: Mapping[str, object]) -> dict[str, object]:
        async with db.reading() as tx:
            return {"people": len(await tx.fetchall("SELECT id FROM people"))}

    menu = Step(
        "menu",
        lambda draft: Reply("nothing_to_cancel", {"people": draft["people"]}),
        take,
        presses=(pressed,),
        after=lambda draft: draft["next"],
        lasting=True,
        commands=("cancel",),
        effect=effect,
        show=show,
    )

    async def finish(event: Inbound, draft: Mapping[str, object]) -> list[Reply]:
        return [Reply("cancelled")]

    flow = Flow("menu", "wait.pending_visit", start, (menu,), finish)
    writes: list[Session | None] = []

    class Counted(LedgerSessions):
        async def write(self, person_id: int, channel: str, session: Session | None) -> None:
            writes.append(session)  # a write in a transaction of its own
            await super().write(person_id, channel, session)

    store = Counted(db)
    engine = Engine(
        store, [flow], clock=clock, typed_answer=timedelta(minutes=1), explain=lambda e: None
    )
    chat = MemoryChannel(engine, lambda reply: reply.key)
    async with db.transaction() as tx:
        person = (await people.ensure_person(tx, tg_account(899), "编辑")).id
    await chat.command(person, "menu")
    assert chat.last(person).reply == Reply("nothing_to_cancel", {"people": 1})
    writes.clear()
    clock.now += timedelta(hours=5)  # a lasting step does not expire
    done = await chat.press(person, pressed(1))
    assert [s.reply for s in done] == [
        Reply("wait.ended", how="toast"),
        Reply("nothing_to_cancel", {"people": 2}),
    ]
    assert writes == []  # the session was written in the effect's transaction
    assert await chat.command(person, "help") == []  # ended without a word
    assert await store.load(person, chat.name) is None
    again = await chat.press(person, pressed(0))  # taken at once as the menu's answer
    assert [s.reply.key for s in again if s.reply] == ["wait.ended", "nothing_to_cancel"]
    assert [s.text for s in await chat.command(person, "cancel")] == ["cancelled"]
    assert await store.load(person, chat.name) is None
