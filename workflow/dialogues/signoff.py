"""A sign-off's return on the conversation engine: the reason, shown back and held."""

from __future__ import annotations

from chat.actions import Button
from chat.actions import signoff as so
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop

from .. import signoff
from ..outcomes import Refused
from .base import Base, Draft


class SignoffFlows(Base):
    """A sign-off's return."""

    # a sign-off's return -------------------------------------------------------------------

    def return_reason(self) -> Flow:
        """退回: the press asks the reason, the reason is shown back (held), ✅ 确认 returns
        the item and ✖️ 取消 keeps it; the one return of every channel."""

        async def start(event: Inbound) -> Draft | None:
            """A return press on a step the signer may still decide."""
            press = event.press
            if not isinstance(press, so.Signoff) or press.decision != "r":
                return None
            person = await self._person(event.person_id)
            item = await signoff.check_open(
                self.db, person, item_id=press.item_id, round_=press.round, step=press.step
            )
            return {
                "item": item.id,
                "round": press.round,
                "step": press.step,
                "origin": dict(event.origin) if event.origin is not None else None,
            }

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason, checked as today (empty or too long: the question stands); a step
            decided meanwhile ends the wait."""
            try:
                checked = signoff.check_reason(event.text or "")
            except Refused as refused:
                if refused.key == "return_needs_reason":
                    raise Invalid(Reply("signoff.reason_empty")) from None
                raise
            person = await self._person(event.person_id)
            try:
                item = await signoff.check_open(
                    self.db,
                    person,
                    item_id=int(draft["item"]),
                    round_=int(draft["round"]),
                    step=int(draft["step"]),
                )
            except Refused as refused:
                raise Stop(Reply(f"refused.{refused.key}", dict(refused.params))) from None
            return {"reason": checked, "title": item.title}

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 or ✖️ 取消 for this very step (another's is stale; this one stays)."""
            press = event.press
            assert isinstance(press, so.ConfirmReturn)
            if (press.item_id, press.round, press.step) != (
                draft["item"],
                draft["round"],
                draft["step"],
            ):
                raise Refused(
                    "confirm_stale", minutes=int(self.rules.typed_answer.total_seconds() // 60)
                )
            return {"confirmed": press.confirmed}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Returns the item with the reason shown (or keeps it, on ✖️ 取消); a step decided
            meanwhile or no longer theirs ends the confirmation."""
            if not draft["confirmed"]:
                return [
                    Reply("confirm.kept", how="toast"),
                    Reply("signoff.return_kept", how="mark"),
                ]
            reason = str(draft["reason"])
            try:
                person = await self._person(event.person_id)
                await signoff.decide(
                    self.db,
                    self.rules,
                    person,
                    item_id=int(draft["item"]),
                    round_=int(draft["round"]),
                    step=int(draft["step"]),
                    approve=False,
                    reason=reason,
                )
            except Refused as refused:
                raise Stop(Reply(f"refused.{refused.key}", dict(refused.params))) from None
            done = [
                Reply("signoff.done_returned", how="toast"),
                Reply("signoff.returned", {"by": person.name, "reason": reason}, how="mark"),
            ]
            if draft.get("origin"):  # the request's own buttons go too
                done.append(Reply("", {"origin": draft["origin"]}, how="clear"))
            return done

        def shown(draft: Draft) -> Reply:
            """The reason shown back with its two buttons."""
            item, round_, step = int(draft["item"]), int(draft["round"]), int(draft["step"])
            return Reply(
                "signoff.confirm_return",
                {"item": item, "title": draft["title"], "reason": draft.get("reason", "")},
                buttons=(
                    (
                        Button("btn.confirm_yes", so.ConfirmReturn(item, round_, step, True)),
                        Button("btn.confirm_no", so.ConfirmReturn(item, round_, step, False)),
                    ),
                ),
            )

        return Flow(
            name="return",
            what="wait.pending_return",
            start=start,
            steps=(
                Step(
                    "reason",
                    lambda draft: Reply("signoff.ask_reason", {"item": draft["item"]}),
                    reason,
                    next="confirm",
                ),
                Step(
                    "confirm",
                    shown,
                    confirm,
                    presses=(so.ConfirmReturn,),
                    takes_text=False,
                    held=True,
                ),
            ),
            finish=finish,
            not_text="signoff.reason_empty",
        )
