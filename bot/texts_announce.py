"""Texts of announcements to chosen roles and units, and the /guide for informants (zh, en)."""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {}

EN: Final[dict[str, str]] = {}
