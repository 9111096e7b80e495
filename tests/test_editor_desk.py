"""The editors' desk as an editor works it: /queue paged and filtered, archive with undo,
cards that carry the editor's actions, and the author told of each step; through the real
bot and the fake Bot API, checked in the ledger."""

from __future__ import annotations

from datetime import date

from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState, Role
from storage import items, people, units
from storage.db import Database
from tests.flow import buttons, texts_of
from tests.test_flows import WINDOW, join, say, tap
from workflow import centre, signoff, submission

TOWNSHIP = "城关镇便民服务中心"


async def at_centre(bot: BotApp, ledger: Database, unit: str, title: str) -> int:
    """An item of the unit's informant (王芳 / 李华), signed off to the centre."""
    rules = bot.bot_data.rules
    async with ledger.reading() as tx:
        holders = {p.name: p for p in await people.role_holders_anywhere(tx, Role.INFORMANT)}
        unit_row = next(u for u in await units.list_units(tx) if u.name == unit)
    author = holders["王芳" if unit == WINDOW else "李华"]
    draft = submission.Draft(unit_row.id, "measures", title, "正文。", date(2026, 10, 14))
    item = (await submission.submit(ledger, rules, author, draft)).item
    for step, signer in enumerate(item.chain_roles):
        async with ledger.reading() as tx:
            who = (await people.role_holders(tx, unit_row.id, signer))[0]
        await signoff.decide(ledger, rules, who, item_id=item.id, round_=0, step=step, approve=True)
    return item.id


async def cast(server: FakeBotApi, bot: BotApp, ledger: Database) -> list[int]:
    """A window and a township with their people, an editor, and 11 items at the centre (9
    of the window, 2 of the township)."""
    for uid, name, unit, role in (
        (101, "王芳", WINDOW, "informant"),
        (102, "李明", WINDOW, "window_head"),
        (103, "张伟", WINDOW, "leader"),
        (111, "李华", TOWNSHIP, "informant"),
        (112, "陈静", TOWNSHIP, "leader"),
        (104, "赵敏", "综合科", "editor"),
    ):
        await join(server, bot, server.user(uid, name), unit, role)
    found = [await at_centre(bot, ledger, WINDOW, f"窗口信息{n}") for n in range(1, 10)]
    found += [await at_centre(bot, ledger, TOWNSHIP, f"乡镇信息{n}") for n in range(1, 3)]
    return found


async def test_the_desk_pages_filters_archives_and_undoes(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    numbers = await cast(server, bot, ledger)
    editor, informant = server.user(104, "赵敏"), server.user(101, "王芳")
    before = len(editor.received())
    await say(server, bot, editor, "/queue")
    shown = editor.received()[before:]
    assert "待处理的信息 11 件，第 1/2 页" in str(shown[0]["text"])
    cards = [m for m in shown if "ed:reg:" in "".join(buttons(m).values())]
    assert len(cards) == 8 and "窗口信息1" in str(cards[0]["text"])
    assert all("🗄 归档" in buttons(card) for card in cards)
    # The next page: the other three.
    before = len(editor.received())
    await tap(server, bot, editor, shown[-1], buttons(shown[-1])["下一页 ➡️"])
    page_two = editor.received()[before:]
    assert "第 2/2 页" in str(page_two[0]["text"])
    assert len([m for m in page_two if "ed:reg:" in "".join(buttons(m).values())]) == 3
    # Register the first: it moves behind the unregistered ones; its author is told.
    await tap(server, bot, editor, cards[0], buttons(cards[0])["📋 登记"])
    assert f"您的信息 #{numbers[0]}《窗口信息1》已由中心登记" in "\n".join(texts_of(informant))
    # Filtered by unit and state.
    before = len(editor.received())
    await say(server, bot, editor, "/queue 城关镇 未登记")
    head = str(editor.received()[before]["text"])
    assert "待处理的信息 2 件，城关镇便民服务中心，未登记，第 1/1 页" in head
    before = len(editor.received())
    await say(server, bot, editor, "/queue 已登记")
    registered = editor.received()[before:]
    assert "1 件" in str(registered[0]["text"]) and "窗口信息1" in str(registered[1]["text"])
    # Archive it: off the desk, the author told; undo puts it back.
    await tap(server, bot, editor, registered[1], buttons(registered[1])["🗄 归档"])
    note = editor.received()[-1]
    assert "已归档" in str(note["text"])
    assert (await item_state(ledger, numbers[0])) is ItemState.ARCHIVED
    assert "已由中心归档" in texts_of(informant)[-1]
    assert "目前没有待处理的信息，已登记未采用" in await say(server, bot, editor, "/queue 已登记")
    adopting = await tap(server, bot, editor, registered[1], buttons(registered[1])["🏅 登记采用"])
    assert "这条信息已归档，不再记录采用" in str(adopting.get("text"))
    await tap(server, bot, editor, note, buttons(note)["↩️ 撤销归档"])
    assert "已撤销归档" in texts_of(editor)[-1]
    assert (await item_state(ledger, numbers[0])) is ItemState.REGISTERED
    again = await tap(server, bot, editor, note, buttons(note)["↩️ 撤销归档"])
    assert "没有归档" in str(again.get("text"))


async def test_item_cards_carry_the_editors_actions_and_edits_reach_the_author(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    numbers = await cast(server, bot, ledger)
    editor, informant = server.user(104, "赵敏"), server.user(101, "王芳")
    await say(server, bot, editor, f"/item {numbers[1]}")
    opened = editor.received()[-1]
    assert {"📋 登记", "✏️ 修改", "🏅 登记采用", "🗄 归档"} <= set(buttons(opened))
    await tap(server, bot, editor, opened, buttons(opened)["✏️ 修改"])
    await say(server, bot, editor, "改写后的标题\n改写后的正文，编辑润色。")
    more = editor.received()[-1]
    await tap(server, bot, editor, more, buttons(more)["完成"])
    told = texts_of(informant)[-1]
    assert f"中心编辑修改了您的信息 #{numbers[1]}" in told
    assert "改写后的标题" in told and "改写后的正文，编辑润色。" in told
    # The informant opening the same item sees no editor's buttons.
    await say(server, bot, informant, f"/item {numbers[1]}")
    assert not any(d.startswith("ed:") for d in buttons(informant.received()[-1]).values())


async def item_state(ledger: Database, item_id: int) -> ItemState:
    """The item's state now."""
    async with ledger.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None
    return item.state


async def test_desk_service_orders_unregistered_first(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    numbers = await cast(server, bot, ledger)
    async with ledger.reading() as tx:
        editor = (await people.role_holders_anywhere(tx, Role.EDITOR))[0]
    await centre.register(ledger, editor, numbers[0])
    page = await centre.desk(ledger, editor, centre.DeskFilter())
    assert [i.id for i in page.items] == numbers[1:9] and page.total == 11 and page.pages == 2
    last = await centre.desk(ledger, editor, centre.DeskFilter(page=9))
    assert last.filter.page == 1 and [i.id for i in last.items] == [*numbers[9:], numbers[0]]
    month = await centre.desk(ledger, editor, centre.DeskFilter(month="2026-09"))
    assert month.total == 0
