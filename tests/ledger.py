"""A small ledger for tests: three units, an informant, a window head and an editor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scoring.vocab import Role, UnitKind
from storage import items, people, units
from storage.db import Database
from storage.models import Item
from tests.conftest import tg_account

SPECS = [
    units.UnitSpec("市人社局窗口", UnitKind.WINDOW, 2, Decimal(20)),
    units.UnitSpec("城关镇便民服务中心", UnitKind.TOWNSHIP, 3, Decimal(30)),
    units.UnitSpec("综合科", UnitKind.SECTION, 1, Decimal("10.5")),
]


async def seed(db: Database) -> dict[str, int]:
    """Units from SPECS plus an informant, a window head and an editor; returns ids by name."""
    async with db.transaction() as tx:
        await units.sync_units(tx, SPECS)
        ids = {unit.name: unit.id for unit in await units.list_units(tx)}
        informant = await people.ensure_person(tx, tg_account(1001), "王信息员")
        head = await people.ensure_person(tx, tg_account(1002), "李负责人")
        editor = await people.ensure_person(tx, tg_account(1003), "赵编辑")
        await people.grant_role(tx, informant.id, ids["市人社局窗口"], Role.INFORMANT, None)
        await people.grant_role(tx, head.id, ids["市人社局窗口"], Role.WINDOW_HEAD, None)
        await people.grant_role(tx, editor.id, ids["综合科"], Role.EDITOR, None)
    return ids | {"informant": informant.id, "head": head.id, "editor": editor.id}


async def new_item(db: Database, ids: dict[str, int]) -> Item:
    """A draft item of the window's informant."""
    async with db.transaction() as tx:
        return await items.create_item(
            tx,
            items.NewItem(
                unit_id=ids["市人社局窗口"],
                author_id=ids["informant"],
                category="measures",
                title="市人社局窗口推行“一窗通办”",
                body="正文",
                event_date=date(2026, 10, 14),
            ),
        )
