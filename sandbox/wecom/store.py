"""What the WeCom emulator keeps: tokens, messages per member, media, cards and their codes."""

from __future__ import annotations

import random
import string
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]

#: What became of a message to one member: shown, silently dropped over the per-member
#: limits, or not shown again because the duplicate check caught it.
Fate = Literal["delivered", "dropped", "duplicate"]

#: WeCom's per-member limits for one app: (messages, seconds).
MEMBER_LIMITS: tuple[tuple[int, float], ...] = ((30, 60.0), (1000, 3600.0))
#: WeCom's per-corp limit on each API: (calls, seconds); beyond it, 45009.
CORP_LIMIT: tuple[int, float] = (10_000, 60.0)
#: The errcode of a call beyond a rate limit.
RATE_LIMITED = 45009
#: A media id lasts three days; a card's ResponseCode 72 hours.
MEDIA_LIFETIME = 3 * 24 * 3600.0
RESPONSE_CODE_LIFETIME = 72 * 3600.0


class ApiError(Exception):
    """An error answer: WeCom's errcode and errmsg, HTTP 200 like WeCom."""

    def __init__(self, errcode: int, errmsg: str, **extra: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.extra = extra

    def body(self) -> JSON:
        """The JSON WeCom answers (with fields such as `invaliduser` where it gives them)."""
        return {"errcode": self.errcode, "errmsg": self.errmsg, **self.extra}


@dataclass(slots=True)
class Delivery:
    """One message as one member got it (or did not)."""

    msgid: str
    userid: str
    msgtype: str
    content: JSON
    at: float
    fate: Fate

    @property
    def text(self) -> str:
        """The text or markdown content ("" for other kinds)."""
        return str(self.content.get("content", ""))


@dataclass(slots=True)
class Medium:
    """An uploaded file."""

    media_id: str
    kind: str
    filename: str
    content_type: str
    data: bytes
    uploaded_at: float


@dataclass(slots=True)
class Card:
    """A template card as sent, and how each recipient sees it now."""

    task_id: str
    msgid: str
    recipients: tuple[str, ...]
    wire: JSON
    shown: dict[str, JSON] = field(default_factory=dict)  # userid → the card it shows now
    clicked_name: dict[str, str] = field(default_factory=dict)  # userid → replaced button text


@dataclass(slots=True)
class ResponseCode:
    """A one-use code that may update a card for its members."""

    code: str
    task_id: str
    issued_at: float
    used: bool = False


@dataclass(slots=True)
class Recent:
    """A member's accepted messages in the last hour, for the per-member limits."""

    times: deque[float] = field(default_factory=deque)

    def over(self, now: float, limits: tuple[tuple[int, float], ...] = MEMBER_LIMITS) -> bool:
        """Whether one more message now would exceed a limit (sends in the last `span`)."""
        longest = max(span for _, span in limits)
        while self.times and self.times[0] <= now - longest:
            self.times.popleft()
        return any(sum(1 for t in self.times if t > now - span) >= n for n, span in limits)

    def add(self, now: float) -> None:
        """Counts one more message now."""
        self.times.append(now)


@dataclass(slots=True)
class Calls:
    """One API's calls the corp made in the last `span` seconds, for the per-corp limit."""

    limit: int
    span: float
    times: deque[float] = field(default_factory=deque)

    def admit(self, now: float) -> bool:
        """Counts one more call now, or answers False (not counted) if the window is full."""
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return False
        self.times.append(now)
        return True


@dataclass(frozen=True, slots=True)
class Written:
    """What a member sent the app (a text, or an image by its media id), and where it falls
    among the app's messages (`after`: how many deliveries there were then)."""

    userid: str
    msgtype: str
    content: JSON
    at: float
    after: int


Clock = Callable[[], float]
#: A push of a callback event to the bot (see `sandbox.wecom.server`, "callbacks").
CallbackSink = Callable[["CallbackEvent"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CallbackEvent:
    """An event WeCom would push to the app's callback URL, as its plaintext XML fields
    (before encryption: ToUserName, FromUserName, CreateTime, MsgType, Event, …)."""

    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        """One field's value."""
        return dict(self.fields).get(name)


class State:
    """The emulator's records, shared by its method groups."""

    def __init__(self, *, corp_id: str, agent_id: int, clock: Clock, seed: int) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.clock = clock
        self.random = random.Random(seed)
        self.deliveries: list[Delivery] = []
        self.recent: dict[str, Recent] = {}
        self.sent_keys: dict[str, tuple[float, str]] = {}  # content key → (last sent, msgid)
        self.cards: dict[str, Card] = {}  # task_id → card
        self.codes: dict[str, ResponseCode] = {}
        self.media: dict[str, Medium] = {}
        self.members: set[str] | None = None  # None: every userid is a member
        self.invalid: set[str] = set()
        self.events: list[CallbackEvent] = []
        self.written: list[Written] = []
        self.menu: list[JSON] | None = None  # the app's menu, as menu/create set it
        self.sink: CallbackSink | None = None
        self._serial = 0

    def new_id(self, prefix: str, length: int = 24) -> str:
        """A fresh random id, like WeCom's opaque ones."""
        self._serial += 1
        alphabet = string.ascii_letters + string.digits
        body = "".join(self.random.choice(alphabet) for _ in range(length))
        return f"{prefix}{self._serial}{body}"

    def is_member(self, userid: str) -> bool:
        """Whether a userid can receive the app's messages."""
        if userid in self.invalid:
            return False
        return self.members is None or userid in self.members
