"""Long texts in message-sized pieces, cut between lines: the one splitter every channel uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def split_lines(
    lines: Iterable[str],
    fits: Callable[[str], bool],
    cut: Callable[[str, int], int] | None = None,
) -> list[str]:
    """Joins lines with newlines into messages that each `fits`; a line never straddles two
    messages unless it alone is too long, then it is cut (where `cut` allows: a renderer's
    rule, such as never inside an HTML entity). Blank lines at a message's start are dropped."""
    pieces: list[str] = []
    current = ""
    for whole in lines:
        line = whole
        while not fits(line):
            if current:
                pieces.append(current)
                current = ""
            at = _longest_fitting(line, fits)
            at = max(1, cut(line, at)) if cut is not None else at
            pieces.append(line[:at])
            line = line[at:]
        candidate = f"{current}\n{line}" if current else line
        if fits(candidate):
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


def split_text(
    text: str, fits: Callable[[str], bool], cut: Callable[[str, int], int] | None = None
) -> list[str]:
    """A text in messages that each `fits`, cut at line breaks (see `split_lines`)."""
    return split_lines(text.split("\n"), fits, cut)


def within(limit: int) -> Callable[[str], bool]:
    """A text of at most `limit` characters."""
    return lambda text: len(text) <= limit


def _longest_fitting(line: str, fits: Callable[[str], bool]) -> int:
    """The length of the longest start of the line that fits (at least one character)."""
    low, high = 1, len(line)  # fits(line[:low]) is assumed; line itself does not fit
    while high - low > 1:
        middle = (low + high) // 2
        if fits(line[:middle]):
            low = middle
        else:
            high = middle
    return low
