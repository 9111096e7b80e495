"""The Telegram chat as the page draws it: a stored message as JSON, its entities as safe HTML."""

from __future__ import annotations

import html
from typing import Any

JSON = dict[str, Any]


def message_json(message: JSON) -> JSON:
    """A stored message as the page draws it (the contract's message object)."""
    text = message.get("text")
    photo = message.get("photo") or []
    document = message.get("document")
    markup = message.get("reply_markup") or {}
    inline = markup.get("inline_keyboard")
    keyboard = markup.get("keyboard")
    return {
        "message_id": int(message["message_id"]),
        "from_bot": bool(message["from"]["is_bot"]),
        "date": int(message["date"]),
        "text": text,
        "html": None if text is None else entities_html(text, message.get("entities") or []),
        "caption": message.get("caption"),
        "photo": f"/api/files/{photo[-1]['file_id']}" if photo else None,
        "document": (
            {
                "name": str(document.get("file_name") or "file"),
                "url": f"/api/files/{document['file_id']}",
                "size": int(document.get("file_size") or 0),
            }
            if document
            else None
        ),
        "inline_keyboard": (
            [
                [
                    {
                        "text": str(b.get("text", "")),
                        "callback_data": str(b.get("callback_data", "")),
                    }
                    for b in row
                ]
                for row in inline
            ]
            if inline
            else None
        ),
        "reply_keyboard": (
            [[b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in keyboard]
            if keyboard
            else None
        ),
    }


_SIMPLE_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
}
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "tg://")


def _tags(entity: JSON, covered: str) -> tuple[str, str] | None:
    """The opening and closing HTML of an entity (None: shown as plain text)."""
    kind = entity.get("type")
    if kind in _SIMPLE_TAGS:
        tag = _SIMPLE_TAGS[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "spoiler":
        return '<span class="tg-spoiler">', "</span>"
    if kind == "bot_command":
        return '<span class="tg-command">', "</span>"
    url = None
    if kind == "text_link":
        url = str(entity.get("url") or "")
    elif kind == "url":
        url = covered if "://" in covered else f"http://{covered}"
    if url is None or not url.lower().startswith(_SAFE_SCHEMES):
        return None
    href = html.escape(url, quote=True)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"


def entities_html(text: str, entities: list[JSON]) -> str:
    """Text with Telegram entities (UTF-16 offsets) as safe HTML; line breaks become <br>."""
    units = text.encode("utf-16-le", "surrogatepass")
    total = len(units) // 2

    def piece(start: int, end: int) -> str:
        """The text between two UTF-16 offsets."""
        return units[2 * start : 2 * end].decode("utf-16-le", "replace")

    spans: list[tuple[int, int, str, str]] = []  # start, end, open, close
    ordered = sorted(
        (
            e
            for e in entities
            if isinstance(e.get("offset"), int) and isinstance(e.get("length"), int)
        ),
        key=lambda e: (e["offset"], -e["length"]),
    )
    for entity in ordered:
        start = max(0, min(int(entity["offset"]), total))
        end = max(start, min(start + int(entity["length"]), total))
        tags = _tags(entity, piece(start, end)) if end > start else None
        if tags is not None:
            spans.append((start, end, *tags))
    bounds = sorted({0, total, *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, str, str]] = []
    pending = 0
    for i, position in enumerate(bounds):
        reopen: list[tuple[int, int, str, str]] = []
        while any(span[1] <= position for span in stack):
            top = stack.pop()
            out.append(top[3])
            if top[1] > position:
                reopen.insert(0, top)
        for span in reopen:
            out.append(span[2])
            stack.append(span)
        while pending < len(spans) and spans[pending][0] == position:
            out.append(spans[pending][2])
            stack.append(spans[pending])
            pending += 1
        if i + 1 < len(bounds):
            segment = piece(position, bounds[i + 1])
            out.append(html.escape(segment, quote=False).replace("\n", "<br>"))
    for span in reversed(stack):
        out.append(span[3])
    return "".join(out)
