"""What the bot did, as tests and the sandbox page read it: calls, chats as they are now."""

from __future__ import annotations

import copy

from sandbox.telegram.api import JSON, ApiCall
from sandbox.telegram.store import ChatStore


class Transcript(ChatStore):
    """Reading the calls and chats, and waiting for the bot's next message in a chat."""

    def calls_of(self, method: str) -> list[ApiCall]:
        """Calls of one method (case-insensitive), oldest first."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def sent_to(self, chat_id: int, *, include_deleted: bool = False) -> list[JSON]:
        """Messages the bot sent to a chat, oldest first, as they are now (after edits)."""
        # Message objects in Bot API shape; `reply_markup` is kept as the bot gave it, reply
        # keyboards included (Telegram echoes only inline keyboards).
        chat = self._chats.get(chat_id)
        return [] if chat is None else copy.deepcopy(chat.bot_messages(include_deleted))

    def sent_count(self, chat_id: int) -> int:
        """How many messages the bot ever sent to a chat (deleted ones included)."""
        chat = self._chats.get(chat_id)
        return 0 if chat is None else len(chat.bot_messages(include_deleted=True))

    def last_message(self, chat_id: int) -> JSON:
        """The bot's latest (not deleted) message in a chat; LookupError if there is none."""
        sent = self.sent_to(chat_id)
        if not sent:
            raise LookupError(f"the bot has sent nothing to chat {chat_id}")
        return sent[-1]

    def message(self, chat_id: int, message_id: int) -> JSON:
        """Any message of a chat (the bot's or a user's) as it is now; LookupError if unknown."""
        chat = self._chats.get(chat_id)
        if chat is None or message_id not in chat.messages:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        return copy.deepcopy(chat.messages[message_id])

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        """Whether a message was deleted."""
        chat = self._chats.get(chat_id)
        return chat is not None and message_id in chat.deleted

    def reply_keyboard(self, chat_id: int) -> JSON | None:
        """The reply keyboard the chat shows now (last keyboard/remove_keyboard wins)."""
        shown: JSON | None = None
        for message in self.sent_to(chat_id, include_deleted=True):
            markup = message.get("reply_markup") or {}
            if "keyboard" in markup:
                shown = markup
            elif markup.get("remove_keyboard"):
                shown = None
        return shown

    @property
    def chat_changes(self) -> int:
        """How many times any chat's messages changed (grows; see `chat_versions`)."""
        return self._chat_changes

    def chat_versions(self) -> dict[int, int]:
        """Each chat's version, bumped when a message appears, is edited or is deleted."""
        return {chat_id: chat.version for chat_id, chat in self._chats.items()}

    def chat_messages(self, chat_id: int) -> list[JSON]:
        """Every message of a chat, the users' too, oldest first, current state, deleted left out."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [
            copy.deepcopy(message)
            for message_id, message in chat.messages.items()
            if message_id not in chat.deleted
        ]

    def clear_chat(self, chat_id: int) -> None:
        """Forget a chat's messages (ids keep growing, like a history the user cleared)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return
        chat.messages.clear()
        chat.deleted.clear()
        self._touch(chat)
        self._notify()

    async def wait_for_bot_message(
        self,
        chat_id: int,
        after_count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """The first message the bot sent to a chat after it had sent `after_count` there."""
        await self.wait_until(
            lambda: self.sent_count(chat_id) > after_count,
            timeout,
            f"a bot message #{after_count + 1} in chat {chat_id}",
        )
        return self.sent_to(chat_id, include_deleted=True)[after_count]
