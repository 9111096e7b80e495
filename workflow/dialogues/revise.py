"""A returned item's 修改后重报 in /submit's steps: the item opens as a draft at the preview,
every field can be changed there (category, title, body, date, and its files: more added,
any one removed by its button), the preview shows what changed against the returned
version and the last return's reason, and ✅ 确认 resubmits (`workflow/revision.py`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chat.actions import Button, Rows
from chat.actions import revise as rv
from chat.actions import submit as sub
from chat.cards import Phrase
from chat.dialogue import Invalid, Reply

from .. import revision
from ..cards import returned_before
from ..outcomes import Refused
from ..revision import Revised
from ..submission import Submitted
from ..views import item_view, signing_history
from .base import Base, Draft, draft_files


def revised_of(draft: Draft) -> Revised:
    """The draft as the revision it stands for."""
    return Revised(
        category=str(draft["category"]),
        title=str(draft["title"]),
        body=str(draft["body"]),
        event_date=date.fromisoformat(str(draft["event_date"])),
        files=draft_files(draft),
    )


#: How much of a photo's caption its remove button shows.
CAPTION_SHOWN = 16


def revision_files(draft: Draft) -> Reply:
    """A revision's files: each with its remove button, and 完成 (more are added by sending)."""
    files = list(draft.get("files") or [])
    rows: Rows = tuple(
        (remove_button(place, str(kind), str(key), name, caption[-1] if caption else None),)
        for place, (kind, key, name, _mime, _size, *caption) in enumerate(files)
    )
    done = ((Button("btn.done", sub.Step("files:done")),),)
    if not files:
        return Reply("revise.no_files", buttons=done)
    return Reply("revise.files", {"count": len(files)}, buttons=rows + done)


def remove_button(place: int, kind: str, key: str, name: str | None, caption: str | None) -> Button:
    """A file's remove button, named so the author knows which: a document by its name, a
    photo by its number and the start of its caption (图注) when it has one."""
    press = rv.RemoveFile(place, revision.file_tag(key))
    if kind == "photo" and caption:
        short = caption if len(caption) <= CAPTION_SHOWN else caption[: CAPTION_SHOWN - 1] + "…"
        return Button("btn.remove_photo_captioned", press, {"n": place + 1, "caption": short})
    label = "btn.remove_photo" if kind == "photo" else "btn.remove_file"
    return Button(label, press, {"n": place + 1, "name": name or ""})


def remove_file(draft: Draft, press: rv.RemoveFile) -> Draft:
    """The draft without the file the button names; a file already gone is said so."""
    files = list(draft.get("files") or [])
    if not (
        0 <= press.place < len(files) and revision.file_tag(str(files[press.place][1])) == press.tag
    ):
        raise Invalid(Reply("revise.file_gone"))
    return {"files": files[: press.place] + files[press.place + 1 :]}


class ReviseParts(Base):
    """What /submit's flow does differently for a returned item being revised."""

    async def _revision_draft(self, person_id: int, item_id: int) -> dict[str, Any]:
        """The returned item, as it was returned, as a draft at the preview (refused when the
        person may not see it, did not write it, or it is not returned)."""
        person = await self._person(person_id)
        view = await item_view(self.db, person, item_id)
        if view.item.author_id != person.id:
            raise Refused("item_not_yours")
        item, files = await revision.returned_version(self.db, person, item_id)
        return {
            "author": person.id,
            "revise": item.id,
            "unit_id": item.unit_id,
            "category": item.category,
            "title": item.title,
            "body": item.body,
            "body_done": True,
            "event_date": item.event_date.isoformat(),
            "files": [list(entry) for entry in revision.entries_of(files)],
            "files_done": True,
        }

    async def _revision_notes(self, draft: Draft) -> tuple[Phrase, ...]:
        """Under the preview's card: the last return's reason, and what the draft changes
        against the returned version."""
        person = await self._person(int(draft["author"]))
        item, files = await revision.returned_version(self.db, person, int(draft["revise"]))
        notes: list[Phrase] = []
        returns = [d for d in await signing_history(self.db, item.id) if d.decision == "return"]
        if returns:
            notes.append(returned_before(returns[-1]))
        changes = revision.changes_between(item, revision.entries_of(files), revised_of(draft))
        return (*notes, *revision.change_phrases(self.rules, changes))

    async def _resubmit(self, person_id: int, draft: Draft) -> Submitted:
        """Resubmits the revision (every field as the draft has it)."""
        person = await self._person(person_id)
        return await revision.resubmit(
            self.db, self.rules, person, int(draft["revise"]), revised_of(draft)
        )
