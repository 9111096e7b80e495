"""A fake Telegram Bot API server (aiohttp) that a real PTB `Application` polls over HTTP.

Flow tests (../shared/spec/DESIGN.md, "Tests") and a local sandbox point
`ApplicationBuilder().base_url(server.base_url).base_file_url(server.base_file_url)` at it;
it answers like Telegram (same result shapes, same error codes and descriptions), records
every call, and lets the caller act as users: messages, commands with `bot_command`
entities, photos, documents and button clicks with `chat_instance`.

Deliberate limits: one bot per server (any well-formed token, or only `token` if given);
no webhooks are delivered; photos are not resized (every size stores the uploaded bytes);
`Markdown`/`MarkdownV2` are not parsed (text kept as sent); URLs given as files are not
fetched (answered like an unreachable URL).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import inspect
import json
import logging
import mimetypes
import random
import re
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import web

JSON = dict[str, Any]
Clock = Callable[[], datetime]
_Handler = Callable[["_Request"], object]

log = logging.getLogger(__name__)

#: Telegram's limits that the fake enforces.
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_ANSWER_TEXT_LENGTH = 200

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
TERMINATED_BY_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
#: Network faults `FakeBotApi(network_fault_rate=…)` injects, each as likely.
NETWORK_FAULTS: Final = ("429", "500", "slow", "drop_before", "drop_after")
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

_CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
_INLINE_BUTTON_ACTIONS = frozenset(
    [
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    ]
)
#: Form fields PTB sends as plain strings; every other form field is JSON-encoded.
_STRING_PARAMS = frozenset(
    [
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "action",
        "language_code",
        "file_id",
        "photo",
        "document",
        "inline_message_id",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "title",
        "description",
        "short_description",
        "name",
        "emoji",
        "certificate",
        "thumbnail",
    ]
)
_HTML_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
_UPDATE_TYPES_OFF_BY_DEFAULT = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
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
_PHOTO_SIDES = (90, 320, 800, 1280, 2560)
_PHOTO_PREFIX = "AgACAgUAAxkBAAI"
_DOCUMENT_PREFIX = "BQACAgUAAxkBAAI"


class ApiError(Exception):
    """A Bot API error answer: HTTP status = `error_code`, like Telegram."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        """The JSON Telegram sends for this error."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (what PTB sends for bytes/file objects)."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class ApiCall:
    """One request the bot made: decoded params, uploads, and the answer once it was sent."""

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    time: datetime
    monotonic: float
    status: int | None = None
    response: JSON | None = None

    @property
    def ok(self) -> bool:
        """Whether Telegram (the fake) answered with `ok: true`."""
        return self.response is not None and bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The `result` of a successful call (None while pending or on error)."""
        return None if self.response is None else self.response.get("result")


@dataclass
class _Fault:
    """An injected failure for the next `times` calls of a method."""

    error: ApiError
    times: int


@dataclass
class _StoredFile:
    """A file the server holds: its ids, bytes and download path."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    data: bytes
    file_path: str


@dataclass
class _Chat:
    """A chat the bot can reach: its Chat object and every message in it."""

    info: JSON
    instance: str
    next_message_id: int = 1
    messages: dict[int, JSON] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    #: Bumped whenever a message appears, changes or is deleted (see `FakeBotApi.chat_versions`).
    version: int = 0

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.info["id"])

    def bot_messages(self, include_deleted: bool) -> list[JSON]:
        """Messages sent by the bot, oldest first."""
        return [
            message
            for message_id, message in self.messages.items()
            if message["from"]["is_bot"] and (include_deleted or message_id not in self.deleted)
        ]


@dataclass
class _Request:
    """What a method implementation gets: decoded params, uploads, and the calling bot."""

    params: JSON
    files: dict[str, UploadedFile]
    bot: JSON


# ----------------------------------------------------------------------------- text helpers


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def _is_space(byte: int) -> bool:
    """TDLib's is_space (NUL counts, so the end of the text stops every scan)."""
    return byte in b" \t\r\n\v\x00"


def _is_alpha(byte: int) -> bool:
    """An ASCII letter."""
    return 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _is_digit(byte: int) -> bool:
    """An ASCII digit."""
    return 0x30 <= byte <= 0x39


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int] | None:
    """Telegram's character references: &lt; &gt; &amp; &quot; and numeric ones, `;` optional."""

    def at(k: int) -> int:
        """The byte at k, 0 past the end (TDLib reads a NUL-terminated string)."""
        return data[k] if k < len(data) else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while _is_digit(at(end)) or at(end) in b"abcdefABCDEF":
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while _is_digit(at(end)):
                code = code * 10 + at(end) - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
    else:
        while _is_alpha(at(end)):
            end += 1
        named = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(data[pos + 1 : end])
        if named is None:
            return None
        code = named
    if at(end) == ord(";"):
        end += 1
    return code, end


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    argument: str
    offset: int
    byte_pos: int


def parse_html(html: str, known_users: dict[int, JSON] | None = None) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: plain text and entities, or ValueError with its message."""
    # A port of TDLib's `parse_html` (what the Bot API runs): the same tags, attributes,
    # character references and error messages with byte offsets.
    data = html.encode("utf-8", "surrogatepass")

    def at(k: int) -> int:
        """The byte at k, 0 past the end (TDLib reads a NUL-terminated string)."""
        return data[k] if k < len(data) else 0

    out = bytearray()
    utf16_offset = 0
    recheck_utf8 = False
    stack: list[_OpenTag] = []
    raw: list[tuple[str, int, int, str]] = []  # type, offset, length, argument
    i = 0
    while i < len(data):
        c = data[i]
        if c == ord("&"):
            decoded = _decode_html_entity(data, i)
            if decoded is not None:
                code, i = decoded
                utf16_offset += 2 if code > 0xFFFF else 1
                recheck_utf8 = recheck_utf8 or 0xD800 <= code <= 0xDFFF
                out += chr(code).encode("utf-8", "surrogatepass")
                continue
        if c != ord("<"):
            if c & 0xC0 != 0x80:
                utf16_offset += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != ord("/"):
            while not _is_space(at(i)) and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise ValueError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].lower().decode("utf-8", "replace")
            if tag not in _HTML_TAGS:
                raise ValueError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != ord(">"):
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == ord(">"):
                    break
                name_begin = i
                while not _is_space(at(i)) and at(i) not in b"=>":
                    i += 1
                name = data[name_begin:i]
                if not name:
                    raise ValueError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if tag == "blockquote" and name == b"expandable" and at(i) != ord("="):
                    if at(i) == 0:
                        raise ValueError(f"Unclosed start tag at byte offset {begin}")
                    argument = "expandable"
                    continue
                if at(i) != ord("="):
                    raise ValueError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise ValueError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in b"'\"":
                    token_begin = i
                    while _is_alpha(at(i)) or _is_digit(at(i)) or at(i) in b".-":
                        i += 1
                    value = data[token_begin:i].lower().decode()
                    if not _is_space(at(i)) and at(i) != ord(">"):
                        raise ValueError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    buffer = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&"):
                            ref = _decode_html_entity(data, i)
                            if ref is not None:
                                buffer += chr(ref[0]).encode("utf-8", "surrogatepass")
                                i = ref[1]
                                continue
                        buffer.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = buffer.decode("utf-8", "replace")
                if at(i) == 0:
                    raise ValueError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and name == b"href":
                    argument = value
                elif tag == "code" and name == b"class" and value.startswith("language-"):
                    argument = value.removeprefix("language-")
                elif tag == "span" and name == b"class" and value.startswith("tg-"):
                    argument = value.removeprefix("tg-")
                elif tag == "tg-emoji" and name == b"emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise ValueError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append(_OpenTag(tag, argument, utf16_offset, len(out)))
            i += 1
            continue
        # an end tag
        if not stack:
            raise ValueError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(at(i)) and at(i) != ord(">"):
            i += 1
        end_tag = data[begin + 2 : i].lower().decode("utf-8", "replace")
        while at(i) != 0 and _is_space(at(i)):
            i += 1
        if at(i) != ord(">"):
            raise ValueError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        opened = stack.pop()
        if end_tag and end_tag != opened.name:
            raise ValueError(
                f'Unmatched end tag at byte offset {begin}, expected "</{opened.name}>", '
                f'found "</{end_tag}>"'
            )
        length = utf16_offset - opened.offset
        if length <= 0:
            continue
        entity = _entity_for_tag(opened, length, out, raw)
        if entity is not None:
            raw.append(entity)
    if stack:
        raise ValueError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    try:
        text = bytes(out).decode("utf-8", "strict" if recheck_utf8 else "replace")
    except UnicodeDecodeError:
        raise ValueError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        ) from None
    return text, [_entity_json(kind, off, n, arg, known_users or {}) for kind, off, n, arg in raw]


def _entity_for_tag(
    opened: _OpenTag, length: int, out: bytearray, raw: list[tuple[str, int, int, str]]
) -> tuple[str, int, int, str] | None:
    """The entity a closed tag makes (merging <pre><code class=…> into one pre), or None."""
    offset, tag, argument = opened.offset, opened.name, opened.argument
    simple = {
        "i": "italic",
        "em": "italic",
        "b": "bold",
        "strong": "bold",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    if tag in simple:
        return simple[tag], offset, length, ""
    if tag == "blockquote":
        kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
        return kind, offset, length, ""
    if tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise ValueError("Invalid custom emoji identifier specified")
        return "custom_emoji", offset, length, argument
    if tag == "a":
        url = argument or bytes(out[opened.byte_pos :]).decode("utf-8", "replace")
        mention = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if mention:
            return "text_mention", offset, length, mention.group(1)
        checked = _checked_link(url)
        return None if checked is None else ("text_link", offset, length, checked)
    last = raw[-1] if raw else None
    same_span = last is not None and last[1] == offset and last[2] == length
    if tag == "pre":
        if last is not None and same_span and last[0] == "code" and last[3]:
            raw[-1] = ("pre", offset, length, last[3])
            return None
        return "pre", offset, length, ""
    # tag == "code"
    if last is not None and same_span and last[0] == "pre" and argument:
        raw[-1] = ("pre", offset, length, argument)
        return None
    return "code", offset, length, argument


def _checked_link(url: str) -> str | None:
    """A link as Telegram normalizes it (scheme added, `/` after a bare host), or None."""
    url = url.strip()
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        scheme, rest = url.split("://", 1)
        if scheme.lower() in {"http", "https"} and "/" not in rest:
            return f"{url}/"
        return url if rest else None
    if re.match(r"^[\w-]+(\.[\w-]+)+(:\d+)?([/?#].*)?$", url):
        return _checked_link(f"http://{url}")
    return None


def _entity_json(
    kind: str, offset: int, length: int, argument: str, users: dict[int, JSON]
) -> JSON:
    """A MessageEntity object in Bot API shape."""
    entity: JSON = {"type": kind, "offset": offset, "length": length}
    if kind == "pre" and argument:
        entity["language"] = argument
    elif kind == "text_link":
        entity["url"] = argument
    elif kind == "text_mention":
        user_id = int(argument)
        entity["user"] = users.get(user_id, {"id": user_id, "is_bot": False, "first_name": ""})
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = argument
    return entity


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


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
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


def _with_detected(text: str, entities: list[JSON]) -> list[JSON]:
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


# ----------------------------------------------------------------------------- image helpers


def make_png(width: int = 640, height: int = 480) -> bytes:
    """A valid grey PNG of the given size (test data for photos)."""
    row = b"\x00" + b"\x80" * width
    pixels = zlib.compress(row * height)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        """A PNG chunk: length, type, data, CRC."""
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF or WebP/BMP (a default size), or None if not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 9 <= len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            if marker in {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD}:
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return int(width), int(height)
            pos += 2 + int(length)
        return 800, 600
    if (data.startswith(b"RIFF") and data[8:12] == b"WEBP") or data.startswith(b"BM"):
        return 512, 512
    return None


def _scaled(width: int, height: int, side: int) -> tuple[int, int]:
    """The size fitting in a `side`×`side` box, keeping the aspect ratio."""
    factor = side / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


# ----------------------------------------------------------------------------- server


class FakeBotApi:
    """A Telegram Bot API stand-in on 127.0.0.1: real HTTP, Telegram's answers, a call log."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        bot_first_name: str = "报送测试机器人",
        bot_username: str = "baosong_test_bot",
        accept_webhooks: bool = False,
        clock: Clock | None = None,
        seed: int = 0,
        telegram_limits: bool = False,
        random_fault_rate: float = 0.0,
        network_fault_rate: float = 0.0,
    ) -> None:
        #: Enforce Telegram's flood limits on sends (30/s overall, 1/s per private chat,
        #: 20/min per group) by answering 429 with retry_after, as Telegram does.
        self.telegram_limits = telegram_limits
        #: Share of send calls that fail at random with a 429, 500 or 502 (before any effect).
        self.random_fault_rate = random_fault_rate
        #: Share of all calls but getUpdates hit by a network fault (`NETWORK_FAULTS`): a 429 or
        #: a 500 before any effect, a slow answer, or a connection dropped before or after the
        #: call took effect (the client cannot tell which). Counted in `network_faults`.
        self.network_fault_rate = network_fault_rate
        self.network_faults: dict[str, int] = {}
        self._sends: list[float] = []
        self._chat_sends: dict[int, list[float]] = {}
        self._host = host
        self._requested_port = port
        self._token = token
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.accept_webhooks = accept_webhooks
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._random = random.Random(seed)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._changed = asyncio.Event()
        self._chat_changes = 0

        #: Every request, in arrival order (the answer is filled in when it is sent).
        self.calls: list[ApiCall] = []
        #: Users who blocked the bot: sending to their private chat answers 403.
        self.blocked_users: set[int] = set()
        #: answerCallbackQuery answers by callback query id.
        self.callback_answers: dict[str, JSON] = {}

        self._faults: dict[str, list[_Fault]] = {}
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._poll_generation = 0
        self._allowed_updates: list[str] = []
        self._webhook_url = ""
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._photo_sets: dict[str, list[JSON]] = {}
        self._documents: dict[str, JSON] = {}
        self._file_counter = 0
        self._open_queries: dict[str, JSON] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._menu_buttons: dict[int | None, JSON] = {}
        self._methods: dict[str, tuple[str, _Handler]] = {}
        for name, handler in self._method_table().items():
            self._methods[name.lower()] = (name, handler)

    # -- lifecycle

    async def start(self) -> None:
        """Listen on the host and (free, unless given) port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._requested_port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        log.debug("fake Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        """Wake pending long polls (they answer an empty list) and close the server."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Start on entry."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop on exit."""
        await self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder().base_url(...)`; PTB appends the token."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder().base_file_url(...)`; PTB appends the token."""
        return f"http://{self._host}:{self.port}/file/bot"

    # -- acting as users and chats

    def user(
        self,
        user_id: int,
        first_name: str = "测试用户",
        username: str | None = None,
        language_code: str | None = "zh-hans",
        *,
        last_name: str | None = None,
        started: bool = True,
    ) -> FakeUser:
        """A Telegram user (same object for the same id); their private chat id is `user_id`."""
        # `started=False` is a user who never opened the bot: sending to them answers 403
        # "bot can't initiate conversation with a user" until they write to it.
        if user_id in self._users:
            return self._users[user_id]
        fake = FakeUser(self, user_id, first_name, last_name, username, language_code, started)
        self._users[user_id] = fake
        info: JSON = {"id": user_id, "first_name": first_name}
        if last_name is not None:
            info["last_name"] = last_name
        if username is not None:
            info["username"] = username
        info["type"] = "private"
        self._chats[user_id] = _Chat(info=info, instance=self._new_instance())
        return fake

    def group(self, chat_id: int, title: str, *, kind: str = "group") -> FakeGroup:
        """A group (or `kind="supergroup"`) the bot is in (same object per id; ids negative)."""
        if kind not in {"group", "supergroup"}:
            raise ValueError(f"not a group chat type: {kind}")
        if chat_id in self._groups:
            return self._groups[chat_id]
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} is a private chat")
        self._chats[chat_id] = _Chat(
            info={"id": chat_id, "title": title, "type": kind}, instance=self._new_instance()
        )
        self._groups[chat_id] = FakeGroup(self, chat_id, title, kind)
        return self._groups[chat_id]

    # -- fault injection

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail (nothing is done for them)."""
        # The description defaults to Telegram's for the code, e.g. 429 → "Too Many
        # Requests: retry after N" with `parameters.retry_after`.
        if description is None:
            description = {
                400: "Bad Request",
                403: "Forbidden",
                409: "Conflict",
                429: f"Too Many Requests: retry after {retry_after or 0}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        canonical = self._methods.get(method.lower(), (method, None))[0]
        error = ApiError(error_code, description, retry_after)
        self._faults.setdefault(canonical.lower(), []).append(_Fault(error, times))

    # -- what the bot did

    def calls_of(self, method: str) -> list[ApiCall]:
        """Calls of one method (case-insensitive), oldest first."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def sent_to(self, chat_id: int, *, include_deleted: bool = False) -> list[JSON]:
        """Messages the bot sent to a chat, oldest first, as they are now (after edits)."""
        # Message objects in Bot API shape; `reply_markup` is kept as the bot gave it, reply
        # keyboards included (Telegram echoes only inline keyboards).
        chat = self._chats.get(chat_id)
        return [] if chat is None else copy.deepcopy(chat.bot_messages(include_deleted))

    def sent_count(self, chat_id: int) -> int:
        """How many messages the bot ever sent to a chat (deleted ones included)."""
        chat = self._chats.get(chat_id)
        return 0 if chat is None else len(chat.bot_messages(include_deleted=True))

    def last_message(self, chat_id: int) -> JSON:
        """The bot's latest (not deleted) message in a chat; LookupError if there is none."""
        sent = self.sent_to(chat_id)
        if not sent:
            raise LookupError(f"the bot has sent nothing to chat {chat_id}")
        return sent[-1]

    def message(self, chat_id: int, message_id: int) -> JSON:
        """Any message of a chat (the bot's or a user's) as it is now; LookupError if unknown."""
        chat = self._chats.get(chat_id)
        if chat is None or message_id not in chat.messages:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        return copy.deepcopy(chat.messages[message_id])

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        """Whether a message was deleted."""
        chat = self._chats.get(chat_id)
        return chat is not None and message_id in chat.deleted

    def reply_keyboard(self, chat_id: int) -> JSON | None:
        """The reply keyboard the chat shows now (last keyboard/remove_keyboard wins)."""
        shown: JSON | None = None
        for message in self.sent_to(chat_id, include_deleted=True):
            markup = message.get("reply_markup") or {}
            if "keyboard" in markup:
                shown = markup
            elif markup.get("remove_keyboard"):
                shown = None
        return shown

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set with setMyCommands for exactly this scope and language."""
        return copy.deepcopy(self._commands.get((_scope_key(scope), language_code), []))

    def menu_button(self, chat_id: int | None = None) -> JSON:
        """The menu button set for a chat (None: the default one)."""
        return copy.deepcopy(self._menu_buttons.get(chat_id, {"type": "default"}))

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes stored under a file_id (KeyError if unknown)."""
        return self._files[file_id].data

    def file_kind(self, file_id: str) -> str:
        """Whether a stored file is a "photo" or a "document" (KeyError if unknown)."""
        return self._files[file_id].kind

    def document_info(self, file_id: str) -> JSON | None:
        """The Document object (name, mime type, size) of a stored document, else None."""
        document = self._documents.get(file_id)
        return None if document is None else dict(document)

    # -- whole chats (the sandbox's web page)

    @property
    def chat_changes(self) -> int:
        """How many times any chat's messages changed (grows; see `chat_versions`)."""
        return self._chat_changes

    def chat_versions(self) -> dict[int, int]:
        """Each chat's version, bumped when a message appears, is edited or is deleted."""
        return {chat_id: chat.version for chat_id, chat in self._chats.items()}

    def chat_messages(self, chat_id: int) -> list[JSON]:
        """Every message of a chat, the users' too, oldest first, current state, deleted left out."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [
            copy.deepcopy(message)
            for message_id, message in chat.messages.items()
            if message_id not in chat.deleted
        ]

    def clear_chat(self, chat_id: int) -> None:
        """Forget a chat's messages (ids keep growing, like a history the user cleared)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return
        chat.messages.clear()
        chat.deleted.clear()
        self._touch(chat)
        self._notify()

    def drop_pending_updates(self) -> None:
        """Forget every update the bot has not fetched yet."""
        self._updates.clear()
        self._notify()

    # -- waiting

    def pending_updates(self) -> int:
        """Updates enqueued but not yet confirmed (see `wait_idle`)."""
        return len(self._updates)

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every enqueued update is confirmed.

        Confirmed means Telegram's rule: a getUpdates call arrived whose `offset` is greater
        than the update's id (or pending updates were dropped by deleteWebhook/setWebhook with
        drop_pending_updates). PTB sends that offset in the getUpdates right after it put the
        previous batch into `Application.update_queue`, so this says "PTB has them", not
        "handlers finished": for that, also `await app.update_queue.join()`.
        """
        await self.wait_until(lambda: not self._updates, timeout, "all updates confirmed")

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until `predicate()` holds; it is re-checked after every call and new update."""
        # TimeoutError after `timeout` seconds, with the recent calls in the message.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; {self._recent()}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for_bot_message(
        self,
        chat_id: int,
        after_count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """The first message the bot sent to a chat after it had sent `after_count` there."""
        await self.wait_until(
            lambda: self.sent_count(chat_id) > after_count,
            timeout,
            f"a bot message #{after_count + 1} in chat {chat_id}",
        )
        return self.sent_to(chat_id, include_deleted=True)[after_count]

    async def wait_for_answer(self, callback_query_id: str, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """The bot's answerCallbackQuery for a click (text, show_alert, url, cache_time)."""
        await self.wait_until(
            lambda: callback_query_id in self.callback_answers,
            timeout,
            f"an answer to callback query {callback_query_id}",
        )
        return dict(self.callback_answers[callback_query_id])

    def _recent(self) -> str:
        """A short summary of the last calls, for timeout messages."""
        lines = [
            f"{call.method} -> {call.status} "
            f"{'' if call.ok or call.response is None else call.response.get('description')}"
            for call in self.calls[-8:]
            if call.method != "getUpdates"
        ]
        return f"pending updates: {len(self._updates)}; recent calls: {lines}"

    def _touch(self, chat: _Chat) -> None:
        """Record that a chat's messages changed (its version and the global count)."""
        chat.version += 1
        self._chat_changes += 1

    def _notify(self) -> None:
        """Wake everyone waiting in `wait_until` or a long poll."""
        self._changed.set()
        self._changed = asyncio.Event()

    # -- updates

    def enqueue_update(self, kind: str, payload: JSON) -> JSON:
        """Add an update of a kind ("message", "callback_query", …) for getUpdates; returns it."""
        # Like Telegram, kinds excluded by the last `allowed_updates` are not queued at all.
        update: JSON = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        if self._wanted(kind):
            self._updates.append(update)
        self._notify()
        return copy.deepcopy(update)

    def _wanted(self, kind: str) -> bool:
        """Whether the bot's allowed_updates lets this kind of update through."""
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _UPDATE_TYPES_OFF_BY_DEFAULT

    def _confirm(self, offset: int) -> None:
        """Forget updates below a positive offset, or all but the last -offset ones."""
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._notify()

    # -- HTTP

    async def _handle_method(self, request: web.Request) -> web.Response:
        """One Bot API call: decode, record, maybe fail on purpose, dispatch, answer."""
        token = request.match_info["token"]
        name = request.match_info["method"]
        if not re.fullmatch(r"\d+:[\w-]+", token):
            return _answer(ApiError(404, "Not Found").body())
        if self._token is not None and token != self._token:
            return _answer(ApiError(401, "Unauthorized").body())
        try:
            params, files = await _read_params(request)
        except ValueError as exc:
            return _answer(_bad(f"can't parse request: {exc}").body())
        canonical, handler = self._methods.get(name.lower(), (name, None))
        call = ApiCall(
            method=canonical,
            params=params,
            files=files,
            time=self._clock(),
            monotonic=time.monotonic(),
        )
        self.calls.append(call)
        fault = self._network_fault(canonical)
        if fault == "slow":
            await asyncio.sleep(self._random.uniform(0.5, 3.0))
        elif fault == "drop_before":
            return _drop(request)
        try:
            if fault == "429":
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            if fault == "500":
                raise ApiError(500, "Internal Server Error")
            self._raise_fault(canonical)
            self._police_sends(canonical, params)
            if handler is None:
                raise ApiError(404, "Not Found")
            bot: JSON = {
                "id": int(token.split(":", 1)[0]),
                "is_bot": True,
                "first_name": self.bot_first_name,
                "username": self.bot_username,
            }
            outcome = handler(_Request(params, files, bot))
            if inspect.isawaitable(outcome):
                outcome = await outcome
            body: JSON = {"ok": True, "result": outcome}
            if isinstance(outcome, tuple):
                body = {"ok": True, "result": outcome[0], "description": outcome[1]}
        except ApiError as exc:
            body = exc.body()
        except Exception as exc:  # a bug in the fake: answer 500 and keep serving
            log.exception("fake Bot API failed on %s", canonical)
            body = ApiError(500, f"Internal Server Error: fake Bot API bug: {exc!r}").body()
        call.status = 200 if body["ok"] else int(body["error_code"])
        call.response = body
        self._notify()
        if fault == "drop_after":
            return _drop(request)
        if not body["ok"] and canonical != "getUpdates":
            log.debug("%s answered %s", canonical, body["description"])
        return _answer(body)

    async def _handle_file(self, request: web.Request) -> web.Response:
        """A file download by the path getFile gave."""
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return _answer(ApiError(404, "Not Found").body())
        return web.Response(body=stored.data, content_type="application/octet-stream")

    def _network_fault(self, method: str) -> str | None:
        """Which network fault, if any, hits this call (see `network_fault_rate`)."""
        if method == "getUpdates" or not self.network_fault_rate:
            return None
        if self._random.random() >= self.network_fault_rate:
            return None
        fault = self._random.choice(NETWORK_FAULTS)
        self.network_faults[fault] = self.network_faults.get(fault, 0) + 1
        return fault

    def _police_sends(self, method: str, params: JSON) -> None:
        """Random faults and Telegram's flood limits, for send methods only."""
        if not method.startswith("send") or method == "sendChatAction":
            return
        if self.random_fault_rate and self._random.random() < self.random_fault_rate:
            code = self._random.choice([429, 500, 502])
            if code == 429:
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            raise ApiError(code, "Internal Server Error" if code == 500 else "Bad Gateway")
        if not self.telegram_limits:
            return
        now = time.monotonic()
        self._sends = [t for t in self._sends if now - t < 1.0]
        chat = int(params.get("chat_id") or 0)
        window, cap = (60.0, 20) if chat < 0 else (1.0, 1)
        recent = [t for t in self._chat_sends.get(chat, []) if now - t < window]
        if len(self._sends) >= 30 or len(recent) >= cap:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._sends.append(now)
        recent.append(now)
        self._chat_sends[chat] = recent

    def _raise_fault(self, method: str) -> None:
        """Raise the injected error for this method, if one is pending."""
        faults = self._faults.get(method.lower())
        if not faults:
            return
        fault = faults[0]
        fault.times -= 1
        if fault.times <= 0:
            faults.pop(0)
        raise fault.error

    def _method_table(self) -> dict[str, _Handler]:
        """The implemented methods by their canonical names."""
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": lambda req: True,
            "close": lambda req: True,
            "getChat": self._get_chat,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._send_chat_action,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
        }

    # -- methods: bot and updates

    def _get_me(self, req: _Request) -> JSON:
        """The bot's User with the getMe-only flags."""
        return req.bot | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, req: _Request) -> list[JSON]:
        """Confirm by offset, then answer pending updates at once or long-poll for `timeout`."""
        if self._webhook_url:
            raise ApiError(409, WEBHOOK_ACTIVE)
        p = req.params
        offset = _int(p.get("offset", 0), "offset")
        limit = min(max(_int(p.get("limit", 100), "limit"), 1), 100)
        timeout = max(_int(p.get("timeout") or 0, "timeout"), 0)
        if p.get("allowed_updates") is not None:
            self._allowed_updates = [str(kind) for kind in p["allowed_updates"]]
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation

        def ready() -> bool:
            """Answer now: closing, superseded by a newer poll, or updates are waiting."""
            return self._closing or generation != self._poll_generation or bool(self._updates)

        if timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self.wait_until(ready, timeout, "updates")
        if generation != self._poll_generation and not self._closing:
            raise ApiError(409, TERMINATED_BY_OTHER_POLL)
        return copy.deepcopy(self._updates[:limit])

    def _set_webhook(self, req: _Request) -> tuple[bool, str]:
        """Refuse (default) or just remember a webhook URL; an empty URL removes it."""
        url = str(req.params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if url and not self.accept_webhooks:
            raise _bad("bad webhook: Failed to resolve host: Name or service not known")
        if req.params.get("drop_pending_updates"):
            self._updates.clear()
        if req.params.get("allowed_updates") is not None:
            self._allowed_updates = [str(kind) for kind in req.params["allowed_updates"]]
        had = bool(self._webhook_url)
        self._webhook_url = url
        if url:
            return True, "Webhook was set"
        return True, "Webhook was deleted" if had else "Webhook is already deleted"

    def _delete_webhook(self, req: _Request) -> tuple[bool, str]:
        """Remove the webhook; `drop_pending_updates` forgets every queued update."""
        if req.params.get("drop_pending_updates"):
            self._updates.clear()
        had = bool(self._webhook_url)
        self._webhook_url = ""
        return True, "Webhook was deleted" if had else "Webhook is already deleted"

    def _get_webhook_info(self, req: _Request) -> JSON:
        """WebhookInfo: the URL (empty when polling) and the pending update count."""
        info: JSON = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook_url:
            info["max_connections"] = 40
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    def _get_chat(self, req: _Request) -> JSON:
        """ChatFullInfo with the fields PTB requires."""
        chat = self._chat_for(req.params, sending=False)
        return copy.deepcopy(chat.info) | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    # -- methods: sending

    def _send_message(self, req: _Request) -> JSON:
        """sendMessage: parse, check limits and markup, store, return the Message."""
        p = req.params
        chat = self._chat_for(p)
        text, entities = self._formatted(p.get("text"), p.get("parse_mode"), p.get("entities"))
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        if p.get("link_preview_options") is not None:
            content["link_preview_options"] = p["link_preview_options"]
        return self._store_bot_message(chat, req, content)

    def _send_photo(self, req: _Request) -> JSON:
        """sendPhoto: an upload (stored, sizes made) or a known photo file_id."""
        chat = self._chat_for(req.params)
        content = self._caption(req.params)
        value = req.params.get("photo")
        upload = _upload_for(req, "photo")
        if upload is not None:
            dimensions = image_size(upload.data)
            if dimensions is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            content["photo"] = self.store_photo(upload.data, dimensions)
        else:
            content["photo"] = copy.deepcopy(self._photo_set(value))
        return self._store_bot_message(chat, req, content)

    def _send_document(self, req: _Request) -> JSON:
        """sendDocument: an upload (stored with its name and type) or a known document file_id."""
        chat = self._chat_for(req.params)
        content = self._caption(req.params)
        upload = _upload_for(req, "document")
        if upload is not None:
            # Telegram types a bot's upload by its file name, not the part's Content-Type.
            name = upload.filename or "file"
            guessed = mimetypes.guess_type(name, strict=False)[0]
            content["document"] = self.store_document(
                name, guessed or upload.content_type, upload.data
            )
        else:
            content["document"] = copy.deepcopy(self._document(req.params.get("document")))
        return self._store_bot_message(chat, req, content)

    def _caption(self, p: JSON) -> JSON:
        """Caption and caption_entities of a media message (empty if no caption)."""
        if p.get("caption") in (None, ""):
            return {}
        caption, entities = self._formatted(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities")
        )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        content: JSON = {}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return content

    def _formatted(
        self, text: object, parse_mode: object, entities: object
    ) -> tuple[str, list[JSON]]:
        """Text and entities as Telegram stores them: parsed, trimmed, auto-detected added."""
        if text is None:
            return "", []
        source = str(text)
        mode = str(parse_mode or "")
        if mode.lower() == "html":
            try:
                plain, parsed = parse_html(source, self._known_users())
            except ValueError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif mode and mode.lower() not in {"markdown", "markdownv2"}:
            raise _bad(f"unsupported parse_mode {mode}")
        else:
            plain = source
            parsed = [dict(e) for e in entities] if isinstance(entities, list) else []
        plain, parsed = _trim(plain, parsed)
        return plain, _with_detected(plain, parsed)

    def _known_users(self) -> dict[int, JSON]:
        """User objects of every fake user, for text_mention entities."""
        return {user_id: user.as_user() for user_id, user in self._users.items()}

    def _store_bot_message(self, chat: _Chat, req: _Request, content: JSON) -> JSON:
        """Add a bot message (with markup and reply) to a chat; return it as Telegram does."""
        p = req.params
        message = self._new_message(chat, req.bot, content)
        reply_to = _reply_target(p)
        if reply_to is not None:
            if reply_to in chat.messages and reply_to not in chat.deleted:
                message["reply_to_message"] = _public(chat.messages[reply_to], nested=False)
            elif not (p.get("reply_parameters") or {}).get(
                "allow_sending_without_reply"
            ) and not p.get("allow_sending_without_reply"):
                raise _bad("message to be replied not found")
        markup = p.get("reply_markup")
        if markup is not None:
            _check_markup(markup)
            message["reply_markup"] = markup
        if p.get("protect_content"):
            message["has_protected_content"] = True
        chat.messages[message["message_id"]] = message
        self._touch(chat)
        return _public(message)

    def _new_message(self, chat: _Chat, sender: JSON, content: JSON) -> JSON:
        """A Message with the chat's next id, the sender and the current date."""
        message: JSON = {
            "message_id": chat.next_message_id,
            "from": sender,
            "chat": copy.deepcopy(chat.info),
            "date": int(self._clock().timestamp()),
        }
        chat.next_message_id += 1
        return message | content

    # -- methods: editing

    def _edit_message_text(self, req: _Request) -> JSON:
        """editMessageText; like Telegram, omitting reply_markup removes an inline keyboard."""
        chat, message = self._editable(req.params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, entities = self._formatted(
            req.params.get("text"), req.params.get("parse_mode"), req.params.get("entities")
        )
        if not text:
            raise _bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        return self._apply_edit(chat, message, {"text": text, "entities": entities}, req.params)

    def _edit_message_caption(self, req: _Request) -> JSON:
        """editMessageCaption of a photo or document message."""
        chat, message = self._editable(req.params)
        if "photo" not in message and "document" not in message:
            raise _bad("there is no caption in the message to edit")
        content = self._caption(req.params)
        fields = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities", []),
        }
        return self._apply_edit(chat, message, fields, req.params)

    def _edit_message_reply_markup(self, req: _Request) -> JSON:
        """editMessageReplyMarkup; no markup removes the inline keyboard."""
        chat, message = self._editable(req.params)
        return self._apply_edit(chat, message, {}, req.params)

    def _editable(self, p: JSON) -> tuple[_Chat, JSON]:
        """The chat and message an edit targets, with Telegram's errors."""
        if p.get("inline_message_id") is not None:
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat_for(p)
        message_id = _int(p.get("message_id"), "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message_id in chat.deleted:
            raise _bad("message to edit not found")
        if not message["from"]["is_bot"]:
            raise _bad("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: _Chat, message: JSON, fields: JSON, p: JSON) -> JSON:
        """Replace fields and the inline keyboard, or 400 "message is not modified"."""
        new_markup = p.get("reply_markup")
        if new_markup is not None:
            _check_markup(new_markup)
            if "inline_keyboard" not in new_markup:
                raise _bad("inline keyboard expected")
            if not new_markup["inline_keyboard"]:
                new_markup = None
        old_markup = message.get("reply_markup")
        if old_markup is not None and "inline_keyboard" not in old_markup and new_markup is None:
            new_markup = old_markup
        before = {key: message.get(key) or None for key in fields} | {"markup": old_markup}
        after = {key: value or None for key, value in fields.items()} | {"markup": new_markup}
        if before == after:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        for key, value in fields.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(self._clock().timestamp())
        chat.messages[message["message_id"]] = message
        self._touch(chat)
        return _public(message)

    def _delete_message(self, req: _Request) -> bool:
        """deleteMessage of any message in the chat (bot's or user's)."""
        chat = self._chat_for(req.params)
        message_id = _int(
            req.params.get("message_id"), "message_id", "message identifier is not specified"
        )
        if message_id not in chat.messages or message_id in chat.deleted:
            raise _bad("message to delete not found")
        chat.deleted.add(message_id)
        self._touch(chat)
        return True

    def _answer_callback_query(self, req: _Request) -> bool:
        """answerCallbackQuery: once per query id, text up to 200 characters."""
        query_id = str(req.params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise _bad(QUERY_INVALID.removeprefix("Bad Request: "))
        text = req.params.get("text")
        if text is not None and len(str(text)) > MAX_ANSWER_TEXT_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        del self._open_queries[query_id]
        self.callback_answers[query_id] = {
            "text": text,
            "show_alert": bool(req.params.get("show_alert", False)),
            "url": req.params.get("url"),
            "cache_time": req.params.get("cache_time"),
        }
        return True

    def _send_chat_action(self, req: _Request) -> bool:
        """sendChatAction with one of Telegram's actions."""
        self._chat_for(req.params)
        if req.params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    # -- methods: files

    def store_photo(self, data: bytes, dimensions: tuple[int, int] | None = None) -> list[JSON]:
        """Store a photo; return its PhotoSize array (smallest first, every size = `data`)."""
        width, height = dimensions or image_size(data) or (800, 600)
        sizes: list[JSON] = []
        for side in _PHOTO_SIDES:
            if max(width, height) <= side:
                sizes.append(self._photo_size(data, width, height))
                break
            sizes.append(self._photo_size(data, *_scaled(width, height, side)))
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    def _photo_size(self, data: bytes, width: int, height: int) -> JSON:
        """One PhotoSize backed by a stored file."""
        stored = self._store_file("photo", data, "photos", "jpg")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
            "width": width,
            "height": height,
        }

    def store_document(self, file_name: str, mime_type: str | None, data: bytes) -> JSON:
        """Store a document; return its Document object (no mime_type: guessed from the name)."""
        suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._store_file("document", data, "documents", suffix)
        guessed = mimetypes.guess_type(file_name, strict=False)[0]
        document: JSON = {
            "file_name": file_name,
            "mime_type": mime_type or guessed or "application/octet-stream",
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }
        self._documents[stored.file_id] = document
        return dict(document)

    def _store_file(self, kind: str, data: bytes, folder: str, suffix: str) -> _StoredFile:
        """Keep bytes under fresh ids and a download path."""
        self._file_counter += 1
        number = self._file_counter
        prefix = _PHOTO_PREFIX if kind == "photo" else _DOCUMENT_PREFIX
        tail = base64.urlsafe_b64encode(f"{kind}:{number}:{self._random.getrandbits(48)}".encode())
        stored = _StoredFile(
            file_id=prefix + tail.decode().rstrip("="),
            file_unique_id="AQAD"
            + base64.urlsafe_b64encode(f"u{number}".encode()).decode().rstrip("="),
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{number}.{suffix}",
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _photo_set(self, value: object) -> list[JSON]:
        """The PhotoSize array for a photo file_id given by the bot."""
        file_id = self._known_file_id(value)
        if file_id not in self._photo_sets:
            raise _bad(f"can't use file of type {self._files[file_id].kind.title()} as Photo")
        return self._photo_sets[file_id]

    def _document(self, value: object) -> JSON:
        """The Document for a document file_id given by the bot."""
        file_id = self._known_file_id(value)
        if file_id not in self._documents:
            raise _bad(f"can't use file of type {self._files[file_id].kind.title()} as Document")
        return self._documents[file_id]

    def _known_file_id(self, value: object) -> str:
        """A file_id the server knows, or Telegram's error for unknown ids and URLs."""
        if not isinstance(value, str) or not value:
            raise _bad("there is no file in the request")
        if re.match(r"^https?://", value):
            raise _bad("failed to get HTTP URL content")
        if value not in self._files:
            raise _bad("wrong file identifier/HTTP URL specified")
        return value

    def _get_file(self, req: _Request) -> JSON:
        """getFile: ids, size and the path to download under base_file_url."""
        file_id = req.params.get("file_id")
        if not isinstance(file_id, str) or file_id not in self._files:
            raise _bad("invalid file_id")
        stored = self._files[file_id]
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # -- methods: commands and menu

    def _set_my_commands(self, req: _Request) -> bool:
        """setMyCommands for a scope and language, validated like Telegram."""
        commands = req.params.get("commands")
        if not isinstance(commands, list):
            raise _bad("commands must be an array")
        if len(commands) > 100:
            raise _bad("too many commands")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name.removeprefix("/")):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = self._checked_scope(req.params.get("scope"))
        key = (_scope_key(scope), str(req.params.get("language_code") or ""))
        if commands:
            self._commands[key] = [
                {
                    "command": str(c["command"]).removeprefix("/"),
                    "description": str(c["description"]),
                }
                for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, req: _Request) -> list[JSON]:
        """getMyCommands for exactly this scope and language (no fallback, like Telegram)."""
        scope = self._checked_scope(req.params.get("scope"))
        return self.commands(scope, str(req.params.get("language_code") or ""))

    def _delete_my_commands(self, req: _Request) -> bool:
        """deleteMyCommands for a scope and language."""
        scope = self._checked_scope(req.params.get("scope"))
        self._commands.pop((_scope_key(scope), str(req.params.get("language_code") or "")), None)
        return True

    def _checked_scope(self, scope: object) -> JSON | None:
        """A BotCommandScope, with chat ids that must exist."""
        if scope is None:
            return None
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            chat = self._chat_for({"chat_id": scope["chat_id"]}, sending=False)
            scope = scope | {"chat_id": chat.id}
        return scope

    def _set_chat_menu_button(self, req: _Request) -> bool:
        """setChatMenuButton for a chat or the default."""
        chat_id = req.params.get("chat_id")
        key = None if chat_id is None else self._chat_for(req.params, sending=False).id
        self._menu_buttons[key] = req.params.get("menu_button") or {"type": "default"}
        return True

    def _get_chat_menu_button(self, req: _Request) -> JSON:
        """getChatMenuButton for a chat or the default."""
        chat_id = req.params.get("chat_id")
        key = None if chat_id is None else self._chat_for(req.params, sending=False).id
        return self.menu_button(key)

    # -- chats

    def _chat_for(self, p: JSON, *, sending: bool = True) -> _Chat:
        """The target chat, or Telegram's 400/403 for unknown, blocked or unstarted chats."""
        raw = p.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        if sending and chat.info["type"] == "private":
            if chat_id in self.blocked_users:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not self._users[chat_id].started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _new_instance(self) -> str:
        """A chat_instance: a stable 64-bit number per chat, like Telegram's."""
        return str(self._random.randrange(-(2**63), 2**63))

    def _user_message(
        self, chat_id: int, user: FakeUser, content: JSON, reply_to: int | JSON | None
    ) -> JSON:
        """Store a message a user sent and enqueue it as a `message` update."""
        chat = self._chats[chat_id]
        message = self._new_message(chat, user.as_user(), content)
        if reply_to is not None:
            target = reply_to if isinstance(reply_to, int) else int(reply_to["message_id"])
            if target not in chat.messages or target in chat.deleted:
                raise LookupError(f"no message {target} to reply to in chat {chat_id}")
            message["reply_to_message"] = _public(chat.messages[target], nested=False)
        chat.messages[message["message_id"]] = message
        self._touch(chat)
        return self.enqueue_update("message", _public(message))

    def _click(
        self, user: FakeUser, chat_id: int, message_id: int, data: str, forged: bool
    ) -> JSON:
        """Enqueue a callback_query for a button on a bot message as it is now."""
        chat = self._chats.get(chat_id)
        message = None if chat is None else chat.messages.get(message_id)
        if chat is None or message is None or message_id in chat.deleted:
            raise LookupError(f"no message {message_id} in chat {chat_id} to click on")
        buttons = [
            button.get("callback_data")
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]
        if data not in buttons and not forged:
            raise LookupError(
                f"message {message_id} has no button with callback_data {data!r} "
                f"(buttons: {buttons}); pass forged=True to send it anyway"
            )
        query_id = str(self._random.getrandbits(63))
        query: JSON = {
            "id": query_id,
            "from": user.as_user(),
            "message": _public(message),
            "chat_instance": chat.instance,
            "data": data,
        }
        self._open_queries[query_id] = query
        return self.enqueue_update("callback_query", query)


# ----------------------------------------------------------------------------- users


class FakeUser:
    """A Telegram user the test plays; every action enqueues an update and returns it."""

    def __init__(
        self,
        server: FakeBotApi,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        started: bool,
    ) -> None:
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        #: False until the user writes to the bot (see `FakeBotApi.user`).
        self.started = started
        self._baseline = 0

    @property
    def chat_id(self) -> int:
        """The private chat with the bot (== the user id, like Telegram)."""
        return self.id

    def as_user(self) -> JSON:
        """The Telegram User object."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            user["last_name"] = self.last_name
        if self.username is not None:
            user["username"] = self.username
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    def _acted(self) -> None:
        """Mark the private chat open and remember what the bot had sent before this action."""
        self.started = True
        self.server.blocked_users.discard(self.id)
        self._baseline = self.server.sent_count(self.id)

    async def send_text(self, text: str, *, reply_to: int | JSON | None = None) -> JSON:
        """Write to the bot; commands get `bot_command` entities (UTF-16 offsets)."""
        self._acted()
        content: JSON = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self.server._user_message(self.id, self, content, reply_to)

    async def send_photo(self, data: bytes | None = None, *, caption: str | None = None) -> JSON:
        """Send a photo (default: a generated 640×480 PNG); getFile serves the bytes."""
        self._acted()
        return self.server._user_message(
            self.id, self, _photo_content(self.server, data, caption), None
        )

    async def send_document(
        self, file_name: str, mime_type: str, data: bytes, *, caption: str | None = None
    ) -> JSON:
        """Send a file as a document; getFile serves the bytes."""
        self._acted()
        content: JSON = {"document": self.server.store_document(file_name, mime_type, data)}
        if caption:
            content |= {"caption": caption}
        return self.server._user_message(self.id, self, content, None)

    async def click(
        self,
        message: int | JSON,
        callback_data: str,
        *,
        chat_id: int | None = None,
        forged: bool = False,
    ) -> JSON:
        """Press an inline button: a `callback_query` update with a fresh id."""
        # `message` is a message id (in `chat_id`, default this user's private chat) or a
        # message dict. The button must be on the message as the server holds it now, unless
        # `forged=True` (a stale or crafted payload).
        if isinstance(message, int):
            target_chat, message_id = (chat_id if chat_id is not None else self.id), message
        else:
            target_chat, message_id = int(message["chat"]["id"]), int(message["message_id"])
        if target_chat == self.id:
            self._acted()
        return self.server._click(self, target_chat, message_id, callback_data, forged)

    def received(self) -> list[JSON]:
        """The bot's messages in the private chat (current state, deleted ones left out)."""
        return self.server.sent_to(self.id)

    def sent_count(self) -> int:
        """How many messages the bot ever sent to this user."""
        return self.server.sent_count(self.id)

    async def wait_for_reply(self, after_count: int | None = None, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """The first bot message in the private chat after `after_count` bot messages."""
        # `after_count` defaults to how many the bot had sent when this user last acted (sent
        # or clicked), so a reply that came before this call is still found.
        baseline = self._baseline if after_count is None else after_count
        return await self.server.wait_for_bot_message(self.id, baseline, timeout)

    def block(self) -> None:
        """Block the bot: sends to this user answer 403 until they write again."""
        self.server.blocked_users.add(self.id)


class FakeGroup:
    """A group chat with the bot in it; users write there through `send_text`."""

    def __init__(self, server: FakeBotApi, chat_id: int, title: str, kind: str) -> None:
        self.server = server
        self.id = chat_id
        self.title = title
        self.kind = kind
        self._baseline = 0

    async def send_text(
        self, user: FakeUser, text: str, *, reply_to: int | JSON | None = None
    ) -> JSON:
        """`user` writes in the group (commands as /cmd or /cmd@bot get entities)."""
        self._baseline = self.server.sent_count(self.id)
        content: JSON = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self.server._user_message(self.id, user, content, reply_to)

    async def send_photo(
        self, user: FakeUser, data: bytes | None = None, *, caption: str | None = None
    ) -> JSON:
        """`user` posts a photo in the group."""
        self._baseline = self.server.sent_count(self.id)
        return self.server._user_message(
            self.id, user, _photo_content(self.server, data, caption), None
        )

    def received(self) -> list[JSON]:
        """The bot's messages in the group (current state)."""
        return self.server.sent_to(self.id)

    async def wait_for_message(self, after_count: int | None = None, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """The first bot message after `after_count` (default: as of the last post here)."""
        baseline = self._baseline if after_count is None else after_count
        return await self.server.wait_for_bot_message(self.id, baseline, timeout)


# ----------------------------------------------------------------------------- plumbing


def _photo_content(server: FakeBotApi, data: bytes | None, caption: str | None) -> JSON:
    """The photo (and caption) fields of a user's photo message."""
    content: JSON = {"photo": server.store_photo(data if data is not None else make_png())}
    if caption:
        content["caption"] = caption
    return content


def _drop(request: web.Request) -> web.Response:
    """Closes the connection without an answer (the client sees it dropped)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)


def _answer(body: JSON) -> web.Response:
    """A JSON answer with Telegram's status code."""
    status = 200 if body["ok"] else int(body["error_code"])
    return web.json_response(
        body, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
    )


async def _read_params(request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
    """Params from the query string and a JSON, urlencoded or multipart body, JSON-decoded."""
    params: JSON = {name: _decode(name, value) for name, value in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return params, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise ValueError("invalid JSON") from exc
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        return params | body, files
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = UploadedFile(value.filename, value.content_type, value.file.read())
            elif isinstance(value, str):
                params[name] = _decode(name, value)
    return params, files


def _decode(name: str, raw: str) -> Any:
    """A form value as PTB meant it: strings as sent, everything else JSON-decoded."""
    if name in _STRING_PARAMS:
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return raw if isinstance(value, str) else value


def _int(value: object, name: str, missing: str | None = None) -> int:
    """An integer parameter, or 400 like Telegram."""
    if value is None or value == "":
        raise _bad(missing or f"{name} is empty")
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise _bad(f'field "{name}" must be of type Integer')
    try:
        return int(value)
    except ValueError:
        raise _bad(f'field "{name}" must be of type Integer') from None


def _upload_for(req: _Request, name: str) -> UploadedFile | None:
    """The uploaded file for a parameter: a part of that name or an attach:// reference."""
    value = req.params.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = req.files.get(value.removeprefix("attach://"))
        if upload is None:
            raise _bad(f'can\'t find attached file "{value.removeprefix("attach://")}"')
        return upload
    return req.files.get(name)


def _reply_target(p: JSON) -> int | None:
    """The message id a send replies to (reply_parameters or the old reply_to_message_id)."""
    parameters = p.get("reply_parameters")
    if isinstance(parameters, dict) and parameters.get("message_id") is not None:
        return _int(parameters["message_id"], "message_id")
    if p.get("reply_to_message_id") is not None:
        return _int(p["reply_to_message_id"], "reply_to_message_id")
    return None


def _check_markup(markup: object) -> None:
    """Telegram's checks of reply_markup that bots trip over."""
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays'
            )
        for button in (button for row in rows for button in row):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _bad(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if not _INLINE_BUTTON_ACTIONS & button.keys():
                raise _bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad("can't parse reply keyboard markup JSON object")
    elif not markup.get("remove_keyboard") and not markup.get("force_reply"):
        raise _bad("can't parse reply keyboard markup JSON object")


def _public(message: JSON, *, nested: bool = True) -> JSON:
    """A stored message as Telegram returns it: only inline keyboards are echoed."""
    public = copy.deepcopy(message)
    markup = public.get("reply_markup")
    if markup is not None and not markup.get("inline_keyboard"):
        del public["reply_markup"]
    if not nested:
        public.pop("reply_to_message", None)
    return public


def _scope_key(scope: JSON | None) -> str:
    """A canonical key for a BotCommandScope (None and "default" are the same)."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)
