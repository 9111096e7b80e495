"""The adapter boundary: the in-memory channel that serves fast engine tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chat.actions import Button
from chat.actions import signoff as so
from chat.cards import Card
from chat.channel import (
    Blocked,
    Channel,
    Fail,
    File,
    Flooded,
    Lost,
    MemoryChannel,
    Prepared,
    PressRef,
    Retry,
    SentRef,
    Text,
    Uncertain,
    Unreachable,
    keys_of,
    stored_keys,
)


async def test_memory_channel_records_and_fails_as_told() -> None:
    """Sends are recorded in order; told failures come first, one per send."""
    channel = MemoryChannel()
    assert isinstance(channel, Channel)
    await channel.start()
    channel.fail_next(Unreachable("down"))
    with pytest.raises(Unreachable):
        await channel.send("a", Text(Prepared("x")))
    ref = await channel.send("a", Text(Prepared("hello")))
    assert ref == SentRef("memory", "a", 1)
    assert channel.to("a") == [Text(Prepared("hello"))]
    card = Card("t", {}, "b")
    await channel.settle(ref, card)
    await channel.answer(PressRef("memory", "q1"), "已记录")
    assert channel.settled == [(ref, card)]
    assert channel.answered == [(PressRef("memory", "q1"), "已记录")]
    channel.files["f1"] = b"bytes"
    assert await channel.download("f1") == b"bytes"
    uploaded = await channel.send("a", File("sha256:x", photo=True))
    assert uploaded.remote_file is not None
    await channel.stop()
    assert not channel.running


def test_classify_maps_to_the_outbox_rules() -> None:
    """Flood → wait as asked; no connection → backoff; lost → uncertain; refused → fail."""
    channel = MemoryChannel()
    assert channel.classify(Flooded(3)) == Retry(timedelta(seconds=3))
    assert channel.classify(Unreachable()) == Retry()
    assert isinstance(channel.classify(Lost("no answer")), Uncertain)
    assert channel.classify(Blocked("blocked")) == Fail("blocked")
    assert channel.classify(ValueError()) is None


def test_buttons_in_wire_form() -> None:
    """Services' buttons and queued rows become the same wire keys."""
    rows = ((Button("btn.approve", so.Signoff(3, 0, 1, "a")),),)
    assert keys_of(rows) == ((("btn.approve", "so:3:0:1:a"),),)
    assert stored_keys([[["btn.approve", "so:3:0:1:a"]]]) == keys_of(rows)
