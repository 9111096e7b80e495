"""The outbox drained through channel adapters (the in-memory one): ordering, claims,
retry rules, files and neutral notices, with no network."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from chat.cards import Phrase
from chat.channel import Blocked, File, Flooded, Lost, MemoryChannel, Prepared, Text, Unreachable
from delivery import outbox as delivery
from storage import files, outbox
from storage.db import Database
from storage.models import Room
from tests.conftest import FakeClock
from tests.flow import REPO
from workflow.rules import CentreRules


@pytest.fixture
def rules() -> CentreRules:
    """The sample configuration's rules."""
    return centre_rules(load_settings(REPO / "config.yaml", {}))


async def queue(
    db: Database, purpose: str, address: str, text: str, channel: str = "memory"
) -> None:
    """One prepared text to a room on a channel."""
    async with db.transaction() as tx:
        await outbox.enqueue(tx, purpose, Room(channel, address), {"text": text})


async def states(db: Database) -> dict[str, tuple[str, int]]:
    """Each row's state and attempts, by purpose."""
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT purpose, state, attempts FROM outbox")
    return {str(r["purpose"]): (str(r["state"]), int(r["attempts"])) for r in rows}


async def test_drain_sends_each_row_through_its_channel(db: Database, rules: CentreRules) -> None:
    """Rows go to the adapter of their channel; rows of a channel with no adapter wait."""
    memory, other = MemoryChannel(), MemoryChannel(name="other")
    await queue(db, "p1", "a", "one")
    await queue(db, "p2", "b", "two", channel="other")
    await queue(db, "p3", "c", "three", channel="absent")
    report = await delivery.drain({"memory": memory, "other": other}, db, rules)
    assert report.sent == 2
    assert memory.to("a") == [Text(Prepared("one"))]
    assert other.to("b") == [Text(Prepared("two"))]
    assert (await states(db))["p3"] == ("pending", 0)


async def test_a_retry_holds_back_that_address_only(
    db: Database, rules: CentreRules, clock: FakeClock
) -> None:
    """No connection: backoff, the address's later rows wait; another address goes on."""
    channel = MemoryChannel()
    await queue(db, "p1", "a", "first")
    await queue(db, "p2", "a", "second")
    await queue(db, "p3", "b", "other")
    channel.fail_next(Unreachable("refused"))
    report = await delivery.drain({"memory": channel}, db, rules)
    assert (report.sent, report.retried) == (1, 1)
    assert channel.to("a") == []
    assert channel.to("b") == [Text(Prepared("other"))]
    clock.now += timedelta(seconds=1)  # the first backoff
    await delivery.drain({"memory": channel}, db, rules)
    assert channel.to("a") == [Text(Prepared("first")), Text(Prepared("second"))]


async def test_gives_up_after_eight_attempts(
    db: Database, rules: CentreRules, clock: FakeClock
) -> None:
    """Surely-unsent failures are retried on backoff up to 8 attempts, then failed."""
    channel = MemoryChannel()
    await queue(db, "p1", "a", "x")
    for _ in range(delivery.MAX_ATTEMPTS):
        channel.fail_next(Unreachable("down"))
        await delivery.drain({"memory": channel}, db, rules)
        clock.now += delivery.MAX_BACKOFF
    assert (await states(db))["p1"] == ("failed", delivery.MAX_ATTEMPTS)
    assert channel.sent == []


async def test_two_floods_in_a_row_pause_the_batch(
    db: Database, rules: CentreRules, clock: FakeClock
) -> None:
    """One flood refusal waits that address; a second in a row postpones everything."""
    channel = MemoryChannel()
    for n in range(4):
        await queue(db, f"p{n}", f"addr{n}", str(n))
    channel.fail_next(Flooded(5), Flooded(5))
    report = await delivery.drain({"memory": channel}, db, rules)
    assert (report.sent, report.retried) == (0, 2)
    async with db.reading() as tx:
        assert await outbox.due(tx, "memory") == []
    clock.now += timedelta(seconds=5)
    report = await delivery.drain({"memory": channel}, db, rules)
    assert report.sent == 4


async def test_fail_and_uncertain_are_final(db: Database, rules: CentreRules) -> None:
    """A refusal fails for good with its reason; a lost answer is uncertain, never resent."""
    channel = MemoryChannel()
    await queue(db, "p1", "a", "x")
    await queue(db, "p2", "b", "y")
    channel.fail_next(Blocked("Forbidden: bot was blocked"), Lost("read timed out"))
    report = await delivery.drain({"memory": channel}, db, rules)
    assert (report.failed, report.uncertain) == (1, 1)
    assert report.errors == ["a: Forbidden: bot was blocked"]
    assert await states(db) == {"p1": ("failed", 1), "p2": ("uncertain", 1)}
    await delivery.drain({"memory": channel}, db, rules)
    assert channel.sent == []


async def test_an_unknown_error_is_raised_and_leaves_the_claim(
    db: Database, rules: CentreRules
) -> None:
    """An error the channel does not know stops the pass; the row stays claimed (found
    uncertain at start), as before."""
    channel = MemoryChannel()
    await queue(db, "p1", "a", "x")
    channel.fail_next(RuntimeError("bug"))
    with pytest.raises(RuntimeError):
        await delivery.drain({"memory": channel}, db, rules)
    assert (await states(db))["p1"] == ("sending", 0)


async def test_a_stored_file_keeps_the_channels_id(db: Database, rules: CentreRules) -> None:
    """A file uploaded to a channel is remembered under that channel, with the send."""
    channel = MemoryChannel()
    async with db.transaction() as tx:
        await files.put(tx, "sha256:ab", "a.png", "image/png", b"png")
        await outbox.enqueue(
            tx, "f", Room("memory", "a"), {"file": "sha256:ab", "caption": "图"}, kind="photo"
        )
    await delivery.drain({"memory": channel}, db, rules)
    assert channel.to("a") == [File("sha256:ab", photo=True, caption="图")]
    async with db.reading() as tx:
        assert await files.remote_id(tx, "sha256:ab", "memory") == "memory-file-1"


async def test_a_notice_is_neutral_content(db: Database, rules: CentreRules) -> None:
    """A queued notice reaches the adapter as a catalogue phrase with its buttons in wire
    form, a role as a phrase; the adapter words it."""
    channel = MemoryChannel()
    buttons = [[["btn.approve", "so:1:0:0:a"]]]
    async with db.transaction() as tx:
        await outbox.enqueue(
            tx,
            "n",
            Room("memory", "a"),
            {"notice": "role_granted", "params": {"role": "editor", "buttons": buttons}},
        )
    await delivery.drain({"memory": channel}, db, rules)
    [sent] = channel.to("a")
    assert sent == Text(
        Phrase("notice.role_granted", {"role": Phrase("role.editor")}),
        ((("btn.approve", "so:1:0:0:a"),),),
    )
