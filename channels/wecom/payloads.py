"""What the WeCom API client sends and gets back, typed: messages, cards, and each call's result.

The client (`channels.wecom.api`) turns a message into its `message/send` part (`wire_of`) and
WeCom's answers into these results, so no JSON leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

#: WeCom's longest duplicate-check window.
MAX_DUPLICATE_INTERVAL: Final = timedelta(hours=4)

MediaKind = Literal["image", "file"]
Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Text:
    """A text message (≤ 2,048 bytes on WeCom)."""

    content: str


@dataclass(frozen=True, slots=True)
class Markdown:
    """A markdown message with its text form, for readers whose client shows markdown raw."""

    content: str
    text: str

    def as_text(self) -> Text:
        """The same message as plain text (for readers on WeChat, or a caller that prefers it)."""
        return Text(self.text)


@dataclass(frozen=True, slots=True)
class Image:
    """An image already uploaded, by its media id."""

    media_id: str


@dataclass(frozen=True, slots=True)
class File:
    """A file already uploaded, by its media id (people see the name given at upload)."""

    media_id: str


@dataclass(frozen=True, slots=True)
class CardButton:
    """A card's callback button: its text and the key a click sends back (≤ 1,024 bytes)."""

    text: str
    key: str
    style: int = 1


@dataclass(frozen=True, slots=True)
class CardField:
    """One line of a card's fields (`horizontal_content_list`): a name and its value."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ButtonCard:
    """A `button_interaction` template card: a title, fields and up to six callback buttons;
    `task_id` must be unique for the app forever, so each send needs its own."""

    task_id: str
    title: str
    description: str | None = None
    body: str | None = None
    fields: tuple[CardField, ...] = ()
    buttons: tuple[CardButton, ...] = ()
    replace_text: str | None = None
    url: str | None = None

    def wire(self) -> Json:
        """The card as `message/send` and `update_template_card` take it."""
        title: Json = {"title": self.title}
        if self.description is not None:
            title["desc"] = self.description
        card: Json = {"card_type": "button_interaction", "main_title": title}
        if self.body is not None:
            card["sub_title_text"] = self.body
        if self.fields:
            card["horizontal_content_list"] = [
                {"keyname": f.name, "value": f.value} for f in self.fields
            ]
        if self.url is not None:
            card["card_action"] = {"type": 1, "url": self.url}
        card["task_id"] = self.task_id
        card["button_list"] = [
            {"text": b.text, "style": b.style, "key": b.key} for b in self.buttons
        ]
        if self.replace_text is not None:
            card["replace_text"] = self.replace_text
        return card


Message = Text | Markdown | Image | File | ButtonCard


@dataclass(frozen=True, slots=True)
class DuplicateCheck:
    """WeCom drops a resend of the same content to the same people within `interval`."""

    interval: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        """WeCom takes whole seconds up to four hours."""
        if not timedelta(seconds=1) <= self.interval <= MAX_DUPLICATE_INTERVAL:
            raise ValueError(f"duplicate check interval out of range: {self.interval}")


@dataclass(frozen=True, slots=True)
class Sent:
    """What `message/send` answered: the message id, who could not be reached, and for a
    template card the ResponseCode that can update it."""

    msgid: str
    invalid_users: tuple[str, ...] = ()
    unlicensed_users: tuple[str, ...] = ()
    response_code: str | None = None


@dataclass(frozen=True, slots=True)
class Uploaded:
    """A file WeCom holds for three days: its media id, kind and when it was uploaded."""

    media_id: str
    kind: MediaKind
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Media:
    """A file fetched by media id: its bytes, the name WeCom gives it, its content type."""

    data: bytes
    filename: str | None
    content_type: str


@dataclass(frozen=True, slots=True)
class ButtonText:
    """An update that only renames the clicked button (e.g. "已由张伟审签")."""

    replace_name: str


@dataclass(frozen=True, slots=True)
class CardUpdated:
    """What `update_template_card` answered: the userids it could not update."""

    invalid_users: tuple[str, ...] = ()


def wire_of(message: Message) -> Json:
    """The `msgtype` and its part of a `message/send` body."""
    match message:
        case Text(content=content):
            return {"msgtype": "text", "text": {"content": content}}
        case Markdown(content=content):
            return {"msgtype": "markdown", "markdown": {"content": content}}
        case Image(media_id=media_id):
            return {"msgtype": "image", "image": {"media_id": media_id}}
        case File(media_id=media_id):
            return {"msgtype": "file", "file": {"media_id": media_id}}
        case ButtonCard():
            return {"msgtype": "template_card", "template_card": message.wire()}
