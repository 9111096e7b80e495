"""Texts of website news (中心新闻), routing hints and visit write-ups (zh, en)."""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {}

EN: Final[dict[str, str]] = {}
