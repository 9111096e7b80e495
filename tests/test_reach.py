"""Nothing stuck in sign-off: whoever must sign a step can always act, through the running bot.

Every reminder and lookup of a waiting step carries its buttons; a request that was not surely
delivered (failed, uncertain, never queued) is offered again — on the next sweep, when the
signer writes, when a new holder of the role joins; admins get a daily digest of what did not
arrive and of steps nobody can sign. Each test failed before these were built.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import digest
from bot.jobs import deliver, sweep
from bot.settings.schema import Settings
from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState, Role
from storage import items, outbox, people, units
from storage.db import Database, Tx
from tests.conftest import FakeClock, tg_account
from tests.flow import ADMIN, JSON, button_data, buttons, running, settle, texts_of
from tests.test_flows import join, say, submit_quickly, tap
from workflow import reach

WINDOW = "市人社局窗口"
TOWNSHIP = "城关镇便民服务中心"
AGAIN = "之前的审签请求可能没有送达您"  # the offer made again


def shanghai(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def bot(settings: Settings, ledger: Database) -> AsyncIterator[BotApp]:
    """The running bot without its own timed sweeps (its scheduler is not started): each test
    sweeps at the moment it sets."""
    async with running(settings, ledger) as app:
        yield app


async def sweep_at(server: FakeBotApi, app: BotApp, clock: FakeClock, moment: datetime) -> None:
    """The due-work sweep at a moment, and whatever it queued delivered."""
    clock.now = moment
    await sweep(moment, app.bot_data)
    await settle(server, app)


def with_button(user: FakeUser, data: str) -> list[JSON]:
    """The user's messages carrying a button with this callback data."""
    return [m for m in user.received() if data in buttons(m).values()]


async def window(server: FakeBotApi, app: BotApp, *roles: str) -> dict[str, FakeUser]:
    """The window's people who joined, by role (informant 101, head 102, leader 103)."""
    tg = {"informant": (101, "王芳"), "window_head": (102, "李明"), "leader": (103, "张伟")}
    joined = {}
    for role in roles:
        user = server.user(*tg[role])
        await join(server, app, user, WINDOW, role)
        joined[role] = user
    return joined


async def step_of(ledger: Database, item_id: int) -> tuple[ItemState, int]:
    """Where an item stands: its state and step."""
    async with ledger.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None
    return item.state, item.chain_step


async def make_uncertain(ledger: Database, purpose_like: str) -> None:
    """A kill while these messages were being sent: claimed, then found at restart."""
    async with ledger.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET state = 'sending' WHERE purpose LIKE ?", (purpose_like,)
        )
        await outbox.orphaned_claims(tx)


# -- every reminder and lookup of a waiting step carries its buttons


async def test_reminders_carry_the_buttons_of_the_step(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    people_ = await window(server, bot, "informant", "window_head", "leader")
    head = people_["window_head"]
    await submit_quickly(server, bot, people_["informant"])  # Thu 10-15, event 10-14
    await sweep_at(server, bot, clock, shanghai(10, 16))  # a working day later, its due day
    stale = [m for m in head.received() if "已等待您审签" in str(m.get("text"))]
    due = [m for m in head.received() if "报送时限是今天" in str(m.get("text"))]
    assert len(stale) == len(due) == 1
    assert button_data(stale[0], "so:1:0:0:a") == "so:1:0:0:a"
    assert button_data(due[0], "so:1:0:0:r") == "so:1:0:0:r"
    escalated = [m for m in people_["leader"].received() if "请督促" in str(m.get("text"))]
    assert all(buttons(m) == {} for m in escalated)  # the next level cannot sign this step
    answer = await tap(server, bot, head, stale[0], "so:1:0:0:a")
    assert "转交下一步" in answer["text"]
    again = await tap(server, bot, head, due[0], "so:1:0:0:a")  # idempotent: told, no change
    assert "已经审签过" in again["text"]
    assert await step_of(ledger, 1) == (ItemState.PENDING, 1)


async def test_item_and_pending_offer_the_buttons_to_whoever_may_sign(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    people_ = await window(server, bot, "informant", "window_head", "leader")
    informant, head, leader = people_["informant"], people_["window_head"], people_["leader"]
    assert "/pending" in await say(server, bot, head, "/help")
    assert "/pending" not in await say(server, bot, informant, "/help")
    await submit_quickly(server, bot, informant)
    await say(server, bot, head, "/item 1")
    assert button_data(head.received()[-1], "so:1:0:0:a") == "so:1:0:0:a"
    await say(server, bot, informant, "/item 1")
    assert buttons(informant.received()[-1]) == {}
    await say(server, bot, leader, "/item 1")  # the leader's step has not come yet
    assert buttons(leader.received()[-1]) == {}
    assert "没有等待您审签" in await say(server, bot, leader, "/pending")
    assert "#1 " in await say(server, bot, head, "/pending")
    listed = head.received()[-1]
    assert "待您审签的信息共 1 条" in texts_of(head)[-2]
    answer = await tap(server, bot, head, listed, button_data(listed, "so:1:0:0:a"))
    assert "转交下一步" in answer["text"]
    assert "没有等待您审签" in await say(server, bot, head, "/pending")
    await say(server, bot, leader, "/pending")
    listed = leader.received()[-1]
    await tap(server, bot, leader, listed, button_data(listed, "so:1:0:1:r"))
    await say(server, bot, leader, "请补充办件数量")
    confirm = leader.received()[-1]  # the reason is shown back: only the confirm returns it
    await tap(server, bot, leader, confirm, button_data(confirm, "so:1:0:1:c"))
    assert await step_of(ledger, 1) == (ItemState.RETURNED, 1)
    await say(server, bot, leader, "/item 1")  # returned: nothing to sign any more
    assert buttons(leader.received()[-1]) == {}


# -- a request not surely delivered is offered again


async def test_an_uncertain_request_is_offered_again_on_the_next_sweep(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    people_ = await window(server, bot, "informant", "window_head")
    head = people_["window_head"]
    await submit_quickly(server, bot, people_["informant"])
    await make_uncertain(ledger, "notice:signoff_request:%")  # killed while sending it
    before = len(head.received())
    await sweep_at(server, bot, clock, shanghai(10, 15, 10, 5))
    offered = [m for m in head.received()[before:] if "so:1:0:0:a" in buttons(m).values()]
    assert len(offered) == 1  # (beside September's bulletin, which the sweep also posts)
    assert AGAIN in str(offered[0]["text"])
    assert "so:1:0:0:a" in buttons(offered[0]).values()
    # Once is enough: later sweeps, that day and the next, offer nothing more.
    await sweep_at(server, bot, clock, shanghai(10, 15, 11))
    await sweep_at(server, bot, clock, shanghai(10, 16, 8, 30))
    assert sum(AGAIN in str(m.get("text")) for m in head.received()) == 1
    answer = await tap(server, bot, head, offered[0], "so:1:0:0:a")
    assert "转交下一步" in answer["text"]
    assert await step_of(ledger, 1) == (ItemState.PENDING, 1)


async def test_the_sweep_looks_over_waiting_steps_once_in_each_recheck_slot(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    """Looking over every waiting step reads every pending item (seconds at 100,000), so the
    minute's sweep does it once in each `reminders.recheck_minutes` (15) of the day: a
    request found uncertain within a slot already looked over waits for the next slot."""
    people_ = await window(server, bot, "informant", "window_head")
    head = people_["window_head"]
    await submit_quickly(server, bot, people_["informant"])
    await sweep_at(server, bot, clock, shanghai(10, 15, 10, 1))  # 10:00–10:15 looked over
    await make_uncertain(ledger, "notice:signoff_request:%")
    await sweep_at(server, bot, clock, shanghai(10, 15, 10, 14))
    assert sum(AGAIN in str(m.get("text")) for m in head.received()) == 0
    await sweep_at(server, bot, clock, shanghai(10, 15, 10, 15))  # the next slot
    assert sum(AGAIN in str(m.get("text")) for m in head.received()) == 1


async def test_the_marks_of_past_looks_are_dropped_after_a_day(
    bot: BotApp, ledger: Database
) -> None:
    """Each look leaves a `recheck:<day>:<slot>` mark (96 a day); the marks of the days before
    yesterday are dropped when a new one is made, so they do not pile up for years."""
    plan = bot.bot_data.schedule
    for day in (13, 14, 15):
        for hour in (9, 10):
            assert await digest.recheck_due(ledger, shanghai(10, day, hour), plan)
    assert not await digest.recheck_due(ledger, shanghai(10, 15, 10, 5), plan)  # same slot
    async with ledger.reading() as tx:
        rows = await tx.fetchall("SELECT key FROM job_runs WHERE key GLOB 'recheck:*'")
    slot = (9 * 60) // plan.recheck_minutes
    assert sorted(str(r["key"]) for r in rows) == [
        f"recheck:2026-10-{day}:{slot + extra}"
        for day in (14, 15)
        for extra in (0, 60 // plan.recheck_minutes)
    ]


async def test_the_look_over_waiting_steps_goes_a_batch_at_a_time(
    server: FakeBotApi,
    bot: BotApp,
    ledger: Database,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 100,000 waiting items the look took the ledger for 2 s in one read, and every
    answer waited for it; it now reads `reach.LOOK_BATCH` items at a time, each batch in a
    read of its own, so a member's read gets the ledger between batches. Every item is
    still looked at (here a batch of one, three items)."""
    monkeypatch.setattr(reach, "LOOK_BATCH", 1)
    people_ = await window(server, bot, "informant", "window_head")
    head = people_["window_head"]
    for _ in range(3):
        await submit_quickly(server, bot, people_["informant"])
    await make_uncertain(ledger, "notice:signoff_request:%")
    order: list[str] = []

    async def look() -> int:
        offered = await reach.offer_waiting(ledger, bot.bot_data.rules, shanghai(10, 15, 10, 5))
        order.append("look")
        return offered

    async def member_reads() -> None:
        async with ledger.reading() as tx:
            await tx.fetchone("SELECT 1")
        order.append("read")

    offered, _ = await asyncio.gather(look(), member_reads())
    assert order == ["read", "look"]  # the read did not wait for the whole look
    assert offered == 3
    await deliver(bot.bot_data.courier)
    await settle(server, bot)
    assert sum(AGAIN in str(m.get("text")) for m in head.received()) == 3


async def test_a_blocked_signer_who_writes_again_gets_the_request(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    people_ = await window(server, bot, "informant", "window_head")
    head = people_["window_head"]
    head.block()
    await submit_quickly(server, bot, people_["informant"])
    await sweep_at(server, bot, clock, shanghai(10, 15, 10, 5))  # offered, still blocked
    async with ledger.reading() as tx:
        rows = await outbox.undelivered(tx)
    notices = [r.purpose.split(":")[1] for r in rows if r.purpose.startswith("notice:")]
    assert sorted(notices) == ["signoff_again", "signoff_request"]
    assert with_button(head, "so:1:0:0:a") == []
    await head.send_text("你好")  # unblocks, and the request comes at once
    await settle(server, bot)
    (offered,) = with_button(head, "so:1:0:0:a")
    assert AGAIN in str(offered["text"])
    await tap(server, bot, head, offered, "so:1:0:0:a")
    assert await step_of(ledger, 1) == (ItemState.PENDING, 1)
    await head.send_text("谢谢")  # nothing waits for the head any more: nothing comes
    await settle(server, bot)
    assert sum(AGAIN in str(m.get("text")) for m in head.received()) == 1


async def offers_and_audits(ledger: Database) -> tuple[int, int]:
    """How many steps offered again are in the outbox, and how many in the audit log."""
    async with ledger.reading() as tx:
        queued = await tx.fetchall(
            "SELECT id FROM outbox WHERE purpose LIKE 'notice:signoff_again:%'"
        )
        audited = await tx.fetchall("SELECT id FROM audit_log WHERE action = 'item.offer_again'")
    return len(queued), len(audited)


async def test_an_offer_is_queued_with_its_audit_row_or_not_at_all(
    server: FakeBotApi, bot: BotApp, ledger: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    people_ = await window(server, bot, "informant", "window_head")
    await submit_quickly(server, bot, people_["informant"])
    await make_uncertain(ledger, "notice:signoff_request:%")
    audit = Tx.audit

    async def failing(self: Tx, actor_id: int | None, action: str, *args: Any, **kw: Any) -> None:
        if action == "item.offer_again":  # the write after the outbox row fails
            raise sqlite3.OperationalError("disk I/O error")
        await audit(self, actor_id, action, *args, **kw)

    monkeypatch.setattr(Tx, "audit", failing)
    with pytest.raises(sqlite3.OperationalError):
        await reach.offer_to(ledger, bot.bot_data.rules, tg_account(102))
    assert await offers_and_audits(ledger) == (0, 0)  # no orphan notice in the outbox
    monkeypatch.undo()
    assert await reach.offer_to(ledger, bot.bot_data.rules, tg_account(102)) == 1
    assert await offers_and_audits(ledger) == (1, 1)


async def test_a_head_who_joins_later_gets_the_waiting_request(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    people_ = await window(server, bot, "informant")
    await submit_quickly(server, bot, people_["informant"])  # no window head yet
    assert "无人审签" in texts_of(server.user(ADMIN))[-1]
    head = server.user(102, "李明")
    await join(server, bot, head, WINDOW, "window_head")
    await settle(server, bot)
    (offered,) = with_button(head, "so:1:0:0:a")
    assert AGAIN in str(offered["text"])
    answer = await tap(server, bot, head, offered, "so:1:0:0:a")
    assert "转交下一步" in answer["text"]


async def test_a_successor_after_revoke_gets_the_waiting_request(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    people_ = await window(server, bot, "informant", "window_head")
    await submit_quickly(server, bot, people_["informant"])
    admin = server.user(ADMIN, "管理员")
    await say(server, bot, admin, "/revoke")
    menu = admin.received()[-1]
    head_grant = next(d for label, d in buttons(menu).items() if "李明" in label)
    await tap(server, bot, admin, menu, head_grant)
    successor = server.user(104, "周强")
    await join(server, bot, successor, WINDOW, "window_head")
    await settle(server, bot)
    (offered,) = with_button(successor, "so:1:0:0:a")
    await tap(server, bot, successor, offered, "so:1:0:0:a")
    assert await step_of(ledger, 1) == (ItemState.PENDING, 1)


async def test_the_sweep_offers_a_request_that_was_never_queued(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    people_ = await window(server, bot, "informant")
    await submit_quickly(server, bot, people_["informant"])
    head = server.user(102, "李明")
    async with ledger.transaction() as tx:  # a role granted outside the chat (no offer then)
        person = await people.ensure_person(tx, tg_account(102), "李明")
        unit = await units.unit_by_name(tx, WINDOW)
        assert unit is not None
        await people.grant_role(tx, person.id, unit.id, Role.WINDOW_HEAD, None)
    await sweep_at(server, bot, clock, shanghai(10, 15, 21))  # quiet hours: it waits
    assert with_button(head, "so:1:0:0:a") == []
    await sweep_at(server, bot, clock, shanghai(10, 16, 8, 5))
    (offered,) = [m for m in with_button(head, "so:1:0:0:a") if AGAIN in str(m["text"])]
    await tap(server, bot, head, offered, "so:1:0:0:a")
    assert await step_of(ledger, 1) == (ItemState.PENDING, 1)


# -- the admins' daily digest


async def test_admins_get_a_daily_digest_of_what_did_not_arrive(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    admin = server.user(ADMIN, "管理员")
    people_ = await window(server, bot, "informant", "window_head", "leader")
    head = people_["window_head"]
    head.block()
    await submit_quickly(server, bot, people_["informant"])  # the head's request fails
    township = server.user(111, "陈静")
    await join(server, bot, township, TOWNSHIP, "informant")
    await submit_quickly(server, bot, township)  # #2: the township has no leader
    await make_uncertain(ledger, "notice:admin_no_signer:%")  # as if killed while sending
    seen = len(admin.received())
    await sweep_at(server, bot, clock, shanghai(10, 16, 8, 30))  # before the bulletin time
    assert not any("每日送达检查" in t for t in texts_of(admin)[seen:])
    await sweep_at(server, bot, clock, shanghai(10, 16, 9, 30))
    await sweep_at(server, bot, clock, shanghai(10, 16, 15))  # once a day
    await sweep_at(server, bot, clock, shanghai(10, 17, 10))  # a Saturday: none
    digests = [t for t in texts_of(admin)[seen:] if "每日送达检查" in t]
    assert len(digests) == 1
    digest = digests[0]
    assert "李明（102）：信息 #1 的审签请求 — 发送失败" in digest
    assert "请其打开机器人发送任意消息" in digest
    assert "信息 #2 的通知 — 可能未送达" in digest
    assert f"#2 市人社局窗口推行“一窗通办”（{TOWNSHIP}）缺少“分管领导”" in digest
    assert f"/invite {TOWNSHIP} leader" in digest
    # The head writes, gets the request and signs; the next working day all is well again.
    await head.send_text("你好")
    await settle(server, bot)
    (offered,) = with_button(head, "so:1:0:0:a")
    await tap(server, bot, head, offered, "so:1:0:0:a")
    leader_ = server.user(112, "周磊")
    await join(server, bot, leader_, TOWNSHIP, "leader")
    await settle(server, bot)
    await tap(server, bot, leader_, with_button(leader_, "so:2:0:0:a")[0], "so:2:0:0:a")
    seen = len(admin.received())
    await sweep_at(server, bot, clock, shanghai(10, 20, 9, 30))  # Tuesday: Monday's failures
    assert not any("每日送达检查" in t for t in texts_of(admin)[seen:])


async def test_no_digest_while_all_is_well(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    admin = server.user(ADMIN, "管理员")
    people_ = await window(server, bot, "informant", "window_head", "leader")
    await submit_quickly(server, bot, people_["informant"])
    seen = len(admin.received())
    await sweep_at(server, bot, clock, shanghai(10, 16, 9, 30))
    assert not any("每日送达检查" in t for t in texts_of(admin)[seen:])
