"""The bulletin's text: split into Telegram-sized messages, each unit's copy marking its lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.bulletin import LIMIT, BulletinText, split_lines
from bot.texts import Texts
from tests.test_bulletin_files import month_report

lines_strategy = st.lists(
    st.text(min_size=1, max_size=600).filter(lambda t: t.strip()), max_size=80
)


@given(lines_strategy, st.integers(min_value=600, max_value=LIMIT))
def test_split_lines_keeps_every_line_whole_and_in_order(lines: list[str], limit: int) -> None:
    parts = split_lines(lines, limit)
    assert all(len(part) <= limit for part in parts)
    assert "\n".join(parts) == "\n".join(line[:limit] for line in lines)
    rejoined = [line for part in parts for line in part.split("\n")]
    assert len(rejoined) >= len(lines)  # a line with newlines of its own may add more


def test_each_unit_copy_marks_only_its_own_two_lines() -> None:
    texts = Texts("zh")
    report = month_report()
    text = BulletinText(texts, report)
    plain = "\n".join(text.parts()).split("\n")
    for line in report.lines:
        mine = "\n".join(text.parts(mine=line.counts.unit_id)).split("\n")
        changed = [(a, b) for a, b in zip(plain, mine, strict=True) if a != b]
        assert len(changed) == 2, changed  # the month's line and the year's line
        assert all(line.counts.name in b for _, b in changed)
        assert changed[1][1] == f"<b>{changed[1][0]}</b>"
    assert text.parts(mine=999_999) == text.parts()  # a unit not in the report: plain
