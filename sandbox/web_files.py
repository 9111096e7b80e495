"""What a Telegram person sends the bot from the page besides text (photos, documents with
captions, within the limits the page checks first), and the files of a Telegram chat."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from sandbox.telegram.images import image_size
from sandbox.telegram.people import FakeUser
from sandbox.web_common import CONTROLS, Refusal, as_json, error, image_type, mb, ok
from workflow.dialogues.submit import DOCUMENT_TYPES, MAX_FILE_BYTES, MAX_FILES

#: The largest photo the page may upload (Telegram's limit for a photo).
MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: The largest file the page uploads at all: past the bot's limit, so its refusal can be seen.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: The longest text a person may send (Telegram's limit).
MAX_TEXT_LENGTH = 4096
#: The longest caption of a photo or a file (Telegram's limit).
MAX_CAPTION_LENGTH = 1024


async def photo_form(request: web.Request) -> tuple[bytes, str | None]:
    """A photo form's image (multipart field `photo`, checked) and its optional caption."""
    if request.content_type != "multipart/form-data":
        raise Refusal(400, "请以 multipart/form-data 上传，字段名 photo")
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise Refusal(400, f"图片太大，最大 {mb(MAX_PHOTO_BYTES)}") from None
    field = form.get("photo")
    if not isinstance(field, web.FileField):
        raise Refusal(400, "缺少图片（字段名 photo）")
    data = field.file.read()
    if len(data) > MAX_PHOTO_BYTES:
        raise Refusal(400, f"图片太大，最大 {mb(MAX_PHOTO_BYTES)}")
    if image_size(data) is None:
        raise Refusal(400, "不是图片（支持 JPEG、PNG、GIF、WebP）")
    caption = form.get("caption")
    return data, caption if isinstance(caption, str) and caption.strip() else None


async def photo(request: web.Request, user: FakeUser) -> web.Response:
    """The person sends a photo (multipart field `photo`, optional `caption`)."""
    data, caption = await photo_form(request)
    await user.send_photo(data, caption=caption)
    return ok()


async def file_upload(request: web.Request, user: FakeUser) -> web.Response:
    """The person sends a file as a document or a photo, with an optional caption."""
    if request.content_type != "multipart/form-data":
        raise Refusal(400, "请以 multipart/form-data 上传，字段名 file")
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise Refusal(413, _too_big_to_upload()) from None
    name, mime, data, caption, as_photo = _upload(form)
    if as_photo:
        await user.send_photo(data, caption=caption)
    else:
        await user.send_document(name, mime, data, caption=caption)
    return ok()


def _upload(form: Any) -> tuple[str, str, bytes, str | None, bool]:
    """A file form's name, type, bytes, caption and whether it goes as a photo (a refusal
    names the limit it breaks)."""
    field = form.get("file")
    if not isinstance(field, web.FileField):
        raise Refusal(400, "缺少文件（字段名 file）")
    kind = form.get("as", "document")
    if kind not in ("document", "photo"):
        raise Refusal(400, "as 应是 document 或 photo")
    caption = form.get("caption")
    caption = caption if isinstance(caption, str) and caption.strip() else None
    if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
        raise Refusal(400, f"说明文字太长（{len(caption)} 字），最多 {MAX_CAPTION_LENGTH} 字")
    data = field.file.read()
    name = (field.filename or "").strip() or "file"
    mime = "" if field.content_type in ("", "application/octet-stream") else field.content_type
    if not data:
        raise Refusal(400, f"“{name}”是空文件，不能发送")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Refusal(413, _too_big_to_upload())
    if kind == "photo":
        if image_size(data) is None:
            raise Refusal(400, f"“{name}”不是图片（支持 JPEG、PNG、GIF、WebP），可以作为文件发送")
        if len(data) > MAX_PHOTO_BYTES:
            raise Refusal(
                413,
                f"“{name}”有 {mb(len(data))}，照片最大 {mb(MAX_PHOTO_BYTES)}，请作为文件发送",
            )
    elif len(data) > MAX_FILE_BYTES and form.get("over_limit") != "1":
        message = (
            f"“{name}”有 {mb(len(data))}，超过机器人接收文件的上限 {mb(MAX_FILE_BYTES)}，"
            "机器人会拒收。请压缩或拆分后再发送"
        )
        raise Refusal(413, message, limit_bytes=MAX_FILE_BYTES, size_bytes=len(data))
    return name, mime, data, caption, kind == "photo"


def _too_big_to_upload() -> str:
    """The refusal of a file over what the page uploads at all."""
    return f"文件太大：沙盒页面最多上传 {mb(MAX_UPLOAD_BYTES)}（机器人只接收 {mb(MAX_FILE_BYTES)} 以内的文件）"


async def limits(_request: web.Request) -> web.Response:
    """What the page checks before sending: the bot's own limits and Telegram's."""
    return as_json(
        {
            "file_bytes": MAX_FILE_BYTES,
            "files": MAX_FILES,
            "document_types": sorted(DOCUMENT_TYPES),
            "photo_bytes": MAX_PHOTO_BYTES,
            "upload_bytes": MAX_UPLOAD_BYTES,
            "caption_length": MAX_CAPTION_LENGTH,
            "text_length": MAX_TEXT_LENGTH,
        }
    )


async def telegram_file(request: web.Request) -> web.Response:
    """A photo's or a document's bytes."""
    api = request.app[CONTROLS].api
    file_id = request.match_info["file_id"]
    try:
        data, kind = api.file_bytes(file_id), api.file_kind(file_id)
    except KeyError:
        return error(404, "没有这个文件")
    cache = {"Cache-Control": "private, max-age=86400"}
    if kind == "photo":
        return web.Response(body=data, content_type=image_type(data), headers=cache)
    document = api.document_info(file_id) or {}
    name = str(document.get("file_name") or "file")
    mime = str(document.get("mime_type") or "application/octet-stream")
    return web.Response(body=data, content_type=mime, headers=cache | attachment(name))


def attachment(name: str) -> dict[str, str]:
    """A Content-Disposition header naming a download (UTF-8, with an ASCII fallback)."""
    fallback = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    }
