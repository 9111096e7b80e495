"""Files: photos and documents kept under Telegram-like ids and paths, getFile, reading them."""

from __future__ import annotations

import base64
import copy
import mimetypes
import re
from dataclasses import dataclass

from sandbox.telegram.api import JSON, MethodRequest, bad
from sandbox.telegram.images import image_size, scaled
from sandbox.telegram.store import ChatStore

_PHOTO_SIDES = (90, 320, 800, 1280, 2560)
_PHOTO_PREFIX = "AgACAgUAAxkBAAI"
_DOCUMENT_PREFIX = "BQACAgUAAxkBAAI"


@dataclass
class _StoredFile:
    """A file the server holds: its ids, bytes and download path."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    data: bytes
    file_path: str


class FileStore(ChatStore):
    """Stored files by id and by download path; photos keep their PhotoSize arrays."""

    def _init_files(self) -> None:
        """No file yet."""
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._photo_sets: dict[str, list[JSON]] = {}
        self._documents: dict[str, JSON] = {}
        self._file_counter = 0

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes stored under a file_id (KeyError if unknown)."""
        return self._files[file_id].data

    def file_kind(self, file_id: str) -> str:
        """Whether a stored file is a "photo" or a "document" (KeyError if unknown)."""
        return self._files[file_id].kind

    def document_info(self, file_id: str) -> JSON | None:
        """The Document object (name, mime type, size) of a stored document, else None."""
        document = self._documents.get(file_id)
        return None if document is None else dict(document)

    def store_photo(self, data: bytes, dimensions: tuple[int, int] | None = None) -> list[JSON]:
        """Store a photo; return its PhotoSize array (smallest first, every size = `data`)."""
        width, height = dimensions or image_size(data) or (800, 600)
        sizes: list[JSON] = []
        for side in _PHOTO_SIDES:
            if max(width, height) <= side:
                sizes.append(self._photo_size(data, width, height))
                break
            sizes.append(self._photo_size(data, *scaled(width, height, side)))
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    def _photo_size(self, data: bytes, width: int, height: int) -> JSON:
        """One PhotoSize backed by a stored file."""
        stored = self._store_file("photo", data, "photos", "jpg")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
            "width": width,
            "height": height,
        }

    def store_document(self, file_name: str, mime_type: str | None, data: bytes) -> JSON:
        """Store a document; return its Document object (no mime_type: guessed from the name)."""
        suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._store_file("document", data, "documents", suffix)
        guessed = mimetypes.guess_type(file_name, strict=False)[0]
        document: JSON = {
            "file_name": file_name,
            "mime_type": mime_type or guessed or "application/octet-stream",
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }
        self._documents[stored.file_id] = document
        return dict(document)

    def _store_file(self, kind: str, data: bytes, folder: str, suffix: str) -> _StoredFile:
        """Keep bytes under fresh ids and a download path."""
        self._file_counter += 1
        number = self._file_counter
        prefix = _PHOTO_PREFIX if kind == "photo" else _DOCUMENT_PREFIX
        tail = base64.urlsafe_b64encode(f"{kind}:{number}:{self._random.getrandbits(48)}".encode())
        stored = _StoredFile(
            file_id=prefix + tail.decode().rstrip("="),
            file_unique_id="AQAD"
            + base64.urlsafe_b64encode(f"u{number}".encode()).decode().rstrip("="),
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{number}.{suffix}",
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _photo_set(self, value: object) -> list[JSON]:
        """The PhotoSize array for a photo file_id given by the bot."""
        file_id = self._known_file_id(value)
        if file_id not in self._photo_sets:
            raise bad(f"can't use file of type {self._files[file_id].kind.title()} as Photo")
        return self._photo_sets[file_id]

    def _document(self, value: object) -> JSON:
        """The Document for a document file_id given by the bot."""
        file_id = self._known_file_id(value)
        if file_id not in self._documents:
            raise bad(f"can't use file of type {self._files[file_id].kind.title()} as Document")
        return self._documents[file_id]

    def _known_file_id(self, value: object) -> str:
        """A file_id the server knows, or Telegram's error for unknown ids and URLs."""
        if not isinstance(value, str) or not value:
            raise bad("there is no file in the request")
        if re.match(r"^https?://", value):
            raise bad("failed to get HTTP URL content")
        if value not in self._files:
            raise bad("wrong file identifier/HTTP URL specified")
        return value

    def _get_file(self, req: MethodRequest) -> JSON:
        """getFile: ids, size and the path to download under base_file_url."""
        file_id = req.params.get("file_id")
        if not isinstance(file_id, str) or file_id not in self._files:
            raise bad("invalid file_id")
        stored = self._files[file_id]
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }
