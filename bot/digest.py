"""The admins' daily digest in words: messages that did not arrive (who, what, what to do) and
steps nobody can sign (the /invite that fixes each)."""

from __future__ import annotations

import json

from chat.texts import Texts
from delivery.outbox import SIGNOFF_NOTICES
from storage.models import OutboxMessage
from workflow import reach

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
