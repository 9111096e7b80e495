"""Texts of 《工作简报》 issues: drafting, review, signing, issuing (zh, en)."""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {}

EN: Final[dict[str, str]] = {}
