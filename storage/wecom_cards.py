"""WeCom cards and numbered menus the adapter sent: to settle a card later by its ResponseCode,
and to read a numbered reply ("3") back as the press it stands for."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.db import Tx, to_stamp

#: Choices as kept: (label as shown, the button's wire data), in the order shown.
Choices = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SentCard:
    """One card or numbered menu sent to one member, as kept."""

    id: int
    userid: str
    task_id: str | None  # None: a numbered menu sent as text
    msgid: str
    title: str
    choices: Choices
    response_code: str | None
    sent_at: datetime
    closed_at: datetime | None

    @property
    def numbered(self) -> bool:
        """Whether the choices went as numbered text replies rather than card buttons."""
        return self.task_id is None


def _of(row: sqlite3.Row) -> SentCard:
    """A row as a `SentCard`."""
    closed = row["closed_at"]
    code = row["response_code"]
    return SentCard(
        id=int(row["id"]),
        userid=str(row["userid"]),
        task_id=None if row["task_id"] is None else str(row["task_id"]),
        msgid=str(row["msgid"]),
        title=str(row["title"]),
        choices=tuple((str(k), str(d)) for k, d in json.loads(row["choices"])),
        response_code=None if code is None else str(code),
        sent_at=datetime.fromisoformat(str(row["sent_at"])),
        closed_at=None if closed is None else datetime.fromisoformat(str(closed)),
    )


async def record(
    tx: Tx,
    *,
    userid: str,
    task_id: str | None,
    msgid: str,
    title: str,
    choices: Choices,
    response_code: str | None,
) -> int:
    """Keeps a card or numbered menu just sent; a new menu replaces the member's open one (only
    the latest numbers are read back). Its id."""
    userid = userid.lower()
    if task_id is None:
        await tx.execute(
            "UPDATE wecom_cards SET closed_at = ? WHERE userid = ? AND task_id IS NULL"
            " AND closed_at IS NULL",
            (tx.stamp, userid),
        )
    card_id = await tx.execute(
        "INSERT INTO wecom_cards (userid, task_id, msgid, title, choices, response_code,"
        " sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            userid,
            task_id,
            msgid,
            title,
            json.dumps([list(c) for c in choices], ensure_ascii=False),
            response_code,
            tx.stamp,
        ),
    )
    await tx.audit(
        None, "wecom_card.sent", "wecom_card", card_id, userid=userid, numbered=task_id is None
    )
    return card_id


async def get(tx: Tx, card_id: int) -> SentCard | None:
    """A kept card or menu by its id."""
    row = await tx.fetchone("SELECT * FROM wecom_cards WHERE id = ?", (card_id,))
    return None if row is None else _of(row)


async def by_task(tx: Tx, task_id: str) -> SentCard | None:
    """A kept card by its task_id."""
    row = await tx.fetchone("SELECT * FROM wecom_cards WHERE task_id = ?", (task_id,))
    return None if row is None else _of(row)


async def clicked(tx: Tx, task_id: str, response_code: str) -> bool:
    """Keeps a click's ResponseCode as the one to settle the card with (fresher than the
    send's). False if no open card has that task_id."""
    changed = await tx.changed(
        "UPDATE wecom_cards SET response_code = ? WHERE task_id = ? AND closed_at IS NULL",
        (response_code, task_id),
    )
    if changed:
        row = await by_task(tx, task_id)
        assert row is not None
        await tx.audit(None, "wecom_card.clicked", "wecom_card", row.id)
    return changed > 0


async def take_code(tx: Tx, card_id: int) -> str | None:
    """Closes an open card and hands out its ResponseCode (one use: it is forgotten); None if
    the card is closed already or has no code."""
    row = await get(tx, card_id)
    if row is None or row.closed_at is not None:
        return None
    await tx.execute(
        "UPDATE wecom_cards SET closed_at = ?, response_code = NULL WHERE id = ?",
        (tx.stamp, card_id),
    )
    await tx.audit(None, "wecom_card.settled", "wecom_card", card_id)
    return row.response_code


async def choose(tx: Tx, userid: str, number: int, since: datetime) -> str | None:
    """The wire data of choice `number` (from 1) of the member's open numbered menu sent at or
    after `since`, closing the menu (a menu is answered once); None if there is none."""
    row = await tx.fetchone(
        "SELECT * FROM wecom_cards WHERE userid = ? AND task_id IS NULL AND closed_at IS NULL"
        " AND sent_at >= ? ORDER BY id DESC LIMIT 1",
        (userid.lower(), to_stamp(since)),
    )
    if row is None:
        return None
    menu = _of(row)
    if not 1 <= number <= len(menu.choices):
        return None
    await tx.execute("UPDATE wecom_cards SET closed_at = ? WHERE id = ?", (tx.stamp, menu.id))
    await tx.audit(None, "wecom_card.chosen", "wecom_card", menu.id, number=number)
    return menu.choices[number - 1][1]
