"""The editors' desk on WeCom (issue 13), end to end over HTTP: sealed callbacks to the callback
server, the dispatcher answering by `workflow.commands.desk`, the replies sent through the
outbox to the WeCom emulator, beside the Telegram bot on its own emulator. A WeCom editor
pages and filters 「待处理」, registers, routes, rewrites, archives and undoes, records an
adoption and withdraws it; the informants are told on their channels; the same presses on
Telegram leave the same rows; a non-editor's, a forged and a stale press are refused."""

from __future__ import annotations

from datetime import date, timedelta

from channels.wecom.commands import Commands, Out
from channels.wecom.render import wecom_texts
from chat.actions import editor as ed
from sandbox.telegram.people import FakeUser
from sandbox.wecom.store import Delivery
from scoring.vocab import ItemState, Role
from storage import adoptions, audit, items, people, routes, units
from storage.models import TELEGRAM, Account, Person
from tests.flow import JSON, button_data, texts_of
from tests.test_flows import join, say, tap
from tests.test_wecom_cross import OFFICE, SECTION, WECOM, Centre, centre, invite
from workflow import routing, submission
from workflow.commands import Answer, desk

__all__ = ["centre"]  # the fixture, shared with the walk-through across both channels

APPROVAL = "审批服务科"
PROVINCE = "省政务服务中心"
EDITOR, INFORMANT = "zhaomin", "lihua"
#: What the ledger keeps of an item: its state, audit trail, routes and adoptions.
Kept = tuple[ItemState, list[str], list[str], list[tuple[str, int, int, bool, str | None]]]


async def cast(centre: Centre) -> tuple[FakeUser, list[int], int]:
    """A Telegram informant of 综合科 with nine items at the centre, a WeCom informant of
    审批服务科 with one, and a WeCom editor; the Telegram informant, their items, the other."""
    tg_informant = centre.tg.user(101, "王芳")
    await join(centre.tg, centre.app, tg_informant, SECTION, "informant")
    await centre.say(INFORMANT, f"绑定 {await invite(centre, APPROVAL, Role.INFORMANT)}")
    await centre.say(EDITOR, f"绑定 {await invite(centre, OFFICE, Role.EDITOR)}")
    telegram_author = await person(centre, Account(TELEGRAM, "101"))
    wecom_author = await person(centre, Account(WECOM, INFORMANT))
    theirs = [await submitted(centre, telegram_author, SECTION, f"科室信息{n}") for n in range(9)]
    other = await submitted(centre, wecom_author, APPROVAL, "审批提速")
    centre.app.bot_data.courier.wake()  # the editors' notices the service queued
    await centre.settle()
    return tg_informant, theirs, other


async def person(centre: Centre, account: Account) -> Person:
    """Who the account is in the ledger."""
    async with centre.db.reading() as tx:
        found = await people.person_by_account(tx, account)
    assert found is not None
    return found


async def submitted(centre: Centre, author: Person, unit_name: str, title: str) -> int:
    """A section's item, straight at the centre (a section head submits without sign-off)."""
    async with centre.db.reading() as tx:
        unit = await units.unit_by_name(tx, unit_name)
    assert unit is not None
    draft = submission.Draft(unit.id, "measures", title, "正文。", date(2026, 10, 14))
    made = (await submission.submit(centre.db, centre.rules, author, draft)).item
    assert made.state is ItemState.SUBMITTED
    return made.id


def seen(centre: Centre, userid: str, since: int) -> str:
    """Everything a member was shown from the `since`th message on: texts, and each card's
    title, description, sub-title and buttons."""
    parts = []
    for d in centre.wecom.inbox(userid)[since:]:
        if d.msgtype == "template_card":
            title = d.content.get("main_title") or {}
            parts += [str(title.get("title", "")), str(title.get("desc", ""))]
            parts.append(str(d.content.get("sub_title_text", "")))
            parts += [str(b["text"]) for b in d.content.get("button_list", [])]
        else:
            parts.append(d.text or "")
    return "\n".join(parts)


async def lines_of(centre: Centre, answer: Answer) -> list[str]:
    """The lines a neutral answer says on WeCom, as the outbox is handed them."""
    out = Out()
    await Commands(centre.db, centre.rules, wecom_texts("zh"), minutes=1).send(answer, out)
    lines = []
    for payload, _ in out.rows:
        lines += str(payload.get("text", "")).splitlines()
        lines += [label for row in payload.get("buttons", []) for label, _ in row]
    return [line for line in lines if line.strip()]


async def later(centre: Centre) -> None:
    """A minute on: what WeCom's per-member limit (30 a minute) held back goes out."""
    centre.clock.now += timedelta(seconds=61)
    centre.app.bot_data.courier.wake()
    await centre.settle()


async def asks(centre: Centre, userid: str, text: str) -> str:
    """What a member is shown after sending a text (a minute after the last)."""
    await later(centre)
    since = len(centre.wecom.inbox(userid))
    await centre.say(userid, text)
    return seen(centre, userid, since)


def card_with(centre: Centre, userid: str, key: str) -> Delivery:
    """The member's newest card with a button of exactly this key."""
    for card in reversed(centre.cards(userid)):
        if key in [str(b["key"]) for b in card.content.get("button_list", [])]:
            return card
    raise AssertionError(f"{userid} has no card with {key}")


async def press(centre: Centre, userid: str, key: str) -> str:
    """The member presses the button of this key on their newest card holding it; what they
    are shown then."""
    await later(centre)
    card = card_with(centre, userid, key)
    since = len(centre.wecom.inbox(userid))
    await centre.wecom.press(userid, str(card.content["task_id"]), key)
    await centre.settle()
    return seen(centre, userid, since)


async def forge(centre: Centre, userid: str, key: str) -> str:
    """A click WeCom never offered this member (a sealed callback all the same); what they
    are shown then."""
    await later(centre)
    since = len(centre.wecom.inbox(userid))
    await centre.post(
        centre._message(
            userid,
            "event",
            ("Event", "template_card_event"),
            ("EventKey", key),
            ("TaskId", "forged-task"),
            ("ResponseCode", "forged-code"),
        )
    )
    await centre.settle()
    return seen(centre, userid, since)


async def test_a_wecom_editor_pages_filters_registers_and_rewrites(centre: Centre) -> None:
    """「待处理」 says what the neutral desk says, a page of eight cards with 登记 / 修改 / 归档;
    下一页 shows the rest; a unit and a state narrow it; 登记 tells the informant on either
    channel and offers where it goes; 修改 starts the engine's rewrite on WeCom."""
    tg_informant, theirs, other = await cast(centre)
    editor = await person(centre, Account(WECOM, EDITOR))
    assert "「待处理」" in await asks(centre, EDITOR, "帮助")

    shown = await asks(centre, EDITOR, "待处理")
    assert "📥 待处理的信息 10 件，第 1/2 页" in shown, shown
    for line in await lines_of(centre, await desk.queue(centre.db, centre.rules, editor, "")):
        assert line in shown, (line, shown)
    assert shown.count("📋 登记") == 8 and shown.count("🗄 归档") == 8
    assert "「待处理」 单位名称" in shown and "/queue" not in shown
    following = await press(centre, EDITOR, ed.encode(ed.DeskPage(1)))
    assert "第 2/2 页" in following and following.count("📋 登记") == 2, following
    assert "审批提速" in following and "科室信息8" in following

    narrowed = await asks(centre, EDITOR, f"待处理 {APPROVAL} 未登记")
    assert "📥 待处理的信息 1 件，审批服务科，未登记，第 1/1 页" in narrowed, narrowed
    assert "审批提速" in narrowed and "科室信息" not in narrowed

    # 登记: both informants told on their own channel; the editor is offered the routes.
    registered = await press(centre, EDITOR, f"ed:reg:{other}")
    assert f"📋 信息 #{other} 已登记。" in registered and "去向建议" in registered, registered
    assert "请回复数字 1–7 选择" in registered  # six outlets and 确认去向: numbered replies
    assert f"信息 #{other}《审批提速》已由中心登记" in centre.shown(INFORMANT)[-1]
    await press(centre, EDITOR, f"ed:reg:{theirs[0]}")
    assert f"信息 #{theirs[0]}《科室信息0》已由中心登记" in texts_of(tg_informant)[-1]
    state = await asks(centre, EDITOR, "待处理 已登记")
    assert "📥 待处理的信息 2 件，已登记未采用，第 1/1 页" in state, state
    first_unregistered = await asks(centre, EDITOR, "待处理 未登记")
    assert "待处理的信息 8 件，未登记，第 1/1 页" in first_unregistered

    # 修改: the engine's rewrite, on WeCom as on Telegram; the section is credited.
    asked = await press(centre, EDITOR, f"ed:edit:{theirs[1]}")
    assert wecom_texts("zh")("centre.ask_edit").splitlines()[0] in asked, asked
    await centre.say(EDITOR, "改写后的标题\n改写后的正文，编辑润色。")
    done = await press(centre, EDITOR, f"ed:edok:{theirs[1]}")
    assert f"信息 #{theirs[1]}" in done and OFFICE in done, done
    told = texts_of(tg_informant)[-1]
    assert f"中心编辑修改了您的信息 #{theirs[1]}" in told and "改写后的标题" in told
    async with centre.db.reading() as tx:
        edited = await items.get_item(tx, theirs[1])
    assert edited is not None and edited.title == "改写后的标题"


async def wecom_presses(centre: Centre, item_id: int, toggles: list[int]) -> int:
    """登记, the routes toggled and confirmed, 归档 and 撤销归档, 登记采用 at the province,
    then its withdrawal with a reason, all by the WeCom editor; the adoption's id."""
    await press(centre, EDITOR, f"ed:reg:{item_id}")
    for index in toggles:  # numbered replies: each answer a fresh menu
        await centre.say(EDITOR, str(index + 1))
    confirmed = await asks(centre, EDITOR, str(len(centre.rules.outlets) + 1))
    assert "去向已确认。" in confirmed and "📌 已确认去向" in confirmed, confirmed
    archived = await press(centre, EDITOR, f"ed:arc:{item_id}")
    assert f"🗄 信息 #{item_id} 已归档" in archived and "↩️ 撤销归档" in archived, archived
    back = await press(centre, EDITOR, f"ed:unarc:{item_id}")
    assert f"↩️ 信息 #{item_id} 已撤销归档" in back and "📋 登记" in back, back
    offered = await press(centre, EDITOR, f"ed:adopt:{item_id}")
    assert f"信息 #{item_id} 被哪里采用？" in offered and "省政务服务中心（3级 3分）" in offered
    province = list(centre.rules.outlets).index(PROVINCE)
    adopted = await press(centre, EDITOR, f"ed:out:{item_id}:{province}")
    assert f"“省政务服务中心”采用信息 #{item_id}，3 级，3 分" in adopted, adopted
    async with centre.db.reading() as tx:
        (adoption,) = await adoptions.adoptions_of(tx, item_id)
    asked = await press(centre, EDITOR, f"ed:wd:{adoption.id}")
    assert wecom_texts("zh")("centre.ask_withdraw").splitlines()[0] in asked, asked
    await centre.say(EDITOR, "录错了")
    withdrawn = await press(centre, EDITOR, f"ed:wdok:{adoption.id}")
    assert "省政务服务中心" in withdrawn, withdrawn
    return adoption.id


async def telegram_presses(
    centre: Centre, editor: FakeUser, item_id: int, mask: int, toggles: list[int]
) -> None:
    """The same presses by a Telegram editor, from the item's card (/item N)."""
    tg, app = centre.tg, centre.app
    await say(tg, app, editor, f"/item {item_id}")
    opened = editor.received()[-1]
    await tap(tg, app, editor, opened, button_data(opened, f"ed:reg:{item_id}"))
    suggestion = editor.received()[-1]
    for index in toggles:
        await tap(tg, app, editor, suggestion, ed.encode(ed.RouteToggle(item_id, mask, index)))
        mask ^= 1 << index
    await tap(tg, app, editor, suggestion, ed.encode(ed.RouteToggle(item_id, mask, None)))
    await tap(tg, app, editor, opened, button_data(opened, f"ed:arc:{item_id}"))
    note: JSON = editor.received()[-1]
    await tap(tg, app, editor, note, button_data(note, f"ed:unarc:{item_id}"))
    await tap(tg, app, editor, opened, button_data(opened, f"ed:adopt:{item_id}"))
    choice = editor.received()[-1]
    province = list(centre.rules.outlets).index(PROVINCE)
    await tap(tg, app, editor, choice, button_data(choice, f"ed:out:{item_id}:{province}"))
    adopted = editor.received()[-1]
    await tap(tg, app, editor, adopted, button_data(adopted, "ed:wd:"))
    await say(tg, app, editor, "录错了")
    confirm = editor.received()[-1]
    await tap(tg, app, editor, confirm, button_data(confirm, "ed:wdok:"))
    await centre.settle()


async def test_the_same_presses_on_wecom_and_telegram_leave_the_same_rows(centre: Centre) -> None:
    """A WeCom editor and a Telegram editor work two like items the same way: the ledger keeps
    the same audit trail, routes and (withdrawn) adoption for each, and the Telegram informant
    is told of every step on either."""
    tg_informant, theirs, _ = await cast(centre)
    tg_editor = centre.tg.user(104, "赵敏")
    await join(centre.tg, centre.app, tg_editor, OFFICE, "editor")
    on_wecom, on_telegram = theirs[0], theirs[1]
    editor = await person(centre, Account(WECOM, EDITOR))
    view = await routing.view(centre.db, centre.rules, editor, on_wecom)
    mask = routing.mask_of(view.outlets, view.initial)
    target = routing.mask_of(view.outlets, (centre.rules.publishing.brief_outlet, PROVINCE))
    toggles = [n for n in range(len(view.outlets)) if (mask ^ target) >> n & 1]

    before = len(texts_of(tg_informant))
    await wecom_presses(centre, on_wecom, toggles)
    told_wecom = texts_of(tg_informant)[before:]
    before = len(texts_of(tg_informant))
    await telegram_presses(centre, tg_editor, on_telegram, mask, toggles)
    told_telegram = texts_of(tg_informant)[before:]

    async def kept(item_id: int) -> Kept:
        """What the ledger keeps of the item, without its number, time or editor."""
        async with centre.db.reading() as tx:
            item = await items.get_item(tx, item_id)
            trail = [e.action for e in await audit.audit_trail(tx, "item", item_id)]
            chosen = [r.outlet for r in await routes.routes_of(tx, item_id)]
            adopted = await adoptions.adoptions_of(tx, item_id, include_withdrawn=True)
        assert item is not None
        rows = [
            (a.outlet, a.level, a.points, a.withdrawn_at is not None, a.withdraw_reason)
            for a in adopted
        ]
        return item.state, trail, sorted(chosen), rows

    wecom_rows, telegram_rows = await kept(on_wecom), await kept(on_telegram)
    assert wecom_rows == telegram_rows
    state, trail, chosen, rows = wecom_rows
    assert state is ItemState.REGISTERED
    assert chosen == sorted([centre.rules.publishing.brief_outlet, PROVINCE])
    assert rows == [(PROVINCE, 3, 3, True, "录错了")]
    steps = ("item.register", "route.set", "item.archive", "item.unarchive", "adoption.record")
    for action in (*steps, "adoption.withdraw"):
        assert action in trail, (action, trail)
    assert len(told_wecom) == len(told_telegram) >= 4
    assert [t.replace(f"#{on_wecom}", "#N").replace("科室信息0", "T") for t in told_wecom] == [
        t.replace(f"#{on_telegram}", "#N").replace("科室信息1", "T") for t in told_telegram
    ]


async def test_a_non_editors_a_forged_and_a_stale_press_are_refused(centre: Centre) -> None:
    """An informant's 「待处理」 and an editor's button they were never sent are refused as on
    Telegram; a garbled key is forged; 登记 twice, 撤销归档 of an item not archived and a
    confirmation no withdrawal waits for are stale; nothing changes in the ledger."""
    _, theirs, other = await cast(centre)
    zh = wecom_texts("zh")
    assert await asks(centre, INFORMANT, "待处理") == zh("refused.not_editor")
    assert await forge(centre, INFORMANT, f"ed:reg:{other}") == zh("refused.not_editor")
    assert await forge(centre, INFORMANT, ed.encode(ed.DeskPage(1))) == zh("refused.not_editor")
    assert await forge(centre, EDITOR, "ed:reg:x1") == zh("refused.forged")
    assert await forge(centre, EDITOR, f"ed:out:{other}:99") == zh("refused.forged")
    await press(centre, EDITOR, f"ed:reg:{other}")
    assert await press(centre, EDITOR, f"ed:reg:{other}") == zh("refused.already_registered")
    assert await forge(centre, EDITOR, f"ed:unarc:{theirs[0]}") == zh("refused.not_archived")
    stale = zh("refused.confirm_stale", minutes=int(centre.rules.typed_answer.seconds // 60))
    assert await forge(centre, EDITOR, "ed:wdok:1") == stale
    async with centre.db.reading() as tx:
        states = [(await items.get_item(tx, n)) for n in (other, *theirs)]
        trail = [e.action for e in await audit.audit_trail(tx, "item", other)]
    assert [s.state for s in states if s is not None] == [ItemState.REGISTERED] + [
        ItemState.SUBMITTED
    ] * len(theirs)
    assert trail.count("item.register") == 1
