"""The database handle: connection pragmas, migrations, serialized explicit transactions."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrations import LATEST_VERSION, MIGRATIONS

Clock = Callable[[], datetime]
Params = Sequence[Any] | dict[str, Any]


def utc_now() -> datetime:
    """The wall clock in UTC; the default clock of the ledger."""
    return datetime.now(UTC)


def to_stamp(moment: datetime) -> str:
    """A timestamp as stored: ISO 8601 in UTC, sortable as text."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class MigrationError(RuntimeError):
    """The database is newer than this code, or a migration failed."""


class Tx:
    """One open transaction (or a consistent read) on the ledger, with the time it began."""

    def __init__(self, conn: aiosqlite.Connection, now: datetime) -> None:
        self._conn = conn
        self.now = now

    @property
    def stamp(self) -> str:
        """The transaction's start time as stored."""
        return to_stamp(self.now)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Runs a statement; returns lastrowid (for INSERT) or the rows it changed."""
        if sql.lstrip()[:6].upper() == "INSERT":
            row = await self._conn.execute_insert(sql, params)
            return int(row[0] or 0) if row else 0
        return await self.changed(sql, params)

    async def changed(self, sql: str, params: Params = ()) -> int:
        """Runs a write statement; returns how many rows it changed (0 for a DO NOTHING)."""
        # One round trip to the connection's thread instead of three (execute, fetch, close).
        # Statements run one at a time under the Database lock, and no trigger or foreign-key
        # action in the schema changes rows (tests/test_storage.py checks), so the
        # connection's change counter moves by exactly this statement's count.
        before = self._conn.total_changes
        await self._conn.execute_fetchall(sql, params)
        return self._conn.total_changes - before

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Runs a statement for many parameter rows."""
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a query (fetched on the connection's thread in one round trip)."""
        return list(await self._conn.execute_fetchall(sql, params))

    async def audit(
        self,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: int | None,
        **detail: Any,
    ) -> None:
        """Appends the audit row that every state change carries."""
        await self.execute(
            "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                self.stamp,
                actor_id,
                action,
                entity,
                entity_id,
                json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
            ),
        )


class Database:
    """The ledger's single connection; transactions are serialized, as SQLite has one writer."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, clock: Clock) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self.clock = clock

    @classmethod
    async def open(
        cls, path: Path | str, *, busy_timeout_ms: int = 5000, clock: Clock = utc_now
    ) -> Database:
        """Opens (creating if needed) the database file with the ledger's pragmas."""
        db_path = Path(path)
        if str(db_path) != ":memory:":
            db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(db_path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        return cls(conn, db_path, clock)

    async def close(self) -> None:
        """Closes the connection, checkpointing the WAL."""
        await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error."""
        async with self._lock:
            await self._conn.execute_fetchall("BEGIN IMMEDIATE")
            tx = Tx(self._conn, self.clock())
            try:
                yield tx
            except BaseException:
                if self._conn.in_transaction:  # SQLite already rolled back on SQLITE_FULL etc.
                    await self._conn.execute_fetchall("ROLLBACK")
                raise
            else:
                try:
                    await self._conn.execute_fetchall("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        await self._conn.execute_fetchall("ROLLBACK")
                    raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        """A read-only snapshot (BEGIN DEFERRED), so multi-query reads agree with each other."""
        async with self._lock:
            await self._conn.execute_fetchall("BEGIN")
            tx = Tx(self._conn, self.clock())
            try:
                yield tx
            finally:
                if self._conn.in_transaction:
                    await self._conn.execute_fetchall("ROLLBACK")

    async def schema_version(self) -> int:
        """The highest migration applied (0 for an empty database)."""
        async with self._lock:
            async with self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ) as cursor:
                if await cursor.fetchone() is None:
                    return 0
            async with self._conn.execute("SELECT max(version) FROM schema_version") as cursor:
                row = await cursor.fetchone()
        return int(row[0] or 0) if row else 0

    async def migrate(self, target: int = LATEST_VERSION) -> list[int]:
        """Applies every pending migration up to target, each in its own transaction."""
        current = await self.schema_version()
        if current > LATEST_VERSION:
            raise MigrationError(
                f"the database is at schema version {current}, newer than this program's "
                f"{LATEST_VERSION}: upgrade Baosong before using this database"
            )
        applied: list[int] = []
        async with self._lock:
            await self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                " description TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            for version, description, script in MIGRATIONS:
                if version <= current or version > target:
                    continue
                stamp = to_stamp(self.clock())
                try:
                    await self._conn.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\n"
                        "INSERT INTO schema_version (version, description, applied_at)"
                        f" VALUES ({version}, '{description.replace(chr(39), chr(39) * 2)}',"
                        f" '{stamp}');\nCOMMIT;"
                    )
                except sqlite3.Error as error:
                    if self._conn.in_transaction:
                        await self._conn.execute_fetchall("ROLLBACK")
                    raise MigrationError(f"migration {version} failed: {error}") from error
                applied.append(version)
        return applied
