"""The sandbox's web page and its JSON API (aiohttp): chats per demo person on Telegram and on
WeCom, live events, the clock.

The contract (`sandbox/static/index.html` is written against it):

- `GET /` the page (a placeholder until `static/index.html` exists); `GET /static/{name}`.
- `GET /api/people` → `[{"id", "name", "role", "channel"}]` (`channel` "telegram" or "wecom";
  a WeCom person's `userid` too).
- `GET /api/chats/{id}` → a Telegram chat `{"messages": [...]}` (see
  `sandbox.web_render.message_json`), in chat order, current state after edits, deleted ones
  left out; a WeCom chat `{"channel": "wecom", "userid", "messages", "menu"}` (see
  `sandbox.web_wecom`: each message `{"id", "from_bot", "date", "kind", "text", "image",
  "file", "card"}`, a card `{"task_id", "title", "desc", "body", "fields", "buttons",
  "updated", "settled", "note"}`; `menu` the app's menu or null).
- `POST /api/chats/{id}/send` `{"text"}`; `POST /api/chats/{id}/photo` multipart `photo`
  (optional `caption`, Telegram only); `POST /api/chats/{id}/click` Telegram
  `{"message_id", "data"}`, WeCom `{"task_id", "key"}` (400 with `{"ok": false, "error"}`
  when the button is gone or the card settled) → `{"ok": true}`; `POST
  /api/chats/{id}/menu` `{"key"}` a WeCom member clicks the app's menu.
- `POST /api/chats/{id}/file` multipart `file`, optional `caption`, `as` (`document`, the
  default, or `photo`) and `over_limit` (`1`: send a file over the bot's limit anyway, so its
  refusal shows): the person sends it as a Telegram client would, a document or a photo with
  its caption. Refused with the limit in words (413, `limit_bytes`) when it is over the bot's
  limit without `over_limit`, or over what the page uploads at all → `{"ok": true}`. A WeCom
  member cannot send files to a self-built app: 400.
- `GET /api/limits` → what the page checks before sending: `file_bytes` and `files` (the
  bot's own /submit limits), `document_types`, `photo_bytes`, `upload_bytes`,
  `caption_length`, `text_length`.
- `GET /api/run` → `{"run", "resets", "started"}`: `run` is new each time the page's server
  starts (the sandbox restarted: every chat is gone), `resets` counts resets within the run.
- `GET /api/files/{file_id}` → a Telegram file's bytes (photos: their image type; documents:
  their type and a Content-Disposition filename); `GET /api/wecom/media/{media_id}` a WeCom
  image's or file's.
- `GET /api/events` → Server-Sent Events: `hello` (as `/api/run`) first on every
  connection (a page that reconnects sees whether the sandbox restarted), `reset`
  `{"run", "resets"}` after a reset, `changed` `{"chat"}` when a chat's messages change,
  `clock` `{"now"}` after time travel or reset, `answer` `{"chat", "text", "show_alert"}` when
  the bot answers a Telegram button press; a comment ping every 15 s.
- `GET /api/clock` → `{"now", "weekday", "working_day"}`; `POST /api/clock` `{"to"}` (a named
  target or an ISO datetime) travels, runs a sweep, answers the new clock.
- `POST /api/reset` → wipes and reseeds the demo centre, resets the clock, counts a reset
  (`/api/run`'s `resets`) → `{"ok": true}`.

The Telegram uploads are `sandbox.web_files`, the Telegram rendering `sandbox.web_render`, the
WeCom chats `sandbox.web_wecom`, what they share `sandbox.web_common`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from sandbox import web_files, web_wecom
from sandbox.cast import DemoPerson
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from sandbox.web_common import (
    CONTROLS,
    JSON,
    Controls,
    Refusal,
    as_json,
    body_of,
    error,
    ok,
    person_of,
)
from sandbox.web_render import message_json

log = logging.getLogger(__name__)

#: Where the page and its assets live.
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Seconds between comment pings on an idle event stream.
PING_SECONDS = 15.0

PLACEHOLDER = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>报送沙盒</title></head>
<body><h1>报送沙盒</h1>
<p>页面尚未安装（sandbox/static/index.html）。接口可用：
<a href="/api/people">/api/people</a>、<a href="/api/clock">/api/clock</a>。</p>
</body></html>
"""


class EventHub:
    """Fans page events out to every open `/api/events` stream."""

    def __init__(self, api: FakeBotApi) -> None:
        self._api = api
        self._queues: set[asyncio.Queue[str | None]] = set()
        self._versions = api.chat_versions()
        self._seen = api.chat_changes
        self._clicks: dict[str, int] = {}  # callback query id → chat, until the bot answers
        self._closed = False

    def subscribe(self) -> asyncio.Queue[str | None]:
        """A queue of encoded events for one stream (None: the server is stopping)."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        if self._closed:
            queue.put_nowait(None)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str | None]) -> None:
        """Forget a stream's queue."""
        self._queues.discard(queue)

    def publish(self, event: str, data: JSON) -> None:
        """Sends one event to every stream."""
        text = f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
        for queue in self._queues:
            queue.put_nowait(text)

    def clicked(self, query_id: str, chat_id: int) -> None:
        """Remembers a button press, so the bot's answer to it is published."""
        self._clicks[query_id] = chat_id

    def close(self) -> None:
        """Ends every stream (called when the server shuts down)."""
        self._closed = True
        for queue in self._queues:
            queue.put_nowait(None)

    def _due(self) -> bool:
        """Whether a chat changed or a pressed button was answered since the last flush."""
        answers = self._api.callback_answers
        return self._api.chat_changes != self._seen or any(q in answers for q in self._clicks)

    def flush(self) -> None:
        """Publishes `changed` for every chat that changed and `answer` for answered presses."""
        self._seen = self._api.chat_changes
        versions = self._api.chat_versions()
        for chat_id in sorted(versions):
            if versions[chat_id] != self._versions.get(chat_id):
                self.publish("changed", {"chat": chat_id})
        self._versions = versions
        answers = self._api.callback_answers
        for query_id in [q for q in self._clicks if q in answers]:
            answer = answers[query_id]
            self.publish(
                "answer",
                {
                    "chat": self._clicks.pop(query_id),
                    "text": answer.get("text"),
                    "show_alert": bool(answer.get("show_alert")),
                },
            )

    async def watch(self) -> None:
        """Publishes changes as the emulator reports them, until cancelled."""
        while True:
            with contextlib.suppress(TimeoutError):
                await self._api.wait_until(self._due, timeout=3600.0, what="page events")
                self.flush()


@dataclass
class RunInfo:
    """This run of the page's server: an id new at every start, and how many resets it saw."""

    run: str
    started: str
    resets: int = 0

    @classmethod
    def fresh(cls) -> RunInfo:
        """A new run id (random, so two starts never share one) stamped with the real time."""
        return cls(secrets.token_hex(8), datetime.now(UTC).isoformat(timespec="seconds"))

    def as_json(self) -> JSON:
        """`{"run", "resets", "started"}`."""
        return {"run": self.run, "resets": self.resets, "started": self.started}


HUB = web.AppKey("hub", EventHub)
RUN = web.AppKey("run", RunInfo)
STATIC = web.AppKey("static", Path)
PING = web.AppKey("ping", float)

#: A handler of one person's chat: the request and the person (a refusal raised as `Refusal`).
PersonHandler = Callable[[web.Request, DemoPerson], Awaitable[web.Response]]


def create_app(
    controls: Controls, *, static_dir: Path = STATIC_DIR, ping_seconds: float = PING_SECONDS
) -> web.Application:
    """The page and its API over the running sandbox."""
    app = web.Application(client_max_size=web_files.MAX_UPLOAD_BYTES + 64 * 1024)
    app[CONTROLS] = controls
    app[HUB] = EventHub(controls.api)
    app[RUN] = RunInfo.fresh()
    app[STATIC] = static_dir
    app[PING] = ping_seconds
    app.router.add_get("/", _index)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/api/people", _people)
    app.router.add_get("/api/chats/{id}", _chat)
    chats: dict[str, tuple[PersonHandler, PersonHandler]] = {  # Telegram's, WeCom's
        "send": (_send, web_wecom.send),
        "photo": (_telegram(web_files.photo), web_wecom.photo),
        "file": (_telegram(web_files.file_upload), web_wecom.no_files),
        "click": (_click, web_wecom.click),
        "menu": (_no_menu, web_wecom.menu_click),
    }
    for action, (telegram, wecom) in chats.items():
        app.router.add_post(f"/api/chats/{{id}}/{action}", _by_channel(telegram, wecom))
    app.router.add_get("/api/files/{file_id}", web_files.telegram_file)
    app.router.add_get("/api/wecom/media/{media_id}", web_wecom.media)
    app.router.add_get("/api/events", _events)
    app.router.add_get("/api/limits", web_files.limits)
    app.router.add_get("/api/run", _run)
    app.router.add_get("/api/clock", _clock)
    app.router.add_post("/api/clock", _travel)
    app.router.add_post("/api/reset", _reset)
    app.on_shutdown.append(_end_streams)
    app.cleanup_ctx.append(_watching)
    return app


async def _watching(app: web.Application) -> AsyncIterator[None]:
    """Runs the event hub's watchers (Telegram's and WeCom's chats) while the app runs."""
    controls, hub = app[CONTROLS], app[HUB]
    tasks = [
        asyncio.create_task(hub.watch(), name="sandbox-page-events"),
        asyncio.create_task(
            web_wecom.watch(controls.wecom, controls.cast, hub.publish),
            name="sandbox-page-wecom-events",
        ),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _end_streams(app: web.Application) -> None:
    """Closes the event streams so shutdown does not wait for them."""
    app[HUB].close()


def _by_channel(
    telegram: PersonHandler, wecom: PersonHandler
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A chat's action, done as the person's channel does it; refusals answered."""

    async def handler(request: web.Request) -> web.Response:
        """The person the path names, on their channel."""
        try:
            person = person_of(request)
            return await (telegram if person.wecom is None else wecom)(request, person)
        except Refusal as refusal:
            return refusal.response()

    return handler


def _telegram(
    action: Callable[[web.Request, FakeUser], Awaitable[web.Response]],
) -> PersonHandler:
    """A Telegram action done as the person's emulated user."""

    async def handler(request: web.Request, person: DemoPerson) -> web.Response:
        """The person's emulator user does it."""
        return await action(request, _user(request, person))

    return handler


def _user(request: web.Request, person: DemoPerson) -> FakeUser:
    """A Telegram person's emulator user."""
    return request.app[CONTROLS].api.user(person.id, person.name)


# ----------------------------------------------------------------------------- page


async def _index(request: web.Request) -> web.StreamResponse:
    """The page, or a placeholder until it is installed."""
    page = request.app[STATIC] / "index.html"
    if page.is_file():
        return web.FileResponse(page, headers={"Cache-Control": "no-cache"})
    return web.Response(text=PLACEHOLDER, content_type="text/html")


async def _static(request: web.Request) -> web.StreamResponse:
    """A file of the page's folder (no subfolders, nothing outside it)."""
    folder = request.app[STATIC].resolve()
    name = request.match_info["name"]
    path = (folder / name).resolve()
    if name.startswith(".") or path.parent != folder or not path.is_file():
        return error(404, "没有这个文件")
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


# ----------------------------------------------------------------------------- API


async def _people(request: web.Request) -> web.Response:
    """The demo people: id, name, role label, channel."""
    return as_json(request.app[CONTROLS].cast.as_json())


async def _chat(request: web.Request) -> web.Response:
    """A person's chat with the bot, as the page draws it."""
    controls = request.app[CONTROLS]
    try:
        person = person_of(request)
    except Refusal as refusal:
        return refusal.response()
    if person.wecom is not None:
        return web_wecom.chat_response(controls.wecom, person)
    messages = controls.api.chat_messages(person.id)
    return as_json({"messages": [message_json(m) for m in messages]})


async def _send(request: web.Request, person: DemoPerson) -> web.Response:
    """The person writes a text (commands included) to the bot."""
    body = await body_of(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Refusal(400, "消息不能为空")
    if len(text) > web_files.MAX_TEXT_LENGTH:
        raise Refusal(400, "消息太长")
    await _user(request, person).send_text(text)
    return ok()


async def _click(request: web.Request, person: DemoPerson) -> web.Response:
    """The person presses an inline button of a message in their chat."""
    body = await body_of(request)
    message_id, data = body.get("message_id"), body.get("data")
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise Refusal(400, "message_id 应是整数")
    if not isinstance(data, str):
        raise Refusal(400, "data 应是字符串")
    try:
        update = await _user(request, person).click(message_id, data)
    except LookupError:
        raise Refusal(400, "这个按钮已经不存在了（消息已更新或已删除）") from None
    request.app[HUB].clicked(str(update["callback_query"]["id"]), person.id)
    return ok()


async def _no_menu(_request: web.Request, _person: DemoPerson) -> web.Response:
    """Telegram's menu is its commands, typed: there is no app menu to click."""
    raise Refusal(400, "Telegram 没有应用菜单，请输入命令")


async def _run(request: web.Request) -> web.Response:
    """This run's id and reset count (a page that finds them changed reloads its state)."""
    return as_json(request.app[RUN].as_json())


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: `changed`, `clock`, `answer`, and a comment ping when idle."""
    hub, ping = request.app[HUB], request.app[PING]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue = hub.subscribe()
    try:
        hello = json.dumps(request.app[RUN].as_json(), ensure_ascii=False)
        await response.write(f"retry: 2000\n: connected\nevent: hello\ndata: {hello}\n\n".encode())
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), ping)
            except TimeoutError:
                event = ": ping\n\n"
            if event is None:
                break
            await response.write(event.encode())
    except ConnectionResetError:
        pass  # the page went away
    finally:
        hub.unsubscribe(queue)
    return response


async def _clock(request: web.Request) -> web.Response:
    """The sandbox clock."""
    return as_json(request.app[CONTROLS].clock_state())


async def _travel(request: web.Request) -> web.Response:
    """Moves the clock (`{"to": target}`), runs a sweep, answers the new clock."""
    controls = request.app[CONTROLS]
    try:
        body = await body_of(request)
    except Refusal as refusal:
        return refusal.response()
    target = body.get("to")
    if not isinstance(target, str) or not target.strip():
        return error(400, "to 应是目标名称或 ISO 时间")
    try:
        await controls.travel(target.strip())
    except ValueError as refused:
        return error(400, str(refused))
    state = controls.clock_state()
    request.app[HUB].publish("clock", {"now": state["now"]})
    return as_json(state)


async def _reset(request: web.Request) -> web.Response:
    """Wipes and reseeds the demo centre and resets the clock."""
    controls, run = request.app[CONTROLS], request.app[RUN]
    await controls.reset()
    run.resets += 1
    request.app[HUB].publish("reset", {"run": run.run, "resets": run.resets})
    request.app[HUB].publish("clock", {"now": controls.clock_state()["now"]})
    return ok()
