"""How figures are printed: the same number of decimals everywhere in a sheet (points, 分, 元)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: Points carry one decimal (edit credit gives halves), two where a share needs them.
POINT_PLACES = 1


def fixed(value: Decimal | int, places: int) -> str:
    """The value with exactly `places` decimals, rounded half-up (6 → 6.0, 2.25 → 2.25)."""
    quantum = Decimal(1).scaleb(-places)
    return format(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP), "f")


def points(value: Decimal | int) -> str:
    """A score or target in points: one decimal, or two when the value has a second (0.25)."""
    exact = Decimal(value)
    places = POINT_PLACES if exact == exact.quantize(Decimal("0.1")) else 2
    return fixed(exact, places)


def assessment(value: Decimal | None) -> str:
    """Assessment points to the hundredth (10.00); 不考核 for a unit not assessed."""
    return "不考核" if value is None else fixed(value, 2)


def yuan(value: Decimal | int) -> str:
    """Money to the fen (415.00)."""
    return fixed(value, 2)
