"""The catalogue's neutral markup: bold, italic, code, links and command references.

Texts are written once and each channel renders them its own way (`chat.render`). The syntax
uses square brackets so that it never clashes with the catalogue's `{param}` fields:

    [b]bold[/b]  [i]italic[/i]  [code]code[/code]  [link https://example.org]text[/link]
    [cmd submit]   a command, by its id: "/submit" on Telegram, "「报送」" on WeCom
    [[             a literal "["; a "]" outside a tag is itself

Tags nest but must close in order; inside `code` only command references are allowed (a
channel shows code as plain characters). No `{field}` may stand inside a tag: parameters are
text, escaped for the markup (`escape`), never markup.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

#: Tags that enclose text, and whether they take an argument (the link's address).
PAIRED: Final[Mapping[str, bool]] = {"b": False, "i": False, "code": False, "link": True}
COMMAND: Final = "cmd"
_TAG = re.compile(r"\[(/?)([^\[\]\s]*)(?: ([^\[\]]*))?\]")
#: A command written the Telegram way in plain text, which should be a `[cmd …]` reference.
_BARE_COMMAND = re.compile(r"(?<![A-Za-z0-9_/<])/([a-z_]+)(?![a-z_])")


class MarkupError(ValueError):
    """Text that is not valid neutral markup (the message says where and why)."""


@dataclass(frozen=True, slots=True)
class Text:
    """Characters shown as they are (may hold `{field}`s of a catalogue template)."""

    text: str


@dataclass(frozen=True, slots=True)
class Open:
    """The start of a bold, italic, code or link span (`arg`: the link's address)."""

    tag: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class Close:
    """The end of a span."""

    tag: str


@dataclass(frozen=True, slots=True)
class Command:
    """A reference to a command by its id, worded by each channel's command table."""

    id: str


Token = Text | Open | Close | Command


class Markup(str):
    """A fragment already in neutral markup, inserted into a template without escaping."""

    __slots__ = ()


def escape(value: object) -> str:
    """A parameter as markup text: its brackets can never open a tag."""
    if isinstance(value, Markup):
        return str(value)
    return str(value).replace("[", "[[")


def fill(template: str, **params: Any) -> str:
    """A catalogue template with its parameters put in, escaped: the result is still markup."""
    return template.format(**{name: escape(value) for name, value in params.items()})


def tokens(markup: str) -> Iterator[Token]:
    """The markup as text, tags and command references; MarkupError on a malformed tag."""
    text: list[str] = []
    at = 0
    while at < len(markup):
        bracket = markup.find("[", at)
        if bracket == -1:
            text.append(markup[at:])
            break
        text.append(markup[at:bracket])
        if markup.startswith("[[", bracket):
            text.append("[")
            at = bracket + 2
            continue
        match = _TAG.match(markup, bracket)
        if match is None:
            raise MarkupError(f"a '[' that opens no tag at {bracket}: {markup[bracket:][:20]!r}")
        if "".join(text):
            yield Text("".join(text))
        text = []
        yield _tag(match)
        at = match.end()
    if "".join(text):
        yield Text("".join(text))


def _tag(match: re.Match[str]) -> Token:
    """One tag, checked against the vocabulary."""
    closing, name, arg = match[1] == "/", match[2], match[3]
    if "{" in match[0] or "}" in match[0]:
        raise MarkupError(f"a parameter inside a tag: {match[0]!r}")
    if name == COMMAND and not closing:
        if not arg:
            raise MarkupError(f"a command reference names no command: {match[0]!r}")
        return Command(arg)
    if name not in PAIRED:
        raise MarkupError(f"unknown tag {match[0]!r}")
    if closing:
        if arg is not None:
            raise MarkupError(f"a closing tag takes nothing: {match[0]!r}")
        return Close(name)
    if PAIRED[name] != bool(arg):
        wanted = "needs an address" if PAIRED[name] else "takes nothing"
        raise MarkupError(f"[{name}] {wanted}: {match[0]!r}")
    return Open(name, arg or "")


def problems(markup: str, commands: Iterable[str], *, template: bool = True) -> list[str]:
    """What is wrong with a text: bad or unbalanced tags, unknown command ids, a command
    written as "/name" instead of a reference, or (in a catalogue template) a bad `{field}`."""
    known = set(commands)
    found: list[str] = []
    try:
        if template:
            list(string.Formatter().parse(markup))
    except ValueError as error:
        found.append(f"bad field: {error}")
    try:
        parsed = list(tokens(markup))
    except MarkupError as error:
        return [*found, str(error)]
    open_tags: list[str] = []
    for token in parsed:
        if isinstance(token, Command) and token.id not in known:
            found.append(f"unknown command id {token.id!r}")
        elif isinstance(token, Open):
            if "code" in open_tags:
                found.append(f"[{token.tag}] inside [code]")
            open_tags.append(token.tag)
        elif isinstance(token, Close):
            if not open_tags or open_tags[-1] != token.tag:
                found.append(f"[/{token.tag}] closes nothing open")
            else:
                open_tags.pop()
        elif isinstance(token, Text):
            for bare in _BARE_COMMAND.finditer(token.text):
                if bare[1] in known:
                    found.append(f"{bare[0]!r} written out: use [cmd {bare[1]}]")
    found += [f"[{tag}] never closed" for tag in open_tags]
    return found


def validate(markup: str, commands: Iterable[str], *, template: bool = True) -> None:
    """Raises MarkupError listing every problem of a text (see `problems`)."""
    found = problems(markup, commands, template=template)
    if found:
        raise MarkupError("; ".join(found))
