"""A WeCom member's chat on the page, drawn as WeCom shows it, and what the member does there.

A chat is the member's own messages (`written`) and what the app sent them (`inbox`), in
order: texts; markdown as its text form (how people reading through WeChat see it); images
and files by their media; `button_interaction` cards with their buttons, or as a click or an
update settled them (the buttons give way to the note, `replace_text`). The member types texts
(a numbered reply is a text: "3"), sends images (a self-built app gets no files from members),
clicks a card's button (the emulator pushes the encrypted `template_card_event` with a fresh,
one-use ResponseCode) and the app's menu (a `click` event). `watch` publishes `changed` for a
WeCom chat as the emulator's records change.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.cast import DemoCast, DemoPerson
from sandbox.web_common import CONTROLS, JSON, Refusal, as_json, body_of, error, image_type, ok
from sandbox.web_files import attachment, photo_form
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import Card, Delivery, Written

#: The longest text a member sends, in UTF-8 bytes (WeCom's limit for a text).
MAX_TEXT_BYTES = 2048
#: Seconds between looks at the emulator's records for changed chats.
WATCH_SECONDS = 0.2


def _userid(person: DemoPerson) -> str:
    """A WeCom person's userid."""
    assert person.wecom is not None
    return person.wecom


def chat_json(wecom: FakeWeComApi, person: DemoPerson) -> JSON:
    """The member's chat as the page draws it, with the app's menu."""
    userid = _userid(person)
    written = [w for w in wecom.written if w.userid == userid]
    messages: list[JSON] = []
    for index, delivery in enumerate(wecom.deliveries):
        while written and written[0].after <= index:
            messages.append(_written_json(written.pop(0), len(messages)))
        if delivery.userid == userid and delivery.fate == "delivered":
            messages.append(_delivery_json(wecom, delivery, len(messages)))
    messages += [_written_json(w, len(messages) + n) for n, w in enumerate(written)]
    return {
        "channel": "wecom",
        "userid": userid,
        "messages": messages,
        "menu": menu_json(wecom.menu),
    }


def menu_json(menu: list[JSON] | None) -> list[JSON] | None:
    """The app's menu: `[{"name", "key", "sub": [{"name", "key"}]}]` (None: no menu set)."""
    if menu is None:
        return None
    return [
        {
            "name": str(top.get("name", "")),
            "key": top.get("key"),
            "sub": [
                {"name": str(sub.get("name", "")), "key": str(sub.get("key", ""))}
                for sub in top.get("sub_button") or []
            ],
        }
        for top in menu
    ]


def _written_json(written: Written, number: int) -> JSON:
    """What the member sent."""
    media = written.content.get("media_id")
    return {
        "id": number,
        "from_bot": False,
        "date": int(written.at),
        "kind": written.msgtype,
        "text": written.content.get("content"),
        "image": f"/api/wecom/media/{media}" if written.msgtype == "image" else None,
        "file": None,
        "card": None,
    }


def _delivery_json(wecom: FakeWeComApi, delivery: Delivery, number: int) -> JSON:
    """What the app sent the member, as it shows now."""
    found: JSON = {
        "id": number,
        "from_bot": True,
        "date": int(delivery.at),
        "kind": delivery.msgtype,
        "text": delivery.text or None,
        "image": None,
        "file": None,
        "card": None,
    }
    media_id = str(delivery.content.get("media_id", ""))
    medium = wecom.media.get(media_id)
    if delivery.msgtype == "image":
        found["image"] = f"/api/wecom/media/{media_id}"
    elif delivery.msgtype == "file":
        found["file"] = {
            "name": medium.filename if medium else "file",
            "url": f"/api/wecom/media/{media_id}",
            "size": len(medium.data) if medium else 0,
        }
    elif delivery.msgtype == "template_card":
        card = wecom.cards.get(str(delivery.content.get("task_id")))
        found["card"] = card_json(card, delivery.userid) if card else None
    return found


def card_json(card: Card, userid: str) -> JSON:
    """A card as the member sees it now: title, texts, fields, and its buttons, or the note
    that replaced them once settled."""
    wire = card.shown.get(userid, card.wire)
    title = wire.get("main_title") or {}
    clicked = card.clicked_name.get(userid)
    note = clicked if clicked is not None else wire.get("replace_text")
    return {
        "task_id": card.task_id,
        "title": str(title.get("title", "")),
        "desc": title.get("desc"),
        "body": wire.get("sub_title_text"),
        "fields": [
            [str(f.get("keyname", "")), str(f.get("value", ""))]
            for f in wire.get("horizontal_content_list") or []
        ],
        "buttons": [
            {"text": str(b.get("text", "")), "key": str(b.get("key", "")), "style": b.get("style")}
            for b in wire.get("button_list") or []
        ],
        "updated": userid in card.shown,
        "settled": note is not None,
        "note": note,
    }


# ----------------------------------------------------------------------------- actions


async def send(request: web.Request, person: DemoPerson) -> web.Response:
    """The member types a text to the app (a command's word, an answer, a menu's number)."""
    body = await body_of(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Refusal(400, "消息不能为空")
    if len(text.encode()) > MAX_TEXT_BYTES:
        raise Refusal(400, "消息太长")
    await request.app[CONTROLS].wecom.write(_userid(person), text)
    return ok()


async def photo(request: web.Request, person: DemoPerson) -> web.Response:
    """The member sends a photo (multipart field `photo`; WeCom's images carry no caption)."""
    data, caption = await photo_form(request)
    if caption is not None:
        raise Refusal(400, "企业微信的图片不带说明文字，请另发文字消息")
    await request.app[CONTROLS].wecom.send_image(_userid(person), data, image_type(data))
    return ok()


async def click(request: web.Request, person: DemoPerson) -> web.Response:
    """The member clicks a card's button (`{"task_id", "key"}`): WeCom pushes the click with
    a one-use ResponseCode; a settled card's buttons are greyed out."""
    body = await body_of(request)
    task_id, key = body.get("task_id"), body.get("key")
    if not isinstance(task_id, str) or not isinstance(key, str):
        raise Refusal(400, "task_id 和 key 应是字符串")
    wecom, userid = request.app[CONTROLS].wecom, _userid(person)
    card = wecom.cards.get(task_id)
    if card is not None and card_json(card, userid)["settled"]:
        raise Refusal(400, "这张卡片已经处理过了")
    try:
        await wecom.press(userid, task_id, key)
    except ValueError:
        raise Refusal(400, "这个按钮已经不存在了") from None
    return ok()


async def menu_click(request: web.Request, person: DemoPerson) -> web.Response:
    """The member clicks a button of the app's menu (`{"key"}`)."""
    body = await body_of(request)
    key = body.get("key")
    if not isinstance(key, str):
        raise Refusal(400, "key 应是字符串")
    try:
        await request.app[CONTROLS].wecom.click_menu(_userid(person), key)
    except ValueError:
        raise Refusal(400, "应用菜单里没有这个按钮") from None
    return ok()


async def no_files(_request: web.Request, _person: DemoPerson) -> web.Response:
    """A self-built app gets no files from members: the page offers photos instead."""
    raise Refusal(400, "企业微信自建应用收不到成员发送的文件，请发送图片")


async def media(request: web.Request) -> web.Response:
    """An image's or a file's bytes, by media id."""
    medium = request.app[CONTROLS].wecom.media.get(request.match_info["media_id"])
    if medium is None:
        return error(404, "没有这个文件")
    cache = {"Cache-Control": "private, max-age=86400"}
    if medium.kind == "image":
        return web.Response(body=medium.data, content_type=image_type(medium.data), headers=cache)
    return web.Response(
        body=medium.data,
        content_type=medium.content_type,
        headers=cache | attachment(medium.filename),
    )


# ----------------------------------------------------------------------------- live changes


def _states(wecom: FakeWeComApi, cast: DemoCast) -> dict[int, Any]:
    """What each WeCom chat holds now (its messages, cards and the app's menu), to compare
    with the last look."""
    by_userid = {p.wecom: p.id for p in cast.wecom}
    states: dict[int, list[Any]] = {p.id: [] for p in cast.wecom}
    for delivery in wecom.deliveries:
        if delivery.userid in by_userid:
            states[by_userid[delivery.userid]].append(delivery.msgid)
    for written in wecom.written:
        if written.userid in by_userid:
            states[by_userid[written.userid]].append(("w", written.after))
    for person in states.values():  # the app's menu is every member's: set late, redrawn
        person.append(("menu", repr(wecom.menu)))
    for card in wecom.cards.values():
        for userid in card.recipients:
            if userid in by_userid:
                shown = card.shown.get(userid)
                states[by_userid[userid]].append(
                    (card.task_id, repr(shown), card.clicked_name.get(userid))
                )
    return {person: tuple(state) for person, state in states.items()}


async def watch(
    wecom: FakeWeComApi,
    cast: DemoCast,
    publish: Callable[[str, JSON], None],
    every: float = WATCH_SECONDS,
) -> None:
    """Publishes `changed` `{"chat"}` for each WeCom chat that changed, until cancelled."""
    last = _states(wecom, cast)
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(RuntimeError):  # a record changed during the look
            now = _states(wecom, cast)
            for person, state in now.items():
                if state != last.get(person):
                    publish("changed", {"chat": person})
            last = now


def chat_response(wecom: FakeWeComApi, person: DemoPerson) -> web.Response:
    """`GET /api/chats/{id}` for a WeCom member."""
    return as_json(chat_json(wecom, person))
