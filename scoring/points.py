"""Points of adoptions (第九条): by outlet level, accumulated over outlets, half to an editing section."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from scoring.policy import ScoringPolicy


def adoption_points(policy: ScoringPolicy, level: int) -> int:
    """Points one adoption earns at this outlet level; media outlets score by the same levels."""
    if level not in policy.level_points:
        raise ValueError(f"outlet level must be 1–4, got {level}")
    return policy.points_for_level(level)


def item_points(policy: ScoringPolicy, levels: Iterable[int]) -> int:
    """An item's points: the sum over every outlet that adopted it (同一信息被多处采用的按累计计分)."""
    return sum(adoption_points(policy, level) for level in levels)


def edit_credit(policy: ScoringPolicy, points: int | Decimal) -> Decimal:
    """What a section earns for rewriting another unit's item: a share (½) of its actual points."""
    if points < 0:
        raise ValueError("points cannot be negative")
    return Decimal(points) * policy.edit_credit_share
