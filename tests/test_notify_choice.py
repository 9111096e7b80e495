"""Where a person's notices go (issue 13, point 5), over both emulators: a person with a
Telegram and a WeCom account chooses Telegram, 企业微信 or 跟随最近使用 with /notify or
「接收通知」; the choice is confirmed in words, audited, and the outbox honours it whichever
account they last wrote from; help lists the command only to a person on both channels."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.settings.schema import Settings
from chat.texts import Texts
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import audit, outbox, people, units
from storage.db import Database
from storage.models import Account, Person
from tests.conftest import FakeClock
from tests.people import TELEGRAM, WECOM, Centre, Someone, TelegramPerson, centre_running
from workflow import submission

WINDOW = "市人社局窗口"
zh = Texts("zh")


@pytest.fixture
async def centre(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot serving both emulators."""
    async with centre_running(server, settings, ledger, clock) as found:
        yield found


async def person_of(centre: Centre, channel: str, address: str) -> Person:
    """Who the account is in the ledger."""
    async with centre.db.reading() as tx:
        found = await people.person_by_account(tx, Account(channel, address))
    assert found is not None
    return found


async def on_both(centre: Centre) -> tuple[Someone, Someone, Person]:
    """李明, the window's head, joined on Telegram and given a WeCom account too (as an admin
    links a second account); the person on each channel and the ledger's person."""
    on_telegram = centre.person(TELEGRAM, "liming", "李明")
    await on_telegram.join(WINDOW, Role.WINDOW_HEAD)
    head = await person_of(centre, TELEGRAM, on_telegram.address)
    async with centre.db.transaction() as tx:
        await people.add_account(tx, head.id, Account(WECOM, "liming"), actor_id=None)
    centre.clock.now += timedelta(seconds=1)  # the next account written from is the later
    return on_telegram, centre.person(WECOM, "liming", "李明"), head


async def request_goes_to(centre: Centre, author: Person, title: str) -> str:
    """An item submitted by the informant: the channel its sign-off request was queued for."""
    async with centre.db.reading() as tx:
        unit = await units.unit_by_name(tx, WINDOW)
    assert unit is not None
    draft = submission.Draft(unit.id, "measures", title, "正文。", date(2026, 10, 14))
    made = (await submission.submit(centre.db, centre.rules, author, draft)).item
    centre.app.bot_data.courier.wake()
    await centre.settle()
    async with centre.db.reading() as tx:
        row = await tx.fetchone(
            "SELECT channel FROM outbox WHERE purpose LIKE ? ORDER BY id DESC LIMIT 1",
            (f"notice:signoff_request:{made.id}:%",),
        )
    assert row is not None, "no sign-off request queued"
    return str(row["channel"])


async def test_a_person_on_both_channels_chooses_where_notices_go(centre: Centre) -> None:
    """Chosen on WeCom, notices go to WeCom though the head last wrote on Telegram; 跟随最近
    使用 chosen on Telegram brings them back to the account used last; each choice is said
    back in words and audited once."""
    informant = centre.person(TELEGRAM, "wangfang", "王芳")
    await informant.join(WINDOW, Role.INFORMANT)
    author = await person_of(centre, TELEGRAM, informant.address)
    on_telegram, on_wecom, head = await on_both(centre)

    asked = await on_wecom.say("接收通知")
    assert "通知现在发到：最近使用的账号（现在是 企业微信）" in asked, asked
    assert on_wecom.labels() == ["Telegram", "企业微信", "跟随最近使用"]
    assert "以后您的通知发到：企业微信" in await on_wecom.press("企业微信")
    centre.clock.now += timedelta(seconds=1)
    await on_telegram.say("/help")  # Telegram becomes the account used last
    assert await request_goes_to(centre, author, "一窗通办") == WECOM
    assert "一窗通办" in "\n".join(on_wecom.received()[-3:])

    asked = await on_telegram.say("/notify")
    assert "通知现在发到：企业微信" in asked, asked
    assert on_telegram.labels() == ["Telegram", "企业微信", "跟随最近使用"]
    await on_telegram.press("跟随最近使用")  # the note goes under the pressed message
    said = on_telegram.last()
    assert (
        on_telegram.labels() == [] and "以后您的通知发到：最近使用的账号（现在是 Telegram）" in said
    ), said
    assert await request_goes_to(centre, author, "延时服务") == TELEGRAM
    await on_telegram.command("notify")
    await on_telegram.press("Telegram")
    assert "以后您的通知发到：Telegram" in on_telegram.last()
    centre.clock.now += timedelta(seconds=1)
    await on_wecom.say("帮助")  # WeCom used last, but Telegram chosen
    async with centre.db.reading() as tx:
        assert (await outbox.address_of(tx, head.id) or (0, ""))[1] == TELEGRAM
        trail = await audit.audit_trail(tx, "person", head.id)
    chosen = [json.loads(e.detail)["channel"] for e in trail if e.action == "person.notices_to"]
    assert chosen == [WECOM, None, TELEGRAM], chosen


@pytest.mark.parametrize("channel", [TELEGRAM, WECOM])
async def test_help_lists_the_choice_only_to_a_person_on_both_channels(
    centre: Centre, channel: str
) -> None:
    """A person with one account is not offered the choice, and asking for it is refused in
    words; once they have an account on the other channel too, help lists it."""
    alone = centre.person(channel, "zhaomin", "赵敏")
    await alone.join(WINDOW, Role.INFORMANT)
    word = "/notify" if channel == TELEGRAM else "「接收通知」"
    assert word not in await alone.command("help")
    refused = await alone.say("/notify" if channel == TELEGRAM else "接收通知")
    assert "您只在一个渠道有账号" in refused, refused
    on_telegram, on_wecom, _ = await on_both(centre)
    assert "/notify" in await on_telegram.command("help")
    assert "「接收通知」" in await on_wecom.command("help")


async def test_a_forged_choice_changes_nothing(centre: Centre) -> None:
    """A press no button carried is refused; the person's choice stays unset."""
    on_telegram, _, head = await on_both(centre)
    await on_telegram.say("/notify")
    assert isinstance(on_telegram, TelegramPerson)
    assert await on_telegram.click_data("nt:email") == zh("refused.forged")
    async with centre.db.reading() as tx:
        assert await people.notices_to(tx, head.id) is None
