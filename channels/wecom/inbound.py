"""A WeCom callback's XML read safely (`defusedxml`): the outer envelope and the message.

The outer body is `<xml><ToUserName/><AgentID/><Encrypt/></xml>`; the decrypted message is a
flat XML of text, image, voice, video, location or link messages and events (click,
enter_agent, template_card_event, …). Only the fields the bot acts on are read; the whole
plaintext is kept with them. The dedupe key follows WeCom's retries: the MsgId of a message,
else the ResponseCode of a card click, else the SHA-256 of the plaintext.
"""

from __future__ import annotations

import hashlib
from typing import Final
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from storage.wecom_inbox import Received

#: The longest field value kept in a column (EventKey is ≤ 1,024 bytes; a text ≤ 2,048).
FIELD_LIMIT: Final = 4096


class MalformedXml(ValueError):
    """The body or the message is not the XML WeCom sends."""


def _root(data: bytes | str) -> Element:
    """The document's root `<xml>` element, parsed without DTDs or entities, or MalformedXml."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise MalformedXml(f"not well-formed XML: {type(error).__name__}") from None
    if root.tag != "xml":
        raise MalformedXml("the root element is not <xml>")
    return root


def _field(root: Element, name: str, *, strip: bool = True) -> str | None:
    """A direct child's text (stripped unless told not to, as for what a person typed); None
    when absent or empty; MalformedXml when longer than any WeCom sends."""
    child = root.find(name)
    if child is None or child.text is None:
        return None
    text = child.text.strip() if strip else child.text
    if len(text) > FIELD_LIMIT:
        raise MalformedXml(f"{name} is longer than {FIELD_LIMIT} characters")
    return text or None


def envelope(body: bytes) -> str:
    """The ciphertext of a POSTed callback body (its `<Encrypt>`), or MalformedXml."""
    encrypt = _field(_root(body), "Encrypt")
    if encrypt is None:
        raise MalformedXml("no <Encrypt> in the body")
    return encrypt


def dedupe_key(msg_id: str | None, response_code: str | None, plaintext: bytes) -> str:
    """Where WeCom's retries of one callback meet: MsgId, else ResponseCode, else the hash."""
    if msg_id:
        return f"msg:{msg_id}"
    if response_code:
        return f"rc:{response_code}"
    return "sha256:" + hashlib.sha256(plaintext).hexdigest()


def message(plaintext: bytes) -> Received:
    """The fields of a decrypted callback message, or MalformedXml."""
    try:
        text = plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedXml("the message is not UTF-8") from None
    root = _root(plaintext)
    msg_type = _field(root, "MsgType")
    if msg_type is None:
        raise MalformedXml("no <MsgType> in the message")
    sender = _field(root, "FromUserName")
    if sender is None:
        raise MalformedXml("no <FromUserName> in the message")
    created = _field(root, "CreateTime")
    if created is not None and not created.isdigit():
        raise MalformedXml("<CreateTime> is not a number")
    msg_id = _field(root, "MsgId")
    response_code = _field(root, "ResponseCode")
    return Received(
        dedupe_key=dedupe_key(msg_id, response_code, plaintext),
        from_user=sender.lower(),  # WeCom's userids are case-insensitive; the API lower-cases
        msg_type=msg_type,
        plaintext=text,
        event=_field(root, "Event"),
        content=_field(root, "Content", strip=False),
        event_key=_field(root, "EventKey"),
        task_id=_field(root, "TaskId"),
        response_code=response_code,
        media_id=_field(root, "MediaId"),
        msg_id=msg_id,
        agent_id=_field(root, "AgentID"),
        create_time=None if created is None else int(created),
    )
