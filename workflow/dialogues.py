"""The dialogues as flows of the conversation engine (`chat.dialogue`), channel-neutral:
each step's validator is the service's own check, and each flow finishes with the service
call whose transaction also ends the session.

Flows: /submit (one unit, no files), a sign-off's return with its typed reason and ✅ 确认,
an editor's rewrite of an item, an adoption's typed date and its issue number / URL. Telegram
runs the last three on the engine
(`handlers/dialogue.py`); the others are its own handlers still (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from chat.actions import Button
from chat.actions import editor as ed
from chat.actions import signoff as so
from chat.actions import submit as sub
from chat.dialogue import Engine, Flow, Inbound, Invalid, Ref, Reply, SessionStore, Step, Stop
from scoring.vocab import Role
from storage import people, units
from storage.db import Database
from storage.models import Person

from . import centre, signoff, submission
from .outcomes import Refused
from .rules import CentreRules

AUTHOR_ROLES = frozenset({Role.INFORMANT, Role.SECTION_STAFF})
Draft = Mapping[str, Any]


def explain(error: BaseException) -> Reply | None:
    """A refusal as the reply that explains it (`refused.<key>`); None for anything else."""
    if isinstance(error, Refused):
        return Reply(f"refused.{error.key}", dict(error.params))
    return None


class Dialogues:
    """The flows over one ledger and its rules."""

    def __init__(self, db: Database, rules: CentreRules) -> None:
        self.db = db
        self.rules = rules

    def engine(
        self,
        store: SessionStore,
        *,
        flows: Sequence[str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Engine:
        """An engine running these flows (all, or those named), sessions kept in `store`."""
        every = {
            flow.name: flow
            for flow in (
                self.submit(),
                self.return_reason(),
                self.adoption_day(),
                self.adoption_reference(),
                self.edit(),
            )
        }
        return Engine(
            store,
            [every[name] for name in flows] if flows is not None else list(every.values()),
            clock=clock or self.db.clock,
            typed_answer=self.rules.typed_answer,
            explain=explain,
        )

    async def _person(self, person_id: int, refused: str = "not_allowed") -> Person:
        """The person writing (refused if unknown)."""
        async with self.db.reading() as tx:
            person = await people.get_person(tx, person_id)
        if person is None:
            raise Refused(refused)
        return person

    def _today(self) -> date:
        """The centre's local day."""
        return self.rules.local_now(self.db.clock()).date()

    # /submit -------------------------------------------------------------------------------

    def submit(self) -> Flow:
        """/submit: category, title, body, day, then the preview's ✅ 确认."""
        rules = self.rules

        async def start(event: Inbound) -> Draft | None:
            """The author's unit (one; several are chosen on Telegram's own flow)."""
            if event.command != "submit":
                return None
            async with self.db.reading() as tx:
                grants = await people.active_roles(tx, event.person_id)
            units = sorted({g.unit_id for g in grants if g.role in AUTHOR_ROLES and g.unit_id})
            if not units:
                raise Refused("not_allowed")
            return {"unit_id": units[0], "token": f"{event.channel}:{event.event_id}"}

        async def category(event: Inbound, draft: Draft) -> Draft:
            """A category button."""
            assert isinstance(event.press, sub.PickCategory)
            if event.press.key not in rules.categories:
                raise Refused("category_unknown")
            return {"category": event.press.key}

        async def title(event: Inbound, draft: Draft) -> Draft:
            """The title, checked as /submit checks it."""
            return {"title": submission.check_title(rules, event.text or "")}

        async def body(event: Inbound, draft: Draft) -> Draft:
            """The body, checked as /submit checks it."""
            return {"body": submission.check_body(rules, event.text or "")}

        async def day(event: Inbound, draft: Draft) -> Draft:
            """Today / yesterday buttons or a typed date."""
            today = self._today()
            if isinstance(event.press, sub.PickDay):
                picked = today - timedelta(days=event.press.days_ago)
            else:
                picked = submission.parse_event_date(event.text or "", today)
            checked = submission.check_event_date(rules, picked, self.db.clock())
            return {"event_date": checked.isoformat()}

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """Only ✅ 确认 goes on (✖️ 取消 is a command on every channel)."""
            if event.press != sub.Step("ok"):
                raise Refused("forged")
            return {}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Submits the item; the session ends in the same transaction."""
            person = await self._person(event.person_id)
            result = await submission.submit(
                self.db,
                rules,
                person,
                submission.Draft(
                    unit_id=int(draft["unit_id"]),
                    category=str(draft["category"]),
                    title=str(draft["title"]),
                    body=str(draft["body"]),
                    event_date=date.fromisoformat(str(draft["event_date"])),
                    token=draft.get("token"),
                ),
            )
            item = result.item
            follow = (
                Reply("submit.to_centre")
                if result.reached_centre
                else Reply(
                    "submit.to_chain", {"role": Ref(f"role.{item.chain_roles[item.chain_step]}")}
                )
            )
            return [Reply("submit.done", {"item": result.item.id}), follow]

        categories = tuple(  # a label that is no catalogue key is shown as it is
            (Button(label, sub.PickCategory(key)),) for key, label in rules.categories.items()
        )
        return Flow(
            name="submit",
            what="help.submit",
            start=start,
            steps=(
                Step(
                    "category",
                    lambda draft: Reply("submit.choose_category", buttons=categories),
                    category,
                    next="title",
                    presses=(sub.PickCategory,),
                    takes_text=False,
                ),
                Step(
                    "title",
                    lambda draft: Reply("submit.ask_title", {"limit": rules.title_max}),
                    title,
                    next="body",
                ),
                Step("body", lambda draft: Reply("submit.ask_body"), body, next="date"),
                Step(
                    "date",
                    lambda draft: Reply(
                        "submit.ask_date",
                        buttons=(
                            (
                                Button("btn.today", sub.PickDay(0)),
                                Button("btn.yesterday", sub.PickDay(1)),
                            ),
                        ),
                    ),
                    day,
                    next="preview",
                    presses=(sub.PickDay,),
                ),
                Step(
                    "preview",
                    lambda draft: Reply(
                        "submit.preview",
                        {
                            "card": f"{draft.get('title', '')}\n{draft.get('body', '')}",
                            "files": 0,
                            "timeliness": draft.get("event_date", ""),
                        },
                        buttons=((Button("btn.confirm", sub.Step("ok")),),),
                    ),
                    confirm,
                    presses=(sub.Step,),
                    takes_text=False,
                ),
            ),
            finish=finish,
        )

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

    # an editor's rewrite ------------------------------------------------------------------

    def edit(self) -> Flow:
        """编辑: the editor's press asks for the whole text, the text replaces the item's."""

        async def start(event: Inbound) -> Draft | None:
            """The 编辑 press of an item, by an editor."""
            press = event.press
            if not isinstance(press, ed.ItemAction) or press.verb != "edit":
                return None
            person = await self._person(event.person_id, refused="not_editor")
            await centre.queue(self.db, person, limit=1)  # re-checks the editor role
            return {"item": press.item_id}

        async def text(event: Inbound, draft: Draft) -> Draft:
            """The title on the first line, the body below it (else asked again)."""
            title, _, body = (event.text or "").strip().partition("\n")
            if not body.strip():
                raise Invalid(Reply("centre.edit_format"))
            return {"title": title, "body": body}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Records the edit, credited to the editor's section (or nothing, if unchanged)."""
            person = await self._person(event.person_id, refused="not_editor")
            item_id = int(draft["item"])
            edit = await centre.edit(
                self.db,
                self.rules,
                person,
                item_id,
                title=str(draft["title"]),
                body=str(draft["body"]),
            )
            if edit is None:
                return [Reply("centre.edit_same")]
            async with self.db.reading() as tx:
                section = await units.get_unit(tx, edit.section_unit_id)
            return [
                Reply(
                    "centre.edited", {"item": item_id, "section": section.name if section else ""}
                )
            ]

        return Flow(
            name="edit",
            what="wait.pending_edit",
            start=start,
            steps=(Step("text", lambda draft: Reply("centre.ask_edit"), text),),
            finish=finish,
        )

    # an adoption's date or reference ------------------------------------------------------

    def _adoption_start(self, verb: str) -> Callable[[Inbound], Awaitable[Draft | None]]:
        """The start of an adoption's typed correction: its press, by an editor."""

        async def start(event: Inbound) -> Draft | None:
            """The press of this verb on an adoption; the editor's role is checked first."""
            press = event.press
            if not isinstance(press, ed.AdoptionAction) or press.verb != verb:
                return None
            person = await self._person(event.person_id, refused="not_editor")
            await centre.queue(self.db, person, limit=1)  # re-checks the editor role
            return {"adoption": press.adoption_id}

        return start

    async def _amended(
        self, event: Inbound, draft: Draft, *, day: date | None = None, ref: str | None = None
    ) -> list[Reply]:
        """Corrects the adoption; a refusal (future, closed month) leaves the question."""
        person = await self._person(event.person_id, refused="not_editor")
        amended = await centre.amend(
            self.db, self.rules, person, int(draft["adoption"]), adopted_on=day, reference=ref
        )
        return [
            Reply(
                "centre.amended",
                {
                    "outlet": amended.outlet,
                    "day": amended.adopted_on.isoformat(),
                    "reference": amended.reference or "—",
                },
            )
        ]

    def adoption_day(self) -> Flow:
        """An adoption's date: the editor's press asks it, the typed day corrects it."""

        async def day(event: Inbound, draft: Draft) -> Draft:
            """A date as /submit reads one (昨天, 11月20日, …)."""
            return {"day": submission.parse_event_date(event.text or "", self._today()).isoformat()}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """The typed day becomes the adoption's date."""
            return await self._amended(event, draft, day=date.fromisoformat(str(draft["day"])))

        return Flow(
            name="adoption_day",
            what="wait.pending_adoption_day",
            start=self._adoption_start("day"),
            steps=(Step("day", lambda draft: Reply("centre.ask_day"), day),),
            finish=finish,
        )

    def adoption_reference(self) -> Flow:
        """An adoption's issue number or URL: the editor's press asks it, the text records it."""

        async def reference(event: Inbound, draft: Draft) -> Draft:
            """Any text; its length is the service's to check."""
            return {"reference": event.text or ""}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """The typed reference is recorded on the adoption."""
            return await self._amended(event, draft, ref=str(draft["reference"]))

        return Flow(
            name="adoption_ref",
            what="wait.pending_adoption_ref",
            start=self._adoption_start("ref"),
            steps=(Step("ref", lambda draft: Reply("centre.ask_ref"), reference),),
            finish=finish,
        )
