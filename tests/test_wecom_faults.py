"""WeCom's failures met by the running bot's outbox (issue 13's fault suite): busy (-1), too
many concurrent calls (45033), the rate limit (45009) and a token expiring mid-run are retried
until every message arrives once, in order per person; an untrusted IP (60020) reaches the
admins at once and holds the rest until it is trusted. The emulator injects each fault; the
courier of a running bot sends, the clock moved as time would pass (`Centre.settle`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.settings.schema import Settings
from sandbox.telegram.server import FakeBotApi
from storage import outbox, people
from storage.db import Database
from storage.models import Account
from tests.conftest import FakeClock
from tests.flow import ADMIN
from tests.people import WECOM, Centre, centre_running

MEMBERS = ("lisi", "wangwu", "zhaoliu")


@pytest.fixture
async def centre(
    server: FakeBotApi, settings: Settings, ledger: Database, clock: FakeClock
) -> AsyncIterator[Centre]:
    """The bot serving both emulators; its admin is on Telegram."""
    async with centre_running(server, settings, ledger, clock) as found:
        yield found


async def members(centre: Centre) -> dict[str, int]:
    """The WeCom members' person ids."""
    async with centre.db.transaction() as tx:
        return {u: (await people.ensure_person(tx, Account(WECOM, u), u)).id for u in MEMBERS}


async def queue(centre: Centre, ids: dict[str, int], batch: str, count: int) -> None:
    """`count` numbered texts to each member, then the courier woken (as a service does)."""
    async with centre.db.transaction() as tx:
        for n in range(count):
            for userid, person in ids.items():
                text = f"{batch}-{n}：通知 {userid}"
                await outbox.enqueue(tx, f"fault:{batch}:{userid}:{n}", person, {"text": text})
    centre.app.bot_data.courier.wake()


def texts(centre: Centre, userid: str) -> list[str]:
    """What a member was shown, in order."""
    return [d.text for d in centre.wecom.inbox(userid)]


async def test_busy_concurrency_rate_limit_and_an_expired_token_lose_and_double_nothing(
    centre: Centre,
) -> None:
    api = centre.wecom
    ids = await members(centre)
    api.fail_next(-1)
    api.fail_next(45033, times=2)
    api.fail_next(45009)
    await queue(centre, ids, "a", 4)
    await centre.settle()
    api.expire_tokens()  # mid-run: the next send meets 42001, fetches once, goes
    api.fail_next(-1, api="gettoken")  # and the first fetch itself is busy
    await queue(centre, ids, "b", 3)
    await centre.settle()

    for userid in MEMBERS:
        expected = [
            f"{b}-{n}：通知 {userid}" for b, count in (("a", 4), ("b", 3)) for n in range(count)
        ]
        assert texts(centre, userid) == expected
        assert not api.dropped(userid) and not api.duplicates(userid)
    answered = {c.errcode for c in api.calls}
    assert {-1, 45033, 45009, 42001} <= answered, answered
    assert api.gettoken_calls == 3  # the first, the busy one, the fresh one
    async with centre.db.reading() as tx:
        states = await tx.fetchall("SELECT state, count(*) AS n FROM outbox GROUP BY state")
    assert {str(r["state"]): int(r["n"]) for r in states} == {"sent": 21}


async def test_an_untrusted_ip_reaches_the_admins_and_holds_the_rest(
    centre: Centre, clock: FakeClock
) -> None:
    api = centre.wecom
    ids = await members(centre)
    admin = centre.tg.user(ADMIN, "管理员")
    api.distrust_ip()
    await queue(centre, ids, "c", 2)
    await centre.settle()
    alerts = [str(m.get("text")) for m in admin.received()]
    assert len(alerts) == 1 and "60020" in alerts[0], alerts
    assert all(texts(centre, u) == [] for u in MEMBERS)
    async with centre.db.reading() as tx:
        failed = await tx.fetchall("SELECT purpose FROM outbox WHERE state = 'failed'")
        held = await tx.fetchall("SELECT purpose FROM outbox WHERE state = 'pending'")
    assert len(failed) == 1 and len(held) == 5  # the day's first row fails; the rest wait

    clock.now += timedelta(minutes=10)  # still untrusted: no new alert, no row fails
    centre.app.bot_data.courier.wake()
    await centre.settle()
    assert len(admin.received()) == 1
    api.trust_ip()
    clock.now += timedelta(minutes=10)
    centre.app.bot_data.courier.wake()
    await centre.settle()
    lost = str(failed[0]["purpose"]).split(":")[2]
    for userid in MEMBERS:
        expected = [f"c-{n}：通知 {userid}" for n in range(2)]
        if userid == lost:
            expected = expected[1:]
        assert texts(centre, userid) == expected
    async with centre.db.reading() as tx:
        listed = [m.purpose for m in await outbox.undelivered(tx)]
    assert listed == [str(failed[0]["purpose"])]  # the admins' digest names it
