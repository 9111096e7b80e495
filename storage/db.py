"""The database handle: connection pragmas, migrations, serialized explicit transactions."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Sequence,
)
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.migrations import LATEST_VERSION, MIGRATIONS

Clock = Callable[[], datetime]
T = TypeVar("T")
#: Results `Database.memoized` keeps (a few periods' figures).
MEMO_ENTRIES = 8
Params = Sequence[Any] | dict[str, Any]


class Rider:
    """A write that joins the next transaction committed in its block (`riding`): a dialogue's
    session saved together with the effects of the step that moved it."""

    def __init__(self, write: Callable[[Tx], Awaitable[None]]) -> None:
        self.write = write
        self.committed = False
        self.closed = False  # the block is over (a task started in it keeps its context)


_rider: ContextVar[Rider | None] = ContextVar("transaction_rider", default=None)


@contextmanager
def riding(write: Callable[[Tx], Awaitable[None]]) -> Iterator[Rider]:
    """Within the block, the first write transaction that commits runs `write` before COMMIT;
    `committed` says whether one did (if not, the caller writes it on its own)."""
    rider = Rider(write)
    token = _rider.set(rider)
    try:
        yield rider
    finally:
        rider.closed = True
        _rider.reset(token)


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
    """One open transaction (or a consistent read) on the ledger, with the time it began.

    Statements run right on the event loop's thread: a ledger statement takes microseconds,
    while a trip to aiosqlite's thread and back took 0.1–0.35 ms idle and milliseconds on a
    busy loop, and the transaction (holding the Database lock) waited for every one of them. Whole-ledger scans
    use `Database.scanning()`, whose statements go to the connection's thread instead.
    """

    def __init__(
        self, conn: aiosqlite.Connection, raw: sqlite3.Connection, now: datetime, *, inline: bool
    ) -> None:
        self._conn = conn
        self._raw = raw
        self._inline = inline
        self.now = now

    @property
    def stamp(self) -> str:
        """The transaction's start time as stored."""
        return to_stamp(self.now)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Runs a statement; returns lastrowid (for INSERT) or the rows it changed."""
        insert = sql.lstrip()[:6].upper() == "INSERT"
        cursor = self._writable().execute(sql, params)
        try:
            return int(cursor.lastrowid or 0) if insert else int(cursor.rowcount)
        finally:
            cursor.close()

    async def changed(self, sql: str, params: Params = ()) -> int:
        """Runs a write statement; returns how many rows it changed (0 for a DO NOTHING)."""
        cursor = self._writable().execute(sql, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _writable(self) -> sqlite3.Connection:
        """The connection, for a write; a scanning snapshot is read-only."""
        if not self._inline:
            raise RuntimeError("a scanning snapshot is read-only: write in a transaction")
        return self._raw

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Runs a statement for many parameter rows (bulk work: on the connection's thread)."""
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        if self._inline:
            cursor = self._raw.execute(sql, params)
            try:
                row: sqlite3.Row | None = cursor.fetchone()
            finally:
                cursor.close()
            return row
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        if self._inline:
            return self._raw.execute(sql, params).fetchall()
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
    """The ledger's single connection; transactions are serialized, as SQLite has one writer.

    aiosqlite owns the connection and its thread (migrations, bulk inserts, whole-ledger
    scans, waiting out another process's write lock); transactions run their statements on
    the event loop's thread (see `Tx`). The asyncio lock keeps the two from ever overlapping.
    """

    def __init__(
        self,
        conn: aiosqlite.Connection,
        raw: sqlite3.Connection,
        path: Path,
        clock: Clock,
        busy_timeout_ms: int,
    ) -> None:
        self._conn = conn
        self._raw = raw
        self._lock = asyncio.Lock()
        self._busy_timeout_ms = busy_timeout_ms
        self._commits = 0  # this connection's committed write transactions
        self._memo: dict[Hashable, tuple[tuple[int, int], asyncio.Future[Any], object]] = {}
        self._next: dict[Hashable, asyncio.Future[Any]] = {}  # waiting for the one running
        self.path = path
        self.clock = clock
        #: Called after each scan of the whole ledger (the root hands the heap's trim: what
        #: a scan's rows took is given back rather than kept by the allocator).
        self.after_scan: Callable[[], None] | None = None

    @classmethod
    async def open(
        cls, path: Path | str, *, busy_timeout_ms: int = 5000, clock: Clock = utc_now
    ) -> Database:
        """Opens (creating if needed) the database file with the ledger's pragmas."""
        db_path = Path(path)
        if str(db_path) != ":memory:":
            db_path.parent.mkdir(parents=True, exist_ok=True)
        opened: list[sqlite3.Connection] = []

        def connect() -> sqlite3.Connection:
            """Runs on aiosqlite's thread; the loop's thread uses the same connection too."""
            raw = sqlite3.connect(str(db_path), isolation_level=None, check_same_thread=False)
            raw.row_factory = sqlite3.Row
            opened.append(raw)
            return raw

        conn = await aiosqlite.Connection(connect, 64)  # aiosqlite.connect, keeping the handle
        await conn.execute_fetchall(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await conn.execute_fetchall("PRAGMA journal_mode = WAL")
        await conn.execute_fetchall("PRAGMA synchronous = NORMAL")
        await conn.execute_fetchall("PRAGMA foreign_keys = ON")
        return cls(conn, opened[0], db_path, clock, int(busy_timeout_ms))

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
            await self._begin_immediate()
            raw = self._raw
            tx = Tx(self._conn, raw, self.clock(), inline=True)
            rider = _rider.get()
            try:
                yield tx
                if rider is not None and not (rider.committed or rider.closed):
                    await rider.write(tx)
                else:
                    rider = None
            except BaseException:
                if raw.in_transaction:  # SQLite already rolled back on SQLITE_FULL etc.
                    raw.execute("ROLLBACK")
                raise
            else:
                try:
                    raw.execute("COMMIT")  # WAL: a commit never waits for readers
                except BaseException:
                    if raw.in_transaction:
                        raw.execute("ROLLBACK")
                    raise
                self._commits += 1
                if rider is not None:
                    rider.committed = True

    async def _begin_immediate(self) -> None:
        """Takes the write lock; if another process holds it, waits on the connection's thread
        (busy_timeout) rather than blocking the event loop."""
        raw = self._raw
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        await self._conn.execute_fetchall("BEGIN IMMEDIATE")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        """A read-only snapshot (BEGIN DEFERRED), so multi-query reads agree with each other."""
        async with self._lock:
            raw = self._raw
            raw.execute("BEGIN")
            try:
                yield Tx(self._conn, raw, self.clock(), inline=True)
            finally:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")

    @asynccontextmanager
    async def scanning(self) -> AsyncIterator[Tx]:
        """A read-only snapshot for queries over the whole ledger (a year's figures, a search):
        they run on the connection's thread, so the bot keeps answering meanwhile."""
        async with self._lock:
            await self._conn.execute_fetchall("BEGIN")
            try:
                yield Tx(self._conn, self._raw, self.clock(), inline=False)
            finally:
                if self._raw.in_transaction:
                    await self._conn.execute_fetchall("ROLLBACK")
                if self.after_scan is not None:
                    self.after_scan()

    async def version(self) -> tuple[int, int]:
        """Changes whenever the ledger does: this connection's commits and SQLite's
        data_version (which counts other processes' commits, e.g. a CLI command's)."""
        async with self._lock:
            row = self._raw.execute("PRAGMA data_version").fetchone()
        return self._commits, int(row[0])

    async def memoized(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], *, keep: object = None
    ) -> T:
        """compute()'s result, computed once and shared while the ledger is unchanged.

        For whole-ledger figures that many people ask for at once (/unit, /rank at month
        start): callers arriving during a computation await the same one, and a result is
        reused only until the next commit, here or in another process, so it is never stale.
        `keep` is held with the entry (e.g. an object whose id() is part of the key).
        """
        version = await self.version()
        entry = self._memo.get(key)
        if entry is not None and entry[0] == version:
            future = entry[1]
        elif entry is not None and not entry[1].done():
            # One from an older snapshot is running: everyone arriving meanwhile shares the one
            # computation that starts when it ends (its snapshot is newer than their arrival),
            # so under steady writes at most two run back to back instead of a queue of them.
            future = self._next.get(key) or self._queue(key, entry[1], compute, keep)
        else:
            future = self._start(key, version, compute, keep)
        try:
            result: T = await asyncio.shield(future)
        except Exception:
            if self._memo.get(key, (None, None))[1] is future:
                del self._memo[key]  # a failure is not kept
            raise
        return result

    def _start(
        self,
        key: Hashable,
        version: tuple[int, int],
        compute: Callable[[], Awaitable[T]],
        keep: object,
    ) -> asyncio.Future[T]:
        """Starts computing a memo entry for the ledger's version now."""
        future: asyncio.Future[T] = asyncio.ensure_future(compute())
        self._memo[key] = (version, future, keep)
        while len(self._memo) > MEMO_ENTRIES:
            del self._memo[next(iter(self._memo))]  # the oldest
        return future

    def _queue(
        self,
        key: Hashable,
        running: asyncio.Future[Any],
        compute: Callable[[], Awaitable[T]],
        keep: object,
    ) -> asyncio.Future[T]:
        """The computation that starts once `running` ends, shared by all who wait for it."""

        async def after() -> T:
            """Waits for the running one, then computes as the entry of the version then."""
            await asyncio.wait({running})
            self._next.pop(key, None)
            started = self._start(key, await self.version(), compute, keep)
            try:
                return await asyncio.shield(started)
            except Exception:
                if self._memo.get(key, (None, None))[1] is started:
                    del self._memo[key]  # a failure is not kept
                raise

        future: asyncio.Future[T] = asyncio.ensure_future(after())
        self._next[key] = future
        return future

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
