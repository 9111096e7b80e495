"""Routing (第六条): where a registered item belongs, suggested from the configured hints, then
chosen by the editor. The website outlet starts the website news chain; the 《工作简报》 outlet
makes the item a candidate for the next issue; other outlets record where the centre sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scoring.vocab import ItemState
from storage import items, routes
from storage import webnews as news_repo
from storage.db import Database
from storage.models import Item, Person
from storage.webnews import WebNews
from workflow import webnews
from workflow.centre import editor_grant
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules, RoutingHint


@dataclass(frozen=True, slots=True)
class HintMatch:
    """One hint that fits an item, and why: its category, and which markers the text has."""

    label: str
    by_category: bool
    markers: tuple[str, ...]
    outlets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The outlets the hints suggest (hint order, no repeats) and the hints that matched."""

    outlets: tuple[str, ...]
    matches: tuple[HintMatch, ...]


def suggest(hints: Sequence[RoutingHint], *, category: str, title: str, body: str) -> Suggestion:
    """The hints an item fits by category or by a marker in its title or body (pure)."""
    text = f"{title}\n{body}".casefold()
    matches = []
    for hint in hints:
        by_category = category in hint.categories
        markers = tuple(m for m in hint.markers if m and m.casefold() in text)
        if by_category or markers:
            matches.append(HintMatch(hint.label, by_category, markers, hint.outlets))
    outlets = tuple(dict.fromkeys(o for match in matches for o in match.outlets))
    return Suggestion(outlets, tuple(matches))


def mask_of(outlets: Sequence[str], chosen: Sequence[str]) -> int:
    """The chosen outlets as a bit mask over the configured outlets (bit i: outlet i)."""
    return sum(1 << index for index, name in enumerate(outlets) if name in chosen)


def chosen_of(outlets: Sequence[str], mask: int) -> tuple[str, ...]:
    """The outlets a bit mask selects; Refused for bits beyond the configured outlets."""
    if mask < 0 or mask >> len(outlets):
        raise Refused("forged")
    return tuple(name for index, name in enumerate(outlets) if mask >> index & 1)


@dataclass(frozen=True, slots=True)
class RouteView:
    """An item's suggestion, its stored routes, and the selection to show first."""

    item: Item
    suggestion: Suggestion
    stored: tuple[str, ...]
    outlets: tuple[str, ...]  # every configured outlet, in order

    @property
    def initial(self) -> tuple[str, ...]:
        """What the buttons show checked at first: the stored routes, else the suggestion."""
        return self.stored if self.stored else self.suggestion.outlets


@dataclass(frozen=True, slots=True)
class Routed:
    """A confirmed choice: what was added and removed, the website news started or stopped."""

    item: Item
    chosen: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    started: webnews.Sent | None = None
    stopped: WebNews | None = None
    notices: list[Notice] = field(default_factory=list)


async def view(db: Database, rules: CentreRules, editor: Person, item_id: int) -> RouteView:
    """The routing suggestion for an item and its routes so far (editors only)."""
    async with db.reading() as tx:
        await editor_grant(tx, editor)
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        stored = tuple(r.outlet for r in await routes.routes_of(tx, item.id))
    hint = suggest(
        rules.publishing.routing, category=item.category, title=item.title, body=item.body
    )
    return RouteView(item, hint, stored, tuple(rules.outlets))


async def confirm(
    db: Database, rules: CentreRules, editor: Person, item_id: int, chosen: Sequence[str]
) -> Routed:
    """Stores the editor's chosen outlets; the website outlet starts (or, dropped, stops) the
    website news chain in the same transaction."""
    unknown = [name for name in chosen if name not in rules.outlets]
    if unknown:
        raise Refused("outlet_unknown", name=unknown[0])
    wanted = tuple(dict.fromkeys(chosen))
    website = rules.publishing.website_outlet
    async with db.transaction() as tx:
        await editor_grant(tx, editor)
        item = await items.get_item(tx, item_id)
        if item is None:
            raise Refused("item_unknown")
        if item.state is not ItemState.REGISTERED:
            raise Refused("route_not_registered", item=item.id)
        before = tuple(r.outlet for r in await routes.routes_of(tx, item.id))
        if set(before) == set(wanted):
            raise Refused("route_same" if wanted else "route_none_chosen")
        stopped = None
        if website in before and website not in wanted:
            stopped = await webnews.cancel_in(tx, editor, item.id)
        added, removed = await routes.set_routes(tx, item.id, wanted, editor.id)
        started = None
        if website in added and await news_repo.news_of_item(tx, item.id) is None:
            started = await webnews.propose_in(tx, rules, editor, item)
    notices = started.notices if started else []
    return Routed(item, wanted, tuple(added), tuple(removed), started, stopped, notices)
