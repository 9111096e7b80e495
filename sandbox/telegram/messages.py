"""Message methods: sending text, photos and documents, edits, deletes, with Telegram's checks."""

from __future__ import annotations

import copy
import mimetypes

from sandbox.telegram.api import (
    JSON,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    MethodRequest,
    UploadedFile,
    bad,
    int_param,
)
from sandbox.telegram.entities import trim, with_detected
from sandbox.telegram.files import FileStore
from sandbox.telegram.html_mode import parse_html
from sandbox.telegram.images import image_size
from sandbox.telegram.store import Chat, public

_CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
_INLINE_BUTTON_ACTIONS = frozenset(
    [
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    ]
)


class MessageMethods(FileStore):
    """sendMessage, sendPhoto, sendDocument, the edits, deleteMessage and sendChatAction."""

    # -- methods: sending

    def _send_message(self, req: MethodRequest) -> JSON:
        """sendMessage: parse, check limits and markup, store, return the Message."""
        p = req.params
        chat = self._chat_for(p)
        text, entities = self._formatted(p.get("text"), p.get("parse_mode"), p.get("entities"))
        if not text:
            raise bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad("message is too long")
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        if p.get("link_preview_options") is not None:
            content["link_preview_options"] = p["link_preview_options"]
        return self._store_bot_message(chat, req, content)

    def _send_photo(self, req: MethodRequest) -> JSON:
        """sendPhoto: an upload (stored, sizes made) or a known photo file_id."""
        chat = self._chat_for(req.params)
        content = self._caption(req.params)
        value = req.params.get("photo")
        upload = _upload_for(req, "photo")
        if upload is not None:
            dimensions = image_size(upload.data)
            if dimensions is None:
                raise bad("IMAGE_PROCESS_FAILED")
            content["photo"] = self.store_photo(upload.data, dimensions)
        else:
            content["photo"] = copy.deepcopy(self._photo_set(value))
        return self._store_bot_message(chat, req, content)

    def _send_document(self, req: MethodRequest) -> JSON:
        """sendDocument: an upload (stored with its name and type) or a known document file_id."""
        chat = self._chat_for(req.params)
        content = self._caption(req.params)
        upload = _upload_for(req, "document")
        if upload is not None:
            # Telegram types a bot's upload by its file name, not the part's Content-Type.
            name = upload.filename or "file"
            guessed = mimetypes.guess_type(name, strict=False)[0]
            content["document"] = self.store_document(
                name, guessed or upload.content_type, upload.data
            )
        else:
            content["document"] = copy.deepcopy(self._document(req.params.get("document")))
        return self._store_bot_message(chat, req, content)

    def _caption(self, p: JSON) -> JSON:
        """Caption and caption_entities of a media message (empty if no caption)."""
        if p.get("caption") in (None, ""):
            return {}
        caption, entities = self._formatted(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities")
        )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise bad("message caption is too long")
        content: JSON = {}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return content

    def _formatted(
        self, text: object, parse_mode: object, entities: object
    ) -> tuple[str, list[JSON]]:
        """Text and entities as Telegram stores them: parsed, trimmed, auto-detected added."""
        if text is None:
            return "", []
        source = str(text)
        mode = str(parse_mode or "")
        if mode.lower() == "html":
            try:
                plain, parsed = parse_html(source, self._known_users())
            except ValueError as exc:
                raise bad(f"can't parse entities: {exc}") from None
        elif mode and mode.lower() not in {"markdown", "markdownv2"}:
            raise bad(f"unsupported parse_mode {mode}")
        else:
            plain = source
            parsed = [dict(e) for e in entities] if isinstance(entities, list) else []
        plain, parsed = trim(plain, parsed)
        return plain, with_detected(plain, parsed)

    def _known_users(self) -> dict[int, JSON]:
        """User objects of every fake user, for text_mention entities."""
        return {user_id: user.as_user() for user_id, user in self._users.items()}

    def _store_bot_message(self, chat: Chat, req: MethodRequest, content: JSON) -> JSON:
        """Add a bot message (with markup and reply) to a chat; return it as Telegram does."""
        p = req.params
        message = self._new_message(chat, req.bot, content)
        reply_to = _reply_target(p)
        if reply_to is not None:
            if reply_to in chat.messages and reply_to not in chat.deleted:
                message["reply_to_message"] = public(chat.messages[reply_to], nested=False)
            elif not (p.get("reply_parameters") or {}).get(
                "allow_sending_without_reply"
            ) and not p.get("allow_sending_without_reply"):
                raise bad("message to be replied not found")
        markup = p.get("reply_markup")
        if markup is not None:
            _check_markup(markup)
            message["reply_markup"] = markup
        if p.get("protect_content"):
            message["has_protected_content"] = True
        chat.messages[message["message_id"]] = message
        self._touch(chat)
        return public(message)

    # -- methods: editing

    def _edit_message_text(self, req: MethodRequest) -> JSON:
        """editMessageText; like Telegram, omitting reply_markup removes an inline keyboard."""
        chat, message = self._editable(req.params)
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        text, entities = self._formatted(
            req.params.get("text"), req.params.get("parse_mode"), req.params.get("entities")
        )
        if not text:
            raise bad("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad("message is too long")
        return self._apply_edit(chat, message, {"text": text, "entities": entities}, req.params)

    def _edit_message_caption(self, req: MethodRequest) -> JSON:
        """editMessageCaption of a photo or document message."""
        chat, message = self._editable(req.params)
        if "photo" not in message and "document" not in message:
            raise bad("there is no caption in the message to edit")
        content = self._caption(req.params)
        fields = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities", []),
        }
        return self._apply_edit(chat, message, fields, req.params)

    def _edit_message_reply_markup(self, req: MethodRequest) -> JSON:
        """editMessageReplyMarkup; no markup removes the inline keyboard."""
        chat, message = self._editable(req.params)
        return self._apply_edit(chat, message, {}, req.params)

    def _editable(self, p: JSON) -> tuple[Chat, JSON]:
        """The chat and message an edit targets, with Telegram's errors."""
        if p.get("inline_message_id") is not None:
            raise bad("MESSAGE_ID_INVALID")
        chat = self._chat_for(p)
        message_id = int_param(
            p.get("message_id"), "message_id", "message identifier is not specified"
        )
        message = chat.messages.get(message_id)
        if message is None or message_id in chat.deleted:
            raise bad("message to edit not found")
        if not message["from"]["is_bot"]:
            raise bad("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: Chat, message: JSON, fields: JSON, p: JSON) -> JSON:
        """Replace fields and the inline keyboard, or 400 "message is not modified"."""
        new_markup = p.get("reply_markup")
        if new_markup is not None:
            _check_markup(new_markup)
            if "inline_keyboard" not in new_markup:
                raise bad("inline keyboard expected")
            if not new_markup["inline_keyboard"]:
                new_markup = None
        old_markup = message.get("reply_markup")
        if old_markup is not None and "inline_keyboard" not in old_markup and new_markup is None:
            new_markup = old_markup
        before = {key: message.get(key) or None for key in fields} | {"markup": old_markup}
        after = {key: value or None for key, value in fields.items()} | {"markup": new_markup}
        if before == after:
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        for key, value in fields.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(self._clock().timestamp())
        chat.messages[message["message_id"]] = message
        self._touch(chat)
        return public(message)

    def _delete_message(self, req: MethodRequest) -> bool:
        """deleteMessage of any message in the chat (bot's or user's)."""
        chat = self._chat_for(req.params)
        message_id = int_param(
            req.params.get("message_id"), "message_id", "message identifier is not specified"
        )
        if message_id not in chat.messages or message_id in chat.deleted:
            raise bad("message to delete not found")
        chat.deleted.add(message_id)
        self._touch(chat)
        return True

    def _send_chat_action(self, req: MethodRequest) -> bool:
        """sendChatAction with one of Telegram's actions."""
        self._chat_for(req.params)
        if req.params.get("action") not in _CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True


def _upload_for(req: MethodRequest, name: str) -> UploadedFile | None:
    """The uploaded file for a parameter: a part of that name or an attach:// reference."""
    value = req.params.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = req.files.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad(f'can\'t find attached file "{value.removeprefix("attach://")}"')
        return upload
    return req.files.get(name)


def _reply_target(p: JSON) -> int | None:
    """The message id a send replies to (reply_parameters or the old reply_to_message_id)."""
    parameters = p.get("reply_parameters")
    if isinstance(parameters, dict) and parameters.get("message_id") is not None:
        return int_param(parameters["message_id"], "message_id")
    if p.get("reply_to_message_id") is not None:
        return int_param(p["reply_to_message_id"], "reply_to_message_id")
    return None


def _check_markup(markup: object) -> None:
    """Telegram's checks of reply_markup that bots trip over."""
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad(
                'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays'
            )
        for button in (button for row in rows for button in row):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if not _INLINE_BUTTON_ACTIONS & button.keys():
                raise bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA_BYTES:
                raise bad("BUTTON_DATA_INVALID")
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad("can't parse reply keyboard markup JSON object")
    elif not markup.get("remove_keyboard") and not markup.get("force_reply"):
        raise bad("can't parse reply keyboard markup JSON object")
