"""Delivers the outbox through the channel adapters: renders rows, retries what may succeed.

The one ambiguous case is a send whose request left but whose answer never came (a read or
write timeout, or a crash between sending and recording). The channel may or may not have
delivered it and offers no way to ask. Baosong chooses at-most-once: such a message is marked
`uncertain` and listed in the admins' daily digest, never sent again — a bulletin twice costs
more trust than one an admin re-sends by hand. (A sign-off request is the exception, by a new
message: `workflow/reach.py` offers the step again, since its buttons are idempotent.)
Failures where the request surely did not arrive (no connection, a flood limit, a server
error) are retried with backoff. Each adapter says which is which (`Channel.classify`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from chat.cards import Phrase, Value
from chat.channel import Channel, Content, Fail, File, Prepared, Retry, Text, keys_of, stored_keys
from delivery.cards import (
    editor_buttons,
    full_text_rows,
    history_of,
    item_card_of,
    signoff_buttons,
)
from scoring.vocab import Role
from storage import files, outbox
from storage.db import Database, Tx
from storage.models import OutboxMessage
from workflow.notices import configured_admins
from workflow.outcomes import Refused
from workflow.revision import change_phrases, revised_in_round
from workflow.rules import CentreRules
from workflow.views import load_item_view, signing_history

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=1)
MAX_BACKOFF = timedelta(hours=1)
#: After a failure that alerts admins (nothing of the channel's gets through until they act),
#: how long the channel's messages wait before one is tried again; only the first such failure
#: in `ALERT_SPELL` fails its row (listed in the digest), the later ones wait with the rest.
ALERT_PAUSE = timedelta(minutes=10)
ALERT_SPELL = timedelta(hours=24)
#: One drain at a time per ledger; a lock per ledger, not per module, so a lock never outlives
#: the event loop it was first contended on (each test, the sandbox's resets, a restart).
_locks: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()

#: Notices asking for a sign-off: rendered with the item's card and the step's buttons.
SIGNOFF_NOTICES = frozenset({"signoff_request", "signoff_again"})


@runtime_checkable
class Paced(Protocol):
    """A channel that limits messages per person (WeCom): asked before each row is claimed."""

    def not_before(self, address: str, content: Content, now: datetime) -> datetime | None:
        """When this content may go to this address within the limits; None: now."""


def drain_lock(db: Database) -> asyncio.Lock:
    """The lock an outbox pass over this ledger holds."""
    return _locks.setdefault(db, asyncio.Lock())


@dataclass(slots=True)
class DrainReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    paced: int = 0  # held back by a channel's per-person limits, to go when they allow
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1 s, 2 s, 4 s, … up to an hour."""
    wait: timedelta = BASE_BACKOFF * 2 ** min(attempts, 20)
    return min(wait, MAX_BACKOFF)


async def content_of(db: Database, rules: CentreRules, message: OutboxMessage) -> Content:
    """What an outbox row asks to be sent, in neutral form: a notice as a catalogue phrase
    (an item's card in it, the step's buttons with it), prepared text, or a stored file."""
    payload: dict[str, Any] = json.loads(message.payload)
    if message.kind != "text":
        caption = str(payload.get("caption") or "")[:1000] or None
        legacy = payload.get("telegram_file_id")  # queued before files were stored as bytes
        stored = payload.get("file")
        return File(
            key=None if stored is None else str(stored),
            photo=message.kind == "photo",
            caption=caption,
            plain_caption=legacy is not None or bool(payload.get("plain_caption")),
            remote_id=None if legacy is None else str(legacy),
        )
    if "notice" not in payload:  # prepared text; a reminder of a step carries its buttons
        text = Prepared(str(payload["text"]))
        native = payload.get("markup")
        if isinstance(native, dict):  # a chat reply the channel refused, with its own buttons
            return Text(text, native=native)
        if rows := payload.get("buttons"):  # a WeCom reply with its buttons, labels as shown
            return Text(text, stored_keys(rows))
        step = payload.get("signoff")
        if step:
            item_no, round_no, step_no = (int(part) for part in step)
            return Text(text, keys_of(signoff_buttons(item_no, round_no, step_no)))
        return Text(text)
    key = str(payload["notice"])
    queued: dict[str, Any] = dict(payload.get("params") or {})
    item_id = payload.get("item_id")
    buttons = stored_keys(rows) if (rows := queued.pop("buttons", None)) else ()
    params: dict[str, Value] = queued
    if "role" in queued:
        params["role"] = Phrase(f"role.{Role(str(queued['role'])).value}")
    if item_id is not None:
        params.setdefault("item", item_id)
        if key in SIGNOFF_NOTICES or key == "editor_new_item":
            view = await load_item_view(db, int(item_id))
            today = rules.local_now(db.clock()).date()  # a request shows the days left now
            changes = await revised_in_round(db, view.item)
            revised = change_phrases(rules, changes) if changes is not None else ()
            history = history_of(view, await signing_history(db, view.item.id), revised)
            params["card"] = item_card_of(rules, view, today=today, history=history)
            if key in SIGNOFF_NOTICES:
                round_no, step_no = int(queued.get("round", 0)), int(queued.get("step", 0))
                params["step_no"] = step_no + 1
                rows = signoff_buttons(int(item_id), round_no, step_no) + full_text_rows(view)
            else:
                rows = editor_buttons(view.item.id) + full_text_rows(view)
            buttons = keys_of(rows)
    return Text(Phrase(f"notice.{key}", params), buttons)


async def drain(
    channels: Mapping[str, Channel], db: Database, rules: CentreRules, limit: int = 200
) -> DrainReport:
    """Sends every due outbox message once, each through its channel's adapter; safe to call
    from many places (one at a time).

    One message at a time, so a crash leaves at most the one in flight `uncertain`. Each
    address's messages go in the order they were queued: one that must wait holds back the
    address's later ones (here, and in `outbox.due` on later passes). Rows of a channel with
    no adapter here wait for one.
    """
    report = DrainReport()
    async with drain_lock(db):
        for name, channel in channels.items():
            await _drain_channel(name, channel, db, rules, limit, report)
    return report


async def _drain_channel(
    name: str,
    channel: Channel,
    db: Database,
    rules: CentreRules,
    limit: int,
    report: DrainReport,
) -> None:
    """One channel's due messages, in queued order per address."""
    held: set[str] = set()  # addresses whose earlier message must wait
    limited = False  # the latest send was refused for flooding
    async with db.reading() as tx:
        batch = await outbox.due(tx, name, limit)
    for message in sorted(batch, key=lambda m: m.id):
        if message.address in held:
            continue
        content: Content | None = None
        if isinstance(channel, Paced):  # over the person's limits: waits, attempts untouched
            content, later = await _paced(channel, db, rules, message)
            if later is not None:
                async with db.transaction() as tx:
                    await outbox.postpone(tx, [message.id], later)
                held.add(message.address)
                report.paced += 1
                continue
        async with db.transaction() as tx:  # claimed just before its send: a crash leaves
            if not await outbox.claim(tx, message.id):  # at most this one uncertain
                continue
        outcome, pause = await _send_one(channel, db, rules, message, report, content)
        if outcome == "later":
            held.add(message.address)
        if outcome == "sent":
            limited = False
        if outcome == "alert":  # nothing of this channel's gets through: the rest waits
            rest = [m.id for m in batch if m.id != message.id]
            async with db.transaction() as tx:
                await outbox.postpone(tx, rest, db.clock() + ALERT_PAUSE)
            break
        if pause is None:
            continue
        # One flood refusal may be that chat's own limit: only its messages wait. Two in a
        # row are the bot's overall limit: the rest of the batch waits too.
        if limited:
            async with db.transaction() as tx:
                await outbox.postpone(tx, [m.id for m in batch], pause)
            break
        limited = True


async def _paced(
    channel: Paced, db: Database, rules: CentreRules, message: OutboxMessage
) -> tuple[Content | None, datetime | None]:
    """A row's content, and when the channel's per-person limits let it go (None: now, or it
    cannot be made: the send records that)."""
    try:
        content = await content_of(db, rules, message)
    except Refused:
        return None, None
    return content, channel.not_before(message.address, content, db.clock())


async def _send_one(
    channel: Channel,
    db: Database,
    rules: CentreRules,
    message: OutboxMessage,
    report: DrainReport,
    content: Content | None = None,
) -> tuple[str, datetime | None]:
    """One claimed message (its content made already, or now): send, then record sent,
    retry, failed or uncertain.

    Returns the outcome (sent, later, alert for a failure admins are told of, or done for
    failed and uncertain) and, after a flood refusal, when the channel asked the bot to try
    again.
    """
    now: datetime = db.clock()
    try:
        if content is None:
            content = await content_of(db, rules, message)
        sent = await channel.send(message.address, content, again=message.attempts > 0)
    except Refused as error:  # the message cannot be made (a file with no bytes here)
        await _fail(db, message, error.key, report)
        return "done", None
    except Exception as error:
        verdict = channel.classify(error)
        if verdict is None:
            raise
        match verdict:
            case Retry(after=after) if after is not None:
                later = now + after
                async with db.transaction() as tx:
                    await outbox.release(tx, message.id, str(error), later)
                report.retried += 1
                return "later", later
            case Retry():
                async with db.transaction() as tx:
                    if message.attempts + 1 >= MAX_ATTEMPTS:
                        await outbox.mark_failed(tx, message.id, f"gave up: {error}")
                        report.failed += 1
                        return "done", None
                    retry_at = now + backoff(message.attempts)
                    await outbox.release(tx, message.id, str(error), retry_at)
                    report.retried += 1
                return "later", None
            case Fail(reason=reason, alert=alert) if alert is not None:
                await _alert(db, rules, message, reason, alert, report)
                return "alert", None
            case Fail(reason=reason):
                await _fail(db, message, reason, report)
                return "done", None
        async with db.transaction() as tx:
            await outbox.mark_failed(tx, message.id, f"uncertain: {error}", uncertain=True)
        report.uncertain += 1
        log.warning("outbox %s: delivery uncertain (%s); not resent", message.id, error)
        return "done", None
    async with db.transaction() as tx:
        await outbox.mark_sent(tx, message.id, sent.message_id)
        if isinstance(content, File) and content.key is not None and sent.remote_file:
            # a stored file uploaded now is sent by its id on this channel from now on
            await remember(tx, content.key, sent.channel, sent.remote_file)
    report.sent += 1
    return "sent", None


async def remember(tx: Tx, key: str, channel: str, remote_id: str) -> None:
    """Keeps a channel's id for a stored file, so it is never uploaded there again."""
    await files.remember_remote_id(tx, key, channel, remote_id)


async def _fail(db: Database, message: OutboxMessage, reason: str, report: DrainReport) -> None:
    """Records a message that can never be delivered."""
    async with db.transaction() as tx:
        await outbox.mark_failed(tx, message.id, reason)
    report.failed += 1
    report.errors.append(f"{message.address}: {reason}")


async def _alert(
    db: Database,
    rules: CentreRules,
    message: OutboxMessage,
    reason: str,
    alert: str,
    report: DrainReport,
) -> None:
    """A failure nothing of the channel's gets past until admins act: the configured admins
    are alerted (each once an hour, on whatever account reaches them); the first such
    message of a spell fails, and while the spell lasts the others wait for the fix."""
    log.error("outbox %s: %s; admins alerted (%s)", message.id, reason, alert)
    async with db.transaction() as tx:
        since = tx.now - ALERT_SPELL
        earlier = [
            m for m in await outbox.by_purpose(tx, "", f"alert:{alert}:") if m.created_at >= since
        ]
        payload = {"notice": alert, "params": {"error": reason[:200]}, "item_id": None}
        for admin in await configured_admins(tx, rules):
            await outbox.enqueue(tx, f"alert:{alert}:{tx.now:%Y-%m-%dT%H}", admin, payload)
        if earlier:
            await outbox.release(tx, message.id, reason, tx.now + ALERT_PAUSE)
            report.retried += 1
            return
        await outbox.mark_failed(tx, message.id, reason)
    report.failed += 1
    report.errors.append(f"{message.address}: {reason}")
