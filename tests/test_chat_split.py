"""Messages cut to a channel's size in one place: declared capabilities, and the splitter
that the bulletin, long listings and notices share (same pieces as before for Telegram)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.documents.bulletin import messages
from channels.telegram.handlers.lookup import split_message
from chat.capabilities import TELEGRAM, WECOM, Capabilities, narrowest
from chat.render import TELEGRAM_HTML, WECOM_TEXT
from chat.split import split_lines, split_text, within


def split_message_before(text: str, limit: int = 4096) -> list[str]:
    """handlers/lookup.py's splitter as it was before it moved to chat/split.py."""
    pieces: list[str] = []
    current_piece = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current_piece:
                pieces.append(current_piece)
                current_piece = ""
            cut = limit
            entity = line.rfind("&", max(0, limit - 10), limit)
            if entity != -1 and ";" not in line[entity:limit]:
                cut = entity
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current_piece}\n{line}" if current_piece else line
        if len(candidate) > limit:
            pieces.append(current_piece)
            current_piece = line
        else:
            current_piece = candidate
    if current_piece:
        pieces.append(current_piece)
    return pieces


def split_lines_before(lines: list[str], limit: int = 4096) -> list[str]:
    """bot/bulletin.py's splitter as it was before it moved to chat/split.py."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line[:limit]
        if size == 0:
            current, size = [line], len(line)
        elif size + 1 + len(line) > limit:
            messages.append("\n".join(current))
            current, size = [line], len(line)
        else:
            current.append(line)
            size += 1 + len(line)
    if size:
        messages.append("\n".join(current))
    return messages


texts = st.text(alphabet=st.sampled_from("ab字\n &;"), max_size=300)


@given(texts, st.integers(min_value=11, max_value=80))
def test_long_texts_split_into_the_same_pieces_as_before(text: str, limit: int) -> None:
    assert split_message(text, limit) == split_message_before(text, limit)
    assert split_text(text, within(limit), TELEGRAM_HTML.cut) == split_message_before(text, limit)


@given(st.lists(st.text(alphabet=st.sampled_from("ab字\n &;"), max_size=40), max_size=30))
def test_bulletin_lines_join_into_the_same_messages_as_before(lines: list[str]) -> None:
    assert split_lines(lines, within(40)) == split_lines_before(lines, 40)


@given(
    st.lists(st.text(min_size=1, max_size=600).filter(lambda t: t.strip()), max_size=80),
    st.integers(min_value=600, max_value=4096),
)
def test_split_lines_keeps_every_line_whole_and_in_order(lines: list[str], limit: int) -> None:
    parts = split_lines(lines, within(limit))
    assert all(len(part) <= limit for part in parts)
    assert "\n".join(parts) == "\n".join(lines)


def test_a_line_longer_than_a_message_is_cut_not_lost_and_never_inside_an_entity() -> None:
    line = "字" * 4093 + "&amp;" + "x" * 5000  # the entity straddles 4,096
    parts = messages(["头", line])
    assert parts[0] == "头"
    assert "".join(parts[1:]) == line
    assert parts[1].endswith("字") and parts[2].startswith("&amp;")
    assert all(TELEGRAM.fits(part) for part in parts)
    assert split_message("a\n" + line) == ["a", *parts[1:]]


def test_a_byte_limited_channel_gets_pieces_within_its_bytes() -> None:
    text = "\n".join(f"第{n}行：" + "报送信息" * 40 for n in range(40))
    parts = WECOM.split(text, WECOM_TEXT.cut)
    assert len(parts) > 1
    assert all(len(part.encode()) <= 2048 for part in parts)
    assert "\n".join(parts) == text  # every break between pieces is one of the text's own
    huge = "字" * 1000  # 3,000 bytes on one line: cut between characters
    assert [len(p.encode()) for p in WECOM.split(huge)] == [2046, 954]


def test_telegram_declares_the_bot_api_limits() -> None:
    assert (TELEGRAM.text_chars, TELEGRAM.text_bytes, TELEGRAM.caption_chars) == (4096, None, 1024)
    assert (TELEGRAM.buttons_per_row, TELEGRAM.buttons_per_message) == (8, 100)
    assert TELEGRAM.action_bytes == 64 and TELEGRAM.editable
    assert TELEGRAM.fits("字" * 4096) and not TELEGRAM.fits("字" * 4097)
    assert TELEGRAM.sure_chars() == 4096


def test_the_narrowest_of_channels_holds_on_each() -> None:
    both = narrowest(TELEGRAM, WECOM)
    assert both.channel == "telegram+wecom"
    assert (both.text_chars, both.text_bytes, both.caption_chars) == (4096, 2048, 1024)
    assert (both.buttons_per_row, both.buttons_per_message, both.action_bytes) == (6, 6, 64)
    assert not both.editable
    assert both.sure_chars() == 512  # 2,048 bytes hold 512 characters of 4 bytes
    assert narrowest(TELEGRAM) == TELEGRAM
    for text in ("字" * 683, "a" * 2049, "a" * 2048, "字" * 682):
        assert both.fits(text) == (TELEGRAM.fits(text) and WECOM.fits(text))


def test_a_channel_without_text_limits_holds_anything() -> None:
    free = Capabilities("test", None, None, None, 1, 1, 1, editable=False)
    assert free.fits("字" * 100_000)
    assert free.split("a\nb") == ["a\nb"]
