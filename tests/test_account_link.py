"""One person on both channels (issue 13 point 5: "a person may hold both a Telegram and a
WeCom account"): /link (「关联账号」) gives a single-use code; sent from the other channel
(「绑定 CODE」 on WeCom, /start CODE on Telegram) it makes that account the asker's, with no
new person and no new role; a spent, expired or foreign code, or an account that is someone
else's, is refused in words. Over both emulators, as each person sees it and in the ledger."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.settings.schema import Settings
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import audit, people
from storage.db import Database
from storage.models import Account, Person
from tests.conftest import FakeClock
from tests.people import TELEGRAM, WECOM, Centre, centre_running

WINDOW = "市人社局窗口"


@pytest.fixture
async def centre(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot serving both emulators."""
    async with centre_running(server, settings, ledger, clock) as found:
        yield found


async def person_of(centre: Centre, channel: str, address: str) -> Person | None:
    """Who the account is in the ledger."""
    async with centre.db.reading() as tx:
        return await people.person_by_account(tx, Account(channel, address))


def code_in(said: str, word: str) -> str:
    """The code the bot said to send after `word` (/start or 绑定)."""
    found = re.search(re.escape(word) + r" ([A-Za-z0-9_-]{8,64})", said)
    assert found, said
    return found.group(1)


async def test_a_telegram_member_links_their_wecom_account(centre: Centre) -> None:
    on_telegram = centre.person(TELEGRAM, "liming", "李明")
    await on_telegram.join(WINDOW, Role.WINDOW_HEAD)
    head = await person_of(centre, TELEGRAM, on_telegram.address)
    assert head is not None
    said = await on_telegram.say("/link")
    assert "72 小时内有效" in said and "企业微信：绑定" in said, said
    code = code_in(said, "绑定")

    on_wecom = centre.person(WECOM, "liming", "李明")
    linked = await on_wecom.say(f"绑定 {code}")
    assert "已关联：这个账号现在也属于 李明" in linked, linked
    assert "「接收通知」" in linked, linked
    same = await person_of(centre, WECOM, "liming")
    assert same is not None and same.id == head.id
    async with centre.db.reading() as tx:
        channels = {a.channel for a in await people.accounts_of(tx, head.id)}
        grants = await people.active_roles(tx, head.id)
        trail = await audit.audit_trail(tx, "person", head.id)
        persons = await tx.fetchone("SELECT count(*) AS n FROM people")
    assert channels == {TELEGRAM, WECOM}
    assert [g.role for g in grants] == [Role.WINDOW_HEAD]  # the role is the person's, once
    assert "account.link_code" in [e.action for e in trail]
    assert persons is not None and persons["n"] == 1
    asked = await on_wecom.say("接收通知")  # the choice is theirs now
    assert "您在 Telegram 和企业微信都有账号" in asked, asked

    assert "已经关联到您了" in await on_wecom.say(f"绑定 {code}")
    stranger = centre.person(WECOM, "zhaomin", "赵敏")
    assert "这个关联码已经用过了" in await stranger.say(f"绑定 {code}")
    assert await person_of(centre, WECOM, "zhaomin") is None


async def test_a_wecom_member_links_telegram_and_refusals_say_why(centre: Centre) -> None:
    on_wecom = centre.person(WECOM, "wangfang", "王芳")
    await on_wecom.join(WINDOW, Role.INFORMANT)
    said = await on_wecom.say("关联账号")
    code = code_in(said, "/start")
    someone = centre.person(TELEGRAM, "zhangwei", "张伟")
    await someone.join(WINDOW, Role.LEADER)  # a member already: cannot be made another's
    taken = await someone.say(f"/start {code}")
    assert "这个账号已属于成员“张伟”" in taken, taken

    centre.clock.now += timedelta(hours=73)
    late = centre.person(TELEGRAM, "wangfang", "王芳")
    assert "这个关联码已过期。请在原来的账号上重新获取" in await late.say(f"/start {code}")
    assert await person_of(centre, TELEGRAM, late.address) is None
    fresh = code_in(await on_wecom.say("关联账号"), "/start")
    # a member joined on WeCom without a name on the invite is called by their userid
    assert "已关联：这个账号现在也属于 wangfang" in await late.say(f"/start {fresh}")
    informant = await person_of(centre, WECOM, "wangfang")
    assert informant is not None
    assert (await person_of(centre, TELEGRAM, late.address)) == informant


async def test_one_channel_only_is_told_how_to_link(centre: Centre) -> None:
    member = centre.person(TELEGRAM, "chenjing", "陈静")
    await member.join(WINDOW, Role.INFORMANT)
    said = await member.say("/notify")
    assert "发送 /link 获取关联码" in said, said
