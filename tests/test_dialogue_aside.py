"""The conversation engine's aside flow on the in-memory channel, no HTTP: a long dialogue
kept beside the typed wait, as PTB's conversations were."""

from __future__ import annotations

from chat.dialogue import Engine, Flow, Inbound, Reply, Step, aside_channel
from chat.dialogue.steps import Draft
from chat.memory import MemoryChannel
from storage import sessions
from storage.db import Database
from storage.sessions import LedgerSessions
from tests.conftest import FakeClock
from tests.test_dialogue import cast, label, render, return_press, rules, submit_item
from workflow.dialogues import Dialogues, explain
from workflow.outcomes import Refused
from workflow.rules import CentreRules

__all__ = ["cast", "rules"]  # the fixtures this module's test takes


async def test_an_aside_flow_stands_beside_the_typed_wait(
    db: Database, rules: CentreRules, cast: dict[str, int], clock: FakeClock
) -> None:
    """An aside flow (a long dialogue, as PTB's conversations were): other commands leave it,
    a typed wait takes texts first and its end leaves the aside flow standing, it does not
    expire, a question may be several messages, and a refused start again ends it."""

    async def start(event: Inbound) -> Draft | None:
        """/note; /note no is refused."""
        if event.command != "note":
            return None
        if event.argument == "no":
            raise Refused("not_allowed")
        return {}

    async def take(event: Inbound, draft: Draft) -> Draft:
        """The note's text."""
        return {"text": event.text}

    async def finish(event: Inbound, draft: Draft) -> list[Reply]:
        """Says what was noted."""
        return [Reply("wait.ended", {"what": str(draft["text"])})]

    def ask(draft: Draft) -> tuple[Reply, ...]:
        """Two messages."""
        return (Reply("wait.pending_edit"), Reply("wait.pending_visit"))

    note = Flow("note", "help.help", start, (Step("text", ask, take),), finish, aside=True)
    flows = Dialogues(db, rules).engine(LedgerSessions(db))
    engine = Engine(
        flows.store,
        [*flows.flows.values(), note],
        clock=clock,
        typed_answer=rules.typed_answer,
        explain=explain,
    )
    chat = MemoryChannel(engine, render, label)
    item_id = await submit_item(chat, cast["informant"])
    head = cast["head"]
    assert [s.text for s in await chat.command(head, "note")] == ["修改稿", "来访登记"]
    assert await chat.command(head, "help") == []  # left standing, nothing said
    await chat.press(head, await return_press(db, item_id))  # a typed wait besides
    shown = await chat.text(head, "数据需要核实")  # the wait's answer, not the note's
    assert shown[0].reply is not None and shown[0].reply.key == "signoff.confirm_return"
    await chat.press(head, await return_press(db, item_id))  # asked again, then ended
    said = await chat.command(head, "help")
    assert [s.text for s in said] == ["已取消等待输入（退回原因）。"]
    clock.now += rules.typed_answer * 3  # an aside flow does not expire
    done = await chat.text(head, "会后整理")
    assert [s.text for s in done] == ["已取消等待输入（会后整理）。"]
    async with db.reading() as tx:
        assert await sessions.load(tx, head, aside_channel(chat.name)) is None
    await chat.command(head, "note")
    refused = await chat.command(head, "note", "no")
    assert refused[0].reply is not None and refused[0].reply.key == "refused.not_allowed"
    assert await chat.text(head, "没人等") == []  # the refused start ended the one there
