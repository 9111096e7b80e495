"""The people a test plays: users and groups whose actions become updates, and what they see."""

from __future__ import annotations

from typing import Protocol

from sandbox.telegram.api import JSON
from sandbox.telegram.entities import detect_entities
from sandbox.telegram.images import make_png


class Server(Protocol):
    """What people need of the server (`FakeBotApi`): to post, to press, to read their chat."""

    blocked_users: set[int]

    def sent_to(self, chat_id: int, *, include_deleted: bool = False) -> list[JSON]:
        """The bot's messages in a chat, as they are now."""
        ...

    def sent_count(self, chat_id: int) -> int:
        """How many messages the bot ever sent to a chat."""
        ...

    async def wait_for_bot_message(
        self,
        chat_id: int,
        after_count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """The bot's first message in a chat after `after_count`."""
        ...

    def store_photo(self, data: bytes, dimensions: tuple[int, int] | None = None) -> list[JSON]:
        """Store a photo; its PhotoSize array."""
        ...

    def store_document(self, file_name: str, mime_type: str | None, data: bytes) -> JSON:
        """Store a document; its Document object."""
        ...

    def _user_message(
        self, chat_id: int, user: FakeUser, content: JSON, reply_to: int | JSON | None
    ) -> JSON:
        """Store a user's message and queue it as an update."""
        ...

    def _click(
        self, user: FakeUser, chat_id: int, message_id: int, data: str, forged: bool
    ) -> JSON:
        """Queue a press on a button as a callback_query update."""
        ...


class FakeUser:
    """A Telegram user the test plays; every action enqueues an update and returns it."""

    def __init__(
        self,
        server: Server,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        started: bool,
    ) -> None:
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        #: False until the user writes to the bot (see `FakeBotApi.user`).
        self.started = started
        self._baseline = 0

    @property
    def chat_id(self) -> int:
        """The private chat with the bot (== the user id, like Telegram)."""
        return self.id

    def as_user(self) -> JSON:
        """The Telegram User object."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            user["last_name"] = self.last_name
        if self.username is not None:
            user["username"] = self.username
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user

    def _acted(self) -> None:
        """Mark the private chat open and remember what the bot had sent before this action."""
        self.started = True
        self.server.blocked_users.discard(self.id)
        self._baseline = self.server.sent_count(self.id)

    async def send_text(self, text: str, *, reply_to: int | JSON | None = None) -> JSON:
        """Write to the bot; commands get `bot_command` entities (UTF-16 offsets)."""
        self._acted()
        content: JSON = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self.server._user_message(self.id, self, content, reply_to)

    async def send_photo(self, data: bytes | None = None, *, caption: str | None = None) -> JSON:
        """Send a photo (default: a generated 640×480 PNG); getFile serves the bytes."""
        self._acted()
        return self.server._user_message(
            self.id, self, _photo_content(self.server, data, caption), None
        )

    async def send_document(
        self, file_name: str, mime_type: str, data: bytes, *, caption: str | None = None
    ) -> JSON:
        """Send a file as a document; getFile serves the bytes."""
        self._acted()
        content: JSON = {"document": self.server.store_document(file_name, mime_type, data)}
        if caption:
            content |= {"caption": caption}
        return self.server._user_message(self.id, self, content, None)

    async def click(
        self,
        message: int | JSON,
        callback_data: str,
        *,
        chat_id: int | None = None,
        forged: bool = False,
    ) -> JSON:
        """Press an inline button: a `callback_query` update with a fresh id."""
        # `message` is a message id (in `chat_id`, default this user's private chat) or a
        # message dict. The button must be on the message as the server holds it now, unless
        # `forged=True` (a stale or crafted payload).
        if isinstance(message, int):
            target_chat, message_id = (chat_id if chat_id is not None else self.id), message
        else:
            target_chat, message_id = int(message["chat"]["id"]), int(message["message_id"])
        if target_chat == self.id:
            self._acted()
        return self.server._click(self, target_chat, message_id, callback_data, forged)

    def received(self) -> list[JSON]:
        """The bot's messages in the private chat (current state, deleted ones left out)."""
        return self.server.sent_to(self.id)

    def sent_count(self) -> int:
        """How many messages the bot ever sent to this user."""
        return self.server.sent_count(self.id)

    async def wait_for_reply(self, after_count: int | None = None, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """The first bot message in the private chat after `after_count` bot messages."""
        # `after_count` defaults to how many the bot had sent when this user last acted (sent
        # or clicked), so a reply that came before this call is still found.
        baseline = self._baseline if after_count is None else after_count
        return await self.server.wait_for_bot_message(self.id, baseline, timeout)

    def block(self) -> None:
        """Block the bot: sends to this user answer 403 until they write again."""
        self.server.blocked_users.add(self.id)


class FakeGroup:
    """A group chat with the bot in it; users write there through `send_text`."""

    def __init__(self, server: Server, chat_id: int, title: str, kind: str) -> None:
        self.server = server
        self.id = chat_id
        self.title = title
        self.kind = kind
        self._baseline = 0

    async def send_text(
        self, user: FakeUser, text: str, *, reply_to: int | JSON | None = None
    ) -> JSON:
        """`user` writes in the group (commands as /cmd or /cmd@bot get entities)."""
        self._baseline = self.server.sent_count(self.id)
        content: JSON = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self.server._user_message(self.id, user, content, reply_to)

    async def send_photo(
        self, user: FakeUser, data: bytes | None = None, *, caption: str | None = None
    ) -> JSON:
        """`user` posts a photo in the group."""
        self._baseline = self.server.sent_count(self.id)
        return self.server._user_message(
            self.id, user, _photo_content(self.server, data, caption), None
        )

    def received(self) -> list[JSON]:
        """The bot's messages in the group (current state)."""
        return self.server.sent_to(self.id)

    async def wait_for_message(self, after_count: int | None = None, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """The first bot message after `after_count` (default: as of the last post here)."""
        baseline = self._baseline if after_count is None else after_count
        return await self.server.wait_for_bot_message(self.id, baseline, timeout)


def _photo_content(server: Server, data: bytes | None, caption: str | None) -> JSON:
    """The photo (and caption) fields of a user's photo message."""
    content: JSON = {"photo": server.store_photo(data if data is not None else make_png())}
    if caption:
        content["caption"] = caption
    return content
