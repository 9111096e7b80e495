"""WeCom's callbacks in the sandbox: the emulator's events sealed, signed and POSTed to the
bot's callback URL as WeCom sends them, tried again when no answer comes within 5 s.

The emulator (`sandbox.wecom`) stands for WeCom's servers and imports nothing of the bot; the
encryption is the callback crypto's own (`channels.wecom.crypto`), so it lives here, in the
layer that wires the two. Secrets are made fresh for each sandbox (`sandbox_secrets`).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
import string
from collections.abc import Callable
from datetime import datetime
from xml.sax.saxutils import escape

import aiohttp

from channels.wecom.crypto import MsgCrypt
from sandbox.wecom.store import CallbackEvent

log = logging.getLogger(__name__)

#: WeCom waits this long for an answer before it sends a callback again, at most `RETRIES` times.
ANSWER_SECONDS = 5.0
RETRIES = 3


def sandbox_secrets() -> tuple[str, str, str]:
    """A fresh app Secret, callback Token (32 characters) and EncodingAESKey (43)."""
    alphabet = string.ascii_letters + string.digits
    token = "".join(secrets.choice(alphabet) for _ in range(32))
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return secrets.token_urlsafe(32), token, aes_key


class CallbackPusher:
    """The emulator's callback sink: each event encrypted and POSTed to the bot."""

    def __init__(
        self,
        crypt: MsgCrypt,
        corp_id: str,
        clock: Callable[[], datetime],
        *,
        answer_seconds: float = ANSWER_SECONDS,
    ) -> None:
        self._crypt = crypt
        self._corp_id = corp_id
        self._clock = clock
        self._answer_seconds = answer_seconds
        self._serial = 0
        self._session: aiohttp.ClientSession | None = None
        self._retrying: set[asyncio.Task[None]] = set()
        self.url: str | None = None  # the bot's callback URL, once it listens
        self.pushed = 0  # callbacks the bot answered
        self.retried = 0  # sends again after no answer in time

    async def __call__(self, event: CallbackEvent) -> None:
        """Pushes an event; when the first try is not answered, the retries go on in the
        background (as WeCom's do), so the member is not kept waiting."""
        body, query = self._sealed(event)
        if await self._post(body, query):
            return
        task = asyncio.create_task(self._retry(body, query))
        self._retrying.add(task)
        task.add_done_callback(self._retrying.discard)

    async def close(self) -> None:
        """Stops the retries under way and closes the HTTP session."""
        for task in list(self._retrying):
            task.cancel()
        await asyncio.gather(*self._retrying, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _sealed(self, event: CallbackEvent) -> tuple[bytes, dict[str, str]]:
        """The POST's body and query: the event's XML encrypted and signed."""
        self._serial += 1
        xml = "<xml>" + "".join(f"<{k}>{_cdata(v)}</{k}>" for k, v in event.fields) + "</xml>"
        stamp = str(int(self._clock().timestamp()))
        nonce = f"{secrets.token_hex(4)}{self._serial}"
        encrypt, signature = self._crypt.seal(xml.encode(), stamp, nonce)
        body = (
            f"<xml><ToUserName>{_cdata(self._corp_id)}</ToUserName>"
            f"<Encrypt>{_cdata(encrypt)}</Encrypt></xml>"
        ).encode()
        return body, {"msg_signature": signature, "timestamp": stamp, "nonce": nonce}

    async def _post(self, body: bytes, query: dict[str, str]) -> bool:
        """One try; whether the bot answered 200 in time."""
        if self.url is None:
            log.warning("WeCom callback dropped: the bot's callback is not listening")
            return False
        if self._session is None:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=self._answer_seconds)
        try:
            async with self._session.post(
                self.url, params=query, data=body, timeout=timeout
            ) as answer:
                if answer.status == 200:
                    self.pushed += 1
                    return True
                log.warning("WeCom callback answered %d", answer.status)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("WeCom callback not answered: %s", error)
        return False

    async def _retry(self, body: bytes, query: dict[str, str]) -> None:
        """WeCom's retries: the same callback again, up to `RETRIES` times."""
        for _ in range(RETRIES):
            await asyncio.sleep(self._answer_seconds)
            self.retried += 1
            if await self._post(body, query):
                return
        log.warning("WeCom callback given up after %d retries", RETRIES)


def _cdata(value: str) -> str:
    """A value as WeCom writes it in XML (CDATA; text escaped if it holds "]]>")."""
    return escape(value) if "]]>" in value else f"<![CDATA[{value}]]>"
