"""Callback queries: a user's press on an inline button, and the bot's answerCallbackQuery."""

from __future__ import annotations

from sandbox.telegram.api import JSON, MAX_ANSWER_TEXT_LENGTH, QUERY_INVALID, MethodRequest, bad
from sandbox.telegram.people import FakeUser
from sandbox.telegram.store import ChatStore, public


class CallbackQueries(ChatStore):
    """Presses become `callback_query` updates; each may be answered once."""

    def _init_callbacks(self) -> None:
        """No press yet."""
        #: answerCallbackQuery answers by callback query id.
        self.callback_answers: dict[str, JSON] = {}
        self._open_queries: dict[str, JSON] = {}

    def _click(
        self, user: FakeUser, chat_id: int, message_id: int, data: str, forged: bool
    ) -> JSON:
        """Enqueue a callback_query for a button on a bot message as it is now."""
        chat = self._chats.get(chat_id)
        message = None if chat is None else chat.messages.get(message_id)
        if chat is None or message is None or message_id in chat.deleted:
            raise LookupError(f"no message {message_id} in chat {chat_id} to click on")
        buttons = [
            button.get("callback_data")
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]
        if data not in buttons and not forged:
            raise LookupError(
                f"message {message_id} has no button with callback_data {data!r} "
                f"(buttons: {buttons}); pass forged=True to send it anyway"
            )
        query_id = str(self._random.getrandbits(63))
        query: JSON = {
            "id": query_id,
            "from": user.as_user(),
            "message": public(message),
            "chat_instance": chat.instance,
            "data": data,
        }
        self._open_queries[query_id] = query
        return self.enqueue_update("callback_query", query)

    def _answer_callback_query(self, req: MethodRequest) -> bool:
        """answerCallbackQuery: once per query id, text up to 200 characters."""
        query_id = str(req.params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise bad(QUERY_INVALID.removeprefix("Bad Request: "))
        text = req.params.get("text")
        if text is not None and len(str(text)) > MAX_ANSWER_TEXT_LENGTH:
            raise bad("MESSAGE_TOO_LONG")
        del self._open_queries[query_id]
        self.callback_answers[query_id] = {
            "text": text,
            "show_alert": bool(req.params.get("show_alert", False)),
            "url": req.params.get("url"),
            "cache_time": req.params.get("cache_time"),
        }
        return True

    async def wait_for_answer(self, callback_query_id: str, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """The bot's answerCallbackQuery for a click (text, show_alert, url, cache_time)."""
        await self.wait_until(
            lambda: callback_query_id in self.callback_answers,
            timeout,
            f"an answer to callback query {callback_query_id}",
        )
        return dict(self.callback_answers[callback_query_id])
