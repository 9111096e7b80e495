"""The outbox through the WeCom adapter and the WeCom emulator over HTTP: a month start's 40+
messages to one person arrive complete, in order, none dropped by WeCom's per-person limits and
in the time those limits allow; each WeCom error ends its row as the issue says."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.wecom.adapter import WeComChannel
from channels.wecom.api import WeComClient
from channels.wecom.errors import RATE_LIMIT_BACKOFF
from channels.wecom.pacing import Pacer
from channels.wecom.render import wecom_texts
from chat.channel import MemoryChannel, Prepared, Text
from delivery import outbox as delivery
from sandbox.wecom.server import FakeWeComApi
from storage import files, outbox, people
from storage.db import Database
from storage.models import TELEGRAM, Account, OutboxMessage
from tests.conftest import FakeClock
from tests.flow import REPO
from workflow.rules import CentreRules

WECOM = "wecom"


@pytest.fixture
def rules() -> CentreRules:
    """The sample configuration's rules, with an admin on Telegram and one on WeCom."""
    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    admins = (Account(TELEGRAM, "9001"), Account(WECOM, "boss"))
    return dataclasses.replace(rules, admins=admins)


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[FakeWeComApi]:
    """The emulator on 127.0.0.1, on the ledger's clock."""
    async with FakeWeComApi(clock=lambda: clock.now.timestamp()) as api:
        yield api


@pytest.fixture
async def channel(wecom: FakeWeComApi, db: Database) -> AsyncIterator[WeComChannel]:
    """The adapter on a client pointed at the emulator (a short read timeout, for a stall)."""
    client = WeComClient(
        wecom.corp_id, wecom.secret, wecom.agent_id, base_url=wecom.base_url, read_timeout=0.5
    )
    adapter = WeComChannel(client, db, wecom_texts("zh"))
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


async def person(db: Database, userid: str, name: str) -> int:
    """A person reached on WeCom."""
    async with db.transaction() as tx:
        return (await people.ensure_person(tx, Account(WECOM, userid), name)).id


async def queue(db: Database, purpose: str, to: int, text: str) -> None:
    """A prepared text to a person."""
    async with db.transaction() as tx:
        await outbox.enqueue(tx, purpose, to, {"text": text})


async def rows(db: Database) -> dict[str, OutboxMessage]:
    """Every outbox row by purpose."""
    async with db.reading() as tx:
        found = await tx.fetchall("SELECT * FROM outbox ORDER BY id")
    return {str(r["purpose"]): OutboxMessage.from_row(r) for r in found}


async def alerted(db: Database) -> list[tuple[str, str]]:
    """Where the admins' alerts of an untrusted IP were queued (channel, address)."""
    async with db.reading() as tx:
        found = await tx.fetchall(
            "SELECT channel, address FROM outbox WHERE purpose LIKE 'alert:wecom_ip%' ORDER BY id"
        )
    return [(str(r["channel"]), str(r["address"])) for r in found]


async def drain_until_done(
    channel: WeComChannel, db: Database, rules: CentreRules, clock: FakeClock
) -> list[float]:
    """Passes of the outbox, the clock moved to each next due row (as the courier naps), until
    nothing waits; the seconds of each pass since the first."""
    start = clock.now
    passes: list[float] = []
    for _ in range(50):
        passes.append((clock.now - start).total_seconds())
        await delivery.drain({WECOM: channel}, db, rules)
        async with db.reading() as tx:
            due = await outbox.next_retry(tx)
        if due is None:
            return passes
        clock.now = max(clock.now, due)
    raise AssertionError("the outbox never emptied")


async def test_a_month_start_reaches_a_busy_person_complete_in_order_none_dropped(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel, clock: FakeClock
) -> None:
    """An editor who is also an informant: the bulletin (3 parts, the chart with its caption,
    the workbook) and 40 reminders, 46 WeCom messages at once. WeCom shows 30 a minute to a
    person and drops the rest silently; the outbox holds the rest back a minute, keeps their
    order, and another person's messages do not wait for hers."""
    editor = await person(db, "zhaobian", "赵编辑")
    other = await person(db, "lisi", "李四")
    async with db.transaction() as tx:
        await files.put(tx, "b:png", "通报.png", "image/png", b"\x89PNG-chart")
        await files.put(tx, "b:xlsx", "通报.xlsx", "application/vnd.ms-excel", b"PK-book")
    expected: list[str] = []
    for part in range(3):
        text = f"<b>2026年10月通报</b>（{part + 1}/3）"
        await queue(db, f"bulletin:10:{part}", editor, text)
        expected.append(f"2026年10月通报（{part + 1}/3）")
    async with db.transaction() as tx:
        chart = {"file": "b:png", "caption": "10月图表"}
        await outbox.enqueue(tx, "bulletin:10:png", editor, chart, kind="photo")
        await outbox.enqueue(tx, "bulletin:10:xlsx", editor, {"file": "b:xlsx"}, kind="document")
    expected += ["10月图表", "image", "file"]
    for n in range(40):
        await queue(db, f"remind:{n}", editor, f"⏳ 提醒 {n + 1}")
        expected.append(f"⏳ 提醒 {n + 1}")
        if n % 10 == 0:
            await queue(db, f"other:{n}", other, f"给李四 {n}")
    passes = await drain_until_done(channel, db, rules, clock)

    shown = wecom.inbox("zhaobian")
    assert wecom.dropped("zhaobian") == [] and wecom.dropped("lisi") == []
    assert [d.text or d.msgtype for d in shown] == expected
    assert all(r.state == "sent" for r in (await rows(db)).values())
    # 30 in the first minute, the other 16 as soon as the window allows (one second of slack)
    first = shown[0].at
    assert sum(1 for d in shown if d.at < first + 60) == 30
    assert 60 <= shown[-1].at - first <= 62
    assert passes[-1] <= 62
    assert all(d.at == first for d in wecom.inbox("lisi"))  # not held up by her
    assert len(wecom.inbox("lisi")) == 4


async def test_after_a_restart_the_last_hours_sends_still_count(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel, clock: FakeClock
) -> None:
    """A new adapter (the bot restarted) paces from what the outbox sent in the last hour, so
    WeCom drops nothing a restart would have forgotten."""
    editor = await person(db, "zhaobian", "赵编辑")
    for n in range(20):
        await queue(db, f"first:{n}", editor, f"一 {n}")
    await delivery.drain({WECOM: channel}, db, rules)
    restarted = WeComChannel(channel.client, db, wecom_texts("zh"))
    await restarted.start()
    for n in range(20):
        await queue(db, f"second:{n}", editor, f"二 {n}")
    clock.now += timedelta(seconds=5)
    await drain_until_done(restarted, db, rules, clock)
    assert wecom.dropped("zhaobian") == []
    assert len(wecom.inbox("zhaobian")) == 40


@pytest.mark.parametrize("errcode", [-1, 45033])
async def test_busy_is_retried_on_the_backoff(
    db: Database,
    rules: CentreRules,
    wecom: FakeWeComApi,
    channel: WeComChannel,
    clock: FakeClock,
    errcode: int,
) -> None:
    """-1 and 45033: surely not sent; the row waits its backoff and goes then, once."""
    to = await person(db, "lisi", "李四")
    await queue(db, "n1", to, "通知")
    wecom.fail_next(errcode, "message/send")
    report = await delivery.drain({WECOM: channel}, db, rules)
    assert (report.sent, report.retried) == (0, 1)
    row = (await rows(db))["n1"]
    assert (row.state, row.attempts) == ("pending", 1)
    clock.now += timedelta(seconds=1)
    assert (await delivery.drain({WECOM: channel}, db, rules)).sent == 1
    assert [d.text for d in wecom.inbox("lisi")] == ["通知"]


async def test_a_rate_limit_waits_a_minute(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel, clock: FakeClock
) -> None:
    """45009: the row waits WeCom's minute, not the short backoff."""
    to = await person(db, "lisi", "李四")
    await queue(db, "n1", to, "通知")
    wecom.fail_next(45009, "message/send")
    await delivery.drain({WECOM: channel}, db, rules)
    row = (await rows(db))["n1"]
    assert row.state == "pending" and row.next_attempt_at == clock.now + RATE_LIMIT_BACKOFF
    clock.now += timedelta(seconds=30)
    assert (await delivery.drain({WECOM: channel}, db, rules)).sent == 0
    clock.now += timedelta(seconds=30)
    assert (await delivery.drain({WECOM: channel}, db, rules)).sent == 1


async def test_no_recipient_fails_that_row_only(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """81013, and a recipient WeCom lists in `invaliduser`: that row fails for good (the
    admins' digest lists it); the others go."""
    gone = await person(db, "gone", "离职者")
    refused = await person(db, "refused", "某人")
    fine = await person(db, "lisi", "李四")
    wecom.make_invalid("gone")
    await queue(db, "to-refused", refused, "通知")
    await queue(db, "to-gone", gone, "通知")
    await queue(db, "to-fine", fine, "通知")
    wecom.fail_next(81013, "message/send")  # the first send reaching WeCom: "refused"
    report = await delivery.drain({WECOM: channel}, db, rules)
    assert (report.sent, report.failed) == (1, 2)
    found = await rows(db)
    assert found["to-gone"].state == "failed" and "no_recipient" in str(found["to-gone"].last_error)
    assert found["to-refused"].state == "failed"
    async with db.reading() as tx:
        listed = {m.purpose for m in await outbox.undelivered_since(tx, db.clock())}
    assert listed == {"to-gone", "to-refused"}


async def test_an_untrusted_ip_fails_loudly_and_holds_the_rest(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel, clock: FakeClock
) -> None:
    """60020: nothing gets through until an admin lists the server's IP. The row fails, each
    configured admin is alerted at once (on Telegram here; the WeCom admin's alert is held
    like the rest), and the other WeCom rows wait instead of failing, also when they meet
    60020 again; once the IP is trusted they go."""
    await person(db, "boss", "管理员")
    first = await person(db, "lisi", "李四")
    second = await person(db, "wangwu", "王五")
    await queue(db, "n1", first, "一")
    await queue(db, "n2", second, "二")
    await queue(db, "n3", first, "三")
    wecom.distrust_ip()
    report = await delivery.drain({WECOM: channel}, db, rules)
    assert (report.sent, report.failed) == (0, 1)
    found = await rows(db)
    assert found["n1"].state == "failed" and "ip_not_trusted" in str(found["n1"].last_error)
    assert (found["n2"].state, found["n2"].attempts) == ("pending", 0)
    assert await alerted(db) == [(TELEGRAM, "9001"), (WECOM, "boss")]
    telegram = MemoryChannel(name=TELEGRAM)
    await delivery.drain({TELEGRAM: telegram}, db, rules)
    (alert,) = telegram.to("9001")
    assert isinstance(alert, Text)
    assert not isinstance(alert.text, Prepared)
    assert alert.text.key == "notice.wecom_ip_not_trusted"
    clock.now += timedelta(minutes=10)
    await delivery.drain({WECOM: channel}, db, rules)  # still refused: in the same spell,
    assert len(await alerted(db)) == 2  # the same hour: no new alert; no row fails again
    async with db.reading() as tx:
        waiting = await tx.fetchall("SELECT purpose FROM outbox WHERE state = 'pending'")
    assert sorted(str(r[0]) for r in waiting) == sorted(["n2", "n3", alerts_purpose(clock)])
    wecom.trust_ip()
    clock.now += timedelta(minutes=10)
    await drain_until_done(channel, db, rules, clock)
    assert [d.text for d in wecom.inbox("lisi")] == ["三"]  # 一 failed for good
    assert [d.text for d in wecom.inbox("wangwu")] == ["二"]
    (told,) = wecom.inbox("boss")
    assert "60020" in told.text and "<" not in told.text


def alerts_purpose(clock: FakeClock) -> str:
    """The purpose of this hour's untrusted-IP alerts."""
    return f"alert:wecom_ip_not_trusted:{clock.now:%Y-%m-%dT%H}"


async def test_a_lost_answer_is_uncertain_and_not_resent(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel, clock: FakeClock
) -> None:
    """The send arrived but its answer did not: at most once, so the row is uncertain."""
    to = await person(db, "lisi", "李四")
    await queue(db, "n1", to, "通知")
    wecom.stall_next("message/send", 1.5)
    report = await delivery.drain({WECOM: channel}, db, rules)
    assert report.uncertain == 1
    assert (await rows(db))["n1"].state == "uncertain"
    clock.now += timedelta(hours=1)
    await delivery.drain({WECOM: channel}, db, rules)
    assert len(wecom.inbox("lisi")) == 1


async def test_an_expired_token_is_fetched_again_and_the_row_goes(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """42001 mid-run: one fresh token, the row sent, nothing retried."""
    to = await person(db, "lisi", "李四")
    await queue(db, "n1", to, "一")
    await delivery.drain({WECOM: channel}, db, rules)
    wecom.expire_tokens()
    await queue(db, "n2", to, "二")
    report = await delivery.drain({WECOM: channel}, db, rules)
    assert (report.sent, report.retried) == (1, 0)
    assert wecom.gettoken_calls == 2


def test_the_pacer_finds_room_for_a_row_of_several_messages() -> None:
    """A row of two (a caption and its file) waits until both fit in the minute, not just
    the first; a row larger than a window waits for the window to be empty."""
    pacer = Pacer()
    for _ in range(29):
        pacer.reserve("zhaobian", 0.0)
    assert pacer.earliest("zhaobian", 0.0) == 0.0
    assert pacer.earliest("zhaobian", 0.0, count=2) == 61.0
    assert pacer.earliest("zhaobian", 0.0, count=40) == 61.0
    assert pacer.earliest("lisi", 5.0, count=3) == 5.0
