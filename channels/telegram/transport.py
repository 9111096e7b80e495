"""PTB's request interface on aiohttp: the same Bot API calls for a fraction of httpx's CPU.

PTB ships only an httpx transport. Measured on this project's chat benchmark, one Bot API call
through httpx costs several times the CPU of the same call through aiohttp (which the bot
already depends on for the sandbox), and the bot makes two to four calls per update; so the
bot talks to Telegram through this class instead (`benchmarks/chat_flows.py` prints both).

Timeouts keep PTB's meaning: `pool_timeout` waits for a free connection, `connect_timeout`
for the TCP connect, `read_timeout` for each read of the answer; `write_timeout` bounds the
whole request (aiohttp has no per-write timeout), `media_write_timeout` for uploads.
"""

from __future__ import annotations

import functools
import urllib.parse
import urllib.request
from typing import Final

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: PTB's HTTPXRequest defaults, seconds.
READ_TIMEOUT: Final = 5.0
WRITE_TIMEOUT: Final = 5.0
CONNECT_TIMEOUT: Final = 5.0
POOL_TIMEOUT: Final = 1.0
MEDIA_WRITE_TIMEOUT: Final = 20.0

LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})
#: aiohttp errors raised before a byte of the request left: sending again cannot double it.
NOT_SENT: Final = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


class AiohttpRequest(BaseRequest):
    """A Bot API transport on one aiohttp ClientSession with a bounded connection pool."""

    __slots__ = ("_connections", "_defaults", "_media_write_timeout", "_session")

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = READ_TIMEOUT,
        write_timeout: float | None = WRITE_TIMEOUT,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT,
    ) -> None:
        self._connections = connection_pool_size
        self._defaults = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds getUpdates' long-poll time to it)."""
        return self._defaults[0]

    async def initialize(self) -> None:
        """Opens the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                timeout=aiohttp.ClientTimeout(total=None),
                skip_auto_headers=("User-Agent",),
            )

    async def shutdown(self) -> None:
        """Closes the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; transport failures become PTB's TimedOut or NetworkError."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        read, write, connect, pool = self._defaults
        if files:
            write = self._media_write_timeout
        timeout = aiohttp.ClientTimeout(
            total=_given(write_timeout, write),
            connect=_given(pool_timeout, pool),
            sock_connect=_given(connect_timeout, connect),
            sock_read=_given(read_timeout, read),
        )
        if timeout.total is not None and timeout.sock_read is not None:
            # The total bounds sending; the answer still gets its own read time.
            timeout = aiohttp.ClientTimeout(
                total=timeout.total + timeout.sock_read,
                connect=timeout.connect,
                sock_connect=timeout.sock_connect,
                sock_read=timeout.sock_read,
            )
        try:
            body, headers = _body(request_data, files)
            headers["User-Agent"] = self.USER_AGENT
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=_proxy_for(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts subclass asyncio.TimeoutError
            if isinstance(error, aiohttp.ConnectionTimeoutError):
                raise TimedOut(
                    "Pool or connect timeout: the request was not sent to Telegram."
                ) from error
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def surely_not_sent(error: BaseException) -> bool:
    """Whether a failed request cannot have reached Telegram (so sending it again is safe)."""
    return isinstance(error.__cause__, NOT_SENT)


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for a URL's origin, as PTB's httpx transport honoured."""
    scheme, _, rest = url.partition("://")
    return env_proxy(f"{scheme}://{rest.split('/', 1)[0]}")


@functools.lru_cache(maxsize=16)
def env_proxy(origin: str) -> str | None:
    """HTTPS_PROXY / HTTP_PROXY for an origin unless NO_PROXY exempts it; looked up once
    (aiohttp's trust_env looks it up on every request, which halved the bot's throughput)."""
    parts = urllib.parse.urlsplit(origin)
    host = parts.hostname or ""
    if host in LOOPBACK or urllib.request.proxy_bypass(host):  # the sandbox, a local Bot API
        return None
    return urllib.request.getproxies().get(parts.scheme)


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A per-call timeout, or this transport's default when the caller left it unset."""
    if isinstance(value, DefaultValue):
        return default
    return value


def _body(
    request_data: RequestData | None, files: UploadFileDict | None
) -> tuple[aiohttp.FormData | bytes | None, dict[str, str]]:
    """The body and its headers: url-encoded parameters, or multipart when files are attached."""
    if request_data is None:
        return None, {}
    if not files:
        encoded = request_data.url_encoded_parameters().encode()
        return encoded, {"Content-Type": "application/x-www-form-urlencoded"}
    # Raw UTF-8 names, as httpx sends them: quoting would show Telegram's users %E5%B7%A5….
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, (filename, content, mime) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form, {}
