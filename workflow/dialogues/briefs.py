"""/brief on the conversation engine: the editor's menu of a 《工作简报》 issue in progress
(numbers, headings, texts, date, order, preview, sending); an issue's return is in
`brief_review`.

The menu is a step whose answer (a button, or /cancel) leads to a typed question or back to
the menu; each typed answer leads back to it. Its steps are lasting, as the menu always was:
they never expire and another action ends them without a word; the menu's buttons work on
whichever message they sit, even after the session ended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from chat.actions import Button
from chat.actions import briefs as bf
from chat.dialogue import Flow, Inbound, Invalid, Ref, Reply, Step, Stop
from chat.dialogue.steps import Show, Take
from storage.models import Person

from .. import briefs
from ..briefs import BriefView
from ..outcomes import Refused
from .base import Base, Draft

#: Refusals after which the issue can no longer be worked on here: the session ends.
ENDING = frozenset({"brief_not_editable", "brief_unknown", "not_editor"})
BODY_SHOWN = 3000  # of the current text shown before asking for a new one
#: The menu's steps and the typed questions it leads to.
TYPED = ("numbers", "heading", "body", "date")
Done = TypeVar("Done")


def _refusal(refused: Refused) -> Reply:
    """A refusal as the reply explaining it."""
    return Reply(f"refused.{refused.key}", dict(refused.params))


async def _ending(work: Awaitable[Done]) -> Done:
    """The work's result; a refusal that closes the draft ends the session (said), others
    leave the question standing."""
    try:
        return await work
    except Refused as refused:
        if refused.key in ENDING:
            raise Stop(_refusal(refused)) from None
        raise


def _cleared(event: Inbound) -> list[Reply]:
    """The pressed message's buttons taken off (when the channel said which it was)."""
    if event.origin is None:
        return []
    return [Reply("", {"origin": dict(event.origin)}, how="clear")]


def menu_buttons(brief_id: int, items: list[int]) -> tuple[tuple[Button, ...], ...]:
    """Per entry: heading, text, up, down, remove; then add, date, preview, send, save, drop."""

    def button(key: str, verb: bf.DraftVerb | bf.EntryVerb, item: int | None = None) -> Button:
        """One menu button (an entry's carry its number in the label)."""
        n = {"n": items.index(item) + 1} if item is not None else {}
        return Button(key, bf.DraftMenu(brief_id, verb, item), n)

    rows: list[tuple[Button, ...]] = [
        (
            button("btn.brief_heading", "h", item),
            button("btn.brief_body", "b", item),
            button("btn.brief_up", "up", item),
            button("btn.brief_down", "dn", item),
            button("btn.brief_remove", "rm", item),
        )
        for item in items
    ]
    rows.append((button("btn.brief_add", "add"), button("btn.brief_date", "date")))
    rows.append((button("btn.brief_view", "view"), button("btn.brief_send", "send")))
    rows.append((button("btn.brief_close", "close"), button("btn.brief_drop", "drop")))
    return tuple(rows)


def menu_of(view: BriefView, title: str) -> dict[str, Any]:
    """What the menu shows of an issue, as plain JSON."""
    brief = view.brief
    returned = None
    if brief.state == "returned" and brief.return_reason:
        by = next((d for d in reversed(view.decisions) if not d.approve), None)
        returned = {
            "reason": brief.return_reason,
            "by": view.names.get(by.decided_by, "") if by else "",
        }
    return {
        "title": title,
        "year": brief.year,
        "number": brief.number,
        "state": brief.state,
        "date": brief.issue_date.isoformat(),
        "returned": returned,
        "entries": [[e.item.id, e.entry.heading, e.unit] for e in view.entries],
    }


def menu_reply(brief_id: int, menu: dict[str, Any]) -> Reply:
    """The draft as the editor sees it (number, date, state, return reason, entries) with its
    buttons."""
    returned = menu.get("returned")
    entries = [
        Reply("brief.menu_entry", {"n": n, "heading": heading, "unit": unit, "item": item})
        for n, (item, heading, unit) in enumerate(menu["entries"], 1)
    ]
    listed: Reply | Ref = Ref("brief.menu_empty")
    if entries:
        lines = Reply(entries[0].key, entries[0].params, also=tuple(entries[1:]))
        listed = Reply("brief.menu_entries", {"count": len(entries), "lines": lines})
    return Reply(
        "brief.menu",
        {
            "title": menu["title"],
            "year": menu["year"],
            "number": menu["number"],
            "state": Ref(f"brief.state.{menu['state']}"),
            "date": menu["date"],
            "returned": Reply("brief.menu_returned", returned) if returned else "",
            "entries": listed,
        },
        buttons=menu_buttons(brief_id, [int(item) for item, _, _ in menu["entries"]]),
    )


class BriefFlows(Base):
    """/brief."""

    def brief(self, render: briefs.Render | None = None) -> Flow:
        """/brief: the editor's issue in progress (or a new one) as a menu of buttons; its
        typed questions lead back to it, sending (with its 清样 made by `render`, which the
        channel's caller hands in), dropping or saving ends it."""
        rules = self.rules

        async def editor(event: Inbound) -> Person:
            """The person writing, as an editor (refused otherwise, by the service)."""
            return await self._person(event.person_id, refused="not_editor")

        async def start(event: Inbound) -> Draft | None:
            """/brief, a draft reopened (bf:open), or a menu's button after its session ended
            (taken at once as the menu's answer)."""
            press = event.press
            if event.command == "brief":
                view = await briefs.open_draft(self.db, rules, await editor(event))
                return {"brief": view.brief.id, "ask": "menu"}
            if isinstance(press, bf.OpenBrief):
                await briefs.open_brief(self.db, await editor(event), press.brief_id)
                return {"brief": press.brief_id, "ask": "menu"}
            if isinstance(press, bf.DraftMenu):
                await editor(event)
                return {"brief": press.brief_id, "ask": "menu"}
            return None

        async def pressed(event: Inbound, press: bf.DraftMenu) -> Draft:
            """A menu's button: what it does and what is asked next (nothing changes yet)."""
            person = await editor(event)
            brief_id, verb, item = press.brief_id, press.verb, press.item_id
            draft: dict[str, Any] = {"brief": brief_id, "act": verb, "item": item, "ask": "menu"}
            if verb in ("send", "dropok", "close"):
                return {**draft, "ask": None}
            if verb == "add":
                return {**draft, "ask": "numbers"}
            if verb in ("date", "drop", "h", "b"):
                view = await _ending(briefs.open_brief(self.db, person, brief_id))
                if verb == "date":
                    return {**draft, "ask": "date", "date": view.brief.issue_date.isoformat()}
                if verb == "drop":
                    return {**draft, "ask": "drop", "number": view.brief.number}
                n, entry = next(
                    ((n, e.entry) for n, e in enumerate(view.entries, 1) if e.item.id == item),
                    (0, None),
                )
                if entry is None:
                    raise Refused("brief_entry_unknown", item=item)
                if verb == "h":
                    return {**draft, "ask": "heading", "n": n, "shown": entry.heading}
                body = entry.body
                shown = body if len(body) <= BODY_SHOWN else body[:BODY_SHOWN] + "…"
                return {**draft, "ask": "body", "n": n, "shown": shown}
            return draft  # up, dn, rm, view, menu: done by the effect, then the menu

        def taking(step: str) -> Take:
            """The answer to one of the drafting steps: a menu's button anywhere, /cancel, or
            the text typed for the question."""

            async def take(event: Inbound, draft: Draft) -> Draft:
                """Reads the answer; nothing changes yet (the effect does that)."""
                if isinstance(event.press, bf.DraftMenu):
                    return await pressed(event, event.press)
                if event.command == "cancel":  # a question goes back to the menu, the menu ends
                    if step in TYPED:
                        return {"act": "back", "ask": "menu"}
                    return {"act": "cancel", "ask": None}
                if step not in TYPED:
                    raise Invalid(Reply("brief.use_buttons"))
                text = event.text or ""
                if step == "numbers":
                    return {"act": "added", "numbers": briefs.parse_numbers(text), "ask": "menu"}
                if step == "date":
                    ahead = rules.publishing.brief_ahead_days
                    day = briefs.issue_day(text, self._today(), ahead)
                    return {"act": "dated", "day": day.isoformat(), "ask": "menu"}
                return {"act": step, "text": text, "ask": "menu"}

            return take

        async def effect(event: Inbound, draft: Draft) -> list[Reply]:
            """What the answer changes, and says before the next question."""
            person = await editor(event)
            brief_id, act = int(draft["brief"]), str(draft["act"])
            item = int(draft["item"]) if draft.get("item") is not None else 0
            if act == "add":
                found = await _ending(briefs.candidates(self.db, rules, person, brief_id))
                listed = tuple(
                    Reply(
                        "brief.candidate",
                        {
                            "star": "★ " if c.routed else "",
                            "item": c.item.id,
                            "title": c.item.title,
                            "unit": c.unit,
                        },
                    )
                    for c in found
                )
                head = "brief.candidates_head" if found else "brief.candidates_none"
                return [Reply(head, also=listed)]
            if act == "added":
                numbers = [int(n) for n in draft["numbers"]]
                added, skipped = await _ending(
                    briefs.add_items(self.db, rules, person, brief_id, numbers)
                )
                if skipped:
                    listed_skipped = "、".join(f"#{n}" for n in skipped)
                    return [
                        Reply(
                            "brief.added_skipped", {"added": len(added), "skipped": listed_skipped}
                        )
                    ]
                return [Reply("brief.added", {"added": len(added)})]
            if act in ("heading", "body"):
                return await edited(person, brief_id, item, act, str(draft["text"]))
            if act == "dated":
                day = date.fromisoformat(str(draft["day"]))
                brief = await _ending(briefs.set_date(self.db, rules, person, brief_id, day))
                said = {
                    "date": brief.issue_date.isoformat(),
                    "year": brief.year,
                    "number": brief.number,
                }
                return [Reply("brief.date_set", said)]
            if act in ("up", "dn"):
                step = -1 if act == "up" else 1
                if not await _ending(briefs.move(self.db, person, brief_id, item, step)):
                    raise Invalid(Reply("brief.cant_move", how="toast"))
                return [Reply("brief.moved", how="toast"), *_cleared(event)]
            if act == "rm":
                removed = await _ending(briefs.remove(self.db, person, brief_id, item))
                key = "brief.removed" if removed else "brief.not_in"
                return [Reply(key, {"item": item}, how="toast"), *_cleared(event)]
            if act == "view":
                view = await _ending(briefs.open_brief(self.db, person, brief_id))
                return [preview(view)]
            if act == "menu":
                return _cleared(event)
            if act == "back":
                return [Reply("brief.input_cancelled")]
            return []  # a question asked: date, drop, an entry's heading or text

        async def edited(
            person: Person, brief_id: int, item: int, field: str, text: str
        ) -> list[Reply]:
            """A typed heading or text applied; an entry gone or a draft closed meanwhile is
            said and the menu comes back (or ends), a refused text is asked again."""
            try:
                changed = await briefs.edit_entry(
                    self.db, rules, person, brief_id, item, **{field: text}
                )
            except Refused as refused:
                if refused.key in ENDING or refused.key == "brief_entry_unknown":
                    return [_refusal(refused)]
                raise
            view = await briefs.open_brief(self.db, person, brief_id)
            n = next((n for n, e in enumerate(view.entries, 1) if e.item.id == item), 0)
            return [Reply("brief.edited" if changed else "brief.unchanged", {"n": n})]

        def preview(view: BriefView) -> Reply:
            """Every entry's heading and full text, as it will be printed (a blank line apart)."""
            parts: list[Reply] = []
            for n, e in enumerate(view.entries, 1):
                parts.append(Reply(""))
                parts.append(
                    Reply(
                        "brief.preview_entry",
                        {"n": n, "heading": e.entry.heading, "body": e.entry.body},
                    )
                )
            return Reply(
                "brief.preview_head",
                {
                    "title": rules.publishing.brief_title,
                    "year": view.brief.year,
                    "number": view.brief.number,
                    "date": view.brief.issue_date.isoformat(),
                },
                also=tuple(parts),
            )

        async def show(event: Inbound, draft: Draft) -> Draft:
            """The issue as it stands now; a draft no longer editable ends the session."""
            person = await editor(event)
            try:
                view = await briefs.open_brief(self.db, person, int(draft["brief"]))
            except Refused as refused:
                raise Stop(_refusal(refused)) from None
            return {"menu": menu_of(view, rules.publishing.brief_title)}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """送审, 确认作废 or 保存退出 (also /cancel at the menu); the session ends with it."""
            act, brief_id = str(draft["act"]), int(draft["brief"])
            if act == "cancel":
                return [Reply("brief.closed")]
            person = await editor(event)
            if act == "send":
                if render is None:
                    raise RuntimeError("/brief's engine was built without an issue renderer")
                sent = await _ending(
                    briefs.send_for_review(self.db, rules, person, brief_id, render=render)
                )
                return [*_cleared(event), Reply("brief.sent", {"number": sent.brief.number})]
            if act == "dropok":
                dropped = await _ending(briefs.discard(self.db, person, brief_id))
                return [*_cleared(event), Reply("brief.dropped", {"number": dropped.number})]
            await _ending(briefs.open_brief(self.db, person, brief_id))  # close: it stays
            return [*_cleared(event), Reply("brief.closed")]

        def drafting(
            name: str, prompt: Callable[[Draft], Reply], *, shows: Show | None = None
        ) -> Step:
            """One of the drafting steps: answered by the menu's buttons, /cancel or text."""
            typed = name in TYPED
            return Step(
                name,
                prompt,
                taking(name),
                presses=(bf.DraftMenu,),
                after=lambda draft: draft.get("ask"),
                lasting=True,
                commands=("cancel",),
                not_text="brief.want_text" if typed else "brief.use_buttons",
                effect=effect,
                show=shows,
            )

        def drop(draft: Draft) -> Reply:
            """作废本期? with its confirmation and the way back."""
            brief_id = int(draft["brief"])
            return Reply(
                "brief.ask_drop",
                {"number": draft["number"]},
                buttons=(
                    (
                        Button("btn.brief_drop_ok", bf.DraftMenu(brief_id, "dropok")),
                        Button("btn.brief_back", bf.DraftMenu(brief_id, "menu")),
                    ),
                ),
            )

        return Flow(
            name="brief",
            what="brief.state.draft",
            start=start,
            steps=(
                drafting(
                    "menu", lambda draft: menu_reply(int(draft["brief"]), draft["menu"]), shows=show
                ),
                drafting("drop", drop),
                drafting("numbers", lambda draft: Reply("brief.ask_numbers")),
                drafting(
                    "heading",
                    lambda draft: Reply(
                        "brief.ask_heading", {"n": draft["n"], "heading": draft["shown"]}
                    ),
                ),
                drafting(
                    "body",
                    lambda draft: Reply(
                        "brief.ask_body", {"n": draft["n"], "body": draft["shown"]}
                    ),
                ),
                drafting("date", lambda draft: Reply("brief.ask_date", {"date": draft["date"]})),
            ),
            finish=finish,
            not_text="brief.use_buttons",
        )
