"""The figures memo under steady writes: requests during a running computation share one next."""

from __future__ import annotations

import asyncio

from storage.db import Database


async def add_unit(db: Database, name: str) -> None:
    """A commit that changes what the computation counts."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO units (name, kind, created_at) VALUES (?, 'section', ?)", (name, tx.stamp)
        )


async def test_requests_during_a_computation_share_the_next_one(db: Database) -> None:
    gate = asyncio.Event()
    computed = 0

    async def count_units() -> int:
        nonlocal computed
        computed += 1
        async with db.reading() as tx:
            row = await tx.fetchone("SELECT count(*) FROM units")
        await gate.wait()
        return int(row[0]) if row else -1

    first = asyncio.create_task(db.memoized("units", count_units))
    await asyncio.sleep(0.01)  # it has read its snapshot: 0 units
    later = []
    for n in range(5):  # a commit, then a request, five times while the first still runs
        await add_unit(db, f"单位{n}")
        later.append(asyncio.create_task(db.memoized("units", count_units)))
        await asyncio.sleep(0)
    gate.set()
    assert await first == 0
    assert await asyncio.gather(*later) == [5] * 5  # every one sees the commits before it
    assert computed == 2  # not one computation per commit
    assert await db.memoized("units", count_units) == 5 and computed == 2


async def test_a_failed_next_computation_is_not_kept(db: Database) -> None:
    gate = asyncio.Event()
    attempts = 0

    async def flaky() -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await gate.wait()
            return "first"
        if attempts == 2:
            raise OSError("disk I/O error")
        return "ok"

    first = asyncio.create_task(db.memoized("flaky", flaky))
    await asyncio.sleep(0)
    await add_unit(db, "甲")
    second = asyncio.create_task(db.memoized("flaky", flaky))
    await asyncio.sleep(0)
    gate.set()
    assert await first == "first"
    try:
        await second
    except OSError:
        pass
    else:
        raise AssertionError("the queued computation should have failed")
    assert await db.memoized("flaky", flaky) == "ok" and attempts == 3
