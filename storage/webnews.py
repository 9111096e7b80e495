"""Website news repository (中心新闻, 第七条): each item's sign-off and publication on the website.

Every change is compare-and-set on (state, round), so a second press or an old button finds
nothing to change, and is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.db import Tx
from storage.models import Row

#: States in which a website news item still waits for somebody.
OPEN_STATES = ("signing", "returned", "approved")


class WebNews(Row):
    """One item's website news: its text as sent, sign-off, and publication."""

    id: int
    item_id: int
    state: str  # signing, returned, approved, published, cancelled
    round: int
    heading: str
    body: str
    proposed_by: int
    proposed_at: datetime
    signed_by: int | None
    signed_at: datetime | None
    return_reason: str | None
    url: str | None
    published_by: int | None
    published_at: datetime | None
    adoption_id: int | None


async def get_news(tx: Tx, news_id: int) -> WebNews | None:
    """One website news row by id."""
    row = await tx.fetchone("SELECT * FROM web_news WHERE id = ?", (news_id,))
    return WebNews.from_row(row) if row else None


async def news_of_item(tx: Tx, item_id: int) -> WebNews | None:
    """The item's website news that is not cancelled (there is at most one)."""
    row = await tx.fetchone(
        "SELECT * FROM web_news WHERE item_id = ? AND state != 'cancelled'", (item_id,)
    )
    return WebNews.from_row(row) if row else None


async def create_news(
    tx: Tx, *, item_id: int, heading: str, body: str, proposed_by: int
) -> WebNews:
    """Sends an item's text to website sign-off (round 1)."""
    news_id = await tx.execute(
        "INSERT INTO web_news (item_id, heading, body, proposed_by, proposed_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (item_id, heading, body, proposed_by, tx.stamp),
    )
    await tx.audit(proposed_by, "web.propose", "web_news", news_id, item_id=item_id, round=1)
    news = await get_news(tx, news_id)
    assert news is not None
    return news


async def resend_news(
    tx: Tx, news_id: int, *, round_: int, heading: str, body: str, actor_id: int
) -> bool:
    """A returned news item goes back to sign-off as the next round, with the current text."""
    changed = await tx.execute(
        "UPDATE web_news SET state = 'signing', round = round + 1, heading = ?, body = ?,"
        " return_reason = NULL, proposed_by = ?, proposed_at = ?"
        " WHERE id = ? AND state = 'returned' AND round = ?",
        (heading, body, actor_id, tx.stamp, news_id, round_),
    )
    if changed:
        await tx.audit(actor_id, "web.resend", "web_news", news_id, round=round_ + 1)
    return bool(changed)


async def restart_news(
    tx: Tx, news_id: int, *, round_: int, heading: str, body: str, actor_id: int
) -> bool:
    """News under review or approved goes back to sign-off as the next round with the item's
    changed text (what was signed no longer holds); False if it is no longer there."""
    changed = await tx.execute(
        "UPDATE web_news SET state = 'signing', round = round + 1, heading = ?, body = ?,"
        " signed_by = NULL, signed_at = NULL, proposed_by = ?, proposed_at = ?"
        " WHERE id = ? AND state IN ('signing', 'approved') AND round = ?",
        (heading, body, actor_id, tx.stamp, news_id, round_),
    )
    if changed:
        await tx.audit(actor_id, "web.restart", "web_news", news_id, round=round_ + 1)
    return bool(changed)


async def approve_news(tx: Tx, news_id: int, *, round_: int, signer_id: int) -> bool:
    """The centre leader signs (审签) the round that is waiting; False if it is not waiting."""
    changed = await tx.execute(
        "UPDATE web_news SET state = 'approved', signed_by = ?, signed_at = ?"
        " WHERE id = ? AND state = 'signing' AND round = ?",
        (signer_id, tx.stamp, news_id, round_),
    )
    if changed:
        await tx.audit(signer_id, "web.approve", "web_news", news_id, round=round_)
    return bool(changed)


async def return_news(tx: Tx, news_id: int, *, round_: int, signer_id: int, reason: str) -> bool:
    """The centre leader returns the waiting round with a reason; False if it is not waiting."""
    if not reason.strip():
        raise ValueError("a return needs a reason")
    changed = await tx.execute(
        "UPDATE web_news SET state = 'returned', return_reason = ?"
        " WHERE id = ? AND state = 'signing' AND round = ?",
        (reason, news_id, round_),
    )
    if changed:
        await tx.audit(signer_id, "web.return", "web_news", news_id, round=round_, reason=reason)
    return bool(changed)


async def publish_news(
    tx: Tx, news_id: int, *, round_: int, url: str, actor_id: int, adoption_id: int | None
) -> bool:
    """Records the published URL of an approved round; False if it is not approved."""
    changed = await tx.execute(
        "UPDATE web_news SET state = 'published', url = ?, published_by = ?, published_at = ?,"
        " adoption_id = ? WHERE id = ? AND state = 'approved' AND round = ?",
        (url, actor_id, tx.stamp, adoption_id, news_id, round_),
    )
    if changed:
        await tx.audit(
            actor_id,
            "web.publish",
            "web_news",
            news_id,
            round=round_,
            url=url,
            adoption_id=adoption_id,
        )
    return bool(changed)


async def cancel_news(tx: Tx, news_id: int, *, actor_id: int) -> bool:
    """Stops a news item that is not yet published (its website route was dropped)."""
    changed = await tx.execute(
        "UPDATE web_news SET state = 'cancelled'"
        " WHERE id = ? AND state IN ('signing', 'returned', 'approved')",
        (news_id,),
    )
    if changed:
        await tx.audit(actor_id, "web.cancel", "web_news", news_id)
    return bool(changed)


async def news_in_states(
    tx: Tx, states: Sequence[str], *, proposed_by: int | None = None, limit: int = 30
) -> list[WebNews]:
    """News in some states (optionally one editor's), oldest first."""
    marks = ", ".join("?" for _ in states)
    params: list[object] = list(states)
    where = f"state IN ({marks})"
    if proposed_by is not None:
        where += " AND proposed_by = ?"
        params.append(proposed_by)
    rows = await tx.fetchall(
        f"SELECT * FROM web_news WHERE {where} ORDER BY proposed_at, id LIMIT ?",
        [*params, limit],
    )
    return [WebNews.from_row(row) for row in rows]
