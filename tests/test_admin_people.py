"""An admin's people work: /invite (units and roles by buttons or in their own words, near
misses offered back), /revoke (the person told, the waiting sign-offs accounted for) and
/units; through the real bot and the fake Bot API, checked in the ledger."""

from __future__ import annotations

import sqlite3

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.telegram.app import BotApp
from chat.dialogue import InviteLink
from chat.memory import MemoryChannel
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import people, units
from storage.db import Database
from storage.sessions import LedgerSessions
from storage.units import UnitSpec
from tests.conftest import tg_account
from tests.flow import ADMIN, REPO, buttons, invite_code, texts_of
from tests.test_dialogue import label, render
from tests.test_flows import WINDOW, join, say, submit_quickly, tap
from workflow.dialogues import Dialogues

SECTION = "综合科"


def invites(ledger: Database) -> list[tuple[str | None, str]]:
    """Every invite made: its unit's name (None: the centre) and role."""
    with sqlite3.connect(ledger.path) as conn:
        rows = conn.execute(
            "SELECT u.name, i.role FROM invites AS i LEFT JOIN units AS u ON u.id = i.unit_id"
            " ORDER BY i.rowid"
        ).fetchall()
    return [(name, role) for name, role in rows]


async def test_invite_by_buttons_then_the_person_joins(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    admin = server.user(ADMIN, "管理员")
    asked = await say(server, bot, admin, "/invite")
    assert "邀请到哪个单位" in asked
    units = admin.received()[-1]
    assert WINDOW in buttons(units) and "中心（不属具体单位）" in buttons(units)
    await tap(server, bot, admin, units, buttons(units)[WINDOW])
    roles = admin.received()[-1]
    assert "邀请到市人社局窗口担任什么身份" in str(roles["text"])
    labels = buttons(roles)
    assert {"信息员", "窗口负责人", "分管领导"} <= set(labels)
    assert "中心信息员（编辑）" not in labels  # editors sit in the centre's sections
    await tap(server, bot, admin, roles, labels["信息员"])
    made = texts_of(admin)[-1]
    assert "邀请链接（市人社局窗口，信息员" in made
    assert invites(ledger) == [(WINDOW, "informant")]
    newcomer = server.user(101, "王芳")
    assert WINDOW in await say(server, bot, newcomer, f"/start {invite_code(made)}")


async def test_chinese_words_and_near_misses(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    admin = server.user(ADMIN, "管理员")
    # In one line, the regulation's words: made at once.
    made = await say(server, bot, admin, f"/invite {WINDOW} 窗口负责人")
    assert "邀请链接（市人社局窗口，窗口负责人" in made
    # A unit's name in part: offered back, never an error about spelling.
    near = await say(server, bot, admin, "/invite 人社局 信息员")
    assert "没有名为“人社局”的单位" in near and "您要找的是" in near
    offered = admin.received()[-1]
    await tap(server, bot, admin, offered, buttons(offered)[WINDOW])
    assert "邀请链接（市人社局窗口，信息员" in texts_of(admin)[-1]
    # A role mistyped: the near role offered.
    typo = await say(server, bot, admin, f"/invite {WINDOW} 信息源")
    assert "“信息源”不是可选的身份" in typo
    assert list(buttons(admin.received()[-1])) == ["信息员"]
    # Typed answers work too.
    await say(server, bot, admin, "/invite")
    assert "担任什么身份" in await say(server, bot, admin, SECTION)
    assert "邀请链接（综合科，中心信息员（编辑）" in await say(server, bot, admin, "编辑")
    # A centre role without a unit: the centre itself.
    assert "邀请链接（中心（不属具体单位），中心主要领导" in await say(
        server, bot, admin, "/invite 中心主要领导"
    )
    assert invites(ledger) == [
        (WINDOW, "window_head"),
        (WINDOW, "informant"),
        (SECTION, "editor"),
        (None, "main_leader"),
    ]


async def test_an_editor_outside_a_section_is_explained_and_chosen_again(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    admin = server.user(ADMIN, "管理员")
    asked = await say(server, bot, admin, f"/invite {WINDOW} editor")
    assert "中心信息员（编辑）不能在这里担任" in asked
    assert "中心信息员（编辑）" not in buttons(admin.received()[-1])
    assert "不是可选的身份" in await say(server, bot, admin, "编辑")  # still not here
    assert invites(ledger) == []


async def test_invite_buttons_are_refused_after_the_invite_and_to_others(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    admin = server.user(ADMIN, "管理员")
    await say(server, bot, admin, f"/invite {WINDOW}")
    roles = admin.received()[-1]
    await tap(server, bot, admin, roles, buttons(roles)["信息员"])
    again = await tap(server, bot, admin, roles, buttons(roles)["信息员"])
    assert "这次邀请已经完成、放弃或超时" in str(again.get("text"))
    assert invites(ledger) == [(WINDOW, "informant")]
    # Someone who is not an admin can neither start it nor press its buttons.
    await say(server, bot, admin, "/invite")
    units = admin.received()[-1]
    stranger = server.user(101, "王芳")
    refused = await tap(server, bot, stranger, units, buttons(units)[WINDOW])
    assert "只有管理员" in str(refused.get("text"))
    assert "只有管理员" in await say(server, bot, stranger, f"/invite {WINDOW} 信息员")
    # The admin's own question still stands.
    await tap(server, bot, admin, units, buttons(units)[WINDOW])
    assert "担任什么身份" in texts_of(admin)[-1]
    assert invites(ledger) == [(WINDOW, "informant")]


async def test_invite_on_the_memory_channel(db: Database) -> None:
    """Channel-neutral: a whole /invite line finishes at once (nothing to ask); a unit asked
    is answered by its button; a restart mid-dialogue keeps the question."""
    settings = load_settings(REPO / "config.yaml", {})
    rules = centre_rules(settings)
    async with db.transaction() as tx:
        await units.sync_units(
            tx,
            [
                UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
        )
        admin = await people.ensure_person(tx, tg_account(9), "管理员")
        await people.grant_role(tx, admin.id, None, Role.ADMIN, None)
        someone = await people.ensure_person(tx, tg_account(10), "王芳")

    def channel() -> MemoryChannel:
        """The invite flow on the in-memory channel (a fresh engine: as after a restart)."""
        engine = Dialogues(db, rules).engine(LedgerSessions(db), flows=["invite"])
        return MemoryChannel(engine, render, label)

    memory = channel()
    [made] = await memory.command(admin.id, "invite", f"{WINDOW} 信息员")
    assert made.reply is not None and made.reply.key == "admin.invite_made"
    assert isinstance(made.reply.params["link"], InviteLink)
    [asked] = await memory.command(admin.id, "invite")
    assert asked.reply is not None and asked.reply.key == "admin.invite_ask_unit"
    memory = channel()  # restarted: the session is in the ledger
    [roles] = await memory.press(admin.id, asked.press(SECTION))
    assert "综合科" in roles.text and "中心信息员（编辑）" in [
        shown for row in roles.buttons for shown, _ in row
    ]
    [done] = await memory.press(admin.id, roles.press("中心信息员（编辑）"))
    assert "邀请链接（综合科，中心信息员（编辑）" in done.text
    [refused] = await memory.command(someone.id, "invite")
    assert refused.reply is not None and refused.reply.key == "refused.admin_only"
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT role FROM invites ORDER BY rowid")
    assert [row["role"] for row in rows] == ["informant", "editor"]


async def test_revoking_tells_the_person_and_who_signs_now(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant, first, second = (
        server.user(101, "王芳"),
        server.user(102, "李明"),
        server.user(103, "周涛"),
    )
    admin = server.user(ADMIN, "管理员")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, first, WINDOW, "window_head")
    await join(server, bot, second, WINDOW, "window_head")
    await submit_quickly(server, bot, informant)  # waits for the window head

    async def revoke(name: str) -> str:
        """The admin revokes the window head role of `name`; what the admin is told."""
        await say(server, bot, admin, "/revoke")
        menu = admin.received()[-1]
        await tap(server, bot, admin, menu, buttons(menu)[f"{WINDOW} · {name} · 窗口负责人"])
        confirm = admin.received()[-1]
        await tap(server, bot, admin, confirm, buttons(confirm)["✅ 确认"])
        return texts_of(admin)[-1]

    told = await revoke("李明")
    assert "已撤销：李明" in told
    assert "待窗口负责人审签的 1 件信息，由 周涛 继续审签" in told
    assert "您的身份（市人社局窗口 窗口负责人）已由管理员撤销" in texts_of(first)[-1]
    told = await revoke("周涛")
    assert "1 件信息现在无人可审签：请用 /invite 邀请新的窗口负责人" in told
    assert "已由管理员撤销" in texts_of(second)[-1]
    listed = await say(server, bot, admin, "/units")
    assert "王芳（信息员）" in listed and "李明" not in listed


async def test_units_lists_the_centres_own_people(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    await join(server, bot, server.user(120, "陈主任"), "中心", "中心主要领导")
    listed = await say(server, bot, server.user(ADMIN, "管理员"), "/units")
    assert "中心（不属具体单位）：陈主任（中心主要领导）" in listed
