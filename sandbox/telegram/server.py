"""The Bot API server: its HTTP front and routing, its lifecycle, the users and groups it hosts."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import time
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from sandbox.telegram.api import (
    JSON,
    ApiCall,
    ApiError,
    Clock,
    Handler,
    MethodRequest,
    UploadedFile,
    bad,
)
from sandbox.telegram.callbacks import CallbackQueries
from sandbox.telegram.commands import CommandMenus
from sandbox.telegram.faults import FaultInjection
from sandbox.telegram.messages import MessageMethods
from sandbox.telegram.people import FakeGroup, FakeUser
from sandbox.telegram.reading import Transcript
from sandbox.telegram.store import Chat
from sandbox.telegram.updates import UpdateMethods

log = logging.getLogger(__name__)

#: Form fields PTB sends as plain strings; every other form field is JSON-encoded.
_STRING_PARAMS = frozenset(
    [
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "action",
        "language_code",
        "file_id",
        "photo",
        "document",
        "inline_message_id",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "title",
        "description",
        "short_description",
        "name",
        "emoji",
        "certificate",
        "thumbnail",
    ]
)


class FakeBotApi(
    Transcript, UpdateMethods, MessageMethods, CallbackQueries, CommandMenus, FaultInjection
):
    """A Telegram Bot API stand-in on 127.0.0.1: real HTTP, Telegram's answers, a call log."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        bot_first_name: str = "报送测试机器人",
        bot_username: str = "baosong_test_bot",
        accept_webhooks: bool = False,
        clock: Clock | None = None,
        seed: int = 0,
        telegram_limits: bool = False,
        random_fault_rate: float = 0.0,
        network_fault_rate: float = 0.0,
    ) -> None:
        # The three fault settings are described in faults.py (`FaultInjection`).
        super().__init__(clock=clock, seed=seed)
        self._init_faults(
            telegram_limits=telegram_limits,
            random_fault_rate=random_fault_rate,
            network_fault_rate=network_fault_rate,
        )
        self._init_updates(accept_webhooks=accept_webhooks)
        self._init_callbacks()
        self._init_files()
        self._init_commands()
        self._host = host
        self._requested_port = port
        self._token = token
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        for name, handler in self._method_table().items():
            self._methods[name.lower()] = (name, handler)

    # -- lifecycle

    async def start(self) -> None:
        """Listen on the host and (free, unless given) port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._requested_port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        log.debug("fake Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        """Wake pending long polls (they answer an empty list) and close the server."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Start on entry."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop on exit."""
        await self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder().base_url(...)`; PTB appends the token."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder().base_file_url(...)`; PTB appends the token."""
        return f"http://{self._host}:{self.port}/file/bot"

    # -- acting as users and chats

    def user(
        self,
        user_id: int,
        first_name: str = "测试用户",
        username: str | None = None,
        language_code: str | None = "zh-hans",
        *,
        last_name: str | None = None,
        started: bool = True,
    ) -> FakeUser:
        """A Telegram user (same object for the same id); their private chat id is `user_id`."""
        # `started=False` is a user who never opened the bot: sending to them answers 403
        # "bot can't initiate conversation with a user" until they write to it.
        if user_id in self._users:
            return self._users[user_id]
        fake = FakeUser(self, user_id, first_name, last_name, username, language_code, started)
        self._users[user_id] = fake
        info: JSON = {"id": user_id, "first_name": first_name}
        if last_name is not None:
            info["last_name"] = last_name
        if username is not None:
            info["username"] = username
        info["type"] = "private"
        self._chats[user_id] = Chat(info=info, instance=self._new_instance())
        return fake

    def group(self, chat_id: int, title: str, *, kind: str = "group") -> FakeGroup:
        """A group (or `kind="supergroup"`) the bot is in (same object per id; ids negative)."""
        if kind not in {"group", "supergroup"}:
            raise ValueError(f"not a group chat type: {kind}")
        if chat_id in self._groups:
            return self._groups[chat_id]
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} is a private chat")
        self._chats[chat_id] = Chat(
            info={"id": chat_id, "title": title, "type": kind}, instance=self._new_instance()
        )
        self._groups[chat_id] = FakeGroup(self, chat_id, title, kind)
        return self._groups[chat_id]

    # -- HTTP

    async def _handle_method(self, request: web.Request) -> web.Response:
        """One Bot API call: decode, record, maybe fail on purpose, dispatch, answer."""
        token = request.match_info["token"]
        name = request.match_info["method"]
        if not re.fullmatch(r"\d+:[\w-]+", token):
            return _answer(ApiError(404, "Not Found").body())
        if self._token is not None and token != self._token:
            return _answer(ApiError(401, "Unauthorized").body())
        try:
            params, files = await _read_params(request)
        except ValueError as exc:
            return _answer(bad(f"can't parse request: {exc}").body())
        canonical, handler = self._methods.get(name.lower(), (name, None))
        call = ApiCall(
            method=canonical,
            params=params,
            files=files,
            time=self._clock(),
            monotonic=time.monotonic(),
        )
        self.calls.append(call)
        fault = self._network_fault(canonical)
        if fault == "slow":
            await asyncio.sleep(self._random.uniform(0.5, 3.0))
        elif fault == "drop_before":
            return _drop(request)
        try:
            if fault == "429":
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            if fault == "500":
                raise ApiError(500, "Internal Server Error")
            self._raise_fault(canonical)
            self._police_sends(canonical, params)
            if handler is None:
                raise ApiError(404, "Not Found")
            bot: JSON = {
                "id": int(token.split(":", 1)[0]),
                "is_bot": True,
                "first_name": self.bot_first_name,
                "username": self.bot_username,
            }
            outcome = handler(MethodRequest(params, files, bot))
            if inspect.isawaitable(outcome):
                outcome = await outcome
            body: JSON = {"ok": True, "result": outcome}
            if isinstance(outcome, tuple):
                body = {"ok": True, "result": outcome[0], "description": outcome[1]}
        except ApiError as exc:
            body = exc.body()
        except Exception as exc:  # a bug in the fake: answer 500 and keep serving
            log.exception("fake Bot API failed on %s", canonical)
            body = ApiError(500, f"Internal Server Error: fake Bot API bug: {exc!r}").body()
        call.status = 200 if body["ok"] else int(body["error_code"])
        call.response = body
        self._notify()
        if fault == "drop_after":
            return _drop(request)
        if not body["ok"] and canonical != "getUpdates":
            log.debug("%s answered %s", canonical, body["description"])
        return _answer(body)

    async def _handle_file(self, request: web.Request) -> web.Response:
        """A file download by the path getFile gave."""
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return _answer(ApiError(404, "Not Found").body())
        return web.Response(body=stored.data, content_type="application/octet-stream")

    def _method_table(self) -> dict[str, Handler]:
        """The implemented methods by their canonical names."""
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": lambda req: True,
            "close": lambda req: True,
            "getChat": self._get_chat,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._send_chat_action,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
        }


def _drop(request: web.Request) -> web.Response:
    """Closes the connection without an answer (the client sees it dropped)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)


def _answer(body: JSON) -> web.Response:
    """A JSON answer with Telegram's status code."""
    status = 200 if body["ok"] else int(body["error_code"])
    return web.json_response(
        body, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
    )


async def _read_params(request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
    """Params from the query string and a JSON, urlencoded or multipart body, JSON-decoded."""
    params: JSON = {name: _decode(name, value) for name, value in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return params, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise ValueError("invalid JSON") from exc
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        return params | body, files
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = UploadedFile(value.filename, value.content_type, value.file.read())
            elif isinstance(value, str):
                params[name] = _decode(name, value)
    return params, files


def _decode(name: str, raw: str) -> Any:
    """A form value as PTB meant it: strings as sent, everything else JSON-decoded."""
    if name in _STRING_PARAMS:
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return raw if isinstance(value, str) else value
