"""The emulator's state: chats and their messages, users and groups, the update queue, waiting."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.telegram.api import JSON, ApiCall, ApiError, Clock, Handler, bad
from sandbox.telegram.people import FakeGroup, FakeUser

_UPDATE_TYPES_OFF_BY_DEFAULT = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)


@dataclass
class Chat:
    """A chat the bot can reach: its Chat object and every message in it."""

    info: JSON
    instance: str
    next_message_id: int = 1
    messages: dict[int, JSON] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    #: Bumped whenever a message appears, changes or is deleted (see `FakeBotApi.chat_versions`).
    version: int = 0

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.info["id"])

    def bot_messages(self, include_deleted: bool) -> list[JSON]:
        """Messages sent by the bot, oldest first."""
        return [
            message
            for message_id, message in self.messages.items()
            if message["from"]["is_bot"] and (include_deleted or message_id not in self.deleted)
        ]


class ChatStore:
    """What the server holds: every chat with its messages, users, groups and queued updates."""

    def __init__(self, *, clock: Clock | None, seed: int) -> None:
        """No chats yet; `clock` dates messages (default: now, UTC), `seed` fixes the ids drawn."""
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._random = random.Random(seed)
        self._closing = False
        self._changed = asyncio.Event()
        self._chat_changes = 0
        #: Every request, in arrival order (the answer is filled in when it is sent).
        self.calls: list[ApiCall] = []
        #: Users who blocked the bot: sending to their private chat answers 403.
        self.blocked_users: set[int] = set()
        self._chats: dict[int, Chat] = {}
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        #: The implemented methods by lower-cased name: (canonical name, implementation).
        self._methods: dict[str, tuple[str, Handler]] = {}

    # -- chats and messages

    def _chat_for(self, p: JSON, *, sending: bool = True) -> Chat:
        """The target chat, or Telegram's 400/403 for unknown, blocked or unstarted chats."""
        raw = p.get("chat_id")
        if raw is None or raw == "":
            raise bad("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise bad("chat not found")
        if sending and chat.info["type"] == "private":
            if chat_id in self.blocked_users:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not self._users[chat_id].started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _new_instance(self) -> str:
        """A chat_instance: a stable 64-bit number per chat, like Telegram's."""
        return str(self._random.randrange(-(2**63), 2**63))

    def _new_message(self, chat: Chat, sender: JSON, content: JSON) -> JSON:
        """A Message with the chat's next id, the sender and the current date."""
        message: JSON = {
            "message_id": chat.next_message_id,
            "from": sender,
            "chat": copy.deepcopy(chat.info),
            "date": int(self._clock().timestamp()),
        }
        chat.next_message_id += 1
        return message | content

    def _touch(self, chat: Chat) -> None:
        """Record that a chat's messages changed (its version and the global count)."""
        chat.version += 1
        self._chat_changes += 1

    def _notify(self) -> None:
        """Wake everyone waiting in `wait_until` or a long poll."""
        self._changed.set()
        self._changed = asyncio.Event()

    # -- waiting

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until `predicate()` holds; it is re-checked after every call and new update."""
        # TimeoutError after `timeout` seconds, with the recent calls in the message.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; {self._recent()}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _recent(self) -> str:
        """A short summary of the last calls, for timeout messages."""
        lines = [
            f"{call.method} -> {call.status} "
            f"{'' if call.ok or call.response is None else call.response.get('description')}"
            for call in self.calls[-8:]
            if call.method != "getUpdates"
        ]
        return f"pending updates: {len(self._updates)}; recent calls: {lines}"

    # -- updates

    def enqueue_update(self, kind: str, payload: JSON) -> JSON:
        """Add an update of a kind ("message", "callback_query", …) for getUpdates; returns it."""
        # Like Telegram, kinds excluded by the last `allowed_updates` are not queued at all.
        update: JSON = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        if self._wanted(kind):
            self._updates.append(update)
        self._notify()
        return copy.deepcopy(update)

    def _wanted(self, kind: str) -> bool:
        """Whether the bot's allowed_updates lets this kind of update through."""
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _UPDATE_TYPES_OFF_BY_DEFAULT

    def _confirm(self, offset: int) -> None:
        """Forget updates below a positive offset, or all but the last -offset ones."""
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._notify()


def public(message: JSON, *, nested: bool = True) -> JSON:
    """A stored message as Telegram returns it: only inline keyboards are echoed."""
    public = copy.deepcopy(message)
    markup = public.get("reply_markup")
    if markup is not None and not markup.get("inline_keyboard"):
        del public["reply_markup"]
    if not nested:
        public.pop("reply_to_message", None)
    return public
