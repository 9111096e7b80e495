"""The bulletin's text: each unit's copy marking its lines (splitting: test_chat_split.py)."""

from __future__ import annotations

from bot.documents.bulletin import BulletinText
from chat.texts import Texts
from tests.test_bulletin_files import month_report


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
