"""What members do in the emulator besides clicking cards: write, send images, use the app's
menu; the menu as `menu/create` sets it; a member's chat forgotten.

Each becomes the callback event WeCom pushes (to the sink if one is set, else kept in
`events`), with a MsgId for messages (WeCom's dedupe key) and the menu's `click` event with the
button's key. The member's own messages are kept in `written`, so a chat can be drawn whole.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from sandbox.wecom.store import JSON, ApiError, CallbackEvent, Medium, State, Written

#: WeCom's menu limits: top buttons, sub-buttons of one, name bytes (top, sub), key bytes.
MAX_TOP, MAX_SUB = 3, 5
MAX_TOP_NAME, MAX_SUB_NAME, MAX_KEY = 16, 40, 128
#: The menu's errors (WeCom's own codes for a bad button count, name and key).
INVALID_BUTTON_SIZE, INVALID_NAME, INVALID_KEY = 40016, 40017, 40019


class MemberMethods(State):
    """Members' messages and menu clicks pushed to the app; menu/create."""

    async def write(self, userid: str, text: str) -> CallbackEvent:
        """A member types a text to the app."""
        return await self._message(userid, "text", {"content": text}, (("Content", text),))

    async def send_image(
        self, userid: str, data: bytes, content_type: str = "image/jpeg"
    ) -> CallbackEvent:
        """A member sends a photo: WeCom keeps it as media the app fetches (media/get)."""
        media_id = self.new_id("m", 40)
        self.media[media_id] = Medium(
            media_id, "image", "image.jpg", content_type, data, self.clock()
        )
        fields = (("PicUrl", f"http://wework.invalid/{media_id}.jpg"), ("MediaId", media_id))
        return await self._message(userid, "image", {"media_id": media_id}, fields)

    async def click_menu(self, userid: str, key: str) -> CallbackEvent:
        """A member clicks a button of the app's menu: a `click` event with its key."""
        if key not in menu_keys(self.menu or []):
            raise ValueError(f"the app's menu has no button {key!r}")
        return await self._push(
            userid.lower(), (("MsgType", "event"), ("Event", "click"), ("EventKey", key))
        )

    def set_menu(self, body: JSON) -> JSON:
        """menu/create: at most three top buttons of at most five clicks each."""
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 0 < len(buttons) <= MAX_TOP:
            raise ApiError(INVALID_BUTTON_SIZE, "invalid button size")
        for button in buttons:
            _check_button(button, MAX_TOP_NAME)
            subs = button.get("sub_button")
            if subs is not None:
                if not isinstance(subs, list) or not 0 < len(subs) <= MAX_SUB:
                    raise ApiError(INVALID_BUTTON_SIZE, "invalid sub button size")
                for sub in subs:
                    _check_button(sub, MAX_SUB_NAME)
                    if sub.get("sub_button") is not None:
                        raise ApiError(INVALID_BUTTON_SIZE, "invalid sub button level")
        self.menu = buttons
        return {"errcode": 0, "errmsg": "ok"}

    def forget(self, *userids: str) -> None:
        """Members' chats, cards and message counts forgotten (a fresh demo); the app's
        media, cards' task ids and menu stay, as WeCom keeps them."""
        gone = {u.lower() for u in userids}
        kept_before = [0]  # how many deliveries are kept among the first n
        for delivery in self.deliveries:
            kept_before.append(kept_before[-1] + (delivery.userid not in gone))
        self.deliveries = [d for d in self.deliveries if d.userid not in gone]
        self.written = [
            dataclasses.replace(w, after=kept_before[w.after])
            for w in self.written
            if w.userid not in gone
        ]
        for userid in gone:
            self.recent.pop(userid, None)
        for card in self.cards.values():
            if set(card.recipients) <= gone:
                card.shown.clear()
                card.clicked_name.clear()
        self.sent_keys.clear()

    async def _message(
        self, userid: str, msgtype: str, content: JSON, fields: tuple[tuple[str, str], ...]
    ) -> CallbackEvent:
        """A member's message: kept in their chat, then pushed with a fresh MsgId."""
        userid = userid.lower()
        self.written.append(Written(userid, msgtype, content, self.clock(), len(self.deliveries)))
        self._serial += 1
        msg_id = str(7_000_000_000_000_000_000 + self._serial)
        return await self._push(userid, (("MsgType", msgtype), *fields, ("MsgId", msg_id)))

    async def _push(self, userid: str, fields: tuple[tuple[str, str], ...]) -> CallbackEvent:
        """An event from a member, as WeCom pushes it to the app."""
        event = CallbackEvent(
            (
                ("ToUserName", self.corp_id),
                ("FromUserName", userid),
                ("CreateTime", str(int(time.time()))),
                *fields,
                ("AgentID", str(self.agent_id)),
            )
        )
        if self.sink is None:
            self.events.append(event)
        else:
            await self.sink(event)
        return event


def menu_keys(buttons: list[Any]) -> list[str]:
    """The click keys of a menu, in order."""
    keys: list[str] = []
    for button in buttons:
        subs = button.get("sub_button")
        keys += menu_keys(subs) if subs else [str(button.get("key"))]
    return keys


def _check_button(button: Any, name_bytes: int) -> None:
    """A button has a name within its length, and a click's key within WeCom's."""
    if not isinstance(button, dict):
        raise ApiError(INVALID_BUTTON_SIZE, "invalid button")
    name = button.get("name")
    if not isinstance(name, str) or not 0 < len(name.encode()) <= name_bytes:
        raise ApiError(INVALID_NAME, "invalid button name size")
    if button.get("sub_button") is None:
        key = button.get("key")
        if button.get("type") != "click" or not isinstance(key, str):
            raise ApiError(INVALID_KEY, "invalid button key")
        if not 0 < len(key.encode()) <= MAX_KEY:
            raise ApiError(INVALID_KEY, "invalid button key size")
