"""The centre editors' desk and buttons, for every channel: /queue (paged, filtered by unit,
month and state), register (登记, then where it goes), archive (归档) and its undo, record an
adoption at an outlet, the routing toggles and 确认去向 (第六条). The editor's rewrite, an
adoption's date, reference and withdrawal are the engine's flows; their presses that reach
this module are stale. Every press re-checks the editor's role and the item's state."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Final

from chat.actions import Button, Rows
from chat.actions import editor as ed
from chat.cards import Phrase
from chat.dialogue import Ref, Reply
from scoring.vocab import ItemState
from storage import units
from storage.db import Database
from storage.models import Person
from workflow import centre, joining, routing
from workflow.cards import editor_rows_for, item_card_of
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.typed_dates import parse_month
from workflow.views import load_item_view

from . import Answer, card_reply, refusal, say

#: How an editor narrows the desk in words: 未登记 / 已登记.
DESK_STATES: Final[dict[str, ed.DeskState]] = {"未登记": "s", "待登记": "s", "已登记": "r"}
#: The desk's state filters as buttons, in the order shown.
STATE_BUTTONS: Final[tuple[tuple[ed.DeskState, str], ...]] = (
    ("a", "btn.desk_all"),
    ("s", "btn.desk_new"),
    ("r", "btn.desk_registered"),
)


def desk_words(words: list[str], today: date) -> tuple[ed.DeskState, int, list[str]]:
    """The state (a/s/r) and month (YYYYMM, 0: any) a /queue line names, and its other words
    (a unit's name)."""
    state: ed.DeskState = "a"
    month, rest = 0, []
    for word in words:
        named = parse_month(word, today, bare=False)  # a number alone may be part of a name
        if word in DESK_STATES:
            state = DESK_STATES[word]
        elif named is not None:
            month = named[0] * 100 + named[1]
        else:
            rest.append(word)
    return state, month, rest


async def queue(db: Database, rules: CentreRules, person: Person | None, typed: str) -> Answer:
    """/queue [unit] [month] [未登记|已登记]: the editors' desk, its first page."""
    today = rules.local_now(db.clock()).date()
    state, month, rest = desk_words(typed.split(), today)
    unit_id = 0
    try:
        if person is None:
            raise Refused("not_editor")
        await centre.ensure_editor(db, person)
        if rest:
            typed_unit = " ".join(rest)
            near = await joining.units_named(db, typed_unit)
            if not near:
                raise Refused("unknown_unit", name=typed_unit[:40])
            if len(near) > 1:
                names = "、".join(u.name for u in near)
                return say("centre.desk_unit_many", {"typed": typed_unit[:40], "names": names})
            unit_id = near[0].id
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer(await desk_page(db, rules, person, ed.DeskPage(0, unit_id, state, month)))


async def desk_page(
    db: Database, rules: CentreRules, person: Person, press: ed.DeskPage
) -> list[Reply]:
    """One page of the desk: a head with the pages and filters as buttons, then each item's
    card with the editor's buttons, and the pages again below the last card."""
    wanted = centre.DeskFilter(
        unit_id=press.unit_id or None,
        state={"s": ItemState.SUBMITTED, "r": ItemState.REGISTERED}.get(press.state),
        month=f"{press.month // 100:04d}-{press.month % 100:02d}" if press.month else None,
        page=press.page,
    )
    page = await centre.desk(db, person, wanted)
    filters = await _filters(db, press)
    shown = replace(press, page=page.filter.page)
    rows = _desk_rows(shown, page.pages)
    hint = (Reply("centre.desk_hint"),)
    if not page.items:
        return [Reply("centre.desk_empty", {"filters": filters}, rows, also=hint)]
    head = {
        "total": page.total,
        "filters": filters,
        "page": shown.page + 1,
        "pages": page.pages,
    }
    replies = [Reply("centre.desk_head", head, rows, also=hint)]
    for item in page.items:
        view = await load_item_view(db, item.id)
        replies.append(card_reply(item_card_of(rules, view), editor_rows_for(item.state, item.id)))
    if page.pages > 1:  # the pages again below the last card, where the eye is
        replies.append(
            Reply("centre.desk_head", head, _desk_rows(shown, page.pages, filters_too=False))
        )
    return replies


async def _filters(db: Database, press: ed.DeskPage) -> Phrase:
    """The desk's filters in words (each part empty when not chosen)."""
    unit: Phrase | str = ""
    if press.unit_id:
        async with db.reading() as tx:
            found = await units.get_unit(tx, press.unit_id)
        unit = Phrase("centre.desk_filter_unit", {"unit": found.name if found else "?"})
    month: Phrase | str = ""
    if press.month:
        named = f"{press.month // 100}-{press.month % 100:02d}"
        month = Phrase("centre.desk_filter_month", {"month": named})
    state: Phrase | str = ""
    if press.state == "s":
        state = Phrase("centre.desk_filter_new")
    elif press.state == "r":
        state = Phrase("centre.desk_filter_registered")
    return Phrase("centre.desk_filters", {"unit": unit, "month": month, "state": state})


def _desk_rows(press: ed.DeskPage, pages: int, *, filters_too: bool = True) -> Rows:
    """Previous / next page, and the state filter (the chosen one left out)."""
    nav = []
    if press.page > 0:
        nav.append(Button("btn.page_prev", replace(press, page=press.page - 1)))
    if press.page + 1 < pages:
        nav.append(Button("btn.page_next", replace(press, page=press.page + 1)))
    rows: list[tuple[Button, ...]] = [tuple(nav)] if nav else []
    if filters_too:
        rows.append(
            tuple(
                Button(label, replace(press, page=0, state=state))
                for state, label in STATE_BUTTONS
                if state != press.state
            )
        )
    return tuple(rows)


def outlet_rows(rules: CentreRules, item_id: int) -> Rows:
    """One button per configured outlet, with its level and points."""
    return tuple(
        (
            Button(
                "centre.outlet_button",
                ed.Outlet(item_id, index),
                {
                    "name": outlet.name,
                    "level": outlet.level,
                    "points": rules.policy.points_for_level(outlet.level),
                },
            ),
        )
        for index, outlet in enumerate(rules.outlets.values())
    )


def adoption_rows(adoption_id: int) -> Rows:
    """Follow-ups of a recorded adoption: change its date, add the issue / URL, withdraw it."""
    return (
        (
            Button("btn.adoption_day", ed.AdoptionAction("day", adoption_id)),
            Button("btn.adoption_ref", ed.AdoptionAction("ref", adoption_id)),
        ),
        (Button("btn.withdraw", ed.AdoptionAction("wd", adoption_id)),),
    )


async def press(
    db: Database, rules: CentreRules, person: Person | None, pressed: ed.Press | None
) -> Answer:
    """An editor's button outside the engine's flows (a routing toggle: `route_press`)."""
    if isinstance(pressed, ed.RouteToggle):
        return await route_press(db, rules, person, pressed)
    try:
        if pressed is None:
            raise Refused("forged")
        if person is None:
            raise Refused("not_editor")
        return await _pressed(db, rules, person, pressed)
    except Refused as refused:
        return Answer([refusal(refused)])


async def _pressed(
    db: Database,
    rules: CentreRules,
    person: Person,
    pressed: ed.ItemAction | ed.AdoptionAction | ed.Outlet | ed.DeskPage,
) -> Answer:
    """What the press does and says (a refusal raised)."""
    if isinstance(pressed, ed.DeskPage):
        await centre.ensure_editor(db, person)  # rights before the page
        return Answer(await desk_page(db, rules, person, pressed))
    if isinstance(pressed, ed.Outlet):
        return await _adopt(db, rules, person, pressed)
    if isinstance(pressed, ed.AdoptionAction):
        if pressed.verb in ("wdok", "wdno"):  # the engine takes one held: nothing is
            await centre.ensure_editor(db, person)  # the editor role first
            minutes = int(rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        raise Refused("forged")  # wd, day, ref: the engine's, taken before this
    verb, number = pressed.verb, pressed.item_id
    if verb == "arc":
        await centre.archive(db, person, number)
        rows = editor_rows_for(ItemState.ARCHIVED, number)
        return Answer([Reply("centre.archived", {"item": number}, rows)], queued=True)
    if verb == "unarc":
        item = await centre.unarchive(db, person, number)
        rows = editor_rows_for(item.state, number)
        return Answer([Reply("centre.unarchived", {"item": number}, rows)], queued=True)
    if verb == "reg":
        item = await centre.register(db, person, number)
        done = Reply("centre.registered", {"item": item.id}, how="toast")
        try:  # 第六条: where it belongs, for the editor to confirm
            routes = await route_reply(db, rules, person, item.id)
        except Refused as refused:  # registered all the same
            return Answer([done, refusal(refused)], queued=True)
        return Answer([done, routes], queued=True)
    if verb == "route":
        return Answer([await route_reply(db, rules, person, number)])
    if verb == "adopt":
        await centre.adoptable(db, person, number)
        today = rules.local_now(db.clock()).date()
        params = {"item": number, "today": today.isoformat()}
        return say("centre.choose_outlet", params, outlet_rows(rules, number))
    if verb == "edok":  # the engine takes it while an edit waits for its parts
        raise Refused("edit_passed")
    raise Refused("forged")  # edit: the engine's, taken before this


async def _adopt(db: Database, rules: CentreRules, person: Person, pressed: ed.Outlet) -> Answer:
    """An outlet chosen: the adoption recorded today (the author told), with its follow-ups."""
    names = list(rules.outlets)
    if not 0 <= pressed.index < len(names):
        raise Refused("forged")
    today = rules.local_now(db.clock()).date()
    adopted = await centre.adopt(
        db, rules, person, pressed.item_id, outlet_name=names[pressed.index], adopted_on=today
    )
    a = adopted.adoption
    params = {
        "outlet": a.outlet,
        "item": pressed.item_id,
        "level": a.level,
        "points": a.points,
        "total": adopted.item_points,
    }
    return Answer([Reply("centre.adopted", params, adoption_rows(a.id))], queued=True)


# -- where an item goes (第六条) -------------------------------------------------------------


def route_rows(rules: CentreRules, item_id: int, mask: int) -> Rows:
    """One toggle per configured outlet (✅ chosen, ⬜ not) and 确认去向; the choice so far
    travels in the buttons as a bit mask, so nothing is stored until confirmed."""
    toggles = tuple(
        (
            Button(
                "btn.route_on" if mask >> index & 1 else "btn.route_off",
                ed.RouteToggle(item_id, mask, index),
                {"outlet": name},
            ),
        )
        for index, name in enumerate(rules.outlets)
    )
    return (*toggles, (Button("btn.route_confirm", ed.RouteToggle(item_id, mask, None)),))


def _why(match: routing.HintMatch) -> Phrase:
    """Why a hint fits: the category, the markers found, or both."""
    markers = Phrase("route.by_markers", {"markers": "、".join(match.markers)})
    if match.by_category and match.markers:
        return Phrase(
            "route.why_both", {"category": Phrase("route.by_category"), "markers": markers}
        )
    return Phrase("route.by_category") if match.by_category else markers


def route_text(
    rules: CentreRules, view: routing.RouteView, mask: int, *, how: str = "say"
) -> Reply:
    """The routing suggestion (which hints fit and why, the routes chosen so far) with the
    toggles of `mask`."""
    lines = [
        Reply(
            "route.hint",
            {"label": m.label, "why": _why(m), "outlets": "、".join(m.outlets)},
        )
        for m in view.suggestion.matches
    ]
    if not view.suggestion.matches:
        lines.append(Reply("route.no_hint"))
    if view.stored:
        lines.append(Reply("route.stored", {"outlets": "、".join(view.stored)}))
    publishing = rules.publishing
    howto = {"website": publishing.website_outlet, "brief": publishing.brief_outlet}
    lines.append(Reply("route.howto", howto))
    return Reply(
        "route.head",
        {"item": view.item.id, "title": view.item.title},
        route_rows(rules, view.item.id, mask),
        how=how,
        also=tuple(lines),
    )


async def route_reply(db: Database, rules: CentreRules, person: Person, item_id: int) -> Reply:
    """The suggestion with the suggested (or stored) outlets pre-checked."""
    view = await routing.view(db, rules, person, item_id)  # the editor, the item, first
    return route_text(rules, view, routing.mask_of(view.outlets, view.initial))


async def route_press(
    db: Database, rules: CentreRules, person: Person | None, pressed: ed.RouteToggle
) -> Answer:
    """A toggle redraws the suggestion with the outlet flipped (`how="edit"`: nothing is
    stored); 确认去向 stores the routes (the website outlet starts website news) and says
    what follows. Rights and the item are re-checked at every press."""
    try:
        if person is None:
            raise Refused("not_editor")
        outlets = tuple(rules.outlets)
        chosen = routing.chosen_of(outlets, pressed.mask)
        if pressed.index is not None:
            if pressed.index >= len(outlets):
                raise Refused("forged")
            view = await routing.view(db, rules, person, pressed.item_id)
            mask = pressed.mask ^ (1 << pressed.index)
            return Answer([route_text(rules, view, mask, how="edit")])
        routed = await routing.confirm(db, rules, person, pressed.item_id, chosen)
    except Refused as refused:
        return Answer([refusal(refused)])
    shown: str | Ref = "、".join(routed.chosen) or Ref("route.nowhere")
    replies = [
        Reply("route.confirmed_alert", how="toast"),
        Reply("route.confirmed", {"outlets": shown}, how="mark"),
    ]
    publishing = rules.publishing
    notes = []
    if publishing.brief_outlet in routed.added:
        notes.append(Reply("route.brief_candidate", {"brief": publishing.brief_outlet}))
    if routed.started is not None:
        key = "route.web_started" if routed.started.leaders else "route.web_no_leader"
        notes.append(
            Reply(key, {"news": routed.started.news.id, "leaders": routed.started.leaders})
        )
    if routed.stopped is not None:
        notes.append(Reply("route.web_stopped", {"news": routed.stopped.id}))
    others = [
        o for o in routed.added if o not in (publishing.brief_outlet, publishing.website_outlet)
    ]
    if others:
        notes.append(Reply("route.report_by_hand", {"outlets": "、".join(others)}))
    if notes:
        first, *rest = notes
        replies.append(Reply(first.key, first.params, also=tuple(rest)))
    return Answer(replies, queued=True)
