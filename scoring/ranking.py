"""Rankings as a published 通报 prints them: equal scores share a rank, the next rank skips."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")


def competition_ranks(scores: Sequence[Decimal | int]) -> list[int]:
    """Rank of each score (1 = best); ties share a rank and the next one skips (1, 2, 2, 4)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
    ranks = [0] * len(scores)
    previous: Decimal | int | None = None
    rank = 0
    for position, index in enumerate(order, start=1):
        if previous is None or scores[index] != previous:
            rank = position
            previous = scores[index]
        ranks[index] = rank
    return ranks


def ranked(
    rows: Sequence[T], score: Callable[[T], Decimal | int], name: Callable[[T], str]
) -> list[tuple[int, T]]:
    """Rows with their rank, best first; equal scores are listed by name for a stable table."""
    ranks = competition_ranks([score(row) for row in rows])
    pairs = list(zip(ranks, rows, strict=True))
    pairs.sort(key=lambda pair: (pair[0], name(pair[1])))
    return pairs
