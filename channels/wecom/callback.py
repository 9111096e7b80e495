"""The WeCom callback server (aiohttp): the URL check (GET) and callbacks received (POST).

GET verifies the signature, decrypts `echostr` and answers its plaintext. POST verifies,
decrypts and parses the callback, **stores it in the ledger before answering**, and answers
WeCom's acknowledgement (an empty body), so a crash after the answer loses nothing; a retry of
a stored callback is answered the same and not stored again. What is refused is answered at
once and nothing of it is recorded: a body over the cap (413), malformed XML or a ciphertext
that does not decrypt (400), a forged signature, a timestamp outside the replay window or
another corp's message (403). Handling the stored callbacks is a dispatcher's work, apart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from aiohttp import web

from channels.wecom.crypto import BadCiphertext, BadSignature, MsgCrypt, WrongReceiver
from channels.wecom.inbound import MalformedXml, envelope, message
from storage import wecom_inbox
from storage.db import Database

log = logging.getLogger(__name__)

#: Where WeCom is told to call (the admin console's 接收消息 URL ends with it).
DEFAULT_PATH: Final = "/wecom/callback"
#: What acknowledges a callback: WeCom takes an empty answer (or "success") as received.
ACKNOWLEDGED: Final = ""
_QUERY: Final = ("msg_signature", "timestamp", "nonce")


@dataclass(frozen=True, slots=True)
class CallbackConfig:
    """What the callback server needs: the application's crypto values and its limits."""

    corp_id: str
    token: str
    encoding_aes_key: str
    path: str = DEFAULT_PATH
    max_body_bytes: int = 64 * 1024
    replay_window: timedelta = timedelta(seconds=300)


class Rejected(Exception):
    """A request answered with an error status and recorded nowhere."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _Ledger:
    """Stores callbacks in group commits: those arriving while one is being prepared share its
    transaction, and each is answered only after that transaction commits.

    A commit costs more than a row (the transaction's statements, the WAL's append), and WeCom
    delivers callbacks in bursts (a card pressed by many, a busy morning), so sharing it is
    what keeps the real app within reach of the bare crypto (benchmarks/wecom_callbacks.py). A
    failed commit fails every callback of its group: each is answered with an error and WeCom
    sends it again.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[tuple[wecom_inbox.Received, asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def store(self, received: wecom_inbox.Received) -> int | None:
        """Stores one callback; its row id, or None for a retry of one stored before."""
        stored: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((received, stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await stored

    async def finish(self, _app: web.Application | None = None) -> None:
        """Waits for the commit under way (the application's cleanup: nothing left half-done)."""
        if self._writer is not None:
            await self._writer

    async def _write(self) -> None:
        """Commits what waits, group by group, until nothing does."""
        while self._waiting:
            await asyncio.sleep(0)  # let the callbacks already read join this group
            group, self._waiting = self._waiting, []
            try:
                async with self._db.transaction() as tx:
                    ids = [await wecom_inbox.store(tx, received) for received, _ in group]
            except Exception as error:
                for _, stored in group:
                    if not stored.done():
                        stored.set_exception(error)
                continue
            for (_, stored), entry_id in zip(group, ids, strict=True):
                if not stored.done():
                    stored.set_result(entry_id)


class _Callbacks:
    """The two handlers, sharing the application's crypto, the ledger and its clock."""

    def __init__(self, db: Database, config: CallbackConfig) -> None:
        self._db = db
        self.ledger = _Ledger(db)
        self._config = config
        self._crypt = MsgCrypt(config.token, config.encoding_aes_key, config.corp_id)

    def _query(self, request: web.Request, *names: str) -> list[str]:
        """The named query values (URL-decoded), or 400 when one is missing."""
        values = [request.query.get(name, "").strip() for name in names]
        if not all(values):
            raise Rejected(400, "missing query parameters")
        if not values[1].isdigit():
            raise Rejected(400, "timestamp is not a number")
        return values

    def _open(self, signature: str, timestamp: str, nonce: str, encrypt: str) -> bytes:
        """Verifies the signature and the timestamp's age, then decrypts; Rejected otherwise."""
        try:
            self._crypt.verify(signature, timestamp, nonce, encrypt)
        except BadSignature:
            raise Rejected(403, "bad signature") from None
        age = self._db.clock().timestamp() - int(timestamp)
        if abs(age) > self._config.replay_window.total_seconds():
            raise Rejected(403, f"timestamp {age:.0f} s away from now: refused as a replay")
        try:
            return self._crypt.decrypt(encrypt)
        except WrongReceiver:
            raise Rejected(403, "message for another receive id") from None
        except BadCiphertext as error:
            raise Rejected(400, f"ciphertext: {error}") from None

    async def verify_url(self, request: web.Request) -> web.Response:
        """GET: WeCom checks the URL; answer the decrypted echostr, as is."""
        try:
            signature, timestamp, nonce, echostr = self._query(request, *_QUERY, "echostr")
            # base64 has no spaces: a '+' a proxy left unescaped arrives decoded as one
            plain = self._open(signature, timestamp, nonce, echostr.replace(" ", "+"))
            text = plain.decode("utf-8")
        except Rejected as rejected:
            return _refusal(request, rejected)
        except UnicodeDecodeError:
            return _refusal(request, Rejected(400, "echostr is not UTF-8"))
        return web.Response(text=text, content_type="text/plain")

    async def receive(self, request: web.Request) -> web.Response:
        """POST: a callback; stored (once) before it is acknowledged."""
        try:
            signature, timestamp, nonce = self._query(request, *_QUERY)
            body = await self._body(request)
            try:
                encrypt = envelope(body)
            except MalformedXml as error:
                raise Rejected(400, str(error)) from None
            plain = self._open(signature, timestamp, nonce, encrypt)
            try:
                received = message(plain)
            except MalformedXml as error:
                raise Rejected(400, str(error)) from None
        except Rejected as rejected:
            return _refusal(request, rejected)
        stored = await self.ledger.store(received)
        if stored is None:
            log.info("WeCom callback %s received again; kept once", received.dedupe_key)
        return web.Response(text=ACKNOWLEDGED, content_type="text/plain")

    async def _body(self, request: web.Request) -> bytes:
        """The request body, or 413 when it is larger than the cap."""
        cap = self._config.max_body_bytes
        if request.content_length is not None and request.content_length > cap:
            raise Rejected(413, f"body of {request.content_length} bytes")
        try:
            return await request.read()  # the application's client_max_size is the cap
        except web.HTTPRequestEntityTooLarge:
            raise Rejected(413, "body over the cap") from None


def _refusal(request: web.Request, rejected: Rejected) -> web.Response:
    """The error answer for a refused request, logged without its content."""
    log.warning(
        "WeCom callback %s from %s refused (%d): %s",
        request.method,
        request.remote,
        rejected.status,
        rejected.reason,
    )
    return web.Response(status=rejected.status, text="")


def callback_app(db: Database, config: CallbackConfig) -> web.Application:
    """The aiohttp application serving WeCom's callback at `config.path` (GET and POST)."""
    callbacks = _Callbacks(db, config)
    app = web.Application(client_max_size=config.max_body_bytes)
    app.on_cleanup.append(callbacks.ledger.finish)
    app.router.add_get(config.path, callbacks.verify_url)
    app.router.add_post(config.path, callbacks.receive)
    return app


@asynccontextmanager
async def serving(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serves an application on host:port until the block ends; yields the port (0: any free)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if port == 0 else port
        yield int(bound)
    finally:
        await runner.cleanup()
