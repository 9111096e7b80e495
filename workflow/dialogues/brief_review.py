"""An issue's return on the conversation engine: at review or signing, 退回 asks the reason,
the reason is shown back and held, ✅ 确认 returns the issue to its editor."""

from __future__ import annotations

from chat.actions import Button
from chat.actions import briefs as bf
from chat.dialogue import Flow, Inbound, Reply, Stop

from .. import briefs
from ..outcomes import Refused
from .base import Base, Draft


def _refusal(refused: Refused) -> Reply:
    """A refusal as the reply explaining it."""
    return Reply(f"refused.{refused.key}", dict(refused.params))


class BriefReviewFlows(Base):
    """An issue's return."""

    def brief_return(self) -> Flow:
        """退回 of an issue at review or signing: the press asks the reason, the reason is shown
        back (held), ✅ 确认 returns the issue to its editor and ✖️ 取消 keeps it."""

        async def start(event: Inbound) -> Draft | None:
            """A return press on a step the person may still decide."""
            press = event.press
            if not isinstance(press, bf.Decide) or press.decision != "r":
                return None
            person = await self._person(event.person_id)
            view = await briefs.check_open(
                self.db, person, brief_id=press.brief_id, round_=press.round, step=press.step
            )
            return {
                "brief": press.brief_id,
                "round": press.round,
                "step": press.step,
                "number": view.brief.number,
                "origin": dict(event.origin) if event.origin is not None else None,
            }

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason, checked as today (empty or too long: the question stands); a step
            decided meanwhile ends the wait, and so does /cancel."""
            if event.command == "cancel":
                raise Stop(Reply("brief.reason_cancelled"))
            checked = briefs.check_return_reason(event.text or "")
            person = await self._person(event.person_id)
            try:
                await briefs.check_open(
                    self.db,
                    person,
                    brief_id=int(draft["brief"]),
                    round_=int(draft["round"]),
                    step=str(draft["step"]),
                )
            except Refused as refused:
                raise Stop(_refusal(refused)) from None
            return {"reason": checked}

        async def returned(event: Inbound, draft: Draft) -> list[Reply]:
            """Returns the issue with the reason shown; a step decided meanwhile or no longer
            theirs ends the confirmation."""
            try:
                person = await self._person(event.person_id)
                decided = await briefs.return_issue(
                    self.db,
                    person,
                    brief_id=int(draft["brief"]),
                    round_=int(draft["round"]),
                    step=str(draft["step"]),
                    reason=str(draft["reason"]),
                )
            except Refused as refused:
                raise Stop(_refusal(refused)) from None
            said = {"by": person.name, "reason": decided.brief.return_reason or ""}
            return [
                Reply("brief.done_returned", {"number": decided.brief.number}, how="toast"),
                Reply("brief.marked_returned", said, how="mark"),
            ]

        def shown(draft: Draft) -> Reply:
            """The reason shown back with its two buttons."""
            brief_id, round_, step = int(draft["brief"]), int(draft["round"]), draft["step"]
            return Reply(
                "brief.confirm_return",
                {"number": draft.get("number", ""), "reason": draft.get("reason", "")},
                buttons=(
                    (
                        Button("btn.confirm_yes", bf.ConfirmReturn(brief_id, round_, step, True)),
                        Button("btn.confirm_no", bf.ConfirmReturn(brief_id, round_, step, False)),
                    ),
                ),
            )

        return self.held_return(
            name="brief_return",
            what="wait.pending_return",
            start=start,
            ask=lambda draft: Reply("brief.ask_reason", {"number": draft["number"]}),
            reason=reason,
            shown=shown,
            confirm_press=bf.ConfirmReturn,
            same=lambda press, draft: (
                (press.brief_id, press.round, press.step)
                == (draft["brief"], draft["round"], draft["step"])
            ),
            returned=returned,
            kept="brief.return_kept",
            not_text="brief.reason_empty",
            lasting=True,
            commands=("cancel",),
        )
