"""Entities Telegram adds or keeps by itself: UTF-16 lengths, commands, mentions, URLs, trimming."""

from __future__ import annotations

import re

from sandbox.telegram.api import JSON

#: TDLib's tie-break priorities when entities start at the same offset with the same length.
_ENTITY_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "mention": 50,
    "bot_command": 50,
    "url": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}(?![\w@])")
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)'\]]")


def detect_entities(text: str) -> list[JSON]:
    """Entities Telegram finds by itself: bot commands, @mentions and http(s) URLs."""
    found: list[JSON] = []
    for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE), ("url", _URL_RE)):
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group()),
                }
            )
    return found


def _sort_entities(entities: list[JSON]) -> list[JSON]:
    """TDLib's order: by offset, longer first, then by type priority."""
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], _ENTITY_PRIORITY.get(e["type"], 50)),
    )


def trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip leading/trailing whitespace like Telegram and clip entities to what is left."""
    stripped = text.lstrip(" \t\r\n\v\f")
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(" \t\r\n\v\f")
    total = utf16_len(stripped)
    kept: list[JSON] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append(entity | {"offset": start, "length": end - start})
    return stripped, kept


def with_detected(text: str, entities: list[JSON]) -> list[JSON]:
    """Formatting entities plus auto-detected ones that are not inside code, pre or links."""
    opaque = [
        (e["offset"], e["offset"] + e["length"])
        for e in entities
        if e["type"] in {"code", "pre", "text_link", "text_mention"}
    ]
    detected = [
        e
        for e in detect_entities(text)
        if not any(s < e["offset"] + e["length"] and e["offset"] < t for s, t in opaque)
    ]
    return _sort_entities(entities + detected)
