"""Telegram's HTML parse mode: a port of TDLib's parser into plain text and entities."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.telegram.api import JSON

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
