"""Item routes repository: the outlets an editor chose for an item (第六条), one row per outlet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from storage.db import Tx
from storage.models import Row


class ItemRoute(Row):
    """One outlet an item is meant for, who chose it and when."""

    item_id: int
    outlet: str
    chosen_by: int
    chosen_at: datetime


async def routes_of(tx: Tx, item_id: int) -> list[ItemRoute]:
    """The outlets chosen for an item, in the order chosen."""
    rows = await tx.fetchall(
        "SELECT * FROM item_routes WHERE item_id = ? ORDER BY chosen_at, rowid", (item_id,)
    )
    return [ItemRoute.from_row(row) for row in rows]


async def set_routes(
    tx: Tx, item_id: int, outlets: Iterable[str], actor_id: int
) -> tuple[list[str], list[str]]:
    """Makes the item's routes exactly these outlets; returns (added, removed), audited once."""
    wanted = list(dict.fromkeys(outlets))
    before = [route.outlet for route in await routes_of(tx, item_id)]
    added = [outlet for outlet in wanted if outlet not in before]
    removed = [outlet for outlet in before if outlet not in wanted]
    for outlet in removed:
        await tx.execute(
            "DELETE FROM item_routes WHERE item_id = ? AND outlet = ?", (item_id, outlet)
        )
    for outlet in added:
        await tx.execute(
            "INSERT INTO item_routes (item_id, outlet, chosen_by, chosen_at) VALUES (?, ?, ?, ?)",
            (item_id, outlet, actor_id, tx.stamp),
        )
    if added or removed:
        await tx.audit(
            actor_id, "route.set", "item", item_id, added=added, removed=removed, routes=wanted
        )
    return added, removed


async def add_route(tx: Tx, item_id: int, outlet: str, actor_id: int) -> bool:
    """Adds one outlet to an item's routes (kept if already there); True if it was added."""
    if await tx.fetchone(
        "SELECT 1 FROM item_routes WHERE item_id = ? AND outlet = ?", (item_id, outlet)
    ):
        return False
    await tx.execute(
        "INSERT INTO item_routes (item_id, outlet, chosen_by, chosen_at) VALUES (?, ?, ?, ?)",
        (item_id, outlet, actor_id, tx.stamp),
    )
    await tx.audit(actor_id, "route.add", "item", item_id, outlet=outlet)
    return True


async def routed_to(tx: Tx, outlet: str) -> list[ItemRoute]:
    """Every item routed to an outlet (e.g. 《工作简报》 candidates), oldest choice first."""
    rows = await tx.fetchall(
        "SELECT * FROM item_routes WHERE outlet = ? ORDER BY chosen_at, item_id", (outlet,)
    )
    return [ItemRoute.from_row(row) for row in rows]
