"""Pieces every button codec shares: the size limit and checked numbers."""

from __future__ import annotations

import re
from typing import Final

#: Telegram's limit on a button's callback data, in bytes (UTF-8).
LIMIT: Final = 64
#: An id as buttons carry it: up to 12 ASCII digits (no sign, no other scripts' digits).
ID: Final = "[0-9]{1,12}"
#: A sign-off or issue round: up to 6 digits.
ROUND: Final = "[0-9]{1,6}"


def digits(value: int, width: int) -> str:
    """A number as at most `width` ASCII digits; ValueError if it cannot be written so."""
    if isinstance(value, bool) or not 0 <= value < 10**width:
        raise ValueError(f"{value!r} does not fit {width} digits")
    return str(value)


def word(value: str, pattern: str) -> str:
    """A word that must match the codec's pattern for it; ValueError otherwise."""
    if not re.fullmatch(pattern, value):
        raise ValueError(f"{value!r} does not match {pattern}")
    return value


def fits(data: str) -> str:
    """The encoded data, checked against the 64-byte callback limit."""
    if len(data.encode()) > LIMIT:
        raise ValueError(f"{data!r} is longer than {LIMIT} bytes")
    return data
