"""Bot commands and menu buttons: setMyCommands and its kin, per scope and language."""

from __future__ import annotations

import copy
import json
import re

from sandbox.telegram.api import JSON, MethodRequest, bad
from sandbox.telegram.store import ChatStore


class CommandMenus(ChatStore):
    """Command lists by (scope, language) and menu buttons by chat."""

    def _init_commands(self) -> None:
        """No commands, default menu buttons."""
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._menu_buttons: dict[int | None, JSON] = {}

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set with setMyCommands for exactly this scope and language."""
        return copy.deepcopy(self._commands.get((_scope_key(scope), language_code), []))

    def menu_button(self, chat_id: int | None = None) -> JSON:
        """The menu button set for a chat (None: the default one)."""
        return copy.deepcopy(self._menu_buttons.get(chat_id, {"type": "default"}))

    # -- methods: commands and menu

    def _set_my_commands(self, req: MethodRequest) -> bool:
        """setMyCommands for a scope and language, validated like Telegram."""
        commands = req.params.get("commands")
        if not isinstance(commands, list):
            raise bad("commands must be an array")
        if len(commands) > 100:
            raise bad("too many commands")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name.removeprefix("/")):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = self._checked_scope(req.params.get("scope"))
        key = (_scope_key(scope), str(req.params.get("language_code") or ""))
        if commands:
            self._commands[key] = [
                {
                    "command": str(c["command"]).removeprefix("/"),
                    "description": str(c["description"]),
                }
                for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, req: MethodRequest) -> list[JSON]:
        """getMyCommands for exactly this scope and language (no fallback, like Telegram)."""
        scope = self._checked_scope(req.params.get("scope"))
        return self.commands(scope, str(req.params.get("language_code") or ""))

    def _delete_my_commands(self, req: MethodRequest) -> bool:
        """deleteMyCommands for a scope and language."""
        scope = self._checked_scope(req.params.get("scope"))
        self._commands.pop((_scope_key(scope), str(req.params.get("language_code") or "")), None)
        return True

    def _checked_scope(self, scope: object) -> JSON | None:
        """A BotCommandScope, with chat ids that must exist."""
        if scope is None:
            return None
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            chat = self._chat_for({"chat_id": scope["chat_id"]}, sending=False)
            scope = scope | {"chat_id": chat.id}
        return scope

    def _set_chat_menu_button(self, req: MethodRequest) -> bool:
        """setChatMenuButton for a chat or the default."""
        chat_id = req.params.get("chat_id")
        key = None if chat_id is None else self._chat_for(req.params, sending=False).id
        self._menu_buttons[key] = req.params.get("menu_button") or {"type": "default"}
        return True

    def _get_chat_menu_button(self, req: MethodRequest) -> JSON:
        """getChatMenuButton for a chat or the default."""
        chat_id = req.params.get("chat_id")
        key = None if chat_id is None else self._chat_for(req.params, sending=False).id
        return self.menu_button(key)


def _scope_key(scope: JSON | None) -> str:
    """A canonical key for a BotCommandScope (None and "default" are the same)."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)
