"""What an open /submit draft asks before it is left: a second /submit, or 修改后重报 of a
returned item, asks 继续上次草稿 / 放弃并重新开始, and ✖️ 取消 of a draft with content asks
确认取消 / 继续填写 (a draft with nothing in it yet starts afresh, or is dropped, at once).

Every step of the draft is wrapped (`guarded`): those events go to a detour step (`again`,
`drop`) that remembers the step it came from and goes back to it, or starts the draft
afresh (each field of the old draft emptied, the new one's set). A press of these questions
that no longer stands (answered already, the draft gone) is told so by the flow's start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Final

from chat.actions import Button
from chat.actions import revise as rv
from chat.actions import submit as sub
from chat.dialogue import Inbound, Invalid, Reply, Step, Stop

from .base import Draft

#: What makes a draft worth asking about: a field answered, a file, a returned item's text.
CONTENT: Final = ("category", "title", "body", "files", "revise")
#: The presses of the questions asked here (a stale one is told it was already done).
CHOICES: Final = frozenset({"resume", "restart", "drop", "keep"})
#: The fresh draft for what an event would start (`{"submit": True}`, `{"revise": id}`).
Fresh = Callable[[Inbound, Draft], Awaitable[Draft]]
#: The step a fresh draft starts at.
First = Callable[[Draft], str]


def has_content(draft: Draft) -> bool:
    """Whether leaving the draft would lose something the person gave."""
    return any(draft.get(name) for name in CONTENT)


def wanted(event: Inbound) -> dict[str, Any] | None:
    """What the event would start afresh: /submit, or 修改后重报 of an item (None: neither)."""
    if event.command == "submit":
        return {"submit": True}
    if isinstance(event.press, rv.Revise):
        return {"revise": event.press.item_id}
    return None


def _reset(draft: Draft, fresh: Draft, by: str) -> dict[str, Any]:
    """The draft started afresh by the step `by`: every field of the old one emptied, the new
    one's set."""
    return {**dict.fromkeys(draft), **fresh, "detour": f"restart:{by}"}


def _cancelled(event: Inbound) -> Stop:
    """The draft is forgotten; the pressed question's buttons go."""
    replies = [Reply("submit.cancelled")]
    if event.press is not None and event.origin is not None:
        replies.append(Reply("", {"origin": dict(event.origin)}, how="clear"))
    return Stop(*replies)


def _then(
    name: str, first: First, otherwise: Callable[[Draft], str | None]
) -> Callable[[Draft], str | None]:
    """The step after step `name`'s answer: a detour's question, the fresh draft's first step
    (when this step started it afresh; the steps it skips then go on as usual), or
    `otherwise`."""

    def after(draft: Draft) -> str | None:
        detour = str(draft.get("detour") or "")
        if detour == f"restart:{name}":
            return first(draft)
        if detour == f"stay:{name}":
            return name
        return detour if detour in ("again", "drop") else otherwise(draft)

    return after


def guarded(step: Step, fresh: Fresh, first: First) -> Step:
    """The step, also answering /submit and 修改后重报 (asks whether to start afresh; the item
    being revised already asks the step again) and ✖️ 取消 (asks to confirm); a typed empty
    message is no text."""
    allowed = step.press_test or (lambda press: True)

    async def take(event: Inbound, draft: Draft) -> Draft:
        """Those three, else the step's own answer (a detour it came back from is over)."""
        starting = wanted(event)
        if starting is not None and starting.get("revise", 0) == draft.get("revise"):
            return {"detour": f"stay:{step.name}"}  # the item being revised: asked again
        if starting is not None:
            if has_content(draft):
                return {"detour": "again", "resume": step.name, "restart_with": starting}
            return _reset(draft, await fresh(event, starting), step.name)
        if event.press == sub.Step("cancel"):
            if has_content(draft):
                return {"detour": "drop", "resume": step.name}
            raise _cancelled(event)
        if event.press is None and event.file is None and event.text == "":
            raise Invalid(Reply("submit.want_text"))
        return {"detour": None, **await step.take(event, draft)}

    def otherwise(draft: Draft) -> str | None:
        """The step's own next step."""
        return step.after(draft) if step.after is not None else step.next

    return replace(
        step,
        take=take,
        after=_then(step.name, first, otherwise),
        presses=(*step.presses, rv.Revise),
        press_test=lambda press: isinstance(press, rv.Revise) or allowed(press),
        commands=(*step.commands, "submit"),
    )


def detours(fresh: Fresh, first: First) -> tuple[Step, Step]:
    """The two questions: start afresh (`again`) and confirm the cancel (`drop`)."""

    async def again(event: Inbound, draft: Draft) -> Draft:
        """继续上次草稿 goes back; 放弃并重新开始 starts afresh; /submit or 修改后重报 again
        asks again, for what it would start."""
        starting = wanted(event)
        if starting is not None:
            return {"restart_with": starting}
        if event.press == sub.Step("resume"):
            return {"detour": None}
        return _reset(draft, await fresh(event, dict(draft["restart_with"])), "again")

    async def drop(event: Inbound, draft: Draft) -> Draft:
        """确认取消 forgets the draft; 继续填写 goes back; ✖️ 取消 again asks again; /submit or
        修改后重报 asks whether to start afresh instead (the item being revised goes back)."""
        starting = wanted(event)
        if starting is not None and starting.get("revise", 0) == draft.get("revise"):
            return {"detour": None}
        if starting is not None:
            return {"detour": "again", "restart_with": starting}
        if event.press == sub.Step("drop"):
            raise _cancelled(event)
        if event.press == sub.Step("keep"):
            return {"detour": None}
        return {}

    def asked_again(draft: Draft) -> Reply:
        """继续上次草稿 / 放弃并重新开始, naming the returned item being revised."""
        rows = (
            (Button("btn.draft_resume", sub.Step("resume")),),
            (Button("btn.draft_restart", sub.Step("restart")),),
        )
        if draft.get("revise"):
            return Reply("submit.draft_open_revise", {"item": draft["revise"]}, buttons=rows)
        return Reply("submit.draft_open", buttons=rows)

    def asked_drop(draft: Draft) -> Reply:
        """确认取消 / 继续填写."""
        row = (
            Button("btn.cancel_drop", sub.Step("drop")),
            Button("btn.cancel_keep", sub.Step("keep")),
        )
        return Reply("submit.cancel_ask", buttons=(row,))

    def back(draft: Draft) -> str | None:
        """The step the question was asked from."""
        return str(draft["resume"])

    async def tidy(event: Inbound, draft: Draft) -> list[Reply]:
        """The answered question's buttons go (a 修改后重报 pressed keeps its notice's)."""
        if isinstance(event.press, sub.Step) and event.origin is not None:
            return [Reply("", {"origin": dict(event.origin)}, how="clear")]
        return []

    return (
        Step(
            "again",
            asked_again,
            again,
            after=_then("again", first, back),
            presses=(sub.Step, rv.Revise),
            press_test=lambda press: (
                isinstance(press, rv.Revise)
                or (isinstance(press, sub.Step) and press.name in {"resume", "restart"})
            ),
            takes_text=False,
            commands=("submit",),
            effect=tidy,
            misfit="submit.use_buttons",
        ),
        Step(
            "drop",
            asked_drop,
            drop,
            after=_then("drop", first, back),
            presses=(sub.Step, rv.Revise),
            press_test=lambda press: (
                isinstance(press, rv.Revise)
                or (isinstance(press, sub.Step) and press.name in {"drop", "keep", "cancel"})
            ),
            takes_text=False,
            commands=("submit",),
            effect=tidy,
            misfit="submit.use_buttons",
        ),
    )
