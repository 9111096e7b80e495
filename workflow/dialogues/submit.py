"""/submit on the conversation engine, for every channel: the unit (asked only of people in
several), category, title, body (several messages joined, closed with 完成), the day (buttons
or typed), files, and the preview (the item's card, its timeliness; a field changed there
comes back to it; ✅ 确认 submits with the draft's token, ✖️ 取消 forgets it, asking first
when the draft has content); a returned item's 修改后重报 (`rv:`) opens it as a draft at the
preview, every field changeable (`revise.py`). A second /submit or 修改后重报 while a draft is
open asks whether to continue it or start again (`drafting.py`).

The flow is kept aside (`Flow.aside`), as PTB's conversation was: other commands and presses
leave it standing, a typed answer another flow waits for goes there first, and it does not
expire. A file arrives as the stored file's key (the channel downloaded it, only when
`file_refusal` lets it through).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any, Final

from chat.actions import Button, Rows
from chat.actions import revise as rv
from chat.actions import submit as sub
from chat.cards import Phrase, item_card, preview_cut, standing_phrase
from chat.dialogue import Flow, Inbound, Invalid, Ref, Reply, Step, Stop
from chat.dialogue.session import FileIn
from storage import people, units

from .. import submission
from ..outcomes import Refused
from ..rules import CentreRules, Timeliness
from ..typed_dates import parse_day, said_day
from .base import AUTHOR_ROLES, Draft, draft_files, explain
from .drafting import CHOICES, detours, guarded
from .revise import ReviseParts, remove_file, revision_files

MAX_FILES: Final = 10
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
#: Document suffixes taken (an office's usual formats and images).
DOCUMENT_TYPES: Final = frozenset(
    (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".jpg", ".jpeg", ".png")
)
#: The fields the preview's 变更 offers (a new item's and a revised one's), and their steps.
FIELDS: Final = ("category", "title", "body", "date", "files")


def file_refusal(file: FileIn, count: int) -> Reply | None:
    """Why a file cannot join a draft that has `count` already (None: it can); a channel asks
    before downloading, the files step again before taking it."""
    if count >= MAX_FILES:
        return Reply("submit.file_many", {"limit": MAX_FILES})
    if file.kind == "photo":
        return None
    name = submission.clean_file_name(file.name) or ""  # no direction overrides
    if PurePath(name.lower()).suffix not in DOCUMENT_TYPES:
        return Reply("submit.file_type", {"name": name or "?"})
    if (file.size or 0) > MAX_FILE_BYTES:
        return Reply("submit.file_big", {"size": round((file.size or 0) / 1024 / 1024, 1)})
    return None


def timeliness(
    rules: CentreRules, category: str, standing: Timeliness, settled: bool, *, done: bool
) -> Phrase:
    """What the author is told of the deadline: none for an exempt category; on time or late
    when submitting settles it; else the deadline for reaching the centre and what is left."""
    if standing.deadline is None:
        label = rules.categories.get(category, category)
        return Phrase("submit.exempt", {"category": label, "days": rules.deadline_working_days})
    deadline = standing.deadline.isoformat()
    if standing.late_days:
        key = (
            ("submit.done_late" if settled else "submit.done_late_pending")
            if done
            else "submit.late"
        )
        return Phrase(key, {"deadline": deadline, "days": standing.late_days})
    if settled:
        return Phrase("submit.done_on_time" if done else "submit.on_time", {"deadline": deadline})
    return Phrase(
        "submit.centre_due",
        {"deadline": deadline, "standing": standing_phrase(standing.days_left, standing.late_days)},
    )


def _only(*names: str) -> Callable[[object], bool]:
    """A press test: the step's own `sub.Step` presses and ✖️ 取消 (any other press type the
    step lists passes)."""
    allowed = {*names, "cancel"}
    return lambda press: not isinstance(press, sub.Step) or press.name in allowed


def _changing(field: str, answered: str) -> Callable[[Draft], bool]:
    """A skip test: the draft answers the step (`answered` is set) and it is not the field
    being changed from the preview."""
    return lambda draft: draft.get("change") != field and bool(draft.get(answered))


def _back(to: str) -> Callable[[Draft], str]:
    """The step after a field: the preview when the field was changed from it, else `to`."""
    return lambda draft: "preview" if draft.get("back") else to


class SubmitFlows(ReviseParts):
    """/submit."""

    # /submit -------------------------------------------------------------------------------

    async def _authors_units(self, person_id: int) -> list[int]:
        """The units the person may submit for now."""
        async with self.db.reading() as tx:
            grants = await people.active_roles(tx, person_id)
        return sorted({g.unit_id for g in grants if g.role in AUTHOR_ROLES and g.unit_id})

    async def _submit_start(self, event: Inbound) -> Draft | None:
        """/submit (a fresh draft) or a returned item's 修改后重报 (it as the draft, at the
        preview); a press of a question no longer standing is told so."""
        if isinstance(event.press, rv.Revise):
            return await self._revision_draft(event.person_id, event.press.item_id)
        if isinstance(event.press, rv.RemoveFile):
            raise Stop(Reply("revise.file_gone"))
        if isinstance(event.press, sub.Step) and event.press.name in CHOICES:
            raise Stop(Reply("submit.choice_done"))
        if event.command != "submit":
            return None
        return await self._fresh_submit(event.person_id)

    async def _fresh_submit(self, person_id: int) -> dict[str, Any]:
        """A fresh /submit draft: its token, and its unit when the person has one only (else
        the units to ask from)."""
        choices = await self._authors_units(person_id)
        if not choices:
            raise Stop(Reply("submit.no_unit"))
        draft: dict[str, Any] = {"author": person_id, "files": [], "token": secrets.token_hex(12)}
        if len(choices) == 1:
            draft["unit_id"] = choices[0]
        else:
            draft["units"] = choices
        return draft

    async def _fresh(self, event: Inbound, wanted: Draft) -> Draft:
        """The fresh draft of what a second start wants: /submit or 修改后重报 of an item."""
        if wanted.get("revise"):
            return await self._revision_draft(event.person_id, int(wanted["revise"]))
        return await self._fresh_submit(event.person_id)

    async def _unit_names(self, event: Inbound, draft: Draft) -> Draft:
        """The units to choose from, by name (read when asked)."""
        async with self.db.reading() as tx:
            found = [await units.get_unit(tx, int(u)) for u in draft.get("units") or []]
        return {"choices": [(u.id, u.name) for u in found if u is not None]}

    async def _preview_shows(self, event: Inbound, draft: Draft) -> Draft:
        """What the preview shows, read when it is asked: the draft as the card others will
        see, and its timeliness today."""
        rules = self.rules
        async with self.db.reading() as tx:
            unit = await units.get_unit(tx, int(draft["unit_id"]))
        person = await self._person(int(draft["author"]))
        category, day = str(draft["category"]), date.fromisoformat(str(draft["event_date"]))
        standing, settled = await submission.draft_standing(
            self.db, rules, person, int(draft["unit_id"]), category, day
        )
        notes: tuple[Phrase, ...] = ()
        if draft.get("revise"):
            try:
                notes = await self._revision_notes(draft)
            except Refused as refused:  # resubmitted or changed meanwhile: nothing to preview
                said = explain(refused)
                raise Stop(*(said,) if said else ()) from None
        card = item_card(
            number=int(draft.get("revise") or 0),
            title=str(draft["title"]),
            unit=unit.name if unit else "?",
            category=rules.categories.get(category, category),
            event_date=day,
            state="draft",
            body=str(draft["body"]),
            history=(*notes, *preview_cut(str(draft["body"]))),  # a long text: all of it kept
        )
        return {
            "card": card,
            "timeliness": timeliness(rules, category, standing, settled, done=False),
        }

    async def _submit_finish(self, event: Inbound, draft: Draft) -> list[Reply]:
        """Submits (or resubmits) the draft and says at once whether it is on time; the
        session ends in the same transaction, and the preview's buttons go after."""
        rules = self.rules
        person = await self._person(event.person_id)
        if draft.get("revise"):
            result = await self._resubmit(person.id, draft)
        else:
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
                    files=draft_files(draft),
                    token=draft.get("token"),
                ),
            )
        item, revised = result.item, bool(draft.get("revise"))
        head = Reply("submit.resubmitted" if revised else "submit.done", {"item": item.id})
        lines: list[Reply] = []
        if not revised or not result.judged:  # a revised one: judged on arriving at the centre
            said = timeliness(
                rules, item.category, result.timeliness, result.judged and not revised, done=True
            )
            lines.append(Reply(said.key, dict(said.params)))
        if result.reached_centre:
            lines.append(Reply("submit.to_centre"))
        else:
            role = Ref(f"role.{item.chain_roles[item.chain_step]}")
            lines.append(Reply("submit.to_chain", {"role": role}))
        replies = [Reply(head.key, head.params, also=tuple(lines))]
        if event.origin is not None:  # last: a kill before it leaves ✅, which answers again
            replies.append(Reply("", {"origin": dict(event.origin)}, how="clear"))
        return replies

    def submit(self) -> Flow:
        """/submit: unit, category, title, body, day, files, then the preview's ✅ 确认."""
        rules = self.rules

        async def unit(event: Inbound, draft: Draft) -> Draft:
            """A unit button: one the person still writes for."""
            assert isinstance(event.press, sub.PickUnit)
            if event.press.unit_id not in await self._authors_units(event.person_id):
                raise Refused("not_allowed")
            return {"unit_id": event.press.unit_id}

        async def category(event: Inbound, draft: Draft) -> Draft:
            """A category button."""
            assert isinstance(event.press, sub.PickCategory)
            if event.press.key not in rules.categories:
                raise Refused("category_unknown")
            return {"category": event.press.key}

        async def title(event: Inbound, draft: Draft) -> Draft:
            """The title, checked as the service checks it."""
            return {"title": submission.check_title(rules, event.text or "")}

        async def body(event: Inbound, draft: Draft) -> Draft:
            """A part of the body (joined to the parts before, or replacing the body being
            changed), or 完成 (pressed or typed) once there is some."""
            typed = submission.typed_done(event.text)  # 完成 typed, not pressed
            if event.press is not None or typed:
                if not draft.get("body") or (typed and draft.get("replace_body")):
                    raise Refused("body_empty")
                return {"body_done": True}
            text = submission.clean_text(event.text or "")
            if not text:
                raise Refused("body_empty")
            kept = "" if draft.get("replace_body") else str(draft.get("body") or "")
            joined = kept + ("\n" if kept else "") + text
            if len(joined) > rules.body_max:
                # Nothing of this part is kept, and the person is told exactly where the text
                # stands, so the next part they send is this one shortened (no hole).
                kept = str(draft.get("body") or "")
                raise Invalid(
                    Reply(
                        "submit.body_part_refused",
                        {
                            "length": len(joined),
                            "limit": rules.body_max,
                            "part": len(text),
                            "kept": len(kept),
                            "tail": kept[-12:] if kept else "",
                        },
                        buttons=((Button("btn.done", sub.Step("body:done")),),) if kept else (),
                    )
                )
            return {"body": joined, "replace_body": False}

        async def day(event: Inbound, draft: Draft) -> Draft:
            """Today / yesterday buttons or a typed date."""
            today = self._today()
            if isinstance(event.press, sub.PickDay):
                picked = today - timedelta(days=event.press.days_ago)
            else:
                picked = parse_day(event.text or "", today)
            checked = submission.check_event_date(rules, picked, self.db.clock())
            return {"event_date": checked.isoformat()}

        async def files(event: Inbound, draft: Draft) -> Draft:
            """A photo or an accepted document (stored by the channel), a revision's file
            removed, or 完成 / 跳过 (pressed or typed)."""
            if isinstance(event.press, rv.RemoveFile):
                return remove_file(draft, event.press)
            if event.file is None:  # 完成 / 跳过, pressed or typed; any other text is no file
                if event.text is not None and not submission.typed_done(event.text, skip=True):
                    raise Invalid(Reply("submit.want_file"))
                return {"files_done": True}
            kept = list(draft.get("files") or [])
            refusal = file_refusal(event.file, len(kept))
            if refusal is not None:
                raise Invalid(refusal)
            name = (
                None if event.file.kind == "photo" else submission.clean_file_name(event.file.name)
            )
            file = event.file
            entry = [file.kind, file.key, name, file.mime_type, file.size, file.caption]
            return {"files": [*kept, entry]}

        async def decide(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 goes on; 变更 offers the fields, a field's button goes back to its step
            (✖️ 取消 reaches it only once submitted, the reply not yet out: forgotten)."""
            if event.press == sub.Step("ok"):
                return {"go": "ok"}
            if event.press == sub.Step("cancel"):
                raise Stop(Reply("submit.cancelled"))
            assert isinstance(event.press, sub.Change)
            field = event.press.field
            if field is None:
                return {"go": "field"}
            if field not in FIELDS:
                raise Refused("forged")
            changed: dict[str, Any] = {"go": field, "change": field, "back": True}
            if field == "body":
                changed.update(replace_body=True, body_done=False)
            if field == "files":  # a new item's are sent again; a revision's kept, listed
                changed.update(files_done=False)
                if not draft.get("revise"):
                    changed.update(files=[])
            return changed

        def decided(draft: Draft) -> str | None:  # none (✅), the fields or a field's step
            return None if draft.get("go") == "ok" else str(draft.get("go"))

        def fields(draft: Draft) -> Reply:
            """Which field to change."""
            row = tuple(Button(f"submit.field.{f}", sub.Change(f)) for f in FIELDS)
            return Reply("submit.which_field", buttons=(row,))

        def body_prompt(draft: Draft) -> Reply:
            """The body asked for, or how long it is so far with 完成."""
            if draft.get("body") and not draft.get("replace_body"):
                done = ((Button("btn.done", sub.Step("body:done")),),)
                return Reply("submit.body_more", {"length": len(str(draft["body"]))}, buttons=done)
            return Reply("submit.ask_body")

        def files_prompt(draft: Draft) -> Reply:
            """Files asked for (跳过), or how many there are so far (完成); a revision's
            listed, each with its remove button."""
            if draft.get("revise"):
                return revision_files(draft)
            count = len(draft.get("files") or [])
            if count:
                done = ((Button("btn.done", sub.Step("files:done")),),)
                return Reply("submit.file_added", {"count": count}, buttons=done)
            day = said_day(date.fromisoformat(str(draft["event_date"])))  # 上周五 said back
            skip = ((Button("btn.skip", sub.Step("files:done")),),)
            return Reply("submit.ask_files", {"day": day}, buttons=skip)

        def preview(draft: Draft) -> Reply:
            """The whole draft as a card, its files and timeliness, and ✅ 确认 / 变更 / ✖️ 取消."""
            rows: Rows = (
                (Button("btn.confirm", sub.Step("ok")),),
                (Button("btn.change", sub.Change()), Button("btn.cancel", sub.Step("cancel"))),
            )
            files, timely = len(draft.get("files") or []), draft["timeliness"]
            shown = {"card": draft["card"], "files": files, "timeliness": timely}
            return Reply("submit.preview", shown, buttons=rows)

        categories = tuple(  # a label that is no catalogue key is shown as it is
            (Button(label, sub.PickCategory(key)),) for key, label in rules.categories.items()
        )
        days = ((Button("btn.today", sub.PickDay(0)), Button("btn.yesterday", sub.PickDay(1))),)
        buttons, texts = "submit.use_buttons", "submit.want_text"
        decisions = (sub.Step, sub.Change)

        def first(draft: Draft) -> str:
            """Where a fresh draft starts: a revision at its preview, a new item at its unit."""
            return "preview" if draft.get("revise") else "unit"

        asked = (
            Step(
                "unit",
                lambda draft: Reply(
                    "submit.choose_unit",
                    buttons=tuple(
                        (Button(name, sub.PickUnit(unit)),) for unit, name in draft["choices"]
                    ),
                ),
                unit,
                next="category",
                presses=(sub.PickUnit, sub.Step),
                press_test=_only(),
                takes_text=False,
                skip=lambda draft: draft.get("unit_id") is not None,
                show=self._unit_names,
                misfit=buttons,
            ),
            Step(
                "category",
                lambda draft: Reply("submit.choose_category", buttons=categories),
                category,
                after=_back("title"),
                presses=(sub.PickCategory, sub.Step),
                press_test=_only(),
                takes_text=False,
                skip=_changing("category", "category"),
                misfit=buttons,
            ),
            Step(
                "title",
                lambda draft: Reply("submit.ask_title", {"limit": rules.title_max}),
                title,
                after=_back("body"),
                presses=(sub.Step,),
                press_test=_only(),
                skip=_changing("title", "title"),
                misfit=texts,
            ),
            Step(
                "body",
                body_prompt,
                body,
                after=lambda draft: _back("date")(draft) if draft.get("body_done") else "body",
                presses=(sub.Step,),
                press_test=_only("body:done"),
                skip=_changing("body", "body_done"),
                clears=True,
                misfit=texts,
            ),
            Step(
                "date",
                lambda draft: Reply("submit.ask_date", buttons=days),
                day,
                after=_back("files"),
                presses=(sub.PickDay, sub.Step),
                press_test=_only(),
                skip=_changing("date", "event_date"),
                misfit=texts,
            ),
            Step(
                "files",
                files_prompt,
                files,
                after=lambda draft: "preview" if draft.get("files_done") else "files",
                presses=(sub.Step, rv.RemoveFile),
                press_test=_only("files:done"),
                takes_files=True,
                skip=_changing("files", "files_done"),
                misfit="submit.want_file",
            ),
            Step(
                "preview",
                preview,
                decide,
                after=decided,
                presses=decisions,
                press_test=_only("ok"),
                takes_text=False,
                misfit=buttons,
                show=self._preview_shows,
            ),
            Step(
                "field",
                fields,
                decide,
                after=decided,
                presses=decisions,
                press_test=_only("ok"),
                takes_text=False,
                misfit=buttons,
            ),
        )
        return Flow(
            name="submit",
            what="help.submit",
            start=self._submit_start,
            steps=(
                *(guarded(step, self._fresh, first) for step in asked),
                *detours(self._fresh, first),
                Step(  # submitted, not yet said so: ✅ again says it (the token: one item)
                    "sent",
                    preview,
                    decide,
                    after=decided,
                    presses=(sub.Step,),
                    press_test=_only("ok"),
                    takes_text=False,
                    misfit=buttons,
                    show=self._preview_shows,
                ),
            ),
            finish=self._submit_finish,
            aside=True,
            receipt="sent",
        )
