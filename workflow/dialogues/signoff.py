"""A sign-off's return on the conversation engine: the reason, shown back and held."""

from __future__ import annotations

from chat.actions import Button
from chat.actions import signoff as so
from chat.dialogue import Flow, Inbound, Invalid, Reply, Stop

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

        async def returned(event: Inbound, draft: Draft) -> list[Reply]:
            """Returns the item with the reason shown; a step decided meanwhile or no longer
            theirs ends the confirmation."""
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
            return [
                Reply("signoff.done_returned", how="toast"),
                Reply("signoff.returned", {"by": person.name, "reason": reason}, how="mark"),
            ]

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

        return self.held_return(
            name="return",
            what="wait.pending_return",
            start=start,
            ask=lambda draft: Reply("signoff.ask_reason", {"item": draft["item"]}),
            reason=reason,
            shown=shown,
            confirm_press=so.ConfirmReturn,
            same=lambda press, draft: (
                (press.item_id, press.round, press.step)
                == (draft["item"], draft["round"], draft["step"])
            ),
            returned=returned,
            kept="signoff.return_kept",
            not_text="signoff.reason_empty",
        )
