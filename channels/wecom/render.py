"""Neutral content as WeCom shows it: plain text cut to 2,048 bytes by the channel's
capabilities, buttons as a `button_interaction` template card, or as numbered replies when
there are more choices than a card holds.

A template card shows little (WeCom's guidance: a title of 36 characters, a sub-title of 112), so
a message with buttons whose text is longer goes as text first, then a card with its first line
as the title and the buttons; a short one is the card alone. Texts are the catalogue rendered by
`chat.render.WECOM_TEXT` (tags dropped, commands as 「报送」); text queued already prepared as
Telegram HTML (a bulletin's parts, reminders) is turned into plain text here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final

from channels.wecom.payloads import ButtonCard, CardButton
from chat import actions
from chat.capabilities import WECOM, Capabilities
from chat.cards import Card, Phrase, Value
from chat.channel import Prepared, Text
from chat.render import WECOM_TEXT
from chat.texts import Raw, Texts
from storage.wecom_cards import Choices

#: What a template card shows of its title and sub-title (characters).
TITLE_CHARS: Final = 36
SUB_TITLE_CHARS: Final = 112
#: Buttons a `button_interaction` card holds; more choices go as numbered replies.
CARD_BUTTONS: Final = WECOM.buttons_per_message


def wecom_texts(language: str) -> Texts:
    """The catalogue in one language as WeCom shows it (plain text, commands as words)."""
    return Texts(language, WECOM_TEXT)


def phrase(texts: Texts, value: Phrase) -> Raw:
    """A catalogue phrase as plain text (a card among its parameters laid out as text)."""
    return Raw(texts(value.key, **{name: _param(texts, v) for name, v in value.params.items()}))


def _param(texts: Texts, value: Value) -> str:
    """A parameter for the catalogue: a phrase or a card is rendered first, text as is."""
    if isinstance(value, Phrase):
        return phrase(texts, value)
    if isinstance(value, Card):
        return card_text(texts, value)
    return str(value)


def card_text(texts: Texts, card: Card) -> Raw:
    """A card laid out as text by its catalogue layout (as Telegram shows it, unformatted)."""
    notes = "".join(phrase(texts, note) for note in card.notes)
    fields = {name: _param(texts, value) for name, value in card.fields.items()}
    return Raw(texts(card.layout, title=card.title, late=Raw(notes), body=card.body, **fields))


class _Plain(HTMLParser):
    """Telegram HTML read as plain text: tags dropped, a link's address after its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Remembers a link's address; other tags say nothing in plain text."""
        if tag == "a":
            self._links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        """Adds a link's address after its text."""
        if tag == "a" and self._links:
            address = self._links.pop()
            if address:
                self.parts.append(f" ({address})")

    def handle_data(self, data: str) -> None:
        """Keeps the text."""
        self.parts.append(data)


def plain_of_html(text: str) -> str:
    """Prepared Telegram HTML as plain text (text without tags or entities is unchanged)."""
    if "<" not in text and "&" not in text:
        return text
    parser = _Plain()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts) if parser.parts else html.unescape(text)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One neutral message as WeCom messages: texts first, then the card (if any); `choices`
    are what its buttons or numbers stand for, `numbered` when they went as numbered text."""

    texts: tuple[str, ...]
    card: ButtonCard | None
    title: str
    choices: Choices = ()
    numbered: bool = False

    @property
    def count(self) -> int:
        """How many messages WeCom counts for it (against its per-person limits)."""
        return len(self.texts) + (self.card is not None)


#: Where a line may be parted into a card's title and what follows it: after a sentence.
SENTENCE_ENDS: Final = "。？！：；"


def _title_of(text: str) -> tuple[str, str]:
    """A text's first non-empty line and the rest; a first line too long for a card's title
    is parted after its first sentence that fits ("这项工作是哪天发生的？" over the examples), so
    a prompt goes as one card instead of its text and then a card repeating it cut."""
    stripped = text.strip("\n")
    first, _, rest = stripped.partition("\n")
    first, rest = first.strip(), rest.strip("\n")
    if len(first) > TITLE_CHARS:
        ends = [i for i, ch in enumerate(first[:TITLE_CHARS]) if ch in SENTENCE_ENDS]
        if ends:
            head, tail = first[: ends[0] + 1], first[ends[0] + 1 :].strip()
            return head, f"{tail}\n{rest}" if rest else tail
    return first, rest


def _cut(text: str, chars: int) -> str:
    """At most `chars` characters, an ellipsis marking a cut."""
    return text if len(text) <= chars else text[: chars - 1] + "…"


def body_of(texts: Texts, content: Text | Card) -> str:
    """The message's text as WeCom shows it."""
    if isinstance(content, Card):
        return card_text(texts, content)
    if isinstance(content.text, Prepared):
        return plain_of_html(content.text.text)
    return phrase(texts, content.text)


def choices_of(texts: Texts, content: Text | Card) -> Choices:
    """The message's buttons in order (rows read left to right, top to bottom): each label in
    the person's language with the data its press carries."""
    if isinstance(content, Card):
        return tuple((texts(b.label), actions.encode(b.press)) for row in content.rows for b in row)
    return tuple(
        (texts(label) if texts.has(label) else label, data)  # a label queued as shown
        for row in content.buttons
        for label, data in row
    )


def render(
    texts: Texts, content: Text | Card, task_id: str, capabilities: Capabilities = WECOM
) -> Outgoing:
    """A text or card as WeCom messages (a Telegram keyboard a chat reply queued is not
    WeCom's and is left out)."""
    body = body_of(texts, content)
    choices = choices_of(texts, content)
    title, rest = _title_of(body)
    if not choices:
        return Outgoing(tuple(capabilities.split(body)), None, title)
    if len(choices) > CARD_BUTTONS:
        numbered = "\n".join(f"{n}. {label}" for n, (label, _) in enumerate(choices, 1))
        prompt = texts("wecom.choose", count=len(choices))
        text = f"{body}\n\n{numbered}\n{prompt}"
        return Outgoing(tuple(capabilities.split(text)), None, title, choices, numbered=True)
    buttons = tuple(CardButton(label, data) for label, data in choices)
    if len(title) <= TITLE_CHARS and len(rest) <= SUB_TITLE_CHARS:
        card = ButtonCard(task_id=task_id, title=title, body=rest or None, buttons=buttons)
        return Outgoing((), card, title, choices)
    card = ButtonCard(task_id=task_id, title=_cut(title, TITLE_CHARS), buttons=buttons)
    return Outgoing(tuple(capabilities.split(body)), card, title, choices)


def settled_card(texts: Texts, card: Card, task_id: str, title: str, kept: Choices) -> ButtonCard:
    """A sent card as it now stands, for everyone who got it: its buttons (WeCom wants the
    same list back) shown as the decision instead (`replace_text`: the card's last note, as
    Telegram adds it under a decided request, e.g. "✅ 已同意（张伟）"), or new buttons when the
    card has any."""
    if card.rows:
        buttons = tuple(CardButton(label, data) for label, data in choices_of(texts, card))
        return ButtonCard(task_id=task_id, title=_cut(title, TITLE_CHARS), buttons=buttons)
    note = phrase(texts, card.notes[-1]).strip() if card.notes else texts("wecom.settled")
    return ButtonCard(
        task_id=task_id,
        title=_cut(title, TITLE_CHARS),
        buttons=tuple(CardButton(label, data) for label, data in kept),
        replace_text=note,
    )
