"""What the page's API modules share: the sandbox they drive, JSON answers and refusals, and
whose chat a path names."""

from __future__ import annotations

import json
from typing import Any, Protocol

from aiohttp import web

from sandbox.cast import DemoCast, DemoPerson
from sandbox.telegram.server import FakeBotApi
from sandbox.wecom.server import FakeWeComApi

JSON = dict[str, Any]


class Controls(Protocol):
    """What the page drives: the emulators, the demo cast, the clock, time travel and reset."""

    @property
    def api(self) -> FakeBotApi:
        """The Bot API emulator holding every Telegram chat."""
        ...

    @property
    def wecom(self) -> FakeWeComApi:
        """The WeCom API emulator holding every WeCom member's messages."""
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


CONTROLS = web.AppKey("controls", Controls)


class Refusal(Exception):
    """A request the API refuses: its status, message and any extra fields of the answer."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra

    def response(self) -> web.Response:
        """The refusal as the API answers it."""
        return error(self.status, self.message, **self.extra)


def ok(**extra: Any) -> web.Response:
    """`{"ok": true}`."""
    return as_json({"ok": True} | extra)


def as_json(data: Any, status: int = 200) -> web.Response:
    """A JSON answer, Chinese left readable."""
    return web.json_response(
        data, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
    )


def error(status: int, message: str, **extra: Any) -> web.Response:
    """`{"ok": false, "error": message}` (and any extra fields) with an HTTP status."""
    return as_json({"ok": False, "error": message} | extra, status)


def person_of(request: web.Request) -> DemoPerson:
    """The demo person whose chat the path names."""
    try:
        person_id = int(request.match_info["id"])
    except ValueError:
        raise Refusal(404, "没有这个聊天") from None
    person = request.app[CONTROLS].cast.get(person_id)
    if person is None:
        raise Refusal(404, "没有这个聊天")
    return person


async def body_of(request: web.Request) -> JSON:
    """The request's JSON object."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refusal(400, "请求体不是 JSON") from None
    if not isinstance(body, dict):
        raise Refusal(400, "请求体应是 JSON 对象")
    return body


def mb(size: int) -> str:
    """A size in MB as people read it: 20 MB, 20.5 MB."""
    value = round(size / 1024 / 1024, 1)
    return f"{value:g} MB"


def image_type(data: bytes) -> str:
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
