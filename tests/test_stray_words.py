"""Nothing stuck, nothing by accident: a typed answer awaited after a button ends with another
command or button and after `chat.typed_answer_minutes`, across restarts too; destructive steps
are shown back with ✅ 确认 / ✖️ 取消; the author never signs their own item; /find, long
return reasons, file names and adoption dates — each through the running bot."""

from __future__ import annotations

from datetime import date, timedelta

from bot.settings.schema import Settings
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState
from storage import adoptions, audit, items
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import JSON, button_data, buttons, running, settle, texts_of
from tests.test_flows import WINDOW, join, say, submit_quickly, tap
from workflow.rules import OwnItem


async def _returning(server: FakeBotApi, bot: BotApp) -> tuple[FakeUser, FakeUser]:
    """An informant's item #1 waiting at the window head, who pressed ↩️ 退回."""
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await submit_quickly(server, bot, informant)
    request = head.received()[-1]
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:r"))
    assert "退回信息 #1 的原因" in texts_of(head)[-1]
    return informant, head


async def _state(ledger: Database, item_id: int = 1) -> tuple[ItemState, int]:
    """An item's state and how many sign-off decisions it has."""
    async with ledger.reading() as tx:
        item = await items.get_item(tx, item_id)
        decisions = await items.signoffs_of(tx, item_id)
    assert item is not None
    return item.state, len(decisions)


async def test_another_command_ends_the_return_reason_wait(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    _, head = await _returning(server, bot)
    before = len(texts_of(head))
    await say(server, bot, head, "/my")
    said = texts_of(head)[before:]  # said first, before /my's own answer
    assert "已取消等待输入（退回原因）" in said[0] and len(said) > 1
    await say(server, bot, head, "好的")
    assert "请确认退回" not in "\n".join(texts_of(head)[-2:])
    assert await _state(ledger) == (ItemState.PENDING, 0)


async def test_another_button_ends_the_return_reason_wait(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant, head = await _returning(server, bot)
    await submit_quickly(server, bot, informant)  # item #2, its request is the newest message
    request = head.received()[-1]
    before = len(texts_of(head))
    await tap(server, bot, head, request, button_data(request, "so:2:0:0:a"))
    said = texts_of(head)[before:]
    assert "已取消等待输入（退回原因）" in said[0]
    await say(server, bot, head, "收到")
    assert await _state(ledger) == (ItemState.PENDING, 0)


async def test_a_reason_typed_too_late_is_not_taken_across_a_restart(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> None:
    async with running(settings, ledger) as app:
        _, head = await _returning(server, app)
    clock.now += timedelta(minutes=11)
    async with running(settings, ledger) as app:
        reply = await say(server, app, head, "好的")
    assert "已超过 10 分钟，已失效" in reply
    assert "重新点按" in reply
    assert await _state(ledger) == (ItemState.PENDING, 0)


async def test_a_reason_typed_in_time_after_a_restart_is_shown_back(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> None:
    async with running(settings, ledger) as app:
        informant, head = await _returning(server, app)
    clock.now += timedelta(minutes=9)
    async with running(settings, ledger) as app:
        shown = await say(server, app, head, "请补充办件数量")
        assert "请确认退回信息 #1" in shown
        assert await _state(ledger) == (ItemState.PENDING, 0)  # nothing yet
        confirm = head.received()[-1]
        await tap(server, app, head, confirm, button_data(confirm, "so:1:0:0:c"))
    assert await _state(ledger) == (ItemState.RETURNED, 1)
    assert "请补充办件数量" in texts_of(informant)[-1]


async def test_cancelling_the_return_leaves_the_item_pending(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    _, head = await _returning(server, bot)
    await say(server, bot, head, "请补充办件数量")
    confirm = head.received()[-1]
    answer = await tap(server, bot, head, confirm, button_data(confirm, "so:1:0:0:x"))
    assert "没有任何改变" in answer["text"]
    assert buttons(head.received()[-1]) == {}
    assert await _state(ledger) == (ItemState.PENDING, 0)
    again = await head.click(confirm, "so:1:0:0:c", forged=True)
    await settle(server, bot)
    assert "已失效" in (await server.wait_for_answer(again["callback_query"]["id"]))["text"]
    assert await _state(ledger) == (ItemState.PENDING, 0)


async def test_a_return_reason_over_the_limit_is_refused_with_the_limit(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    _, head = await _returning(server, bot)
    reply = await say(server, bot, head, "因" * 501)
    assert "最多 500 字" in reply
    assert "501" in reply
    assert "请确认退回" in await say(server, bot, head, "请补充办件数量")  # the question stayed


async def _adopted(server: FakeBotApi, bot: BotApp) -> tuple[FakeUser, FakeUser, JSON]:
    """A section head's item at the centre with one 4-point adoption; the editor's message."""
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    await join(server, bot, informant, "综合科", "informant")  # a section head: no chain
    await join(server, bot, editor, "办公室", "editor")
    await submit_quickly(server, bot, informant)
    await tap(server, bot, editor, editor.received()[-1], "ed:adopt:1")
    outlets = editor.received()[-1]
    await tap(server, bot, editor, outlets, button_data(outlets, "ed:out:1:4"))
    recorded = editor.received()[-1]
    assert "4 级" in str(recorded["text"])
    return informant, editor, recorded


async def _live_points(ledger: Database) -> int:
    """The points of item #1's live adoptions."""
    async with ledger.reading() as tx:
        return sum(a.points for a in await adoptions.adoptions_of(tx, 1))


async def test_a_stray_word_days_later_does_not_withdraw_an_adoption(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    _, editor, recorded = await _adopted(server, bot)
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:wd:"))
    clock.now += timedelta(days=3)
    assert "已失效" in await say(server, bot, editor, "收到")
    assert await _live_points(ledger) == 4


async def test_withdrawal_is_shown_back_and_only_the_confirm_acts(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant, editor, recorded = await _adopted(server, bot)
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:wd:"))
    shown = await say(server, bot, editor, "录错了渠道")
    assert "请确认撤销信息 #1" in shown
    assert "录错了渠道" in shown
    assert "4 分" in shown
    assert await _live_points(ledger) == 4
    confirm = editor.received()[-1]
    await tap(server, bot, editor, confirm, button_data(confirm, "ed:wdno:"))
    assert await _live_points(ledger) == 4
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:wd:"))
    await say(server, bot, editor, "录错了渠道")
    confirm = editor.received()[-1]
    await tap(server, bot, editor, confirm, button_data(confirm, "ed:wdok:"))
    assert await _live_points(ledger) == 0
    assert "累计 0 分" in texts_of(informant)[-1]


async def test_cancelling_a_writing_task_asks_first(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    editor = server.user(104, "赵敏")
    await join(server, bot, editor, "办公室", "editor")
    await say(server, bot, editor, f"/task {WINDOW} 市领导视察窗口")
    await say(server, bot, editor, "/tasks")
    listing = editor.received()[-1]
    await tap(server, bot, editor, listing, button_data(listing, "tk:cancel:"))
    confirm = editor.received()[-1]
    assert "请确认取消写作任务 #1" in str(confirm["text"])
    async with ledger.reading() as tx:
        state = await tx.fetchone("SELECT state FROM writing_tasks WHERE id = 1")
    assert state is not None and state[0] == "open"
    await tap(server, bot, editor, confirm, button_data(confirm, "tk:cancelok:"))
    async with ledger.reading() as tx:
        state = await tx.fetchone("SELECT state FROM writing_tasks WHERE id = 1")
    assert state is not None and state[0] == "cancelled"


# -- the author never signs their own item


async def _author_also_head(
    server: FakeBotApi, bot: BotApp, *, other_head: bool
) -> tuple[FakeUser, FakeUser | None, FakeUser]:
    """王芳 is both informant and window head of the window; maybe another head; a leader."""
    author = server.user(101, "王芳")
    await join(server, bot, author, WINDOW, "informant")
    await join(server, bot, author, WINDOW, "window_head")
    other = None
    if other_head:
        other = server.user(102, "李明")
        await join(server, bot, other, WINDOW, "window_head")
    leader = server.user(103, "张伟")
    await join(server, bot, leader, WINDOW, "leader")
    return author, other, leader


def _asked(user: FakeUser, data: str) -> bool:
    """Whether any message to the user carries this sign-off button."""
    return any(data in buttons(m).values() for m in user.received())


async def test_the_author_is_never_asked_and_another_head_signs(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    author, other, leader = await _author_also_head(server, bot, other_head=True)
    assert other is not None
    await submit_quickly(server, bot, author)
    assert _asked(other, "so:1:0:0:a")
    assert not _asked(author, "so:1:0:0:a")
    forged = await author.click(author.received()[-1], "so:1:0:0:a", forged=True)
    await settle(server, bot)
    answer = await server.wait_for_answer(forged["callback_query"]["id"])
    assert "不能审签自己的信息" in answer["text"]
    assert await _state(ledger) == (ItemState.PENDING, 0)
    # Nor do /pending, /item or a message to the bot offer the author their own step.
    assert "#1" not in await say(server, bot, author, "/pending")
    await say(server, bot, author, "/item 1")
    assert not _asked(author, "so:1:0:0:a")
    request = other.received()[-1]
    await tap(server, bot, other, request, button_data(request, "so:1:0:0:a"))
    assert _asked(leader, "so:1:0:1:a")


async def test_with_no_other_holder_the_step_is_skipped_not_signed(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    author, _, leader = await _author_also_head(server, bot, other_head=False)
    await submit_quickly(server, bot, author)
    assert not _asked(author, "so:1:0:0:a")
    assert _asked(leader, "so:1:0:1:a")
    assert "分管领导" in "\n".join(texts_of(author)[-3:])  # told where it went
    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
        trail = [e.action for e in await audit.audit_trail(tx, "item", 1)]
        decisions = await items.signoffs_of(tx, 1)
    assert item is not None and (item.state, item.chain_step) == (ItemState.PENDING, 1)
    assert decisions == []  # skipped, not recorded as the author's approval
    assert "signoff.skip_own_item" in trail
    request = leader.received()[-1]
    await tap(server, bot, leader, request, button_data(request, "so:1:0:1:a"))
    assert (await _state(ledger))[0] is ItemState.SUBMITTED


async def test_an_author_who_holds_the_last_step_sends_it_to_the_centre(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    author = server.user(101, "王芳")
    head = server.user(102, "李明")
    editor = server.user(104, "赵敏")
    await join(server, bot, author, WINDOW, "informant")
    await join(server, bot, author, WINDOW, "leader")
    await join(server, bot, head, WINDOW, "window_head")
    await join(server, bot, editor, "办公室", "editor")
    await submit_quickly(server, bot, author)
    request = head.received()[-1]
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:a"))
    assert not _asked(author, "so:1:0:1:a")
    state, decisions = await _state(ledger)
    assert (state, decisions) == (ItemState.SUBMITTED, 1)  # the head's approval only
    assert "新信息报送到中心" in texts_of(editor)[-1]


async def test_next_step_setting_skips_even_with_another_holder(
    server: FakeBotApi, settings: Settings, ledger: Database
) -> None:
    signoff = settings.signoff.model_copy(update={"own_item": OwnItem.NEXT_STEP})
    async with running(settings.model_copy(update={"signoff": signoff}), ledger) as app:
        author, other, leader = await _author_also_head(server, app, other_head=True)
        assert other is not None
        await submit_quickly(server, app, author)
        assert not _asked(other, "so:1:0:0:a")
        assert _asked(leader, "so:1:0:1:a")


# -- the smaller ones


async def test_find_filters_to_ones_units_before_the_newest(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    outsider = server.user(120, "外单位信息员")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, outsider, "城关镇便民服务中心", "informant")
    await submit_quickly(server, bot, informant)  # #1: 市人社局窗口推行“一窗通办”
    async with ledger.reading() as tx:
        row = await tx.fetchone(
            "SELECT person_id AS id FROM accounts WHERE channel = 'telegram' AND external_id = '120'"
        )
        unit = await tx.fetchone("SELECT id FROM units WHERE name = '城关镇便民服务中心'")
    assert row is not None and unit is not None
    async with ledger.transaction() as tx:
        for n in range(60):
            await items.create_item(
                tx,
                items.NewItem(
                    unit_id=int(unit[0]),
                    author_id=int(row[0]),
                    category="measures",
                    title=f"城关镇推行一窗通办 {n}",
                    body="正文。",
                    event_date=date(2026, 10, 14),
                ),
            )
    found = await say(server, bot, informant, "/find 一窗通办")
    assert "#1 " in found
    assert "城关镇" not in found


async def test_direction_overrides_are_removed_from_file_names(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    await join(server, bot, informant, WINDOW, "informant")
    await say(server, bot, informant, "/submit")
    await tap(server, bot, informant, informant.received()[-1], "sub:cat:measures")
    await say(server, bot, informant, "带附件的信息")
    await say(server, bot, informant, "正文。")
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    await say(server, bot, informant, "2026-10-14")
    await informant.send_document("照片\u202egpj.pdf", "application/pdf", b"%PDF-1.4")
    await settle(server, bot)
    assert "已添加附件 1 个" in texts_of(informant)[-1]
    await tap(server, bot, informant, informant.received()[-1], "sub:files:done")
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")
    async with ledger.reading() as tx:
        (stored,) = await items.files_of(tx, 1)
    assert stored.file_name == "照片gpj.pdf"


async def test_adoption_date_prompt_and_yesterday(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    _, editor, recorded = await _adopted(server, bot)
    clock.now += timedelta(days=1)
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:day:"))
    prompt = editor.received()[-1]
    assert "昨天" in str(prompt["text"])
    assert "按钮" not in str(prompt["text"]) or buttons(prompt)  # names no button it lacks
    assert "日期 2026-10-15" in await say(server, bot, editor, "昨天")


async def _adopted_on(ledger: Database) -> date:
    """The date of item #1's adoption."""
    async with ledger.reading() as tx:
        found = await adoptions.adoptions_of(tx, 1)
    return found[0].adopted_on


async def test_an_adoption_date_asked_before_a_restart_is_taken_after_it(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> None:
    async with running(settings, ledger) as app:
        _, editor, recorded = await _adopted(server, app)
        await tap(server, app, editor, recorded, button_data(recorded, "ed:day:"))
        assert "请输入采用日期" in texts_of(editor)[-1]
    clock.now += timedelta(minutes=9)
    async with running(settings, ledger) as app:
        assert "不能早于" in await say(server, app, editor, "2026-10-01")  # asked again
        assert "日期 2026-10-15" in await say(server, app, editor, "10月15日")
        assert (await _adopted_on(ledger)).isoformat() == "2026-10-15"
        assert "当前没有进行中的操作" in await say(server, app, editor, "/cancel")


async def test_an_adoption_date_wait_ends_on_another_command_said_first(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    _, editor, recorded = await _adopted(server, bot)
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:day:"))
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:day:"))  # same question
    assert "已取消等待输入" not in "\n".join(texts_of(editor)[-2:])
    before = len(texts_of(editor))
    await say(server, bot, editor, "/my")
    said = texts_of(editor)[before:]
    assert "已取消等待输入（采用日期）" in said[0] and len(said) > 1
    await say(server, bot, editor, "10月14日")  # no longer an answer
    assert (await _adopted_on(ledger)).isoformat() == "2026-10-15"
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:ref:"))
    assert "已取消" in await say(server, bot, editor, "/cancel")
    clock.now += timedelta(minutes=1)
    await tap(server, bot, editor, recorded, button_data(recorded, "ed:ref:"))
    clock.now += timedelta(minutes=11)
    late = await say(server, bot, editor, "第12期")
    assert "已超过 10 分钟，已失效" in late and "期号/网址" in late


async def test_stray_text_and_unknown_commands_say_what_one_can_do_now(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    told = await say(server, bot, informant, "你好")
    assert "这条消息没有被当作任何操作" in told
    assert "/submit" in told and "/pending" not in told and "/queue" not in told
    await submit_quickly(server, bot, informant)
    told = await say(server, bot, head, "/approve")
    assert "没有 /approve 这个命令" in told
    assert "有 1 件信息等您审签：发送 /pending 查看" in told
    assert "/submit" not in told and "/item" in told
