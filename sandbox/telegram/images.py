"""Image bytes for photos: a generated PNG for tests, sizes read from headers, scaled sizes."""

from __future__ import annotations

import struct
import zlib


def make_png(width: int = 640, height: int = 480) -> bytes:
    """A valid grey PNG of the given size (test data for photos)."""
    row = b"\x00" + b"\x80" * width
    pixels = zlib.compress(row * height)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        """A PNG chunk: length, type, data, CRC."""
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF or WebP/BMP (a default size), or None if not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 9 <= len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            if marker in {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD}:
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return int(width), int(height)
            pos += 2 + int(length)
        return 800, 600
    if (data.startswith(b"RIFF") and data[8:12] == b"WEBP") or data.startswith(b"BM"):
        return 512, 512
    return None


def scaled(width: int, height: int, side: int) -> tuple[int, int]:
    """The size fitting in a `side`×`side` box, keeping the aspect ratio."""
    factor = side / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))
