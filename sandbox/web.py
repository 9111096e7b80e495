"""The sandbox's web page and its JSON API (aiohttp): chats per demo person, live events, the clock.

The contract (`sandbox/static/index.html` is written against it):

- `GET /` the page (a placeholder until `static/index.html` exists); `GET /static/{name}`.
- `GET /api/people` → `[{"id", "name", "role"}]`.
- `GET /api/chats/{id}` → `{"messages": [...]}` (see `message_json`), in chat order, current
  state after edits, deleted ones left out.
- `POST /api/chats/{id}/send` `{"text"}`; `POST /api/chats/{id}/photo` multipart `photo`
  (optional `caption`); `POST /api/chats/{id}/click` `{"message_id", "data"}` (400 with
  `{"ok": false, "error"}` when the button is gone) → `{"ok": true}`.
- `POST /api/chats/{id}/file` multipart `file`, optional `caption`, `as` (`document`, the
  default, or `photo`) and `over_limit` (`1`: send a file over the bot's limit anyway, so its
  refusal shows): the person sends it as a Telegram client would, a document or a photo with
  its caption. Refused with the limit in words (413, `limit_bytes`) when it is over the bot's
  limit without `over_limit`, or over what the page uploads at all → `{"ok": true}`.
- `GET /api/limits` → what the page checks before sending: `file_bytes` and `files` (the
  bot's own /submit limits), `document_types`, `photo_bytes`, `upload_bytes`,
  `caption_length`, `text_length`.
- `GET /api/run` → `{"run", "resets", "started"}`: `run` is new each time the page's server
  starts (the sandbox restarted: every chat is gone), `resets` counts resets within the run.
- `GET /api/files/{file_id}` → the bytes (photos: their image type; documents: their type and a
  Content-Disposition filename).
- `GET /api/events` → Server-Sent Events: `hello` (as `/api/run`) first on every
  connection (a page that reconnects sees whether the sandbox restarted), `reset`
  `{"run", "resets"}` after a reset, `changed` `{"chat"}` when a chat's messages change,
  `clock` `{"now"}` after time travel or reset, `answer` `{"chat", "text", "show_alert"}` when
  the bot answers a button press; a comment ping every 15 s.
- `GET /api/clock` → `{"now", "weekday", "working_day"}`; `POST /api/clock` `{"to"}` (a named
  target or an ISO datetime) travels, runs a sweep, answers the new clock.
- `POST /api/reset` → wipes and reseeds the demo centre, resets the clock, counts a reset
  (`/api/run`'s `resets`) → `{"ok": true}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from aiohttp import web

from sandbox.seed import DemoCast, DemoPerson
from sandbox.telegram.images import image_size
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from workflow.dialogues.submit import DOCUMENT_TYPES, MAX_FILE_BYTES, MAX_FILES

JSON = dict[str, Any]

log = logging.getLogger(__name__)

#: Where the page and its assets live.
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Seconds between comment pings on an idle event stream.
PING_SECONDS = 15.0
#: The largest photo the page may upload (Telegram's limit for a photo).
MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: The largest file the page uploads at all: past the bot's limit, so its refusal can be seen.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: The longest text a person may send (Telegram's limit).
MAX_TEXT_LENGTH = 4096
#: The longest caption of a photo or a file (Telegram's limit).
MAX_CAPTION_LENGTH = 1024

PLACEHOLDER = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>报送沙盒</title></head>
<body><h1>报送沙盒</h1>
<p>页面尚未安装（sandbox/static/index.html）。接口可用：
<a href="/api/people">/api/people</a>、<a href="/api/clock">/api/clock</a>。</p>
</body></html>
"""


class Controls(Protocol):
    """What the page drives: the emulator, the demo cast, the clock, time travel and reset."""

    @property
    def api(self) -> FakeBotApi:
        """The Bot API emulator holding every chat."""
        ...

    @property
    def cast(self) -> DemoCast:
        """The demo people."""
        ...

    def clock_state(self) -> JSON:
        """`{"now", "weekday", "working_day"}` of the sandbox clock."""
        ...

    async def travel(self, target: str) -> None:
        """Moves the clock to a target (ValueError if unknown) and runs a sweep."""
        ...

    async def reset(self) -> None:
        """Wipes and reseeds the demo centre, clears the chats, resets the clock."""
        ...


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


CONTROLS = web.AppKey("controls", Controls)
HUB = web.AppKey("hub", EventHub)
RUN = web.AppKey("run", RunInfo)
STATIC = web.AppKey("static", Path)
PING = web.AppKey("ping", float)


def create_app(
    controls: Controls, *, static_dir: Path = STATIC_DIR, ping_seconds: float = PING_SECONDS
) -> web.Application:
    """The page and its API over the running sandbox."""
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 64 * 1024)
    app[CONTROLS] = controls
    app[HUB] = EventHub(controls.api)
    app[RUN] = RunInfo.fresh()
    app[STATIC] = static_dir
    app[PING] = ping_seconds
    app.router.add_get("/", _index)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/api/people", _people)
    app.router.add_get("/api/chats/{id}", _chat)
    app.router.add_post("/api/chats/{id}/send", _send)
    app.router.add_post("/api/chats/{id}/photo", _photo)
    app.router.add_post("/api/chats/{id}/file", _file_upload)
    app.router.add_post("/api/chats/{id}/click", _click)
    app.router.add_get("/api/files/{file_id}", _file)
    app.router.add_get("/api/events", _events)
    app.router.add_get("/api/limits", _limits)
    app.router.add_get("/api/run", _run)
    app.router.add_get("/api/clock", _clock)
    app.router.add_post("/api/clock", _travel)
    app.router.add_post("/api/reset", _reset)
    app.on_shutdown.append(_end_streams)
    app.cleanup_ctx.append(_watching)
    return app


async def _watching(app: web.Application) -> AsyncIterator[None]:
    """Runs the event hub's watcher while the app runs."""
    task = asyncio.create_task(app[HUB].watch(), name="sandbox-page-events")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _end_streams(app: web.Application) -> None:
    """Closes the event streams so shutdown does not wait for them."""
    app[HUB].close()


# ----------------------------------------------------------------------------- answers


def _ok(**extra: Any) -> web.Response:
    """`{"ok": true}`."""
    return _json({"ok": True} | extra)


def _json(data: Any, status: int = 200) -> web.Response:
    """A JSON answer, Chinese left readable."""
    return web.json_response(
        data, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
    )


def _error(status: int, message: str, **extra: Any) -> web.Response:
    """`{"ok": false, "error": message}` (and any extra fields) with an HTTP status."""
    return _json({"ok": False, "error": message} | extra, status)


class _Refusal(Exception):
    """A request the API refuses: its status, message and any extra fields of the answer."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def _person(request: web.Request) -> tuple[DemoPerson, FakeUser]:
    """The demo person whose chat the path names, and their emulator user."""
    controls = request.app[CONTROLS]
    try:
        tg_id = int(request.match_info["id"])
    except ValueError:
        raise _Refusal(404, "没有这个聊天") from None
    person = controls.cast.get(tg_id)
    if person is None:
        raise _Refusal(404, "没有这个聊天")
    return person, controls.api.user(person.tg_id, person.name)


async def _body(request: web.Request) -> JSON:
    """The request's JSON object."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _Refusal(400, "请求体不是 JSON") from None
    if not isinstance(body, dict):
        raise _Refusal(400, "请求体应是 JSON 对象")
    return body


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
        return _error(404, "没有这个文件")
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


# ----------------------------------------------------------------------------- API


async def _people(request: web.Request) -> web.Response:
    """The demo people: id, name, role label."""
    return _json(request.app[CONTROLS].cast.as_json())


async def _chat(request: web.Request) -> web.Response:
    """A person's chat with the bot, as the page draws it."""
    try:
        person, _ = _person(request)
    except _Refusal as refusal:
        return _error(refusal.status, refusal.message)
    messages = request.app[CONTROLS].api.chat_messages(person.tg_id)
    return _json({"messages": [message_json(m) for m in messages]})


async def _send(request: web.Request) -> web.Response:
    """The person writes a text (commands included) to the bot."""
    try:
        _, user = _person(request)
        body = await _body(request)
    except _Refusal as refusal:
        return _error(refusal.status, refusal.message)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return _error(400, "消息不能为空")
    if len(text) > MAX_TEXT_LENGTH:
        return _error(400, "消息太长")
    await user.send_text(text)
    return _ok()


async def _photo(request: web.Request) -> web.Response:
    """The person sends a photo (multipart field `photo`, optional `caption`)."""
    try:
        _, user = _person(request)
    except _Refusal as refusal:
        return _error(refusal.status, refusal.message)
    if request.content_type != "multipart/form-data":
        return _error(400, "请以 multipart/form-data 上传，字段名 photo")
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        return _error(400, f"图片太大，最大 {_mb(MAX_PHOTO_BYTES)}")
    field = form.get("photo")
    if not isinstance(field, web.FileField):
        return _error(400, "缺少图片（字段名 photo）")
    data = field.file.read()
    if len(data) > MAX_PHOTO_BYTES:
        return _error(400, f"图片太大，最大 {_mb(MAX_PHOTO_BYTES)}")
    if image_size(data) is None:
        return _error(400, "不是图片（支持 JPEG、PNG、GIF、WebP）")
    caption = form.get("caption")
    await user.send_photo(data, caption=caption if isinstance(caption, str) else None)
    return _ok()


async def _file_upload(request: web.Request) -> web.Response:
    """The person sends a file as a document or a photo, with an optional caption."""
    try:
        _, user = _person(request)
        if request.content_type != "multipart/form-data":
            raise _Refusal(400, "请以 multipart/form-data 上传，字段名 file")
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            raise _Refusal(413, _too_big_to_upload()) from None
        name, mime, data, caption, as_photo = _upload(form)
    except _Refusal as refusal:
        return _error(refusal.status, refusal.message, **refusal.extra)
    if as_photo:
        await user.send_photo(data, caption=caption)
    else:
        await user.send_document(name, mime, data, caption=caption)
    return _ok()


def _upload(form: Any) -> tuple[str, str, bytes, str | None, bool]:
    """A file form's name, type, bytes, caption and whether it goes as a photo (a refusal
    names the limit it breaks)."""
    field = form.get("file")
    if not isinstance(field, web.FileField):
        raise _Refusal(400, "缺少文件（字段名 file）")
    kind = form.get("as", "document")
    if kind not in ("document", "photo"):
        raise _Refusal(400, "as 应是 document 或 photo")
    caption = form.get("caption")
    caption = caption if isinstance(caption, str) and caption.strip() else None
    if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
        raise _Refusal(400, f"说明文字太长（{len(caption)} 字），最多 {MAX_CAPTION_LENGTH} 字")
    data = field.file.read()
    name = (field.filename or "").strip() or "file"
    mime = "" if field.content_type in ("", "application/octet-stream") else field.content_type
    if not data:
        raise _Refusal(400, f"“{name}”是空文件，不能发送")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _Refusal(413, _too_big_to_upload())
    if kind == "photo":
        if image_size(data) is None:
            raise _Refusal(400, f"“{name}”不是图片（支持 JPEG、PNG、GIF、WebP），可以作为文件发送")
        if len(data) > MAX_PHOTO_BYTES:
            raise _Refusal(
                413,
                f"“{name}”有 {_mb(len(data))}，照片最大 {_mb(MAX_PHOTO_BYTES)}，请作为文件发送",
            )
    elif len(data) > MAX_FILE_BYTES and form.get("over_limit") != "1":
        message = (
            f"“{name}”有 {_mb(len(data))}，超过机器人接收文件的上限 {_mb(MAX_FILE_BYTES)}，"
            "机器人会拒收。请压缩或拆分后再发送"
        )
        raise _Refusal(413, message, limit_bytes=MAX_FILE_BYTES, size_bytes=len(data))
    return name, mime, data, caption, kind == "photo"


def _too_big_to_upload() -> str:
    """The refusal of a file over what the page uploads at all."""
    return f"文件太大：沙盒页面最多上传 {_mb(MAX_UPLOAD_BYTES)}（机器人只接收 {_mb(MAX_FILE_BYTES)} 以内的文件）"


def _mb(size: int) -> str:
    """A size in MB as people read it: 20 MB, 20.5 MB."""
    value = round(size / 1024 / 1024, 1)
    return f"{value:g} MB"


async def _limits(request: web.Request) -> web.Response:
    """What the page checks before sending: the bot's own limits and Telegram's."""
    return _json(
        {
            "file_bytes": MAX_FILE_BYTES,
            "files": MAX_FILES,
            "document_types": sorted(DOCUMENT_TYPES),
            "photo_bytes": MAX_PHOTO_BYTES,
            "upload_bytes": MAX_UPLOAD_BYTES,
            "caption_length": MAX_CAPTION_LENGTH,
            "text_length": MAX_TEXT_LENGTH,
        }
    )


async def _run(request: web.Request) -> web.Response:
    """This run's id and reset count (a page that finds them changed reloads its state)."""
    return _json(request.app[RUN].as_json())


async def _click(request: web.Request) -> web.Response:
    """The person presses an inline button of a message in their chat."""
    try:
        person, user = _person(request)
        body = await _body(request)
    except _Refusal as refusal:
        return _error(refusal.status, refusal.message)
    message_id, data = body.get("message_id"), body.get("data")
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        return _error(400, "message_id 应是整数")
    if not isinstance(data, str):
        return _error(400, "data 应是字符串")
    try:
        update = await user.click(message_id, data)
    except LookupError:
        return _error(400, "这个按钮已经不存在了（消息已更新或已删除）")
    request.app[HUB].clicked(str(update["callback_query"]["id"]), person.tg_id)
    return _ok()


async def _file(request: web.Request) -> web.Response:
    """A photo's or a document's bytes."""
    api = request.app[CONTROLS].api
    file_id = request.match_info["file_id"]
    try:
        data, kind = api.file_bytes(file_id), api.file_kind(file_id)
    except KeyError:
        return _error(404, "没有这个文件")
    cache = {"Cache-Control": "private, max-age=86400"}
    if kind == "photo":
        return web.Response(body=data, content_type=_image_type(data), headers=cache)
    document = api.document_info(file_id) or {}
    name = str(document.get("file_name") or "file")
    mime = str(document.get("mime_type") or "application/octet-stream")
    fallback = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return web.Response(
        body=data, content_type=mime, headers=cache | {"Content-Disposition": disposition}
    )


def _image_type(data: bytes) -> str:
    """An image's media type by its first bytes (PNG when unsure)."""
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"BM"):
        return "image/bmp"
    return "image/png"


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
    return _json(request.app[CONTROLS].clock_state())


async def _travel(request: web.Request) -> web.Response:
    """Moves the clock (`{"to": target}`), runs a sweep, answers the new clock."""
    controls = request.app[CONTROLS]
    try:
        body = await _body(request)
    except _Refusal as refusal:
        return _error(refusal.status, refusal.message)
    target = body.get("to")
    if not isinstance(target, str) or not target.strip():
        return _error(400, "to 应是目标名称或 ISO 时间")
    try:
        await controls.travel(target.strip())
    except ValueError as error:
        return _error(400, str(error))
    state = controls.clock_state()
    request.app[HUB].publish("clock", {"now": state["now"]})
    return _json(state)


async def _reset(request: web.Request) -> web.Response:
    """Wipes and reseeds the demo centre and resets the clock."""
    controls, run = request.app[CONTROLS], request.app[RUN]
    await controls.reset()
    run.resets += 1
    request.app[HUB].publish("reset", {"run": run.run, "resets": run.resets})
    request.app[HUB].publish("clock", {"now": controls.clock_state()["now"]})
    return _ok()


# ----------------------------------------------------------------------------- rendering


def message_json(message: JSON) -> JSON:
    """A stored message as the page draws it (the contract's message object)."""
    text = message.get("text")
    photo = message.get("photo") or []
    document = message.get("document")
    markup = message.get("reply_markup") or {}
    inline = markup.get("inline_keyboard")
    keyboard = markup.get("keyboard")
    return {
        "message_id": int(message["message_id"]),
        "from_bot": bool(message["from"]["is_bot"]),
        "date": int(message["date"]),
        "text": text,
        "html": None if text is None else entities_html(text, message.get("entities") or []),
        "caption": message.get("caption"),
        "photo": f"/api/files/{photo[-1]['file_id']}" if photo else None,
        "document": (
            {
                "name": str(document.get("file_name") or "file"),
                "url": f"/api/files/{document['file_id']}",
                "size": int(document.get("file_size") or 0),
            }
            if document
            else None
        ),
        "inline_keyboard": (
            [
                [
                    {
                        "text": str(b.get("text", "")),
                        "callback_data": str(b.get("callback_data", "")),
                    }
                    for b in row
                ]
                for row in inline
            ]
            if inline
            else None
        ),
        "reply_keyboard": (
            [[b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in keyboard]
            if keyboard
            else None
        ),
    }


_SIMPLE_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
}
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "tg://")


def _tags(entity: JSON, covered: str) -> tuple[str, str] | None:
    """The opening and closing HTML of an entity (None: shown as plain text)."""
    kind = entity.get("type")
    if kind in _SIMPLE_TAGS:
        tag = _SIMPLE_TAGS[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "spoiler":
        return '<span class="tg-spoiler">', "</span>"
    if kind == "bot_command":
        return '<span class="tg-command">', "</span>"
    url = None
    if kind == "text_link":
        url = str(entity.get("url") or "")
    elif kind == "url":
        url = covered if "://" in covered else f"http://{covered}"
    if url is None or not url.lower().startswith(_SAFE_SCHEMES):
        return None
    href = html.escape(url, quote=True)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"


def entities_html(text: str, entities: list[JSON]) -> str:
    """Text with Telegram entities (UTF-16 offsets) as safe HTML; line breaks become <br>."""
    units = text.encode("utf-16-le", "surrogatepass")
    total = len(units) // 2

    def piece(start: int, end: int) -> str:
        """The text between two UTF-16 offsets."""
        return units[2 * start : 2 * end].decode("utf-16-le", "replace")

    spans: list[tuple[int, int, str, str]] = []  # start, end, open, close
    ordered = sorted(
        (
            e
            for e in entities
            if isinstance(e.get("offset"), int) and isinstance(e.get("length"), int)
        ),
        key=lambda e: (e["offset"], -e["length"]),
    )
    for entity in ordered:
        start = max(0, min(int(entity["offset"]), total))
        end = max(start, min(start + int(entity["length"]), total))
        tags = _tags(entity, piece(start, end)) if end > start else None
        if tags is not None:
            spans.append((start, end, *tags))
    bounds = sorted({0, total, *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, str, str]] = []
    pending = 0
    for i, position in enumerate(bounds):
        reopen: list[tuple[int, int, str, str]] = []
        while any(span[1] <= position for span in stack):
            top = stack.pop()
            out.append(top[3])
            if top[1] > position:
                reopen.insert(0, top)
        for span in reopen:
            out.append(span[2])
            stack.append(span)
        while pending < len(spans) and spans[pending][0] == position:
            out.append(spans[pending][2])
            stack.append(spans[pending])
            pending += 1
        if i + 1 < len(bounds):
            segment = piece(position, bounds[i + 1])
            out.append(html.escape(segment, quote=False).replace("\n", "<br>"))
    for span in reversed(stack):
        out.append(span[3])
    return "".join(out)
