"""Renderers of the neutral markup: Telegram's HTML, and plain text (WeCom's text messages)."""

from __future__ import annotations

import html
from abc import ABC, abstractmethod
from typing import Final

from chat.commands import TELEGRAM_COMMANDS, WECOM_COMMANDS, CommandTable
from chat.markup import Close, Command, Open, Text, Token, tokens


class Renderer(ABC):
    """Turns neutral markup into one channel's text; `{field}`s pass through untouched, so a
    rendered template is filled with parameters escaped by `escape`."""

    def __init__(self, commands: CommandTable) -> None:
        self.commands = commands

    def render(self, markup: str) -> str:
        """The markup in this channel's format (MarkupError on a malformed tag)."""
        return "".join(self.token(token) for token in tokens(markup))

    @abstractmethod
    def token(self, token: Token) -> str:
        """One piece of markup in this channel's format."""

    @abstractmethod
    def escape(self, value: str) -> str:
        """A parameter as text of this channel's format (shown as is, never read as markup)."""

    def cut(self, text: str, at: int) -> int:
        """Where a text too long for one message may be cut, at or before `at`."""
        return at


class TelegramHtml(Renderer):
    """Telegram's HTML parse mode: <b>, <i>, <code>, <a href>; commands as /name."""

    _TAGS: Final = {"b": "b", "i": "i", "code": "code", "link": "a"}

    def token(self, token: Token) -> str:
        """One piece of markup as Telegram HTML."""
        match token:
            case Text(text):
                return self.escape(text)
            case Command(command):
                return self.escape(self.commands.word(command))
            case Open("link", address):
                return f'<a href="{html.escape(address)}">'
            case Open(tag):
                return f"<{self._TAGS[tag]}>"
            case Close(tag):
                return f"</{self._TAGS[tag]}>"
        raise AssertionError(token)

    def escape(self, value: str) -> str:
        """Text for Telegram's HTML: &, < and > as entities (quotes need none outside tags)."""
        return html.escape(value, quote=False)

    def cut(self, text: str, at: int) -> int:
        """Never cuts an HTML entity such as &amp; across two messages."""
        entity = text.rfind("&", max(0, at - 10), at)
        if entity > 0 and ";" not in text[entity:at]:
            return entity
        return at


class PlainText(Renderer):
    """Text without formatting: tags dropped, a link as "text (address)", commands worded by
    the channel's table (WeCom's text messages, and its markdown read outside the WeCom app)."""

    def render(self, markup: str) -> str:
        """The markup as plain text."""
        parts: list[str] = []
        links: list[str] = []  # addresses of the links open, innermost last
        for token in tokens(markup):
            match token:
                case Open("link", address):
                    links.append(address)
                case Close("link"):
                    parts.append(f" ({links.pop()})")
                case _:
                    parts.append(self.token(token))
        return "".join(parts)

    def token(self, token: Token) -> str:
        """One piece of markup as plain text (a link's address is added by `render`)."""
        match token:
            case Text(text):
                return text
            case Command(command):
                return self.commands.word(command)
        return ""

    def escape(self, value: str) -> str:
        """Plain text needs no escaping."""
        return value


TELEGRAM_HTML: Final = TelegramHtml(TELEGRAM_COMMANDS)
WECOM_TEXT: Final = PlainText(WECOM_COMMANDS)
