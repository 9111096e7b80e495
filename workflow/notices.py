"""Posting notices to the outbox inside the transaction that caused them (sent once, later)."""

from __future__ import annotations

from storage import outbox
from storage.db import Tx
from workflow.outcomes import Notice


async def post(tx: Tx, notices: list[Notice]) -> None:
    """Queues each notice for its recipient; the sender renders and delivers them."""
    for notice in notices:
        if notice.key == "attachment":
            await outbox.enqueue(
                tx,
                notice.purpose,
                notice.tg_user_id,
                {
                    "telegram_file_id": notice.params["file_id"],
                    "caption": f"#{notice.item_id} {notice.params.get('name') or ''}".strip(),
                },
                kind=str(notice.params["kind"]),
            )
            continue
        await outbox.enqueue(
            tx,
            notice.purpose,
            notice.tg_user_id,
            {"notice": notice.key, "params": notice.stored_params(), "item_id": notice.item_id},
        )
