"""The WeCom API server: HTTP front, tokens, media, injected failures, the callback hook.

Routes under `/cgi-bin/` as WeCom's: `gettoken`, `message/send`,
`message/update_template_card`, `media/upload`, `media/get`, `menu/create`. Every answer is HTTP 200 with
WeCom's `errcode` (a file for media/get). Tokens last `token_lifetime` seconds of the
emulator's clock; gettoken returns the same token while it is valid, like WeCom;
`expire_tokens` (42001) and `revoke_tokens` (40014) end them early. Failures are injected
with `fail_next` (-1, 45009, 45033, 81013, …), `distrust_ip` (60020 on every call until
`trust_ip`), `make_invalid` (a userid answered in `invaliduser`) and `stall_next` (the call
is carried out, its answer held back: the client's read times out though it arrived).

The per-corp limit: each API but gettoken takes `corp_limit` calls in any `corp_span`
seconds (WeCom's 10,000 a minute unless given, smaller in tests) and answers 45009 to the
calls beyond, which do not count; `rate_limited` counts those answers.

Callbacks: WeCom pushes events (a card click, a member's message) to the app's callback URL,
encrypted. The emulator produces the plaintext event (`MessageMethods.press`) and hands it to
`on_callback`'s sink; the sink that encrypts and POSTs it to the bot belongs with the
callback crypto, and until one is set events wait in `events`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import BodyPartReader, web

from sandbox.wecom.members import MemberMethods
from sandbox.wecom.messages import MessageMethods
from sandbox.wecom.store import (
    CORP_LIMIT,
    JSON,
    MEDIA_LIFETIME,
    RATE_LIMITED,
    ApiError,
    CallbackSink,
    Calls,
    Clock,
    Medium,
)

log = logging.getLogger(__name__)

#: Upload limits by kind, bytes, and the errcode for a file over it.
MEDIA_LIMITS: dict[str, tuple[int, int]] = {
    "image": (10 * 1024 * 1024, 40009),
    "voice": (2 * 1024 * 1024, 40006),
    "video": (10 * 1024 * 1024, 40011),
    "file": (20 * 1024 * 1024, 40006),
}
#: APIs a fault without an API named applies to (gettoken is failed only by name).
_SENDING_APIS = frozenset(
    {"message/send", "message/update_template_card", "media/upload", "media/get"}
)


@dataclass(slots=True)
class Call:
    """One API call as the emulator saw it, and the errcode it answered."""

    api: str
    at: float
    errcode: int = 0


@dataclass(slots=True)
class _Fault:
    """An injected failure for the next calls of one API (any sending API when None)."""

    api: str | None
    errcode: int
    times: int


class FakeWeComApi(MessageMethods, MemberMethods):
    """A WeCom server API stand-in on 127.0.0.1 for one corp and one self-built app."""

    def __init__(
        self,
        *,
        corp_id: str = "wwemulatedcorp0001",
        secret: str = "emulated-app-secret",
        agent_id: int = 1000002,
        host: str = "127.0.0.1",
        port: int = 0,
        token_lifetime: float = 7200.0,
        clock: Clock = time.monotonic,
        seed: int = 0,
        corp_limit: int = CORP_LIMIT[0],
        corp_span: float = CORP_LIMIT[1],
    ) -> None:
        super().__init__(corp_id=corp_id, agent_id=agent_id, clock=clock, seed=seed)
        if corp_limit < 1 or corp_span <= 0:
            raise ValueError("the per-corp limit needs a positive count and span")
        self.secret = secret
        self.corp_limit = corp_limit
        self.corp_span = corp_span
        self._corp_calls: dict[str, Calls] = {}  # API → its calls in the last span
        self.token_lifetime = token_lifetime
        self.calls: list[Call] = []
        self._tokens: dict[str, float] = {}  # token → expires at
        self._current: str | None = None
        self._faults: list[_Fault] = []
        self._stalls: dict[str, list[float]] = {}
        self._untrusted = False
        self._host = host
        self._requested_port = port
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle

    async def start(self) -> None:
        """Listens on the host and (free, unless given) port."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        routes: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = {
            "gettoken": self._gettoken,
            "message/send": self._json_call(self.send_message),
            "message/update_template_card": self._json_call(self.update_card),
            "menu/create": self._menu_create,
            "media/upload": self._upload,
            "media/get": self._media_get,
        }
        for api, handler in routes.items():
            app.router.add_route("*", f"/cgi-bin/{api}", self._front(api, handler))
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._requested_port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        log.debug("WeCom emulator listening on %s", self.base_url)

    async def stop(self) -> None:
        """Stops listening (idempotent)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Starts on entry."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stops on exit."""
        await self.stop()

    @property
    def base_url(self) -> str:
        """The API base URL a client is given (in place of https://qyapi.weixin.qq.com)."""
        if self._port is None:
            raise RuntimeError("FakeWeComApi is not started")
        return f"http://{self._host}:{self._port}"

    # -- steering

    def on_callback(self, sink: CallbackSink | None) -> None:
        """Where events go (None: kept in `events`); events kept so far are not replayed."""
        self.sink = sink

    def fail_next(self, errcode: int, api: str | None = None, times: int = 1) -> None:
        """The next `times` calls of `api` (any sending API if None) answer `errcode`."""
        self._faults.append(_Fault(api, errcode, times))

    def distrust_ip(self) -> None:
        """Every call answers 60020 (the caller's IP is not trusted) until `trust_ip`."""
        self._untrusted = True

    def trust_ip(self) -> None:
        """Calls are answered again."""
        self._untrusted = False

    def make_invalid(self, *userids: str) -> None:
        """These userids are no longer members: sends list them in `invaliduser`."""
        self.invalid.update(u.lower() for u in userids)

    def stall_next(self, api: str, seconds: float) -> None:
        """The next call of `api` is carried out, and its answer held back `seconds`."""
        self._stalls.setdefault(api, []).append(seconds)

    def expire_tokens(self) -> None:
        """Every token expires now (42001); the next gettoken issues a new one."""
        now = self.clock()
        self._tokens = {token: min(at, now) for token, at in self._tokens.items()}
        self._current = None

    def revoke_tokens(self) -> None:
        """Every token becomes unknown (40014)."""
        self._tokens.clear()
        self._current = None

    @property
    def gettoken_calls(self) -> int:
        """How many times gettoken was called."""
        return sum(1 for c in self.calls if c.api == "gettoken")

    @property
    def rate_limited(self) -> int:
        """How many calls were answered 45009 (injected or over the per-corp limit)."""
        return sum(1 for c in self.calls if c.errcode == RATE_LIMITED)

    # -- HTTP

    def _front(
        self, api: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Records the call, answers an injected failure or a bad token, else the handler."""

        async def front(request: web.Request) -> web.StreamResponse:
            """One API call."""
            call = Call(api, self.clock())
            self.calls.append(call)
            try:
                self._police(api, request)
                response = await handler(request)
            except ApiError as error:
                call.errcode = error.errcode
                response = _json(error.body())
            stalls = self._stalls.get(api)
            if stalls:
                await asyncio.sleep(stalls.pop(0))
            return response

        return front

    def _police(self, api: str, request: web.Request) -> None:
        """Raises what WeCom would answer before looking at the call itself."""
        if self._untrusted:
            raise ApiError(60020, "not allow to access from your ip")
        for fault in self._faults:
            if fault.api == api or (fault.api is None and api in _SENDING_APIS):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                raise ApiError(fault.errcode, f"injected errcode {fault.errcode}")
        if api == "gettoken":
            return
        token = request.query.get("access_token")
        if not token:
            raise ApiError(41001, "access_token missing")
        expires = self._tokens.get(token)
        if expires is None:
            raise ApiError(40014, "invalid access_token")
        now = self.clock()
        if now >= expires:
            raise ApiError(42001, "access_token expired")
        calls = self._corp_calls.setdefault(api, Calls(self.corp_limit, self.corp_span))
        if not calls.admit(now):
            raise ApiError(RATE_LIMITED, "api freq out of limit")

    async def _gettoken(self, request: web.Request) -> web.StreamResponse:
        """The app's token: the current one while valid, else a new one."""
        if request.query.get("corpid") != self.corp_id:
            raise ApiError(40013, "invalid corpid")
        if request.query.get("corpsecret") != self.secret:
            raise ApiError(40001, "invalid credential")
        now = self.clock()
        current = self._current
        if current is None or self._tokens.get(current, now) <= now:
            current = self.new_id("tok", 64)
            self._tokens[current] = now + self.token_lifetime
            self._current = current
        left = round(self._tokens[current] - now)
        return _json({"errcode": 0, "errmsg": "ok", "access_token": current, "expires_in": left})

    def _json_call(
        self, method: Callable[[JSON], JSON]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A POST with a JSON object body, answered with the method's JSON."""

        async def call(request: web.Request) -> web.StreamResponse:
            """Reads the body and calls the method."""
            try:
                body = json.loads(await request.read())
            except ValueError as error:
                raise ApiError(47001, "data format error") from error
            if not isinstance(body, dict):
                raise ApiError(47001, "data format error")
            return _json(method(body))

        return call

    async def _menu_create(self, request: web.Request) -> web.StreamResponse:
        """menu/create: the app's menu (the agentid in the query, as WeCom takes it)."""
        if request.query.get("agentid") != str(self.agent_id):
            raise ApiError(40056, "invalid agentid")
        try:
            body = json.loads(await request.read())
        except ValueError as error:
            raise ApiError(47001, "data format error") from error
        if not isinstance(body, dict):
            raise ApiError(47001, "data format error")
        return _json(self.set_menu(body))

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        """media/upload: the multipart part `media` kept under a new media id."""
        kind = request.query.get("type", "")
        if kind not in MEDIA_LIMITS:
            raise ApiError(40005, "invalid media type")
        if not request.content_type.startswith("multipart/"):
            raise ApiError(40004, "invalid media file")
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name != "media":
                continue
            data = bytes(await part.read())
            filename = part.filename or "media"
            limit, code = MEDIA_LIMITS[kind]
            if not data or len(data) > limit:
                raise ApiError(code, "invalid media size")
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            media_id = self.new_id("m", 40)
            self.media[media_id] = Medium(
                media_id, kind, filename, content_type, data, self.clock()
            )
            return _json(
                {
                    "errcode": 0,
                    "errmsg": "",
                    "type": kind,
                    "media_id": media_id,
                    "created_at": str(int(time.time())),
                }
            )
        raise ApiError(40004, "no media part")

    async def _media_get(self, request: web.Request) -> web.StreamResponse:
        """media/get: the file's bytes with its name, or 40007 for an unknown or old id."""
        medium = self.media.get(request.query.get("media_id", ""))
        if medium is None or self.clock() > medium.uploaded_at + MEDIA_LIFETIME:
            raise ApiError(40007, "invalid media_id")
        quoted = urllib.parse.quote(medium.filename)
        fallback = medium.filename.encode("ascii", "replace").decode().replace('"', "_")
        return web.Response(
            body=medium.data,
            content_type=medium.content_type,
            headers={
                "Content-Disposition": (
                    f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"
                ),
                "Cache-Control": "no-cache, must-revalidate",
            },
        )


def _json(body: JSON) -> web.Response:
    """A JSON answer, status 200 like all of WeCom's."""
    return web.json_response(body, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))
