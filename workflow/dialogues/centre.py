"""An editor's dialogues on the conversation engine: a rewrite, an adoption's corrections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from chat.actions import Button
from chat.actions import editor as ed
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop
from storage import units

from .. import centre, submission, webnews
from ..outcomes import Refused
from ..typed_dates import parse_day
from .base import Base, Draft


class CentreFlows(Base):
    """An editor's rewrite and an adoption's corrections."""

    # an editor's rewrite ------------------------------------------------------------------

    def edit(self) -> Flow:
        """编辑: the editor's press asks for the whole text, the text replaces the item's."""

        async def start(event: Inbound) -> Draft | None:
            """The 编辑 press of an item, by an editor."""
            press = event.press
            if not isinstance(press, ed.ItemAction) or press.verb != "edit":
                return None
            person = await self._person(event.person_id, refused="not_editor")
            await centre.ensure_editor(self.db, person)  # re-checks the editor role
            return {"item": press.item_id}

        async def text(event: Inbound, draft: Draft) -> Draft:
            """The title on the first line, the body below it (else asked again)."""
            title, _, body = (event.text or "").strip().partition("\n")
            if not body.strip():
                raise Invalid(Reply("centre.edit_format"))
            person = await self._person(event.person_id, refused="not_editor")
            await centre.check_edit(
                self.db, self.rules, person, int(draft["item"]), title=title, body=body
            )
            return {"title": title, "body": body}

        async def more(event: Inbound, draft: Draft) -> Draft:
            """Another part of a long body (joined to the parts before), or 完成 (pressed or typed)."""
            if event.press is not None:
                if not isinstance(event.press, ed.ItemAction) or event.press.item_id != int(
                    draft["item"]
                ):
                    raise Refused("forged")  # another item's 完成
                return {"done": True}
            if submission.typed_done(event.text):  # 完成 typed, not pressed
                return {"done": True}
            part = submission.clean_text(event.text or "")
            if not part:
                raise Refused("body_empty")
            joined = f"{draft['body']}\n{part}"
            if len(joined) > self.rules.body_max:
                raise Invalid(
                    Reply(
                        "centre.edit_too_long",
                        {"length": len(joined), "limit": self.rules.body_max},
                        buttons=done_button(int(draft["item"])),
                    )
                )
            return {"body": joined}

        def done_button(item_id: int) -> tuple[tuple[Button, ...], ...]:
            """完成: the edited text is all there."""
            return ((Button("btn.done", ed.ItemAction("edok", item_id)),),)

        def ask_more(draft: Draft) -> Reply:
            """What has been received so far, and 完成."""
            return Reply(
                "centre.edit_more",
                {"length": len(str(draft["body"]))},
                buttons=done_button(int(draft["item"])),
            )

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
                then=webnews.restart_in,  # website news under review goes back, saying why
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
            steps=(
                Step("text", lambda draft: Reply("centre.ask_edit"), text, next="more"),
                Step(
                    "more",
                    ask_more,
                    more,
                    after=lambda draft: None if draft.get("done") else "more",
                    presses=(ed.ItemAction,),
                    press_test=lambda press: (
                        isinstance(press, ed.ItemAction) and press.verb == "edok"
                    ),
                    clears=True,
                ),
            ),
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
            await centre.ensure_editor(self.db, person)  # re-checks the editor role
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

    def withdraw(self) -> Flow:
        """撤销采用: the editor's press asks the reason, the reason is shown back (held),
        ✅ 确认 withdraws the adoption and ✖️ 取消 leaves it counted."""

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason, checked by the service (empty or too long: the question stands;
            an adoption gone or withdrawn meanwhile ends the wait)."""
            person = await self._person(event.person_id, refused="not_editor")
            try:
                adoption, checked = await centre.check_withdrawal(
                    self.db, person, int(draft["adoption"]), event.text or ""
                )
            except Refused as refused:
                if refused.key in ("withdraw_needs_reason", "reason_too_long"):
                    raise
                raise Stop(Reply(f"refused.{refused.key}", dict(refused.params))) from None
            return {
                "reason": checked,
                "item": adoption.item_id,
                "outlet": adoption.outlet,
                "level": adoption.level,
                "points": adoption.points,
                "day": adoption.adopted_on.isoformat(),
            }

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 or ✖️ 取消 for this very adoption, by an editor still."""
            press = event.press
            assert isinstance(press, ed.AdoptionAction)
            person = await self._person(event.person_id, refused="not_editor")
            await centre.ensure_editor(self.db, person)  # re-checks the editor role first
            if press.adoption_id != draft["adoption"]:
                raise Refused(
                    "confirm_stale", minutes=int(self.rules.typed_answer.total_seconds() // 60)
                )
            return {"confirmed": press.verb == "wdok"}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Withdraws the adoption with the reason shown (or keeps it, on ✖️ 取消)."""
            if not draft["confirmed"]:
                return [
                    Reply("confirm.kept", how="toast"),
                    Reply("centre.withdraw_kept", how="mark"),
                ]
            person = await self._person(event.person_id, refused="not_editor")
            try:
                withdrawn, notices = await centre.withdraw(
                    self.db, person, int(draft["adoption"]), str(draft["reason"])
                )
            except Refused as refused:  # withdrawn meanwhile, month closed: nothing to confirm
                raise Stop(Reply(f"refused.{refused.key}", dict(refused.params))) from None
            total = notices[0].params["total"] if notices else 0
            done = {"outlet": withdrawn.outlet, "total": total}
            return [Reply("centre.withdrawn", done, how="mark"), Reply("centre.withdrawn", done)]

        def shown(draft: Draft) -> Reply:
            """The adoption and the reason shown back with ✅ 确认 / ✖️ 取消."""
            adoption = int(draft["adoption"])
            return Reply(
                "centre.confirm_withdraw",
                {
                    name: draft[name]
                    for name in ("item", "outlet", "level", "points", "day", "reason")
                },
                buttons=(
                    (
                        Button("btn.confirm_yes", ed.AdoptionAction("wdok", adoption)),
                        Button("btn.confirm_no", ed.AdoptionAction("wdno", adoption)),
                    ),
                ),
            )

        return Flow(
            name="withdraw",
            what="wait.pending_withdraw",
            start=self._adoption_start("wd"),
            steps=(
                Step(
                    "reason",
                    lambda draft: Reply("centre.ask_withdraw"),
                    reason,
                    next="confirm",
                ),
                Step(
                    "confirm",
                    shown,
                    confirm,
                    presses=(ed.AdoptionAction,),
                    takes_text=False,
                    held=True,
                    press_test=lambda press: getattr(press, "verb", "") in ("wdok", "wdno"),
                ),
            ),
            finish=finish,
        )

    def adoption_day(self) -> Flow:
        """An adoption's date: the editor's press asks it, the typed day corrects it."""

        async def day(event: Inbound, draft: Draft) -> Draft:
            """A date as /submit reads one (昨天, 11月20日, …)."""
            return {"day": parse_day(event.text or "", self._today()).isoformat()}

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
