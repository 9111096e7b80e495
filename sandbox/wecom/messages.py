"""The emulator's messages: `message/send`, template cards, their clicks and updates, reading.

Recipients: with `members` set, a userid outside it does not exist, and a send reaching none
answers 81013; a userid made invalid (`make_invalid`: outside the app's visible range) is
answered in `invaliduser` with errcode 0, as WeCom does, even when no one else is addressed.

A message to members who may receive it is recorded per userid with its fate: delivered;
`dropped` when the member already had 30 messages in the last minute or 1,000 in the last hour
(every accepted message counts, shown or dropped; answered errcode 0 like WeCom); `duplicate`
when `enable_duplicate_check` is set and the same content went to the same members within the
interval (answered errcode 0, the first send's msgid). Userids are compared lower-cased.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sandbox.wecom.store import (
    JSON,
    RESPONSE_CODE_LIFETIME,
    ApiError,
    CallbackEvent,
    Card,
    Delivery,
    Fate,
    Recent,
    ResponseCode,
    State,
)

#: The longest duplicate-check interval WeCom takes, seconds (its default is 1,800).
MAX_DUPLICATE_INTERVAL = 4 * 3600
DEFAULT_DUPLICATE_INTERVAL = 1800
#: Text and markdown beyond this many bytes are cut (WeCom truncates rather than refuses).
MAX_TEXT_BYTES = 2048
MAX_CARD_BUTTONS = 6
#: The stored docs name no code for a refused ResponseCode, task_id or card field; the
#: emulator answers WeCom's generic "invalid parameter".
INVALID_PARAMETER = 40035


class MessageMethods(State):
    """message/send and message/update_template_card, and clicks on cards."""

    def send_message(self, body: JSON) -> JSON:
        """Records one message per member it reaches and answers like WeCom."""
        self._check_agent(body)
        users = _userids(body.get("touser"))
        if len(users) > 1000:
            raise ApiError(40032, "invalid userid list size")
        msgtype = str(body.get("msgtype", ""))
        content = self._content(msgtype, body.get(msgtype))
        valid = [u for u in users if self.is_member(u)]
        invalid = [u for u in users if not self.is_member(u)]
        if not valid and not any(u in self.invalid for u in invalid):
            raise ApiError(81013, "user & party & tag all invalid", invaliduser="|".join(invalid))
        now = self.clock()
        msgid = self.new_id("msg")
        answer: JSON = {
            "errcode": 0,
            "errmsg": "ok",
            "invaliduser": "|".join(invalid),
            "invalidparty": "",
            "invalidtag": "",
            "unlicenseduser": "",
            "msgid": msgid,
        }
        key = json.dumps([sorted(valid), msgtype, content], sort_keys=True, ensure_ascii=False)
        earlier = self.sent_keys.get(key)
        if body.get("enable_duplicate_check") == 1 and earlier is not None:
            window = _interval(body.get("duplicate_check_interval"))
            if now < earlier[0] + window:
                for userid in valid:
                    self.deliveries.append(
                        Delivery(earlier[1], userid, msgtype, content, now, "duplicate")
                    )
                answer["msgid"] = earlier[1]
                return answer
        self.sent_keys[key] = (now, msgid)
        for userid in valid:
            recent = self.recent.setdefault(userid, Recent())
            fate: Fate = "dropped" if recent.over(now) else "delivered"
            recent.add(now)
            self.deliveries.append(Delivery(msgid, userid, msgtype, content, now, fate))
        if msgtype == "template_card":
            task_id = str(content["task_id"])
            self.cards[task_id] = Card(task_id, msgid, tuple(valid), content)
            answer["response_code"] = self._issue_code(task_id, now)
        return answer

    def update_card(self, body: JSON) -> JSON:
        """Spends a ResponseCode once: renames the clicked button or replaces the card for the
        members named (or all its recipients with `atall`)."""
        self._check_agent(body)
        now = self.clock()
        found = self.codes.get(str(body.get("response_code", "")))
        if found is None or found.used or now > found.issued_at + RESPONSE_CODE_LIFETIME:
            raise ApiError(INVALID_PARAMETER, "invalid response_code (unknown, used or expired)")
        card = self.cards[found.task_id]
        named = _userids("|".join(str(u) for u in body.get("userids") or []))
        everyone = body.get("atall") == 1
        targets = list(card.recipients) if everyone else [u for u in named if u in card.recipients]
        invalid = [] if everyone else [u for u in named if u not in card.recipients]
        if not targets:
            raise ApiError(81013, "user & party & tag all invalid")
        button = body.get("button")
        replacement = body.get("template_card")
        if isinstance(button, dict) and isinstance(button.get("replace_name"), str):
            found.used = True
            for userid in targets:
                card.clicked_name[userid] = button["replace_name"]
        elif isinstance(replacement, dict) and replacement.get("card_type"):
            found.used = True
            for userid in targets:
                card.shown[userid] = replacement
        else:
            raise ApiError(INVALID_PARAMETER, "button.replace_name or template_card required")
        return {"errcode": 0, "errmsg": "ok", "invaliduser": invalid}

    async def press(self, userid: str, task_id: str, key: str) -> CallbackEvent:
        """A member clicks a card's button: WeCom issues a ResponseCode and pushes a
        `template_card_event` to the app (to the sink if one is set, else kept in `events`)."""
        userid = userid.lower()
        card = self.cards.get(task_id)
        if card is None or userid not in card.recipients:
            raise ValueError(f"{userid} has no card {task_id}")
        shown = card.shown.get(userid, card.wire)  # a settled card may offer new buttons
        buttons = [*card.wire.get("button_list", []), *shown.get("button_list", [])]
        keys = {str(b.get("key")) for b in buttons}
        if key not in keys:
            raise ValueError(f"card {task_id} has no button {key!r}")
        code = self._issue_code(task_id, self.clock())
        event = CallbackEvent(
            (
                ("ToUserName", self.corp_id),
                ("FromUserName", userid),
                ("CreateTime", str(int(time.time()))),
                ("MsgType", "event"),
                ("Event", "template_card_event"),
                ("EventKey", key),
                ("TaskId", task_id),
                ("CardType", str(card.wire.get("card_type", ""))),
                ("ResponseCode", code),
                ("AgentID", str(self.agent_id)),
            )
        )
        if self.sink is None:
            self.events.append(event)
        else:
            await self.sink(event)
        return event

    # -- reading

    def inbox(self, userid: str) -> list[Delivery]:
        """What a member was shown, in order."""
        return self._of(userid, "delivered")

    def dropped(self, userid: str) -> list[Delivery]:
        """What WeCom silently dropped for a member (over the per-member limits)."""
        return self._of(userid, "dropped")

    def duplicates(self, userid: str) -> list[Delivery]:
        """What the duplicate check kept from a member."""
        return self._of(userid, "duplicate")

    def _of(self, userid: str, fate: str) -> list[Delivery]:
        """A member's deliveries of one fate."""
        userid = userid.lower()
        return [d for d in self.deliveries if d.userid == userid and d.fate == fate]

    # -- checks

    def _check_agent(self, body: JSON) -> None:
        """The body names this app."""
        if str(body.get("agentid", "")) != str(self.agent_id):
            raise ApiError(40056, "invalid agentid")

    def _issue_code(self, task_id: str, now: float) -> str:
        """A fresh one-use ResponseCode for a card."""
        code = self.new_id("rc")
        self.codes[code] = ResponseCode(code, task_id, now)
        return code

    def _content(self, msgtype: str, part: Any) -> JSON:
        """A message's own part, checked (and text cut to WeCom's length)."""
        if not isinstance(part, dict):
            raise ApiError(40008, "invalid message type")
        if msgtype in ("text", "markdown"):
            content = part.get("content")
            if not isinstance(content, str) or not content:
                raise ApiError(44004, "empty content")
            cut = content.encode()[:MAX_TEXT_BYTES].decode(errors="ignore")
            return {"content": cut}
        if msgtype in ("image", "file"):
            media_id = str(part.get("media_id", ""))
            if media_id not in self.media:
                raise ApiError(40007, "invalid media_id")
            return {"media_id": media_id}
        if msgtype == "template_card":
            return self._card(part)
        raise ApiError(40008, "invalid message type")

    def _card(self, card: JSON) -> JSON:
        """A button_interaction card: a task id never used before, at most six buttons."""
        if card.get("card_type") != "button_interaction":
            raise ApiError(INVALID_PARAMETER, "only button_interaction is emulated")
        task_id = card.get("task_id")
        if not isinstance(task_id, str) or not 0 < len(task_id.encode()) <= 128:
            raise ApiError(INVALID_PARAMETER, "invalid task_id")
        if task_id in self.cards:
            raise ApiError(INVALID_PARAMETER, "task_id exists")
        buttons = card.get("button_list")
        if not isinstance(buttons, list) or not 0 < len(buttons) <= MAX_CARD_BUTTONS:
            raise ApiError(INVALID_PARAMETER, "button_list needs 1 to 6 buttons")
        return card


def _userids(raw: Any) -> list[str]:
    """Userids of a "a|b" list, lower-cased, each once, in order."""
    seen: dict[str, None] = {}
    for userid in str(raw or "").split("|"):
        if userid.strip():
            seen[userid.strip().lower()] = None
    return list(seen)


def _interval(raw: Any) -> float:
    """A duplicate-check interval in seconds, WeCom's default when absent, capped at 4 h."""
    try:
        seconds = int(raw) if raw is not None else DEFAULT_DUPLICATE_INTERVAL
    except (TypeError, ValueError):
        seconds = DEFAULT_DUPLICATE_INTERVAL
    return float(min(max(seconds, 1), MAX_DUPLICATE_INTERVAL))
