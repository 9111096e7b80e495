"""Online backup with SQLite's backup API: a consistent copy while the bot keeps running."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class BackupError(RuntimeError):
    """The backup could not be made or did not verify."""


def backup_database(source: Path, destination: Path) -> int:
    """Copies the live database to destination atomically and verifies it; returns its size.

    The copy is one backup step (a single read snapshot, so WAL writers are never blocked and
    the copy is consistent), written to a temporary file, checked, then renamed into place.
    """
    if not source.exists():
        raise BackupError(f"no database at {source}: run `baosong init` first")
    if destination.exists() and destination.is_dir():
        destination = destination / f"{source.stem}-backup.db"
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=-1)
            check = dst.execute("PRAGMA integrity_check").fetchone()
            if check is None or check[0] != "ok":
                raise BackupError(f"the copy failed its integrity check: {check}")
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {error}") from error
    finally:
        src.close()
    os.replace(partial, destination)
    return destination.stat().st_size
