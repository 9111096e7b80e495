"""The heap's tuning and trim: applied on glibc, switched off by its variable, and the
ledger's scans handing back what they took through the root's hook."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from bot import heap
from storage.db import Database

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.fixture(autouse=True)
def fresh_libc() -> None:
    """Each test looks the C library up again (the variable is read then)."""
    heap._glibc.cache_clear()


@pytest.mark.skipif(not GLIBC, reason="glibc's malloc only")
def test_tuned_and_trimmed_on_glibc() -> None:
    assert heap.tune()
    heap.trim()


def test_switched_off_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAOSONG_MALLOC_TUNING", "0")
    assert not heap.tune()
    heap.trim()  # does nothing, and does not fail


async def test_each_scan_of_the_ledger_calls_the_hook(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "ledger.db")
    calls: list[str] = []
    try:
        await db.migrate()
        async with db.scanning() as tx:
            await tx.fetchall("SELECT 1")
        assert calls == []  # no hook: nothing called
        db.after_scan = lambda: calls.append("trim")
        async with db.scanning() as tx:
            await tx.fetchall("SELECT 1")
        with pytest.raises(RuntimeError):
            async with db.scanning():
                raise RuntimeError("a failed scan")
        assert calls == ["trim", "trim"]
    finally:
        await db.close()
