"""The .docx of a 《工作简报》 issue, laid out as a Chinese government bulletin (红头简报).

Red masthead title, the issue number, the issuing body and date on one line above a red rule;
then each item with its heading and body (仿宋, first lines indented two characters, 28 pt
exact line spacing), its photos under it (the text's width, a tall one no higher than two
thirds of the page's text) and its 供稿单位; at the end, between rules, the distribution lines 报 / 送 / 发 and the
print line. Page A4 with the margins of GB/T 9704 and a “— N —” page number at the foot.
A 清样 (the proof read before 签发) is the same document with a “清样” line above the masthead.
"""

from __future__ import annotations

from io import BytesIO
from typing import Final

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image
from docx.shared import Cm, Emu, Length, Pt

from bot.documents.gongwen import (
    BODY_FONT,
    BODY_PT,
    FOOT_PT,
    HEADING_FONT,
    HEADING_PT,
    HEI_FONT,
    KAI_FONT,
    LATIN_FONT,
    MASTHEAD_FONT,
    MASTHEAD_PT,
    RED,
    RED_HEX,
    TEXT_WIDTH,
    back_matter,
    border,
    exact_lines,
    font,
    indent_two_chars,
    page_number_footer,
    save,
    setup,
)
from workflow.briefs import BriefContent, chinese_date

#: The tallest a photo is printed: two thirds of the text's height on an A4 page.
PHOTO_HEIGHT: Final = Cm((29.7 - 3.7 - 3.5) * 2 / 3)


def caption(document: DocxDocument, text: str) -> None:
    """A photo's caption (图注) centred under it in 楷体, a size below the text."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(6)
    paragraph.paragraph_format.keep_together = True
    font(paragraph.add_run(text), KAI_FONT, FOOT_PT)


def photo(document: DocxDocument, data: bytes) -> bool:
    """A photo in a paragraph of its own, centred, the text's width (a tall one scaled to
    `PHOTO_HEIGHT`); False, and nothing added, for bytes that are no picture a .docx holds."""
    try:
        image = Image.from_blob(data)
    except UnrecognizedImageError:
        return False
    if not image.px_width or not image.px_height:
        return False
    width: Length = TEXT_WIDTH
    if width * image.px_height / image.px_width > PHOTO_HEIGHT:
        width = Emu(int(PHOTO_HEIGHT * image.px_width / image.px_height))
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # exact would clip it
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.space_after = Pt(6)
    paragraph.add_run().add_picture(BytesIO(data), width=width)
    return True


def render(content: BriefContent) -> bytes:
    """The issue as .docx bytes."""
    document = Document()
    setup(document)
    document.core_properties.title = f"{content.title} {content.year}年第{content.number}期"
    document.core_properties.author = content.issuing_body

    if content.proof_round is not None:  # 清样: read before 签发, not the issued document
        proof = document.add_paragraph()
        proof.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        font(proof.add_run(f"清样（第{content.proof_round}轮）"), HEI_FONT, BODY_PT, color=RED)

    masthead = document.add_paragraph()
    masthead.alignment = WD_ALIGN_PARAGRAPH.CENTER
    masthead.paragraph_format.space_before = Pt(24)
    masthead.paragraph_format.space_after = Pt(12)
    font(masthead.add_run(content.title), MASTHEAD_FONT, MASTHEAD_PT, bold=True, color=RED)

    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_after = Pt(12)
    total = f"（总第{content.total_number}期）" if content.total_number else ""
    font(number.add_run(f"第{content.number}期{total}"), BODY_FONT, BODY_PT, latin=LATIN_FONT)

    issuer = document.add_paragraph()
    issuer.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    issuer.paragraph_format.space_after = Pt(18)
    font(issuer.add_run(content.issuing_body), BODY_FONT, BODY_PT)
    font(
        issuer.add_run("\t" + chinese_date(content.issue_date)),
        BODY_FONT,
        BODY_PT,
        latin=LATIN_FONT,
    )
    border(issuer, "bottom", size=18, color=RED_HEX)

    if len(content.entries) > 1:  # 本期要目: the issue's contents, under the red rule
        contents = document.add_paragraph()
        contents.paragraph_format.space_before = Pt(6)
        font(contents.add_run("本期要目"), HEADING_FONT, BODY_PT, bold=True)
        for number_, (heading, _) in enumerate(content.entries, 1):
            listed = document.add_paragraph()
            exact_lines(listed)
            listed.paragraph_format.left_indent = Pt(BODY_PT)
            font(listed.add_run(f"{number_}. {heading}"), BODY_FONT, BODY_PT, latin=LATIN_FONT)

    for index, (heading, body) in enumerate(content.entries):
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_before = Pt(18 if index else 12)
        title.paragraph_format.space_after = Pt(12)
        title.paragraph_format.keep_with_next = True
        font(title.add_run(heading), HEADING_FONT, HEADING_PT, bold=True)
        for line in (part.strip() for part in body.splitlines()):
            if not line:
                continue
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            exact_lines(paragraph)
            indent_two_chars(paragraph)
            font(paragraph.add_run(line), BODY_FONT, BODY_PT, latin=LATIN_FONT)
        said = content.captions[index] if index < len(content.captions) else ()
        for place, data in enumerate(content.photos[index] if index < len(content.photos) else ()):
            if photo(document, data) and place < len(said) and said[place]:
                document.paragraphs[-1].paragraph_format.keep_with_next = True  # not parted
                caption(document, said[place])
        if index < len(content.units) and content.units[index]:
            source = document.add_paragraph()  # 供稿单位, at the entry's end
            source.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            font(source.add_run(f"（{content.units[index]}供稿）"), BODY_FONT, BODY_PT)

    back_matter(
        document,
        [("报", content.report_to), ("送", content.send_to), ("发", content.issue_to)],
        content.issuing_body,
        content.issue_date,
    )

    page_number_footer(document)
    return save(document, content.issue_date)
