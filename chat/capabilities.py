"""What a channel's messages can hold, declared by the channel: limits come from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from chat.split import split_text


@dataclass(frozen=True, slots=True)
class Capabilities:
    """One channel's limits: text and caption size, buttons, editing (a text limit of None:
    not limited that way)."""

    channel: str
    text_chars: int | None  # characters in one text message
    text_bytes: int | None  # UTF-8 bytes in one text message
    caption_chars: int | None  # characters of a file's caption; None: files take no caption
    buttons_per_row: int
    buttons_per_message: int
    action_bytes: int  # the data a button carries back when pressed
    editable: bool  # a sent message (its text and buttons) can be changed afterwards

    def fits(self, text: str) -> bool:
        """Whether the text goes in one message."""
        if self.text_chars is not None and len(text) > self.text_chars:
            return False
        return self.text_bytes is None or len(text.encode()) <= self.text_bytes

    def split(self, text: str, cut: Callable[[str, int], int] | None = None) -> list[str]:
        """The text in messages of this channel, cut at line breaks (a renderer's `cut` keeps
        its own constructs, such as HTML entities, whole)."""
        return split_text(text, self.fits, cut)

    def sure_chars(self) -> int:
        """How many characters always fit in one message, whatever they are."""
        limits = [self.text_chars or 0, (self.text_bytes or 0) // 4]  # UTF-8: ≤ 4 bytes each
        return min(limit for limit in limits if limit) if any(limits) else 2**31


def narrowest(*channels: Capabilities) -> Capabilities:
    """What holds on every one of the channels: for content written once and sent on all."""
    assert channels, "narrowest() of no channels"

    def least(*values: int | None) -> int | None:
        known = [v for v in values if v is not None]
        return min(known) if known else None

    return Capabilities(
        channel="+".join(c.channel for c in channels),
        text_chars=least(*(c.text_chars for c in channels)),
        text_bytes=least(*(c.text_bytes for c in channels)),
        caption_chars=least(*(c.caption_chars for c in channels)),
        buttons_per_row=min(c.buttons_per_row for c in channels),
        buttons_per_message=min(c.buttons_per_message for c in channels),
        action_bytes=min(c.action_bytes for c in channels),
        editable=all(c.editable for c in channels),
    )


#: The Bot API's limits: 4,096 characters a message, 1,024 a caption, 64 bytes of callback
#: data; an inline keyboard of up to 100 buttons, 8 a row; messages can be edited.
TELEGRAM: Final = Capabilities(
    channel="telegram",
    text_chars=4096,
    text_bytes=None,
    caption_chars=1024,
    buttons_per_row=8,
    buttons_per_message=100,
    action_bytes=64,
    editable=True,
)
#: WeCom (企业微信) application messages: text ≤ 2,048 bytes; files go without a caption; a
#: template card has up to 6 buttons with keys ≤ 1,024 bytes, and is updated only once per
#: click (within 72 h), so sent messages count as not editable. See ../shared/spec/CHANNELS.md.
WECOM: Final = Capabilities(
    channel="wecom",
    text_chars=None,
    text_bytes=2048,
    caption_chars=None,
    buttons_per_row=6,
    buttons_per_message=6,
    action_bytes=1024,
    editable=False,
)
