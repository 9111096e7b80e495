"""The bulletin queued in batches: its texts held until the last transaction releases them with
the month's closing, so a crash between batches leaves nothing sent, and the next attempt
queues the whole bulletin once."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing

import pytest
from telegram import Bot

from bot import jobs as jobs_module
from bot.jobs import post_bulletin
from channels.telegram.context import BotData
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import jobs, outbox
from storage import periods as closed_periods
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import FakeClock
from tests.test_jobs import (  # noqa: F401  (fixtures)
    WINDOW,
    bot,
    centre_person,
    person,
    server,
    services,
    shanghai,
)
from workflow.figures import month_report
from workflow.schedule import Outgoing, bulletin_key

OTHER = "市公安局窗口"
PREFIX = "bulletin:2026-10:"


class Killed(Exception):
    """The process dies here."""


async def bulletin_rows(db: Database) -> list[OutboxMessage]:
    """Every outbox row of October's bulletin."""
    async with db.reading() as tx:
        return await outbox.by_purpose(tx, PREFIX, PREFIX)


async def cast(data: BotData, api: FakeBotApi) -> None:
    """Two units' people and a leader of the centre, each with a chat."""
    db, rules = data.db, data.rules
    for tg, unit, role in (
        (101, WINDOW, Role.INFORMANT),
        (102, WINDOW, Role.WINDOW_HEAD),
        (103, OTHER, Role.INFORMANT),
    ):
        await person(db, rules, tg, unit, role)
        api.user(tg)
    await centre_person(db, rules, 104, Role.MAIN_LEADER)
    api.user(104)


async def test_a_crash_between_batches_sends_nothing_and_the_next_attempt_queues_it_once(
    services: BotData,  # noqa: F811
    bot: Bot,  # noqa: F811
    server: FakeBotApi,  # noqa: F811
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, rules = services.db, services.rules
    await cast(services, server)
    clock.now = shanghai(2026, 11, 2, 9, 0)
    monkeypatch.setattr(jobs_module, "BULLETIN_BATCH", 1)  # the plain copies, then a unit each
    batches = jobs_module._bulletin_batches

    def dies_after_one(*args: object) -> Iterator[list[Outgoing]]:
        """The first batch, then the process dies."""
        made = batches(*args)  # type: ignore[arg-type]
        yield next(made)
        raise Killed

    monkeypatch.setattr(jobs_module, "_bulletin_batches", dies_after_one)
    report = await month_report(db, rules.policy, rules.zone, 2026, 10)
    with pytest.raises(Killed):
        await post_bulletin(services, services.schedule, report)
    held = await bulletin_rows(db)
    assert held and {row.next_attempt_at for row in held} == {outbox.HELD_AT}  # none due
    assert {row.address for row in held} == {"-100", "104"}  # the first batch only
    async with db.reading() as tx:
        assert not await jobs.is_done(tx, bulletin_key(2026, 10))
        assert not await closed_periods.is_closed(tx, "2026-10")
        assert await outbox.next_retry(tx) is None  # nothing for the courier to wait for
    services.courier.wake()
    await services.courier.idle()
    assert not any(server.sent_to(chat) for chat in (-100, 101, 102, 103, 104))

    monkeypatch.setattr(jobs_module, "_bulletin_batches", batches)
    clock.now = shanghai(2026, 11, 2, 9, 5)  # the process is back
    assert await post_bulletin(services, services.schedule, report)
    rows = await bulletin_rows(db)
    assert {row.created_at for row in rows} == {clock.now}  # the held ones gone, all queued again
    assert all(row.next_attempt_at != outbox.HELD_AT for row in rows)
    per_chat = Counter((row.purpose, row.address) for row in rows)
    assert set(per_chat.values()) == {1}
    assert {row.address for row in rows} == {"-100", "101", "102", "103", "104"}
    async with db.reading() as tx:
        assert await jobs.is_done(tx, bulletin_key(2026, 10))
        assert await closed_periods.is_closed(tx, "2026-10")
    services.courier.wake()
    await services.courier.idle()
    for chat in (-100, 101, 102, 103, 104):
        sent = server.sent_to(chat)
        heads = [m for m in sent if "信息报送情况通报" in str(m.get("text", ""))]
        assert len(heads) == 1 and any("photo" in m for m in sent)
    assert not await post_bulletin(services, services.schedule, report)  # posted: once


async def test_a_bulletin_posted_meanwhile_elsewhere_leaves_nothing_held(
    services: BotData,  # noqa: F811
    bot: Bot,  # noqa: F811
    server: FakeBotApi,  # noqa: F811
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, rules = services.db, services.rules
    await cast(services, server)
    clock.now = shanghai(2026, 11, 2, 9, 0)
    monkeypatch.setattr(jobs_module, "BULLETIN_BATCH", 1)
    batches = jobs_module._bulletin_batches

    def posted_by_another(*args: object) -> Iterator[list[Outgoing]]:
        """The batches, while another process records the bulletin after the first."""
        for n, batch in enumerate(batches(*args)):  # type: ignore[arg-type]
            yield batch
            if n == 0:
                with closing(sqlite3.connect(db.path)) as other, other:
                    other.execute(
                        "INSERT INTO job_runs (key, done_at, detail) VALUES (?, ?, '{}')",
                        (bulletin_key(2026, 10), "2026-11-02T01:00:00+00:00"),
                    )

    monkeypatch.setattr(jobs_module, "_bulletin_batches", posted_by_another)
    report = await month_report(db, rules.policy, rules.zone, 2026, 10)
    assert not await post_bulletin(services, services.schedule, report)
    assert not [row for row in await bulletin_rows(db) if row.next_attempt_at == outbox.HELD_AT]
