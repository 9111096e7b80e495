"""The commands outside dialogues, channel-neutral (workflow/commands), on an in-memory
channel: each answer rendered as Telegram shows it (HTML, slash commands) and as WeCom's text
messages show it (plain text, Chinese command words), no HTTP."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.telegram.render import card_html
from chat.actions import encode
from chat.actions import item as it
from chat.actions import signoff as so
from chat.actions import tasks as tk
from chat.cards import Card, Phrase
from chat.channel import MemoryChannel, Prepared, Text
from chat.dialogue import Reply
from chat.dialogue.session import Ref
from chat.render import WECOM_TEXT
from chat.texts import Raw, Texts
from scoring.vocab import ItemState, Role
from storage import items, people, units
from storage.db import Database
from storage.models import Account, Person
from storage.units import UnitSpec
from tests.conftest import tg_account
from tests.test_dialogue import channel as engine_channel
from tests.test_dialogue import submit_item
from workflow import joining
from workflow.cards import signoff_buttons
from workflow.commands import Answer, hints, lookup, start
from workflow.commands import tasks as task_commands
from workflow.rules import CentreRules

REPO = Path(__file__).resolve().parent.parent
WINDOW = "市人社局窗口"
TELEGRAM = Texts("zh")
WECOM = Texts("zh", WECOM_TEXT)


def param(texts: Texts, value: Any) -> Any:
    """A reply's parameter as the catalogue takes it (what the channels' renderers do)."""
    if isinstance(value, Ref):
        return Raw(texts(value.key))
    if isinstance(value, Reply):
        return Raw(text(texts, value))
    if isinstance(value, Phrase):
        return Raw(texts(value.key, **{k: param(texts, v) for k, v in value.params.items()}))
    if isinstance(value, Card):
        return card_html(texts, value)
    return value


def text(texts: Texts, reply: Reply) -> str:
    """A reply's text, its `also` parts on lines of their own."""
    return "\n".join(
        texts(part.key, **{k: param(texts, v) for k, v in part.params.items()}) if part.key else ""
        for part in (reply, *reply.also)
    )


class Chat:
    """A person's chat on one channel in memory: answers rendered and sent to the channel."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self.channel = MemoryChannel()

    async def show(self, person_id: int, answer: Answer) -> list[Text]:
        """Sends each reply that says something (files and the bulletin are the channel's)."""
        shown = []
        for reply in answer.replies:
            if reply.how in ("file", "bulletin"):
                continue
            buttons = tuple(
                tuple(
                    (
                        self.texts(
                            b.label, **{k: param(self.texts, v) for k, v in b.params.items()}
                        ),
                        encode(b.press),
                    )
                    for b in row
                )
                for row in reply.buttons
            )
            message = Text(Prepared(text(self.texts, reply)), buttons)
            await self.channel.send(str(person_id), message)
            shown.append(message)
        return shown


def said(messages: list[Text]) -> list[str]:
    """The texts of the messages."""
    return [m.text.text for m in messages if isinstance(m.text, Prepared)]


@pytest.fixture
def rules() -> CentreRules:
    """The rules of the shipped config.yaml."""
    return centre_rules(load_settings(REPO / "config.yaml", {}))


@pytest.fixture
async def cast(db: Database) -> dict[str, int]:
    """The shipped units; a window's informant and head, and an informant of another unit."""
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
        other = next(name for name in by_name if name != WINDOW and "窗口" in name)
        ids = {}
        for name, tg, unit, role in [
            ("informant", 101, WINDOW, Role.INFORMANT),
            ("head", 102, WINDOW, Role.WINDOW_HEAD),
            ("outsider", 105, other, Role.INFORMANT),
            ("editor", 103, "综合科", Role.EDITOR),
        ]:
            person = await people.ensure_person(tx, tg_account(tg), name)
            await people.grant_role(tx, person.id, by_name[unit], role, None)
            ids[name] = person.id
    return ids


async def person(db: Database, person_id: int) -> Person:
    """The person by id."""
    async with db.reading() as tx:
        found = await people.get_person(tx, person_id)
    assert found is not None
    return found


async def step_of(db: Database, item_id: int) -> tuple[int, int]:
    """The item's sign-off round and step now."""
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None
    return item.chain_round, item.chain_step


async def test_my_items_with_their_buttons_on_both_channels(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    informant = await person(db, cast["informant"])
    empty = await lookup.my_items(db, informant)
    telegram, wecom = Chat(TELEGRAM), Chat(WECOM)
    assert said(await telegram.show(informant.id, empty)) == [
        "您还没有报送过信息。发送 /submit 报送第一条。"
    ]
    assert said(await wecom.show(informant.id, empty)) == [
        "您还没有报送过信息。发送 「报送」 报送第一条。"
    ]
    item_id = await submit_item(engine_channel(db, rules), informant.id, "一窗通办 <上线> & 试行")
    mine = await lookup.my_items(db, informant)
    [shown] = await telegram.show(informant.id, mine)
    assert said([shown]) == [
        f"我报送的信息（最近 1 条）：\n#{item_id} 一窗通办 &lt;上线&gt; &amp; 试行 — 待审签"
    ]
    assert shown.buttons == (((f"🔙 撤回 #{item_id}", encode(it.Withdraw(item_id))),),)
    [plain] = await wecom.show(informant.id, mine)
    assert said([plain]) == [
        f"我报送的信息（最近 1 条）：\n#{item_id} 一窗通办 <上线> & 试行 — 待审签"
    ]
    assert await lookup.my_items(db, None) == lookup.stranger()


async def test_pending_lists_each_item_as_a_card_with_its_step(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    head = await person(db, cast["head"])
    assert (await lookup.pending(db, rules, head)).replies == [Reply("pending.none")]
    item_id = await submit_item(engine_channel(db, rules), cast["informant"])
    answer = await lookup.pending(db, rules, head)
    telegram = await Chat(TELEGRAM).show(head.id, answer)
    assert said(telegram)[0] == "待您审签的信息共 1 条，请逐条审签："
    card = said(telegram)[1]
    assert card.startswith(f"<b>#{item_id} 一窗通办上线</b>\n单位：{WINDOW}")
    assert "状态：待审签" in card and "今天起市人社局窗口实行一窗通办" in card
    step = await step_of(db, item_id)
    assert telegram[1].buttons == (
        (
            ("✅ 同意", encode(so.Signoff(item_id, *step, "a"))),
            ("↩️ 退回", encode(so.Signoff(item_id, *step, "r"))),
        ),
    )
    wecom = said(await Chat(WECOM).show(head.id, answer))
    assert wecom[1].startswith(f"#{item_id} 一窗通办上线\n单位：{WINDOW}")
    assert "<b>" not in wecom[1]
    informant = await person(db, cast["informant"])
    assert (await lookup.pending(db, rules, informant)).replies == [Reply("pending.none")]


async def test_item_whole_for_its_readers_refused_to_others(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    item_id = await submit_item(engine_channel(db, rules), cast["informant"])
    head = await person(db, cast["head"])
    for typed in (
        str(item_id),
        f"#{item_id}",
        str(item_id).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ):
        answer = await lookup.show_item(db, rules, head, typed)
        [shown] = answer.replies
        assert shown.params.get("split") is True  # whole: cut into messages, not to one
        assert shown.buttons == signoff_buttons(item_id, *await step_of(db, item_id))
        informant = await person(db, cast["informant"])
        assert (await lookup.show_item(db, rules, informant, typed)).replies[0].buttons == ()
    assert (await lookup.show_item(db, rules, head, "12 13")).replies == [Reply("item.usage")]
    assert (await lookup.show_item(db, rules, head, "abc")).replies == [Reply("item.usage")]
    outsider = await person(db, cast["outsider"])
    refused = await lookup.show_item(db, rules, outsider, str(item_id))
    assert refused.replies == [Reply("refused.item_unknown")]
    assert (await lookup.show_item(db, rules, None, str(item_id))).replies == refused.replies
    pressed = await lookup.full_text(db, rules, head, item_id)
    assert (
        pressed.replies[0].params["card"]
        == (await lookup.show_item(db, rules, head, str(item_id))).replies[0].params["card"]
    )


async def test_withdrawing_is_shown_back_then_confirmed(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    item_id = await submit_item(engine_channel(db, rules), cast["informant"])
    informant = await person(db, cast["informant"])
    asked = await lookup.withdraw(db, informant, it.Withdraw(item_id))
    [shown] = await Chat(TELEGRAM).show(informant.id, asked)
    assert said([shown])[0].startswith(f"确定撤回信息 #{item_id}《一窗通办上线》？")
    assert [label for label, _ in shown.buttons[0]] == ["✅ 确认", "✖️ 取消"]
    kept = await lookup.withdraw(db, informant, it.Withdraw(item_id, "no"))
    assert [(r.key, r.how) for r in kept.replies] == [
        ("confirm.kept", "toast"),
        ("item.withdraw_kept", "mark"),
    ]
    head = await person(db, cast["head"])
    refused = await lookup.withdraw(db, head, it.Withdraw(item_id, "ok"))
    assert refused.replies[0].key.startswith("refused.") and not refused.queued
    done = await lookup.withdraw(db, informant, it.Withdraw(item_id, "ok"))
    assert done.queued and [(r.key, r.how) for r in done.replies] == [("item.withdrawn", "mark")]
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None and item.state is ItemState.WITHDRAWN
    again = await lookup.withdraw(db, informant, it.Withdraw(item_id, "ok"))
    assert again.replies[0].key.startswith("refused.") and not again.queued


async def test_find_rank_unit_and_bulletin_usage(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    item_id = await submit_item(engine_channel(db, rules), cast["informant"])
    informant = await person(db, cast["informant"])
    assert (await lookup.find(db, informant, "  ")).replies == [Reply("find.usage")]
    assert await lookup.find(db, None, "一窗") == lookup.stranger()
    found = await lookup.find(db, informant, "一窗")
    assert said(await Chat(TELEGRAM).show(informant.id, found)) == [
        f"找到 1 条：\n#{item_id} 待审签 — 一窗通办上线"
    ]
    assert said(await Chat(WECOM).show(informant.id, await lookup.find(db, informant, "没有"))) == [
        "没有找到标题含“没有”的信息。"
    ]
    outsider = await person(db, cast["outsider"])
    assert (await lookup.find(db, outsider, "一窗")).replies[0].key == "find.none"
    ranked = said(await Chat(WECOM).show(informant.id, await lookup.ranking(db, rules, informant)))
    [rank] = ranked
    lines = rank.split("\n")
    assert (
        lines[0].endswith("月排名") and "" in lines and lines[-1] == "各单位均为 0 分，暂不排名。"
    )
    [unit] = said(
        await Chat(TELEGRAM).show(informant.id, await lookup.my_unit(db, rules, informant))
    )
    assert unit.startswith(f"<b>{WINDOW}</b>")
    usage = await lookup.bulletin(db, rules, informant, [], "2099-01", with_document=True)
    assert usage.replies == [Reply("bulletin.usage")]
    assert said(await Chat(WECOM).show(informant.id, usage)) == [
        "用法：「通报」 或 「通报」 2026-10（也可写 10月），查看已过去的月份。"
    ]
    preview = await lookup.bulletin(db, rules, informant, [], "", with_document=True)
    assert [r.how for r in preview.replies] == ["say", "bulletin"]
    assert preview.replies[0].key == "bulletin.preview"


WECOM_USER = Account("wecom", "zhangwei")


async def test_joining_by_code_on_wecom_welcomes_with_the_commands_worded_for_it(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    stranger = await start.help_for(db, rules, WECOM_USER)
    assert stranger.replies == [Reply("stranger")]
    [told] = said(await Chat(WECOM).show(0, stranger))
    assert "<b>" not in told and "报送" in told
    assert (await start.join(db, rules, WECOM_USER, "no such!", name="张伟")).replies == [
        Reply("refused.invite_unknown")
    ]
    assert (await start.join(db, rules, WECOM_USER, "abc", name="张伟")).replies == [
        Reply("refused.invite_unknown")
    ]
    invite, _ = await joining.create_invite(db, rules, unit_name=WINDOW, role=Role.WINDOW_HEAD)
    joined = await start.join(db, rules, WECOM_USER, invite.code, name="张伟")
    names = ["unit", "pending", "item", "rank", "bulletin", "guide", "campaigns", "cancel", "help"]
    assert joined.menu == tuple(names) and not joined.queued
    [welcome] = said(await Chat(WECOM).show(0, joined))
    assert welcome.startswith(f"欢迎，张伟！您已加入 {WINDOW}，身份：")
    assert "您可以使用以下命令：\n「本单位」 — 本单位本月及全年情况\n「待审签」 — " in welcome
    assert welcome.endswith("「帮助」 — 显示本帮助")
    again = await start.join(db, rules, WECOM_USER, invite.code, name="张伟")
    assert again.replies == [Reply("refused.invite_used")] and again.menu is None
    [helped] = said(await Chat(TELEGRAM).show(0, await start.help_for(db, rules, WECOM_USER)))
    assert helped.split("\n")[:2] == ["您可以使用以下命令：", "/unit — 本单位本月及全年情况"]
    # an item that was waiting for the window's head before they joined is offered now
    await submit_item(engine_channel(db, rules), cast["informant"])
    second = Account("wecom", "lisi")
    invite, _ = await joining.create_invite(db, rules, unit_name=WINDOW, role=Role.WINDOW_HEAD)
    await start.join(db, rules, second, invite.code, name="李四")
    assert (await start.offer_waiting(db, rules, second)).queued


async def test_admins_by_config_get_help_and_the_admin_commands(
    db: Database, rules: CentreRules
) -> None:
    admin = Account("wecom", "admin01")
    listed = replace(rules, admins=(admin,))
    names = start.allowed(listed, admin, [])
    assert names == [
        "guide",
        "announce",
        "announced",
        "invite",
        "revoke",
        "correct",
        "cancel",
        "help",
    ]
    assert start.allowed(rules, admin, []) == ["cancel", "help"]


async def test_stray_words_say_what_waits_and_what_one_can_do(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    assert (await hints.stray(db, rules, WECOM_USER)).replies == [Reply("stranger")]
    informant = tg_account(101)
    [text_hint] = said(await Chat(TELEGRAM).show(0, await hints.stray(db, rules, informant)))
    lines = text_hint.split("\n")
    assert lines[:3] == [
        "这条消息没有被当作任何操作。",
        "您可以使用以下命令：",
        "/submit — 报送一条信息",
    ]
    await submit_item(engine_channel(db, rules), cast["informant"])
    head = tg_account(102)
    long = "/" + "x" * 60
    answer = await hints.stray(db, rules, head, command=long)
    [telegram] = said(await Chat(TELEGRAM).show(0, answer))
    assert telegram.split("\n")[:2] == [
        f"没有 {long[:40]} 这个命令。",
        "👉 有 1 件信息等您审签：发送 /pending 查看。",
    ]
    [wecom] = said(await Chat(WECOM).show(0, answer))
    assert wecom.split("\n")[1] == "👉 有 1 件信息等您审签：发送 「待审签」 查看。"


async def test_a_writing_task_opened_listed_answered_and_cancelled(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    editor, informant = await person(db, cast["editor"]), await person(db, cast["informant"])
    usage = await task_commands.open_task(db, rules, editor, "没有这个单位 标题")
    assert said(await Chat(WECOM).show(editor.id, usage))[0].startswith(
        "用法：「写作任务」 单位名称"
    )
    refused = await task_commands.open_task(db, rules, informant, f"{WINDOW} 一窗通办")
    assert refused.replies[0].key.startswith("refused.") and not refused.queued
    opened = await task_commands.open_task(db, rules, editor, f"{WINDOW} 一窗通办 <一周年>")
    assert opened.queued
    [told] = said(await Chat(TELEGRAM).show(editor.id, opened))
    assert told.startswith(f"已给 {WINDOW} 开写作任务 #") and "一窗通办 &lt;一周年&gt;，" in told
    task_id = int(opened.replies[0].params["task"])
    async with db.reading() as tx:
        grants = await people.active_roles(tx, informant.id)
    [line] = await Chat(WECOM).show(
        informant.id, await task_commands.list_tasks(db, informant, grants)
    )
    assert said([line])[0].startswith(f"#{task_id} {WINDOW}：一窗通办 <一周年>（")
    assert line.buttons == ((("✓ 完成", encode(tk.TaskAction("done", task_id))),),)
    async with db.reading() as tx:
        editing = await people.active_roles(tx, editor.id)
    [desk] = (await task_commands.list_tasks(db, editor, editing)).replies
    assert [b.press for b in desk.buttons[0]] == [
        tk.TaskAction("done", task_id),
        tk.TaskAction("cancel", task_id),
    ]
    assert await task_commands.list_tasks(db, None, []) == lookup.stranger()
    # an informant's 完成 asks which item answers it
    item_id = await submit_item(engine_channel(db, rules), informant.id)
    ask = await task_commands.press(db, informant, tk.TaskAction("done", task_id))
    [choose] = ask.replies
    assert choose.key == "task.choose_answer"
    assert [b.press for row in choose.buttons for b in row] == [tk.TaskLink(task_id, item_id)]
    assert choose.buttons[0][0].label == f"#{item_id} 一窗通办上线"
    forged = await task_commands.press(db, informant, None)
    assert forged.replies == [Reply("refused.forged")]
    assert (await task_commands.press(db, informant, tk.TaskAction("cancel", task_id))).replies == [
        Reply("refused.not_allowed")
    ]
    linked = await task_commands.press(db, informant, tk.TaskLink(task_id, item_id))
    assert linked.queued and [(r.key, r.how) for r in linked.replies] == [("task.answered", "mark")]
    # the editor's 取消 on a task still open: shown back, kept, then confirmed
    second = await task_commands.open_task(db, rules, editor, f"{WINDOW} 第二篇")
    second_id = int(second.replies[0].params["task"])
    shown = await task_commands.press(db, editor, tk.TaskAction("cancel", second_id))
    assert [b.press for b in shown.replies[0].buttons[0]] == [
        tk.TaskAction("cancelok", second_id),
        tk.TaskAction("keep", second_id),
    ]
    kept = await task_commands.press(db, editor, tk.TaskAction("keep", second_id))
    assert [(r.key, r.how) for r in kept.replies] == [
        ("confirm.kept", "toast"),
        ("task.cancel_kept", "mark"),
    ]
    cancelled = await task_commands.press(db, editor, tk.TaskAction("cancelok", second_id))
    assert [(r.key, r.how) for r in cancelled.replies] == [
        ("task.closed_cancel", "toast"),
        ("task.closed_cancel", "mark"),
    ]
    again = await task_commands.press(db, editor, tk.TaskAction("cancel", second_id))
    assert again.replies == [Reply("refused.task_closed")]
    # an editor's 完成 closes at once, and the pressed message's buttons go
    third = await task_commands.open_task(db, rules, editor, f"{WINDOW} 第三篇")
    third_id = int(third.replies[0].params["task"])
    origin = {"chat": 1, "message": 2}
    closed = await task_commands.press(db, editor, tk.TaskAction("done", third_id), origin)
    assert [(r.key, r.how) for r in closed.replies] == [
        ("task.closed_done", "toast"),
        ("", "clear"),
    ]
    assert closed.replies[1].params["origin"] == origin
