"""WeCom callbacks per second through the real callback app (verify, decrypt, parse, store,
answer) next to a bare aiohttp handler doing only the crypto (verify, decrypt), in one run.

Both servers run in one child process on 127.0.0.1 (so the load generator's CPU is not
counted against either); the parent posts pre-sealed callbacks, each a distinct text message,
with a fixed number in flight, alternating bare and real rounds. Prints callbacks per second,
p50/p99 answer time and the ratio; checks that every callback sent to the real app was stored
once. Bounded by count and time. Targets: real ≥ 0.5× bare, p99 < 100 ms.
Usage: .venv/bin/python benchmarks/wecom_callbacks.py [--count 2000] [--rounds 2] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web

from channels.wecom.callback import CallbackConfig, callback_app, serving
from channels.wecom.crypto import MsgCrypt
from storage.db import Database

CORP = "ww1436e0e65a779aee"
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
PATH = "/wecom/callback"
BUDGET = 30.0  # seconds per round at most


def bare_app() -> web.Application:
    """The anchor: the same route doing only what any WeCom handler must (verify, decrypt)."""
    crypt = MsgCrypt(TOKEN, AES_KEY, CORP)

    async def receive(request: web.Request) -> web.Response:
        """Verifies and decrypts the callback, answers the acknowledgement, keeps nothing."""
        body = await request.read()
        encrypt = body.split(b"<Encrypt><![CDATA[", 1)[1].split(b"]]>", 1)[0].decode()
        query = request.query
        crypt.open(query["msg_signature"], query["timestamp"], query["nonce"], encrypt)
        return web.Response(text="")

    app = web.Application()
    app.router.add_post(PATH, receive)
    return app


def serve(db_path: str, ports: multiprocessing.Queue[tuple[int, int]], stop: Event) -> None:
    """The child process: both servers on free ports of 127.0.0.1 until told to stop."""

    async def run() -> None:
        """Serves the real app over its ledger and the bare app side by side."""
        db = await Database.open(db_path)
        config = CallbackConfig(corp_id=CORP, token=TOKEN, encoding_aes_key=AES_KEY)
        try:
            async with (
                serving(callback_app(db, config), "127.0.0.1", 0) as real,
                serving(bare_app(), "127.0.0.1", 0) as bare,
            ):
                ports.put((real, bare))
                await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        finally:
            await db.close()

    asyncio.run(run())


@dataclass(frozen=True)
class Round:
    """One round's figures."""

    rate: float
    p50_ms: float
    p99_ms: float
    sent: int


def sealed(first: int, count: int) -> list[tuple[dict[str, str], bytes]]:
    """Callbacks as WeCom sends them: distinct text messages, signed and encrypted."""
    crypt = MsgCrypt(TOKEN, AES_KEY, CORP)
    out = []
    timestamp = str(int(time.time()))
    for n in range(first, first + count):
        message = (
            f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
            f"<FromUserName><![CDATA[user{n % 500}]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[报送 第{n}条]]></Content><MsgId>{n}</MsgId>"
            "<AgentID>1000002</AgentID></xml>"
        ).encode()
        nonce = str(n)
        encrypt, signed = crypt.seal(message, timestamp, nonce)
        body = (
            f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><AgentID><![CDATA[1000002]]>"
            f"</AgentID><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ).encode()
        out.append(({"msg_signature": signed, "timestamp": timestamp, "nonce": nonce}, body))
    return out


async def load(port: int, requests: list[tuple[dict[str, str], bytes]], concurrency: int) -> Round:
    """Posts the callbacks with `concurrency` in flight; the rate and answer times."""
    url = f"http://127.0.0.1:{port}{PATH}"
    times: list[float] = []
    queue = iter(requests)
    deadline = time.monotonic() + BUDGET

    async def worker(session: aiohttp.ClientSession) -> None:
        """Sends one callback after another until none are left or the time is up."""
        for query, body in queue:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            async with session.post(url, params=query, data=body) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"answered {response.status}")
            times.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    times.sort()
    return Round(
        rate=len(times) / elapsed,
        p50_ms=statistics.median(times) * 1000,
        p99_ms=times[min(len(times) - 1, int(len(times) * 0.99))] * 1000,
        sent=len(times),
    )


async def stored_count(db_path: Path) -> tuple[int, int]:
    """Rows in the inbox and distinct dedupe keys among them."""
    db = await Database.open(db_path)
    try:
        async with db.reading() as tx:
            row = await tx.fetchone("SELECT count(*), count(DISTINCT dedupe_key) FROM wecom_inbox")
    finally:
        await db.close()
    assert row is not None
    return int(row[0]), int(row[1])


async def prepare(db_path: Path) -> None:
    """A migrated, empty ledger for the real app."""
    db = await Database.open(db_path)
    await db.migrate()
    await db.close()


def main() -> None:
    """Warms up, runs alternating bare and real rounds, prints the table and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="callbacks per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each server")
    parser.add_argument("--concurrency", type=int, default=8, help="callbacks in flight")
    parser.add_argument("--quick", action="store_true", help="300 callbacks, one round")
    args = parser.parse_args()
    count, rounds = (300, 1) if args.quick else (args.count, args.rounds)
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "wecom.db"
        asyncio.run(prepare(db_path))
        ports: multiprocessing.Queue[tuple[int, int]] = context.Queue()
        stop = context.Event()
        child = context.Process(target=serve, args=(str(db_path), ports, stop))
        child.start()
        try:
            real_port, bare_port = ports.get(timeout=60)
            print(
                f"WeCom callbacks: {count} per round, {rounds} round(s) each, "
                f"{args.concurrency} in flight, servers in one child process on 127.0.0.1"
            )
            next_id = 1
            warm = sealed(next_id, 200)
            next_id += 200
            asyncio.run(load(real_port, warm, args.concurrency))
            asyncio.run(load(bare_port, sealed(next_id, 200), args.concurrency))
            next_id += 200
            results: dict[str, list[Round]] = {"bare": [], "real": []}
            sent_real = len(warm)
            for _ in range(rounds):
                for name, port in (("bare", bare_port), ("real", real_port)):
                    batch = sealed(next_id, count)
                    next_id += count
                    result = asyncio.run(load(port, batch, args.concurrency))
                    results[name].append(result)
                    if name == "real":
                        sent_real += result.sent
        finally:
            stop.set()
            child.join(timeout=30)
        rows, distinct = asyncio.run(stored_count(db_path))
    print(f"{'handler':<44}{'callbacks/s':>12}{'p50 ms':>9}{'p99 ms':>9}")
    for name, label in (
        ("bare", "bare aiohttp: verify + decrypt"),
        ("real", "real app: verify, decrypt, parse, store, ack"),
    ):
        for result in results[name]:
            print(f"{label:<44}{result.rate:>12.0f}{result.p50_ms:>9.1f}{result.p99_ms:>9.1f}")
    bare_rate = statistics.median(r.rate for r in results["bare"])
    real_rate = statistics.median(r.rate for r in results["real"])
    worst_p99 = max(r.p99_ms for r in results["real"])
    print(
        f"ratio real/bare (medians): {real_rate / bare_rate:.2f}× (target ≥ 0.5×); "
        f"real p99 at worst {worst_p99:.1f} ms (target < 100 ms)"
    )
    print(f"stored: {rows} rows, {distinct} distinct, of {sent_real} sent to the real app")


if __name__ == "__main__":
    main()
