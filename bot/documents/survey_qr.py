"""A unit's satisfaction-survey (民主测评) QR code as a PNG, the campaign's title and the unit's
name printed above it, for the office to print and post: segno draws the code, Pillow the
page (the same inputs give the same bytes)."""

from __future__ import annotations

import io
from functools import cache
from typing import Final

import segno
from PIL import Image, ImageDraw, ImageFont
from pylopdf_fonts_zh_cn import sans_path

#: Pixels per QR module, and the quiet zone in modules (the standard's four).
SCALE: Final = 10
BORDER: Final = 4
MARGIN: Final = 40
TITLE_PX: Final = 30
UNIT_PX: Final = 44
NOTE_PX: Final = 24
TEXT: Final = (31, 41, 55)
MUTED: Final = (107, 114, 128)
NOTE: Final = "民主测评 · 请扫码参加（每个账号限评一次）"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Noto Sans SC at a size (shipped on PyPI: no system font needed)."""
    return ImageFont.truetype(sans_path(), size)


def _lines(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The text cut into lines no wider than `width` (Chinese wraps between any characters)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if line and font.getlength(line + char) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines or [""]


def qr_matrix(link: str) -> segno.QRCode:
    """The QR code of a link (error correction M, the smallest version that holds it)."""
    return segno.make(link, error="m", micro=False)


def render(link: str, unit_name: str, title: str) -> bytes:
    """The PNG: the campaign's title, the unit's name and a note above the link's QR code."""
    code = qr_matrix(link)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=SCALE, border=BORDER)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    width = max(qr.width + 2 * MARGIN, 640)
    inner = width - 2 * MARGIN
    blocks = [
        (line, _font(size), colour, size)
        for text, size, colour in (
            (title, TITLE_PX, MUTED),
            (unit_name, UNIT_PX, TEXT),
            (NOTE, NOTE_PX, MUTED),
        )
        for line in _lines(text, _font(size), inner)
    ]
    heading = sum(int(size * 1.5) for *_, size in blocks)
    page = Image.new("RGB", (width, MARGIN + heading + qr.height + MARGIN), "white")
    draw = ImageDraw.Draw(page)
    y = MARGIN
    for line, font, colour, size in blocks:
        draw.text(((width - font.getlength(line)) / 2, y), line, font=font, fill=colour)
        y += int(size * 1.5)
    page.paste(qr, ((width - qr.width) // 2, y))
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()
