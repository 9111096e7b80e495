"""Routes what a person does to the flow waiting for them or to one it starts.

Today's rules, kept for every channel: one wait at a time per person and channel; a command
or a press that is not the waiting step's answer ends the wait, said once and before that
command's own reply; a typed answer after the configured minutes is not taken (the person is
told, nothing changes). A step's answer that the validator refuses leaves the question
standing (asked afresh); a finished flow's session ends in the transaction of its effects.

A held step (a destructive step shown back for its ✅ 确认) is kept in a session of its own,
on `held_channel(channel)`: another action neither ends it nor is ended by it (a new
question leaves it, a press of it ends a typed wait like any press), a newer held step
replaces it, and it expires after the same minutes (its press is then refused as stale).

A lasting step (a menu waiting on its buttons) never expires, and another action ends it
without a word. A press that starts a flow and also answers its first step (a menu's button
pressed after its session ended) is taken as that answer at once.

A flow kept aside (`Flow.aside`: /submit) lives beside both, as PTB's conversation did: it
answers what the typed wait does not take, other actions leave it, its question stands as
long as it takes, /submit or its entry press starts it afresh, and its step's session is
written once the channel has sent the replies (`delivered`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .session import Inbound, Invalid, Ref, Reply, Session, SessionStore, Stop
from .steps import Flow, Step

#: Turns a service's refusal into the reply explaining it; None for an exception it is not.
Explain = Callable[[BaseException], Reply | None]


def held_channel(channel: str) -> str:
    """Where a channel's held step is kept (apart from its typed wait)."""
    return f"{channel}:held"


def aside_channel(channel: str, flow: str) -> str:
    """Where a channel's session of a flow kept aside is kept (apart from its typed wait)."""
    return f"{channel}:{flow}"


@dataclass(slots=True)
class Handled:
    """What the engine said, and whether the event was its to handle (if not, the channel's
    other handlers answer it, after these replies)."""

    replies: list[Reply] = field(default_factory=list)
    taken: bool = False
    #: Session writes of a flow kept aside, made once the replies are out (`delivered`).
    deferred: list[tuple[int, str, Session | None]] = field(default_factory=list)


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
        done = Handled()
        if await self._held(event, now, done):
            return done
        session = await self.store.load(event.person_id, event.channel)
        flow = self.flows.get(session.flow) if session is not None else None
        step = flow.step(session.step) if flow is not None and session is not None else None
        if session is not None and (flow is None or step is None):
            await self.store.write(event.person_id, event.channel, None)  # a flow this code
            session = None  # no longer has: nothing can answer it
        if session is not None and flow is not None and step is not None:
            live = step.lasting or session.live(now, self.typed_answer)
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
                aside = await self._aside(event, done)
                started = None if aside else await self._start(event, now, done)
                again = started == (session.flow, dict(session.draft))
                if live and not again and session.asked_by != event.event_id and not step.lasting:
                    # said first: before whatever the command or press answers
                    done.replies.insert(0, Reply("wait.ended", {"what": Ref(flow.what)}))
                return done
            elif live:
                return done  # a sticker, a file where text is asked: the channel explains
        if await self._aside(event, done):
            return done
        if event.is_action:
            await self._start(event, now, done)
        return done

    async def _aside(self, event: Inbound, done: Handled) -> bool:
        """Answers the flow kept aside whose step the event is meant for (or says what its
        step wants instead of a text, file or sticker); whether one did."""
        for flow in self.flows.values():
            if not flow.aside:
                continue
            channel = aside_channel(event.channel, flow.name)
            session = await self.store.load(event.person_id, channel)
            if session is None:
                continue
            step = flow.step(session.step)
            if step is None:  # a step this code no longer has: nothing can answer it
                await self.store.write(event.person_id, channel, None)
                continue
            if session.asked_by == event.event_id and step.name != flow.receipt:
                # delivered again after a kill: its question again, nothing taken twice
                done.taken = True
                await self._ask(event, flow, channel, step, session.draft, done)
                return True
            if step.answers(event):
                await self._answer(event, session, flow, step, done, channel=channel)
                return True
            if not event.is_action and step.misfit is not None:
                done.replies.append(Reply(step.misfit))
                done.taken = True
                return True
        return False

    async def _held(self, event: Inbound, now: datetime, done: Handled) -> bool:
        """Answers the held step if the event is its press (ending a typed wait first, as any
        press does); whether it was."""
        if event.press is None:
            return False
        channel = held_channel(event.channel)
        held = await self.store.load(event.person_id, channel)
        flow = self.flows.get(held.flow) if held is not None else None
        step = flow.step(held.step) if flow is not None and held is not None else None
        if held is None or flow is None or step is None or not step.answers(event):
            return False
        waiting = await self.store.load(event.person_id, event.channel)
        if waiting is not None:
            await self.store.write(event.person_id, event.channel, None)
            known = self.flows.get(waiting.flow)
            asked = known.step(waiting.step) if known is not None else None
            if (
                known is not None
                and asked is not None
                and not asked.lasting
                and waiting.live(now, self.typed_answer)
                and waiting.asked_by != event.event_id
            ):
                done.replies.append(Reply("wait.ended", {"what": Ref(known.what)}))
        done.taken = True
        if not held.live(now, self.typed_answer):
            await self.store.write(event.person_id, channel, None)
            done.replies.append(Reply("refused.confirm_stale", {"minutes": self.minutes}))
            return True
        try:
            draft = {**held.draft, **await step.take(event, held.draft)}
        except Stop as stop:
            await self.store.write(event.person_id, channel, None)
            done.replies.extend(stop.replies)
            return True
        except Exception as error:  # not this one (another item's, a forged press): it stays
            done.replies.append(error.reply if isinstance(error, Invalid) else self._refusal(error))
            return True
        await self._finish(event, channel, flow, draft, done)
        return True

    async def _finish(
        self,
        event: Inbound,
        channel: str,
        flow: Flow,
        draft: dict[str, Any],
        done: Handled,
        *,
        again: Session | None = None,
    ) -> None:
        """Runs the flow's effects; the session on `channel` ends in their transaction, or
        stays at the flow's receipt (a refusal leaves it standing, asked `again` if given; a
        `Stop` ends it)."""
        after = None
        if flow.receipt is not None and again is not None:
            after = again.asked(flow.receipt, draft, self.clock(), event.event_id)
        try:
            with self.store.riding(event.person_id, channel, after) as ride:
                done.replies.extend(await flow.finish(event, draft))
        except Stop as stop:
            await self._keep(done, flow, event.person_id, channel, None)
            done.replies.extend(stop.replies)
            return
        except Exception as error:
            done.replies.append(self._refusal(error))  # nothing changed: the question stands
            if again is not None:  # its time starts afresh
                await self._keep(done, flow, event.person_id, channel, again)
            return
        if not ride.committed:  # the effect wrote nothing: end the session on its own
            await self._keep(done, flow, event.person_id, channel, after)

    async def _keep(
        self, done: Handled, flow: Flow, person_id: int, channel: str, session: Session | None
    ) -> None:
        """Writes a step's session now, or, for a flow kept aside, once the replies are out
        (a kill before then loses the update in hand, not the step: the person's next
        message, the one they send again, is read at the step they saw asked)."""
        if flow.aside:
            done.deferred.append((person_id, channel, session))
        else:
            await self.store.write(person_id, channel, session)

    async def delivered(self, event: Inbound, handled: Handled) -> None:
        """The channel has sent the replies to this event: the session writes it deferred are
        made, and a receipt its finish left ends."""
        for person_id, channel, session in handled.deferred:
            await self.store.write(person_id, channel, session)
        handled.deferred.clear()
        for flow in self.flows.values():
            if not flow.aside or flow.receipt is None:
                continue
            channel = aside_channel(event.channel, flow.name)
            session = await self.store.load(event.person_id, channel)
            if (
                session is not None
                and session.step == flow.receipt
                and session.asked_by == event.event_id
            ):
                await self.store.write(event.person_id, channel, None)

    async def _start(
        self, event: Inbound, now: datetime, done: Handled
    ) -> tuple[str, dict[str, Any]] | None:
        """Starts the first flow this command or press opens, asking its first question; the
        flow and its initial draft, if one started."""
        for flow in self.flows.values():
            try:
                draft = await flow.start(event)
            except Stop as stop:  # may not start it: these replies say why
                done.replies.extend(stop.replies)
                done.taken = True
                return None
            except Exception as error:
                done.replies.append(self._refusal(error))
                done.taken = True
                return None
            if draft is None:
                continue
            first = flow.asking(flow.steps[0].name, draft)
            done.taken = True
            channel = aside_channel(event.channel, flow.name) if flow.aside else event.channel
            if first is None:  # every question answered with the command: done at once
                await self._finish(event, channel, flow, dict(draft), done)
                return flow.name, dict(draft)
            session = Session(
                event.person_id, channel, flow.name, first.name, dict(draft), now
            ).asked(first.name, draft, now, event.event_id)
            if event.press is not None and first.answers(event):  # its own first answer
                await self._answer(event, session, flow, first, done, channel=channel)
                return flow.name, dict(draft)
            await self._keep(done, flow, event.person_id, channel, session)
            await self._ask(event, flow, channel, first, draft, done)
            return flow.name, dict(draft)
        return None

    async def _ask(
        self,
        event: Inbound,
        flow: Flow,
        channel: str,
        step: Step,
        draft: Mapping[str, Any],
        done: Handled,
    ) -> None:
        """Asks the step's question, with what it shows read from the ledger; a question that
        can no longer be asked (`Stop`) ends the session on `channel`."""
        try:
            shown = await step.show(event, draft) if step.show is not None else {}
        except Stop as stop:
            await self._keep(done, flow, event.person_id, channel, None)
            done.replies.extend(stop.replies)
            return
        done.replies.extend(step.asked({**draft, **shown}))

    async def _answer(
        self,
        event: Inbound,
        session: Session,
        flow: Flow,
        step: Step,
        done: Handled,
        *,
        channel: str | None = None,
    ) -> None:
        """Reads the answer; asks the next question, or finishes the flow with its effects
        (the session kept on `channel`, the event's own unless the flow is kept aside)."""
        done.taken = True
        now = self.clock()
        kept = channel or event.channel
        try:
            draft = {**session.draft, **await step.take(event, session.draft)}
        except Stop as stop:
            await self._keep(done, flow, event.person_id, kept, None)
            done.replies.extend(stop.replies)
            return
        except Exception as error:
            done.replies.append(error.reply if isinstance(error, Invalid) else self._refusal(error))
            await self._keep(  # the question stands, its time starts afresh
                done,
                flow,
                event.person_id,
                kept,
                session.asked(step.name, session.draft, now, event.event_id),
            )
            return
        if step.clears and event.press is not None and event.origin is not None:
            done.replies.append(Reply("", {"origin": dict(event.origin)}, how="clear"))
        following = flow.following(step, draft)
        again = session.asked(step.name, session.draft, now, event.event_id)
        if following is None:
            await self._finish(event, kept, flow, draft, done, again=again)
            return
        asked = session.asked(following.name, draft, now, event.event_id)
        typed = None if following.held else asked  # shown back: the typed wait is over
        if step.effect is not None:  # the step's effects commit with the session after it
            try:
                with self.store.riding(event.person_id, kept, typed) as ride:
                    done.replies.extend(await step.effect(event, draft))
            except Stop as stop:
                await self._keep(done, flow, event.person_id, kept, None)
                done.replies.extend(stop.replies)
                return
            except Exception as error:  # nothing changed: the question stands
                done.replies.append(
                    error.reply if isinstance(error, Invalid) else self._refusal(error)
                )
                await self._keep(done, flow, event.person_id, kept, again)
                return
            if not ride.committed:
                await self._keep(done, flow, event.person_id, kept, typed)
        else:
            await self._keep(done, flow, event.person_id, kept, typed)
        if following.held:  # the step is held apart from the typed wait
            kept = held_channel(event.channel)
            await self.store.write(event.person_id, kept, asked)
        await self._ask(event, flow, kept, following, draft, done)

    def _refusal(self, error: Exception) -> Reply:
        """The reply explaining a refusal; anything else is a bug and propagates."""
        reply = self.explain(error)
        if reply is None:
            raise error
        return reply
