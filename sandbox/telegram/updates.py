"""Updates: users' messages queued for the bot, getUpdates long polls, webhooks, getMe, getChat."""

from __future__ import annotations

import contextlib
import copy

from sandbox.telegram.api import (
    JSON,
    TERMINATED_BY_OTHER_POLL,
    WEBHOOK_ACTIVE,
    ApiError,
    MethodRequest,
    bad,
    int_param,
)
from sandbox.telegram.people import FakeUser
from sandbox.telegram.store import ChatStore, public


class UpdateMethods(ChatStore):
    """How updates reach the bot: a user's message becomes one, getUpdates hands them over."""

    def _init_updates(self, *, accept_webhooks: bool) -> None:
        """Polling, no webhook; `accept_webhooks` lets setWebhook succeed (nothing is delivered)."""
        self.accept_webhooks = accept_webhooks
        self._poll_generation = 0
        self._webhook_url = ""

    def _user_message(
        self, chat_id: int, user: FakeUser, content: JSON, reply_to: int | JSON | None
    ) -> JSON:
        """Store a message a user sent and enqueue it as a `message` update."""
        chat = self._chats[chat_id]
        message = self._new_message(chat, user.as_user(), content)
        if reply_to is not None:
            target = reply_to if isinstance(reply_to, int) else int(reply_to["message_id"])
            if target not in chat.messages or target in chat.deleted:
                raise LookupError(f"no message {target} to reply to in chat {chat_id}")
            message["reply_to_message"] = public(chat.messages[target], nested=False)
        chat.messages[message["message_id"]] = message
        self._touch(chat)
        return self.enqueue_update("message", public(message))

    def drop_pending_updates(self) -> None:
        """Forget every update the bot has not fetched yet."""
        self._updates.clear()
        self._notify()

    def pending_updates(self) -> int:
        """Updates enqueued but not yet confirmed (see `wait_idle`)."""
        return len(self._updates)

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every enqueued update is confirmed.

        Confirmed means Telegram's rule: a getUpdates call arrived whose `offset` is greater
        than the update's id (or pending updates were dropped by deleteWebhook/setWebhook with
        drop_pending_updates). PTB sends that offset in the getUpdates right after it put the
        previous batch into `Application.update_queue`, so this says "PTB has them", not
        "handlers finished": for that, also `await app.update_queue.join()`.
        """
        await self.wait_until(lambda: not self._updates, timeout, "all updates confirmed")

    # -- methods: bot and updates

    def _get_me(self, req: MethodRequest) -> JSON:
        """The bot's User with the getMe-only flags."""
        return req.bot | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, req: MethodRequest) -> list[JSON]:
        """Confirm by offset, then answer pending updates at once or long-poll for `timeout`."""
        if self._webhook_url:
            raise ApiError(409, WEBHOOK_ACTIVE)
        p = req.params
        offset = int_param(p.get("offset", 0), "offset")
        limit = min(max(int_param(p.get("limit", 100), "limit"), 1), 100)
        timeout = max(int_param(p.get("timeout") or 0, "timeout"), 0)
        if p.get("allowed_updates") is not None:
            self._allowed_updates = [str(kind) for kind in p["allowed_updates"]]
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation

        def ready() -> bool:
            """Answer now: closing, superseded by a newer poll, or updates are waiting."""
            return self._closing or generation != self._poll_generation or bool(self._updates)

        if timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self.wait_until(ready, timeout, "updates")
        if generation != self._poll_generation and not self._closing:
            raise ApiError(409, TERMINATED_BY_OTHER_POLL)
        return copy.deepcopy(self._updates[:limit])

    def _set_webhook(self, req: MethodRequest) -> tuple[bool, str]:
        """Refuse (default) or just remember a webhook URL; an empty URL removes it."""
        url = str(req.params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if url and not self.accept_webhooks:
            raise bad("bad webhook: Failed to resolve host: Name or service not known")
        if req.params.get("drop_pending_updates"):
            self._updates.clear()
        if req.params.get("allowed_updates") is not None:
            self._allowed_updates = [str(kind) for kind in req.params["allowed_updates"]]
        had = bool(self._webhook_url)
        self._webhook_url = url
        if url:
            return True, "Webhook was set"
        return True, "Webhook was deleted" if had else "Webhook is already deleted"

    def _delete_webhook(self, req: MethodRequest) -> tuple[bool, str]:
        """Remove the webhook; `drop_pending_updates` forgets every queued update."""
        if req.params.get("drop_pending_updates"):
            self._updates.clear()
        had = bool(self._webhook_url)
        self._webhook_url = ""
        return True, "Webhook was deleted" if had else "Webhook is already deleted"

    def _get_webhook_info(self, req: MethodRequest) -> JSON:
        """WebhookInfo: the URL (empty when polling) and the pending update count."""
        info: JSON = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook_url:
            info["max_connections"] = 40
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    def _get_chat(self, req: MethodRequest) -> JSON:
        """ChatFullInfo with the fields PTB requires."""
        chat = self._chat_for(req.params, sending=False)
        return copy.deepcopy(chat.info) | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
