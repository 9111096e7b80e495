"""Read before you sign: a sign-off request names the author and the steps already signed, a
resubmission shows why it was returned, and a long text is one 📄 全文 away; through the real
bot and the fake Bot API."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import people, units
from storage.db import Database
from storage.models import Person
from tests.flow import buttons, settle, texts_of
from tests.test_flows import WINDOW, join, tap
from workflow import revision, signoff, submission

LONG = "".join(f"第{n}段：本月窗口推行“一窗通办”，群众办事更方便。" for n in range(1, 121))


async def crew(server: FakeBotApi, bot: BotApp) -> None:
    """The window's informant, head and leader."""
    for uid, name, role in (
        (101, "王芳", "informant"),
        (102, "李明", "window_head"),
        (103, "张伟", "leader"),
    ):
        await join(server, bot, server.user(uid, name), WINDOW, role)


async def person(ledger: Database, role: Role) -> Person:
    """The window's holder of a role."""
    async with ledger.reading() as tx:
        unit = next(u for u in await units.list_units(tx) if u.name == WINDOW)
        return (await people.role_holders(tx, unit.id, role))[0]


async def test_a_request_shows_who_wrote_it_who_signed_and_the_whole_text(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    await crew(server, bot)
    rules = bot.bot_data.rules
    informant = await person(ledger, Role.INFORMANT)
    async with ledger.reading() as tx:
        unit = next(u for u in await units.list_units(tx) if u.name == WINDOW)
    draft = submission.Draft(unit.id, "measures", "长篇信息", LONG, date(2026, 10, 14))
    item = (await submission.submit(ledger, rules, informant, draft)).item
    head = await person(ledger, Role.WINDOW_HEAD)
    await signoff.decide(ledger, rules, head, item_id=item.id, round_=0, step=0, approve=True)
    bot.bot_data.courier.wake()  # what the services queued goes out
    await settle(server, bot)
    request = server.user(103, "张伟").received()[-1]
    text = str(request["text"])
    assert "✍️ 报送人：王芳" in text
    assert "✅ 第 1 步 窗口负责人 李明 已审签" in text
    assert f"（正文共 {len(LONG)} 字，此处只显示前 1500 字" in text
    assert {"✅ 同意", "↩️ 退回", "📄 全文"} <= set(buttons(request)) or "📄 全文" in buttons(
        request
    )
    leader_chat = server.user(103, "张伟")
    before = len(leader_chat.received())
    await tap(server, bot, leader_chat, request, buttons(request)["📄 全文"])
    whole = "".join(texts_of(leader_chat)[before:])
    assert "第120段" in whole and "第1段" in whole
    # The last part carries the step's buttons: sign after reading.
    assert any(d.startswith("so:") for d in buttons(leader_chat.received()[-1]).values())


async def test_a_resubmission_shows_why_it_came_back(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    await crew(server, bot)
    rules = bot.bot_data.rules
    informant = await person(ledger, Role.INFORMANT)
    async with ledger.reading() as tx:
        unit = next(u for u in await units.list_units(tx) if u.name == WINDOW)
    draft = submission.Draft(unit.id, "measures", "待补充的信息", "正文。", date(2026, 10, 14))
    item = (await submission.submit(ledger, rules, informant, draft)).item
    head = await person(ledger, Role.WINDOW_HEAD)
    await signoff.decide(
        ledger, rules, head, item_id=item.id, round_=0, step=0, approve=False, reason="请补充照片"
    )
    was = revision.as_returned(*await revision.returned_version(ledger, informant, item.id))
    changed = replace(was, title="补充后的信息", body="正文，已补充。")
    await revision.resubmit(ledger, rules, informant, item.id, changed)
    bot.bot_data.courier.wake()  # what the services queued goes out
    await settle(server, bot)
    request = str(server.user(102, "李明").received()[-1]["text"])
    assert "补充后的信息" in request
    assert "↩️ 此前被 李明（窗口负责人）退回，原因：请补充照片" in request
    assert "已审签" not in request  # a new round: nothing signed in it yet
