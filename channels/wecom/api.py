"""WeCom's server API (自建应用) on aiohttp: the token, sending, media and card updates, typed.

What the client does (../shared/spec/CHANNELS.md, "WeCom: the facts"):
- `gettoken` (corpid + corpsecret) is cached until `TOKEN_MARGIN` before its `expires_in`; an
  answer 40014/41001/42001 fetches one fresh token — single-flight, so concurrent callers that
  hit it share one fetch — and the call is tried once more.
- `send` posts `message/send`: text, markdown (the caller decides whether markdown suits the
  readers: people reading through WeChat see it raw, so `Markdown.as_text` gives its text
  form), an image or file by media id, a `button_interaction` template card; with
  `enable_duplicate_check` when asked. An answer whose `invaliduser` names every addressee
  raises `NoRecipient`, like 81013.
- `upload` (multipart `media`, the file name people see) returns a media id; `download`
  (`media/get`) returns the bytes and their file name; `update_card` settles a card by the
  click's one-use ResponseCode, with a new button text or a whole new card.
- `create_menu` (`menu/create`) sets the application's menu (`channels.wecom.menu`).
Messages and results are `channels.wecom.payloads`' types; errors are `channels.wecom.errors`'
types, and `errors.classify` turns them into outbox verdicts.
Nothing here retries beyond the one token refresh: the outbox decides.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, Self

import aiohttp

from channels.wecom.errors import (
    TOKEN_ERRORS,
    Lost,
    NoRecipient,
    NotSent,
    Unexpected,
    error_of,
)
from channels.wecom.menu import MenuButton
from channels.wecom.payloads import (
    ButtonCard,
    ButtonText,
    CardUpdated,
    DuplicateCheck,
    Json,
    Media,
    MediaKind,
    Message,
    Sent,
    Uploaded,
    wire_of,
)

DEFAULT_BASE_URL: Final = "https://qyapi.weixin.qq.com"
#: A cached token is fetched again this long before WeCom says it expires.
TOKEN_MARGIN: Final = 300.0
#: Seconds to wait for a connection, and then for each read of an answer.
CONNECT_TIMEOUT: Final = 5.0
READ_TIMEOUT: Final = 10.0
#: Answers that are JSON (errors of media/get come as JSON, files as anything else).
_JSON_TYPES: Final = ("application/json", "text/plain", "text/json")


@dataclass(frozen=True, slots=True)
class _Token:
    """A token and the monotonic moment it is to be fetched again."""

    value: str
    renew_at: float


@dataclass(frozen=True, slots=True)
class _Answer:
    """One HTTP answer, read whole: JSON when it is JSON, else the bytes of a file."""

    status: int
    content_type: str
    filename: str | None
    body: bytes
    json: Json | None

    @property
    def errcode(self) -> int:
        """WeCom's errcode (0 for a file answer)."""
        return 0 if self.json is None else int(self.json.get("errcode", 0))


class WeComClient:
    """One self-built app's API client: one aiohttp session, one cached token."""

    def __init__(
        self,
        corp_id: str,
        secret: str,
        agent_id: int,
        *,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.base_url = base_url.rstrip("/")
        self._secret = secret
        self._session = session
        self._own_session = session is None
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    async def __aenter__(self) -> Self:
        """Opens the session."""
        self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Closes the session."""
        await self.close()

    def _open(self) -> aiohttp.ClientSession:
        """The session, made on first use."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._own_session = True
        return self._session

    async def close(self) -> None:
        """Closes the session if this client made it (idempotent)."""
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()

    # -- the token

    async def token(self) -> str:
        """A token that is not about to expire: the cached one, else one fetched now."""
        cached = self._token
        if cached is not None and self._clock() < cached.renew_at:
            return cached.value
        return await self._fresh_token(None if cached is None else cached.value)

    async def _fresh_token(self, stale: str | None) -> str:
        """Fetches a token unless another caller already replaced `stale` (single-flight)."""
        async with self._token_lock:
            held = self._token
            if held is not None and held.value != stale and self._clock() < held.renew_at:
                return held.value
            self._token = None
            answer = await self._request(
                "gettoken",
                "GET",
                "/cgi-bin/gettoken",
                {"corpid": self.corp_id, "corpsecret": self._secret},
            )
            body = self._checked("gettoken", answer)
            value = _text(body, "access_token", "gettoken")
            expires_in = float(body.get("expires_in", 7200))
            renew_at = self._clock() + max(expires_in - TOKEN_MARGIN, expires_in / 2)
            self._token = _Token(value, renew_at)
            return value

    # -- the calls

    async def send(
        self,
        to: Sequence[str],
        message: Message,
        *,
        duplicate_check: DuplicateCheck | None = None,
    ) -> Sent:
        """Sends one message to members by userid (≤ 1,000); raises `NoRecipient` when none of
        them can receive it."""
        if not 1 <= len(to) <= 1000:
            raise ValueError(f"message/send takes 1 to 1000 userids, not {len(to)}")
        payload: Json = {"touser": "|".join(to), "agentid": self.agent_id}
        payload.update(wire_of(message))
        if duplicate_check is not None:
            payload["enable_duplicate_check"] = 1
            payload["duplicate_check_interval"] = int(duplicate_check.interval.total_seconds())
        body = await self._post_json("message/send", payload)
        invalid = _users(body.get("invaliduser"))
        if invalid and {u.lower() for u in to} <= set(invalid):
            raise NoRecipient(0, "invaliduser: " + "|".join(invalid), "message/send", invalid)
        code = body.get("response_code")
        return Sent(
            msgid=str(body.get("msgid", "")),
            invalid_users=invalid,
            unlicensed_users=_users(body.get("unlicenseduser")),
            response_code=str(code) if code else None,
        )

    async def upload(
        self,
        kind: MediaKind,
        filename: str,
        data: bytes,
        content_type: str = "application/octet-stream",
    ) -> Uploaded:
        """Uploads a temporary file (image ≤ 10 MB, file ≤ 20 MB) under the name people see."""

        def form() -> aiohttp.FormData:
            """A fresh multipart body (a body is spent once sent); the name kept as UTF-8."""
            data_form = aiohttp.FormData(quote_fields=False)
            body = io.BytesIO(data)  # a stream: aiohttp warns of bytes over 1 MB in one piece
            data_form.add_field("media", body, filename=filename, content_type=content_type)
            return data_form

        answer = await self._with_token(
            "media/upload",
            lambda token: self._request(
                "media/upload",
                "POST",
                "/cgi-bin/media/upload",
                {"access_token": token, "type": kind},
                data=form(),
            ),
        )
        body = self._checked("media/upload", answer)
        created = int(body.get("created_at", 0) or 0)
        return Uploaded(
            media_id=_text(body, "media_id", "media/upload"),
            kind=kind,
            created_at=datetime.fromtimestamp(created, UTC),
        )

    async def download(self, media_id: str) -> Media:
        """A file by its media id (an informant's photo), with the file name WeCom gives."""
        answer = await self._with_token(
            "media/get",
            lambda token: self._request(
                "media/get",
                "GET",
                "/cgi-bin/media/get",
                {"access_token": token, "media_id": media_id},
            ),
        )
        self._checked("media/get", answer)
        if answer.json is not None:
            raise Unexpected(0, "a JSON answer instead of the file", "media/get")
        return Media(answer.body, answer.filename, answer.content_type)

    async def update_card(
        self,
        response_code: str,
        change: ButtonText | ButtonCard,
        *,
        userids: Sequence[str] = (),
        everyone: bool = False,
    ) -> CardUpdated:
        """Settles a sent card with a click's one-use ResponseCode: renames the clicked button,
        or replaces the card, for the given members or (`everyone`) all who received it."""
        payload: Json = {
            "userids": list(userids),
            "atall": 1 if everyone else 0,
            "agentid": self.agent_id,
            "response_code": response_code,
        }
        if isinstance(change, ButtonText):
            payload["button"] = {"replace_name": change.replace_name}
        else:
            payload["template_card"] = change.wire()
        body = await self._post_json("message/update_template_card", payload)
        return CardUpdated(_users(body.get("invaliduser")))

    async def create_menu(self, buttons: Sequence[MenuButton]) -> None:
        """Sets the application's menu (replacing the one it had) for every member."""
        raw = json.dumps({"button": [b.wire() for b in buttons]}, ensure_ascii=False).encode()
        answer = await self._with_token(
            "menu/create",
            lambda token: self._request(
                "menu/create",
                "POST",
                "/cgi-bin/menu/create",
                {"access_token": token, "agentid": str(self.agent_id)},
                data=raw,
                content_type="application/json; charset=utf-8",
            ),
        )
        self._checked("menu/create", answer)

    # -- the exchange

    async def _post_json(self, api: str, payload: Mapping[str, Any]) -> Json:
        """POSTs JSON to `/cgi-bin/<api>` with a token; WeCom's answer, checked."""
        raw = json.dumps(payload, ensure_ascii=False).encode()
        answer = await self._with_token(
            api,
            lambda token: self._request(
                api,
                "POST",
                f"/cgi-bin/{api}",
                {"access_token": token},
                data=raw,
                content_type="application/json; charset=utf-8",
            ),
        )
        return self._checked(api, answer)

    async def _with_token(self, api: str, attempt: Callable[[str], Awaitable[_Answer]]) -> _Answer:
        """One call with the cached token, and once more with a fresh one if WeCom refused
        the token."""
        token = await self.token()
        answer = await attempt(token)
        if answer.errcode in TOKEN_ERRORS:
            token = await self._fresh_token(token)
            answer = await attempt(token)
        return answer

    @staticmethod
    def _checked(api: str, answer: _Answer) -> Json:
        """The JSON of an answer with errcode 0; the typed error for any other."""
        if answer.json is None:
            return {}
        code = answer.errcode
        if code != 0:
            errmsg = str(answer.json.get("errmsg", ""))
            raise error_of(code, errmsg, api, _users(answer.json.get("invaliduser")))
        return answer.json

    async def _request(
        self,
        api: str,
        method: str,
        path: str,
        params: Mapping[str, str],
        *,
        data: bytes | aiohttp.FormData | None = None,
        content_type: str | None = None,
    ) -> _Answer:
        """One HTTP exchange, read whole; network failures as `NotSent` or `Lost`."""
        session = self._open()
        headers = {"Content-Type": content_type} if content_type else None
        try:
            async with session.request(
                method,
                self.base_url + path,
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                body = await response.read()
                kind = response.content_type
                filename = (
                    response.content_disposition.filename if response.content_disposition else None
                )
                status = response.status
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            raise NotSent(api, error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise Lost(api, error) from error
        if status != 200:
            raise Unexpected(status, f"HTTP {status}", api)
        if kind in _JSON_TYPES or path != "/cgi-bin/media/get":
            try:
                parsed = json.loads(body)
            except ValueError as error:
                raise Unexpected(status, f"not JSON ({kind})", api) from error
            if not isinstance(parsed, dict) or not isinstance(parsed.get("errcode", 0), int):
                raise Unexpected(status, "not WeCom's answer", api)
            return _Answer(status, kind, filename, body, parsed)
        return _Answer(status, kind, filename, body, None)


def _users(value: object) -> tuple[str, ...]:
    """Userids as WeCom lists them: "a|b" in message/send, a list in update_template_card."""
    if isinstance(value, str):
        return tuple(u for u in value.split("|") if u)
    if isinstance(value, list):
        return tuple(str(u) for u in value if u)
    return ()


def _text(body: Json, key: str, api: str) -> str:
    """A required non-empty string field of an answer."""
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise Unexpected(0, f"no {key} in the answer", api)
    return value
