"""Where an answer's time goes inside the bot, for the mixed-load benchmark's `--trace`.

Imported in the bot's process before it starts (the benchmark's `-c` code) when
`BAOSONG_BENCH_TRACE` names a file. It wraps, in that process only: each getUpdates call,
each update's wait for its lane and its handling (`PerUserUpdateProcessor`), each request's
wait for the shared send pace and its HTTP call (`PacedRateLimiter`), and a 5 ms ticker that
records how late the event loop ran it. At exit it writes the records as JSON lines, stamped
with `time.monotonic()` (one clock for every process on the machine), for `trace_report`.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import time
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

from channels.telegram.ratelimit import PacedRateLimiter
from channels.telegram.updates import PerUserUpdateProcessor

RECORDS: list[dict[str, Any]] = []
TASKS: list[asyncio.Future[None]] = []
TICK = 0.005


def install(path: str) -> None:
    """Wraps the bot's update, request and polling paths; writes the records at exit."""
    handle_update = PerUserUpdateProcessor.do_process_update

    async def do_process_update(
        self: PerUserUpdateProcessor, update: object, coroutine: Awaitable[object]
    ) -> None:
        """An update's arrival, its turn and its end."""
        arrived = time.monotonic()
        chat = (
            update.effective_chat.id if isinstance(update, Update) and update.effective_chat else 0
        )
        turn: dict[str, float] = {}

        async def timed() -> None:
            turn["start"] = time.monotonic()
            await coroutine

        try:
            await handle_update(self, update, timed())
        finally:
            RECORDS.append(
                {
                    "kind": "update",
                    "chat": chat,
                    "arrived": arrived,
                    "start": turn.get("start", arrived),
                    "end": time.monotonic(),
                }
            )

    process_request = PacedRateLimiter.process_request

    async def paced(
        self: PacedRateLimiter,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """A request's wait for the pace and its call."""
        entered = time.monotonic()
        stamps: dict[str, float] = {}

        async def call(*a: Any, **k: Any) -> Any:
            stamps["paced"] = time.monotonic()
            try:
                return await callback(*a, **k)
            finally:
                stamps["done"] = time.monotonic()

        try:
            return await process_request(self, call, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            RECORDS.append(
                {
                    "kind": "request",
                    "endpoint": endpoint,
                    "chat": data.get("chat_id"),
                    "entered": entered,
                    "paced": stamps.get("paced", entered),
                    "done": stamps.get("done", time.monotonic()),
                }
            )

    get_updates = ExtBot.get_updates

    async def polled(self: ExtBot[Any], *args: Any, **kwargs: Any) -> Any:
        """One getUpdates call: when it returned and with how many updates."""
        began = time.monotonic()
        result = await get_updates(self, *args, **kwargs)
        RECORDS.append(
            {"kind": "poll", "began": began, "done": time.monotonic(), "count": len(result)}
        )
        return result

    PerUserUpdateProcessor.do_process_update = do_process_update  # type: ignore[method-assign]
    PacedRateLimiter.process_request = paced  # type: ignore[method-assign]
    ExtBot.get_updates = polled  # type: ignore[method-assign]
    original_init = PerUserUpdateProcessor.initialize

    async def initialize(self: PerUserUpdateProcessor) -> None:
        """Starts the loop-lag ticker with the processor."""
        await original_init(self)
        TASKS.append(asyncio.ensure_future(_ticker()))

    PerUserUpdateProcessor.initialize = initialize  # type: ignore[method-assign]
    atexit.register(_write, path)


async def _ticker() -> None:
    """Records every tick the event loop ran more than 5 ms late."""
    while True:
        due = time.monotonic() + TICK
        await asyncio.sleep(TICK)
        late = time.monotonic() - due
        if late > TICK:
            RECORDS.append({"kind": "lag", "at": due, "late": late})


def _write(path: str) -> None:
    """The records, one JSON object a line."""
    with open(path, "w", encoding="utf-8") as out:
        for record in RECORDS:
            out.write(json.dumps(record) + "\n")


def report(harness: list[tuple[int, float, float]], path: str, label: str) -> None:
    """Prints each stage of an answer (p50, p99, and its mean over the slowest 1% of answers),
    matching the harness's (chat, sent, arrived) to the bot's update and its last request."""
    with open(path, encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    updates: dict[int, list[dict[str, Any]]] = {}
    requests: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        if record["kind"] == "update":
            updates.setdefault(record["chat"], []).append(record)
        elif record["kind"] == "request" and record["endpoint"] == "sendMessage":
            requests.setdefault(int(record["chat"]), []).append(record)
    for kept in (*updates.values(), *requests.values()):
        kept.sort(key=lambda r: r.get("arrived", r.get("entered", 0.0)))
    stages = ("delivered", "lane", "handling", "pace", "http", "back", "total")
    rows: list[dict[str, float]] = []
    starts: list[float] = []
    taken: set[int] = set()
    for chat, sent, arrived in sorted(harness, key=lambda h: h[1]):
        update = next(
            (u for u in updates.get(chat, []) if u["arrived"] >= sent and id(u) not in taken), None
        )
        if update is None:
            continue
        taken.add(id(update))
        answer = [
            r for r in requests.get(chat, []) if update["start"] <= r["entered"] <= update["end"]
        ]
        if not answer:
            continue
        last = answer[-1]
        starts.append(sent)
        rows.append(
            {
                "delivered": update["arrived"] - sent,
                "lane": update["start"] - update["arrived"],
                "handling": last["entered"] - update["start"],
                "pace": last["paced"] - last["entered"],
                "http": last["done"] - last["paced"],
                "back": arrived - last["done"],
                "total": arrived - sent,
            }
        )
    if not rows:
        print(f"\n  trace ({label}): no answer matched")
        return
    slow = sorted(rows, key=lambda r: r["total"])[-max(1, len(rows) // 100) :]

    def q(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] * 1000

    print(f"\n  trace ({label}): {len(rows)} answers matched; ms per stage")
    print(f"    {'stage':<10}{'p50':>8}{'p99':>8}{'slowest 1%, mean':>18}")
    for stage in stages:
        values = [r[stage] for r in rows]
        mean_slow = sum(r[stage] for r in slow) / len(slow) * 1000
        print(f"    {stage:<10}{q(values, 0.5):8.1f}{q(values, 0.99):8.1f}{mean_slow:18.1f}")
    endpoints: dict[str, int] = {}
    for record in records:
        if record["kind"] == "request":
            endpoints[record["endpoint"]] = endpoints.get(record["endpoint"], 0) + 1
    print(
        "    requests paced: "
        + ", ".join(f"{name} {count}" for name, count in sorted(endpoints.items()))
        + f" (for {len(harness)} answers)"
    )
    lags = [r["late"] for r in records if r["kind"] == "lag"]
    timeline(rows, starts, records)
    polls = [r for r in records if r["kind"] == "poll"]
    print(
        f"    event loop late > {TICK * 1000:.0f} ms: {len(lags)} times, worst"
        f" {max(lags, default=0) * 1000:.0f} ms, total {sum(lags):.1f} s;"
        f" getUpdates calls {len(polls)}, updates a call (max) {max((p['count'] for p in polls), default=0)}"
    )


def timeline(
    rows: list[dict[str, float]], starts: list[float], records: list[dict[str, Any]]
) -> None:
    """Per 5 s of the load: answers, the worst wait for the pace and the worst handling, and
    how long the event loop ran late (whether the tail comes in episodes, and with what)."""
    if not starts:
        return
    first = min(starts)
    spans: dict[int, dict[str, float]] = {}
    for row, sent in zip(rows, starts, strict=True):
        span = spans.setdefault(
            int((sent - first) // 5), {"n": 0, "pace": 0.0, "handling": 0.0, "late": 0.0}
        )
        span["n"] += 1
        span["pace"] = max(span["pace"], row["pace"])
        span["handling"] = max(span["handling"], row["handling"])
    for record in records:
        if record["kind"] == "lag" and record["at"] >= first:
            lagged = spans.get(int((record["at"] - first) // 5))
            if lagged is not None:
                lagged["late"] += record["late"]
    print("    from s  answers  worst pace ms  worst handling ms  loop late ms")
    for key in sorted(spans):
        span = spans[key]
        print(
            f"    {key * 5:6d}  {int(span['n']):7d}  {span['pace'] * 1000:13.0f}"
            f"  {span['handling'] * 1000:17.0f}  {span['late'] * 1000:12.0f}"
        )


if os.environ.get("BAOSONG_BENCH_TRACE"):
    install(os.environ["BAOSONG_BENCH_TRACE"])
