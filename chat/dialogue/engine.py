"""Routes what a person does to the flow waiting for them or to one it starts.

Today's rules, kept for every channel: one wait at a time per person and channel; a command
or a press that is not the waiting step's answer ends the wait, said once and before that
command's own reply; a typed answer after the configured minutes is not taken (the person is
told, nothing changes). A step's answer that the validator refuses leaves the question
standing (asked afresh); a finished flow's session ends in the transaction of its effects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .session import Inbound, Invalid, Ref, Reply, Session, SessionStore
from .steps import Flow, Step

#: Turns a service's refusal into the reply explaining it; None for an exception it is not.
Explain = Callable[[BaseException], Reply | None]


@dataclass(slots=True)
class Handled:
    """What the engine said, and whether the event was its to handle (if not, the channel's
    other handlers answer it, after these replies)."""

    replies: list[Reply] = field(default_factory=list)
    taken: bool = False


class Engine:
    """The one conversation mechanism: sessions in a store, flows as data."""

    def __init__(
        self,
        store: SessionStore,
        flows: Sequence[Flow],
        *,
        clock: Callable[[], datetime],
        typed_answer: timedelta,
        explain: Explain,
    ) -> None:
        self.store = store
        self.flows = {flow.name: flow for flow in flows}
        self.clock = clock
        self.typed_answer = typed_answer
        self.explain = explain

    @property
    def minutes(self) -> int:
        """The minutes a typed answer waits."""
        return int(self.typed_answer.total_seconds() // 60)

    async def handle(self, event: Inbound) -> Handled:
        """Handles one inbound event: answers the waiting step, starts a flow, or ends the
        wait and leaves the event to the channel's other handlers."""
        now = self.clock()
        session = await self.store.load(event.person_id, event.channel)
        flow = self.flows.get(session.flow) if session is not None else None
        step = flow.step(session.step) if flow is not None and session is not None else None
        if session is not None and (flow is None or step is None):
            await self.store.write(event.person_id, event.channel, None)  # a flow this code
            session = None  # no longer has: nothing can answer it
        done = Handled()
        if session is not None and flow is not None and step is not None:
            live = session.live(now, self.typed_answer)
            if step.answers(event):
                if live:
                    await self._answer(event, session, flow, step, done)
                    return done
                await self.store.write(event.person_id, event.channel, None)
                if event.press is None:
                    done.replies.append(
                        Reply("wait.expired", {"what": Ref(flow.what), "minutes": self.minutes})
                    )
                    done.taken = True
                    return done
            elif event.is_action:
                await self.store.write(event.person_id, event.channel, None)
                started = await self._start(event, now, done)
                again = started == (session.flow, dict(session.draft))
                if live and not again and session.asked_by != event.event_id:
                    # said first: before whatever the command or press answers
                    done.replies.insert(0, Reply("wait.ended", {"what": Ref(flow.what)}))
                return done
            else:
                return done  # a sticker, a file where text is asked: the channel explains
        if event.is_action:
            await self._start(event, now, done)
        return done

    async def _start(
        self, event: Inbound, now: datetime, done: Handled
    ) -> tuple[str, dict[str, Any]] | None:
        """Starts the first flow this command or press opens, asking its first question; the
        flow and its initial draft, if one started."""
        for flow in self.flows.values():
            try:
                draft = await flow.start(event)
            except Exception as error:
                done.replies.append(self._refusal(error))
                done.taken = True
                return None
            if draft is None:
                continue
            first = flow.steps[0]
            session = Session(
                event.person_id, event.channel, flow.name, first.name, dict(draft), now
            ).asked(first.name, draft, now, event.event_id)
            await self.store.write(event.person_id, event.channel, session)
            done.replies.append(first.prompt(draft))
            done.taken = True
            return flow.name, dict(draft)
        return None

    async def _answer(
        self, event: Inbound, session: Session, flow: Flow, step: Step, done: Handled
    ) -> None:
        """Reads the answer; asks the next question, or finishes the flow with its effects."""
        done.taken = True
        now = self.clock()
        try:
            draft = {**session.draft, **await step.take(event, session.draft)}
        except Exception as error:
            done.replies.append(error.reply if isinstance(error, Invalid) else self._refusal(error))
            await self.store.write(  # the question stands, its time starts afresh
                event.person_id,
                event.channel,
                session.asked(step.name, session.draft, now, event.event_id),
            )
            return
        if step.next is not None:
            following = flow.step(step.next)
            assert following is not None, f"{flow.name}: no step {step.next}"
            await self.store.write(
                event.person_id,
                event.channel,
                session.asked(following.name, draft, now, event.event_id),
            )
            done.replies.append(following.prompt(draft))
            return
        try:
            with self.store.riding(event.person_id, event.channel, None) as ride:
                done.replies.extend(await flow.finish(event, draft))
        except Exception as error:
            done.replies.append(self._refusal(error))  # nothing changed: the question stands
            return
        if not ride.committed:  # the effect wrote nothing: end the session on its own
            await self.store.write(event.person_id, event.channel, None)

    def _refusal(self, error: Exception) -> Reply:
        """The reply explaining a refusal; anything else is a bug and propagates."""
        reply = self.explain(error)
        if reply is None:
            raise error
        return reply
