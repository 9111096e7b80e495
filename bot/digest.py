"""The admins' daily digest: messages that did not arrive (who, what, what to do) and steps
nobody can sign (the /invite that fixes each), in words and queued once a working day; and the
pace at which the sweep looks over every waiting step for it and for offers made again."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from chat.capabilities import TELEGRAM
from chat.render import TELEGRAM_HTML
from chat.texts import Texts
from delivery.outbox import SIGNOFF_NOTICES
from storage import jobs
from storage.db import Database
from storage.models import OutboxMessage
from workflow import reach, schedule
from workflow.rules import CentreRules
from workflow.schedule import Outgoing, ScheduleRules, post_once

DIGEST_LINES = 40  # of each list; the rest is counted


def digest_text(texts: Texts, day: str, found: reach.Digest) -> str:
    """The admins' digest: undelivered messages (who, what, what to do) and steps waiting on
    nobody (unit, item, the missing role and the /invite that fixes it)."""
    lines = [texts("digest.head", day=day)]
    if found.undelivered:
        lines += ["", texts("digest.undelivered_head", count=len(found.undelivered))]
        for entry in found.undelivered[:DIGEST_LINES]:
            lines.append(_undelivered_line(texts, entry))
        if len(found.undelivered) > DIGEST_LINES:
            lines.append(texts("digest.more", count=len(found.undelivered) - DIGEST_LINES))
    if found.unreached:
        lines += ["", texts("digest.unreached_head", count=len(found.unreached))]
        for waiting in found.unreached[:DIGEST_LINES]:
            lines.append(
                texts(
                    "digest.unreached_line",
                    item=waiting.item.id,
                    title=waiting.item.title[:40],
                    unit=waiting.unit.name,
                    role=texts.role(waiting.role),
                    role_key=waiting.role.value,
                )
            )
        if len(found.unreached) > DIGEST_LINES:
            lines.append(texts("digest.more", count=len(found.unreached) - DIGEST_LINES))
    return "\n".join(lines)


def _undelivered_line(texts: Texts, entry: reach.Undelivered) -> str:
    """One undelivered message: to whom, what it was, its state, and what to do about it."""
    message = entry.message
    who = (
        texts("digest.who_person", name=entry.person.name, chat=message.address)
        if entry.person is not None
        else texts("digest.who_chat", chat=message.address)
    )
    signoff = message.purpose.startswith(("notice:signoff_request:", "notice:signoff_again:"))
    state = "uncertain" if message.state == "uncertain" else "failed"
    todo = f"digest.todo_{'signoff' if signoff else 'other'}_{state}"
    return texts(
        "digest.line",
        who=who,
        what=_what(texts, message),
        state=texts(f"digest.state_{state}"),
        error=(message.last_error or "")[:80],
        todo=texts(todo),
    )


def _what(texts: Texts, message: OutboxMessage) -> str:
    """What an outbox message was, in words: a sign-off request, a notice, a reminder, …"""
    parts = message.purpose.split(":")
    if parts[0] == "notice" and len(parts) > 2:
        if parts[1] in SIGNOFF_NOTICES:
            return texts("digest.what_signoff", item=parts[2])
        item = json.loads(message.payload).get("item_id")
        if item is not None:
            return texts("digest.what_item_notice", item=item)
        return texts("digest.what_notice")
    known = {
        "remind": "digest.what_reminder",
        "bulletin": "digest.what_bulletin",
        "annual": "digest.what_annual",
        "announce": "digest.what_announce",
        "digest": "digest.what_digest",
        "calendar-gap": "digest.what_calendar",
    }
    if parts[0] in known:
        return texts(known[parts[0]])
    return texts("digest.what_other", purpose=message.purpose[:60])


async def recheck_due(db: Database, local: datetime, plan: ScheduleRules) -> bool:
    """Whether this sweep looks over every waiting step: once in each `recheck_minutes` of the
    day (recorded, so a restart keeps the pace). The look reads every pending item; at
    100,000 of them it takes seconds, too long for every minute's sweep."""
    slot = (local.hour * 60 + local.minute) // plan.recheck_minutes
    key = f"recheck:{local.date().isoformat()}:{slot}"
    async with db.reading() as tx:  # most sweeps: a read, no write lock taken
        if await jobs.is_done(tx, key):
            return False
    async with db.transaction() as tx:
        due = await jobs.record(tx, key)
        if due:  # the marks of the days before yesterday are read no more
            yesterday = (local.date() - timedelta(days=1)).isoformat()
            await jobs.forget_before(tx, "recheck:", f"recheck:{yesterday}")
        return due


async def admin_digest(
    now: datetime, db: Database, rules: CentreRules, texts: Texts, plan: ScheduleRules
) -> None:
    """Once a working day: admins hear of messages that failed or may not have arrived since
    the last working day's digest, and of steps nobody can sign, each with what to do.
    Nothing is sent (nor recorded) while all is well."""
    today = rules.local_now(now).date()
    key = schedule.digest_key(today)
    async with db.reading() as tx:
        if await jobs.is_done(tx, key):
            return
    found = await reach.digest(db, schedule.digest_since(rules, plan, today))
    if found.empty:
        return
    parts = TELEGRAM.split(digest_text(texts, today.isoformat(), found), TELEGRAM_HTML.cut)
    admins = await schedule.admins(db, rules)
    await post_once(
        db,
        key,
        [
            Outgoing(f"{key}:{number}", chat, {"text": part})
            for chat in admins
            for number, part in enumerate(parts)
        ],
    )
