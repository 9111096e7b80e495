"""WeCom members' commands outside dialogues, end to end over HTTP: sealed callbacks posted to
the callback app, the dispatcher answering by the channel-neutral commands, the replies sent
through the outbox to the WeCom emulator, compared with what the neutral functions say."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import aiohttp
import pytest

from bot.settings.loader import load_settings
from bot.wiring import bulletin_parts, centre_rules
from channels.wecom.adapter import WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.callback import CallbackConfig, callback_app, serving
from channels.wecom.commands import Commands, Out
from channels.wecom.crypto import MsgCrypt
from channels.wecom.dispatch import Dispatcher
from channels.wecom.render import wecom_texts
from chat.commands import WECOM_COMMANDS
from chat.texts import Texts
from sandbox.wecom.server import FakeWeComApi
from scoring.vocab import Role
from storage import files, people, units
from storage.db import Database
from storage.models import TELEGRAM, Account, Person
from tests.conftest import FakeClock
from tests.flow import REPO, load_units
from tests.test_wecom_dispatch import AES_KEY, TOKEN, WINDOW, Rig, invite
from workflow import periods, submission
from workflow.commands import Answer, hints, lookup
from workflow.commands import start as starting

WECOM = "wecom"
TITLE = "一窗通办上线"


@pytest.fixture
async def rig(db: Database, clock: FakeClock) -> AsyncIterator[Rig]:
    """The emulator, the callback server and a dispatcher handed the bulletin's wording."""
    settings = load_settings(REPO / "config.yaml", {})
    await load_units(db, settings)
    rules = dataclasses.replace(centre_rules(settings), admins=(Account(TELEGRAM, "9001"),))
    async with FakeWeComApi(clock=lambda: clock.now.timestamp()) as api:
        client = WeComClient(api.corp_id, api.secret, api.agent_id, base_url=api.base_url)
        channel = WeComChannel(client, db, wecom_texts("zh"))
        await channel.start()
        config = CallbackConfig(corp_id=api.corp_id, token=TOKEN, encoding_aes_key=AES_KEY)
        dispatcher = Dispatcher(db, rules, channel, bulletin_parts=bulletin_parts(Texts("zh")))
        async with (
            serving(callback_app(db, config), "127.0.0.1", 0) as port,
            aiohttp.ClientSession() as http,
        ):
            url = f"http://127.0.0.1:{port}/wecom/callback"
            crypt = MsgCrypt(TOKEN, AES_KEY, api.corp_id)
            found = Rig(db, rules, api, channel, dispatcher, url, crypt, clock, http)
            api.on_callback(found.sink)
            yield found
        await channel.stop()


async def member(rig: Rig, userid: str, role: Role) -> Person:
    """A WeCom member of the window unit, joined by "绑定 CODE"."""
    await rig.say(userid, f"绑定 {await invite(rig, role)}")
    await rig.settle()
    async with rig.db.reading() as tx:
        person = await people.person_by_account(tx, Account(WECOM, userid))
    assert person is not None
    return person


async def submitted(rig: Rig, author: Person) -> int:
    """An item the member submitted (through the service, as any channel does)."""
    async with rig.db.reading() as tx:
        unit = await units.unit_by_name(tx, WINDOW)
    assert unit is not None
    draft = submission.Draft(unit.id, "measures", TITLE, "正文。", date(2026, 10, 14))
    return (await submission.submit(rig.db, rig.rules, author, draft)).item.id


def delivered(rig: Rig, userid: str, since: int) -> str:
    """Everything a member was shown from the `since`th message on: texts, and each card's
    title, sub-title and buttons."""
    parts = []
    for d in rig.api.inbox(userid)[since:]:
        if d.msgtype == "template_card":
            parts.append(str((d.content.get("main_title") or {}).get("title", "")))
            parts.append(str((d.content.get("main_title") or {}).get("desc", "")))
            parts.append(str(d.content.get("sub_title_text", "")))
            parts += [str(b["text"]) for b in d.content.get("button_list", [])]
        else:
            parts.append(d.text or "")
    return "\n".join(parts)


async def expected(rig: Rig, answer: Answer) -> list[str]:
    """The lines a neutral answer says, worded for WeCom (as the outbox is handed them)."""
    commands = Commands(rig.db, rig.rules, wecom_texts("zh"), minutes=1)
    out = Out()
    await commands.send(answer, out)
    lines = []
    for payload, _ in out.rows:
        lines += str(payload.get("text", "")).splitlines()
        lines += [label for row in payload.get("buttons", []) for label, _ in row]
    return [line for line in lines if line.strip()]


async def asks(rig: Rig, userid: str, text: str) -> str:
    """What a member is shown after sending a text."""
    since = len(rig.api.inbox(userid))
    await rig.say(userid, text)
    await rig.settle()
    return delivered(rig, userid, since)


async def test_my_items_unit_and_rank_say_what_the_neutral_commands_say(rig: Rig) -> None:
    """A WeCom informant's 「我的信息」「本单位」「排名」 show the neutral commands' content,
    line for line (the item, its state, the unit's month and the ranking), its buttons too."""
    informant = await member(rig, "wangfang", Role.INFORMANT)
    item_id = await submitted(rig, informant)
    mine = await asks(rig, "wangfang", "我的信息")
    assert TITLE in mine and f"#{item_id}" in mine, mine
    for line in await expected(rig, await lookup.my_items(rig.db, informant)):
        assert line in mine, (line, mine)
    unit = await asks(rig, "wangfang", "本单位")
    assert WINDOW in unit, unit
    for line in await expected(rig, await lookup.my_unit(rig.db, rig.rules, informant)):
        assert line in unit, (line, unit)
    ranking = await asks(rig, "wangfang", "排名")
    assert "2026" in ranking, ranking
    for line in await expected(rig, await lookup.ranking(rig.db, rig.rules, informant)):
        assert line in ranking, (line, ranking)


def unserved(rig: Rig) -> list[str]:
    """The words of the commands WeCom does not serve yet."""
    served = rig.dispatcher.commands.served
    return [WECOM_COMMANDS.word(c) for c in WECOM_COMMANDS.names if c not in served]


async def test_help_lists_what_the_role_does_on_wecom_in_chinese_words(rig: Rig) -> None:
    """「帮助」 lists the informant's commands as WeCom words (「报送」「我的信息」「报送指南」),
    never a slash command, and not the commands WeCom does not serve yet."""
    await member(rig, "wangfang", Role.INFORMANT)
    shown = await asks(rig, "wangfang", "帮助")
    assert "「报送」" in shown and "「我的信息」" in shown and "「本单位」" in shown, shown
    assert "「排名」" in shown and "「通报」" in shown and "「帮助」" in shown, shown
    assert "「报送指南」" in shown, shown
    assert "/" not in shown and not any(word in shown for word in unserved(rig)), shown
    neutral = await starting.help_for(rig.db, rig.rules, Account(WECOM, "wangfang"))
    assert shown.splitlines() == await expected(rig, neutral)  # WeCom serves all of them now


async def test_a_stray_text_and_an_unserved_word_get_the_neutral_hint(rig: Rig) -> None:
    """A text no dialogue takes gets the neutral hint (not taken, then what one can do); a
    command WeCom does not serve yet is named back as the hint names an unknown command."""
    await member(rig, "wangfang", Role.INFORMANT)
    shown = await asks(rig, "wangfang", "今天天气不错")
    hint = await hints.stray(rig.db, rig.rules, Account(WECOM, "wangfang"))
    first = (await expected(rig, hint))[0]
    assert shown.splitlines()[0] == first == "这条消息没有被当作任何操作。", shown
    assert "「报送」" in shown, shown
    for word in unserved(rig)[:1]:  # none left once WeCom serves every command
        shown = await asks(rig, "wangfang", word.strip("「」"))
        assert shown.splitlines()[0] == f"没有 {word} 这个命令。", shown


async def test_the_bulletin_of_a_closed_month_is_its_text_and_files(rig: Rig) -> None:
    """「通报 2026-10」 after October is closed: the bulletin's parts as plain text, then its
    chart as an image and its workbook and 通报 as files."""
    await member(rig, "wangfang", Role.INFORMANT)
    rig.clock.now = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    await periods.close(rig.db, rig.rules, "2026-10")
    async with rig.db.transaction() as tx:
        for ext, mime in (
            ("png", "image/png"),
            ("xlsx", "application/x"),
            ("docx", "application/y"),
        ):
            await files.put(tx, f"bulletin:2026-10:{ext}", f"通报-2026-10.{ext}", mime, b"bytes")
    since = len(rig.api.inbox("wangfang"))
    await rig.say("wangfang", "通报 2026-10")
    await rig.settle()
    got = rig.api.inbox("wangfang")[since:]
    kinds = [d.msgtype for d in got]
    assert kinds[-3:] == ["image", "file", "file"] and set(kinds[:-3]) == {"text"}, kinds
    assert got[0].text.startswith("2026年10月 信息报送情况通报"), got[0].text
    assert "<b>" not in "".join(d.text or "" for d in got)
    names = [rig.api.media[str(d.content["media_id"])].filename for d in got[-3:]]
    assert names == ["通报-2026-10.png", "通报-2026-10.xlsx", "通报-2026-10.docx"]
