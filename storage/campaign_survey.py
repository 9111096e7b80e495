"""The satisfaction survey's (民主测评) public links, the key accounts are hashed with, and the
comment awaited after an answer. Every change writes its audit row; no account is stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from storage.db import Tx, to_stamp

ENTITY = "campaign"


@dataclass(frozen=True, slots=True)
class Link:
    """A unit's public survey link in a campaign: its opaque token."""

    campaign_id: int
    unit_id: int
    token: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """An answer whose optional comment is still awaited."""

    campaign_id: int
    unit_id: int
    account_hash: str


async def key(tx: Tx) -> bytes:
    """The key answerers' accounts are hashed with, made (once, at random) on first use."""
    row = await tx.fetchone("SELECT secret FROM survey_key WHERE id = 1")
    if row is not None:
        return bytes(row[0])
    secret = secrets.token_bytes(32)
    await tx.execute(
        "INSERT INTO survey_key (id, secret, made_at) VALUES (1, ?, ?)", (secret, tx.stamp)
    )
    await tx.audit(None, "campaign.survey_key", "survey_key", 1)
    return secret


async def links(tx: Tx, campaign_id: int) -> dict[int, str]:
    """Each unit's token in the campaign, by unit id."""
    rows = await tx.fetchall(
        "SELECT unit_id, token FROM campaign_survey_links WHERE campaign_id = ? ORDER BY unit_id",
        (campaign_id,),
    )
    return {int(r[0]): str(r[1]) for r in rows}


async def add_link(tx: Tx, campaign_id: int, unit_id: int, token: str, by: int | None) -> bool:
    """Gives a unit its token (once: False when it has one already)."""
    changed = await tx.changed(
        "INSERT INTO campaign_survey_links (campaign_id, unit_id, token, made_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, unit_id) DO NOTHING",
        (campaign_id, unit_id, token, tx.stamp),
    )
    if changed:
        await tx.audit(by, "campaign.survey_link", ENTITY, campaign_id, unit=unit_id)
    return bool(changed)


async def by_token(tx: Tx, token: str) -> Link | None:
    """The link a token stands for, if any."""
    row = await tx.fetchone(
        "SELECT campaign_id, unit_id, token FROM campaign_survey_links WHERE token = ?", (token,)
    )
    return None if row is None else Link(int(row[0]), int(row[1]), str(row[2]))


async def answered(tx: Tx, campaign_id: int, unit_id: int, account_hash: str) -> bool:
    """Whether this (hashed) account already answered for the unit."""
    row = await tx.fetchone(
        "SELECT 1 FROM campaign_survey WHERE campaign_id = ? AND unit_id = ? AND account_hash = ?",
        (campaign_id, unit_id, account_hash),
    )
    return row is not None


async def await_comment(
    tx: Tx, campaign_id: int, unit_id: int, account_hash: str, until: datetime
) -> None:
    """The answer's comment is awaited until then."""
    await tx.execute(
        "UPDATE campaign_survey SET comment_until = ?"
        " WHERE campaign_id = ? AND unit_id = ? AND account_hash = ?",
        (to_stamp(until), campaign_id, unit_id, account_hash),
    )
    await tx.audit(None, "campaign.survey_wait", ENTITY, campaign_id, unit=unit_id)


async def any_waiting(tx: Tx, now: datetime) -> bool:
    """Whether any comment is awaited now (a cheap look before hashing anyone's account)."""
    row = await tx.fetchone(
        "SELECT 1 FROM campaign_survey WHERE comment_until IS NOT NULL AND comment_until > ?"
        " LIMIT 1",
        (to_stamp(now),),
    )
    return row is not None


async def waiting(tx: Tx, hashes: list[tuple[int, str]], now: datetime) -> Waiting | None:
    """The newest answer of these (campaign, hashed account) pairs whose comment is awaited."""
    if not hashes:
        return None
    marks = ", ".join("(?, ?)" for _ in hashes)
    row = await tx.fetchone(
        "SELECT campaign_id, unit_id, account_hash FROM campaign_survey"
        " WHERE comment_until IS NOT NULL AND comment_until > ?"
        f" AND (campaign_id, account_hash) IN (VALUES {marks})"
        " ORDER BY comment_until DESC LIMIT 1",
        (to_stamp(now), *(value for pair in hashes for value in pair)),
    )
    return None if row is None else Waiting(int(row[0]), int(row[1]), str(row[2]))


async def set_comment(
    tx: Tx, campaign_id: int, unit_id: int, account_hash: str, comment: str
) -> bool:
    """Keeps the awaited comment (an empty one: skipped) and stops waiting; False when it was
    no longer awaited."""
    changed = await tx.changed(
        "UPDATE campaign_survey SET comment = ?, comment_until = NULL"
        " WHERE campaign_id = ? AND unit_id = ? AND account_hash = ?"
        " AND comment_until IS NOT NULL",
        (comment, campaign_id, unit_id, account_hash),
    )
    if changed:
        await tx.audit(
            None,
            "campaign.survey_comment",
            ENTITY,
            campaign_id,
            unit=unit_id,
            chars=len(comment),
        )
    return bool(changed)
