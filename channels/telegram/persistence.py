"""PTB persistence in the ledger's SQLite file: conversation states and per-user drafts.

PTB hands over a person's conversation state and their data (the draft) in separate calls.
Written in separate transactions, a kill between the two left a conversation at the preview
with its draft already gone (found by the full crash run: a KeyError, then the item submitted
twice). The calls of one round are therefore recorded and committed in one transaction.
"""

from __future__ import annotations

import asyncio
import json
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage import conversations
from storage.db import Database

USER_DATA = "__user_data__"
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], Any]):
    """Stores conversation states and user data as rows; values must be JSON-serialisable."""

    def __init__(self, db: Database, update_interval: float = 10) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db
        self._written: dict[int, str] = {}  # user id → the JSON last stored, to skip no-ops
        #: Changes not yet committed: (name, row key) → (state JSON, data) or None to drop.
        self._pending: dict[tuple[str, str], tuple[str, dict[Any, Any]] | None] = {}
        self._committing: asyncio.Future[None] | None = None

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Every stored user's data, by Telegram user id."""
        async with self.db.reading() as tx:
            stored = await conversations.load_data(tx, USER_DATA)
        loaded = {int(key): value for key, value in stored.items()}
        self._written = {
            key: json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
            for key, value in loaded.items()
        }
        return loaded

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Chat data is not kept."""
        return {}

    async def get_bot_data(self) -> Any:
        """Bot data is not kept (services are rebuilt at start)."""
        return None

    async def get_callback_data(self) -> None:
        """Callback data is not kept: buttons carry their own data."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """The stored states of one ConversationHandler."""
        async with self.db.reading() as tx:
            stored = await conversations.load_states(tx, name)
        return {tuple(json.loads(key)): json.loads(state) for key, state in stored.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Writes one conversation's state (None ends the conversation)."""
        row_key = json.dumps(list(key))
        change: tuple[str, dict[Any, Any]] | None = (
            None if new_state is None else (json.dumps(new_state), {})
        )
        self._pending[(name, row_key)] = change
        await self._commit()

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Writes one user's data, unless it is what was written last time."""
        snapshot = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        if self._written.get(user_id, "{}") == snapshot:
            return
        self._written[user_id] = snapshot
        self._pending[(USER_DATA, str(user_id))] = ("", deepcopy(data)) if data else None
        await self._commit()

    async def _commit(self) -> None:
        """Waits until every change recorded so far is committed. The calls PTB makes together
        (one update's state and data) share one transaction."""
        if self._committing is None or self._committing.done():
            self._committing = asyncio.ensure_future(self._write_rounds())
        await asyncio.shield(self._committing)

    async def _write_rounds(self) -> None:
        """Commits pending changes, one transaction per round, until none are left."""
        await asyncio.sleep(0)  # the other calls of this round record their changes first
        while self._pending:
            batch, self._pending = self._pending, {}
            async with self.db.transaction() as tx:
                for (name, key), change in batch.items():
                    if change is None:
                        await conversations.drop(tx, name, key)
                    else:
                        await conversations.save(tx, name, key, change[0], change[1])

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not kept."""

    async def update_bot_data(self, data: Any) -> None:
        """Bot data is not kept."""

    async def update_callback_data(self, data: Any) -> None:
        """Callback data is not kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not kept."""

    async def drop_user_data(self, user_id: int) -> None:
        """Forgets a user's data."""
        self._written.pop(user_id, None)
        self._pending[(USER_DATA, str(user_id))] = None
        await self._commit()

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not kept."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Bot data is not kept."""

    async def flush(self) -> None:
        """Commits whatever is still pending (every update_* call already waited for it)."""
        if self._pending:
            await self._commit()
