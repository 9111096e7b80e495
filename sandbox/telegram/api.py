"""Bot API shapes the emulator's modules share: JSON, limits, error answers, a recorded call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

JSON = dict[str, Any]
Clock = Callable[[], datetime]
Handler = Callable[["MethodRequest"], object]

#: Telegram's limits that the fake enforces.
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_ANSWER_TEXT_LENGTH = 200

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
TERMINATED_BY_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """A Bot API error answer: HTTP status = `error_code`, like Telegram."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        """The JSON Telegram sends for this error."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad(description: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (what PTB sends for bytes/file objects)."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class ApiCall:
    """One request the bot made: decoded params, uploads, and the answer once it was sent."""

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    time: datetime
    monotonic: float
    status: int | None = None
    response: JSON | None = None

    @property
    def ok(self) -> bool:
        """Whether Telegram (the fake) answered with `ok: true`."""
        return self.response is not None and bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The `result` of a successful call (None while pending or on error)."""
        return None if self.response is None else self.response.get("result")


@dataclass
class MethodRequest:
    """What a method implementation gets: decoded params, uploads, and the calling bot."""

    params: JSON
    files: dict[str, UploadedFile]
    bot: JSON


def int_param(value: object, name: str, missing: str | None = None) -> int:
    """An integer parameter, or 400 like Telegram."""
    if value is None or value == "":
        raise bad(missing or f"{name} is empty")
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise bad(f'field "{name}" must be of type Integer')
    try:
        return int(value)
    except ValueError:
        raise bad(f'field "{name}" must be of type Integer') from None
