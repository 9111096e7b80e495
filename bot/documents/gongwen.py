"""What the centre's .docx documents share, in 公文 style (GB/T 9704): A4 with its margins,
the faces and sizes, red rules, two-character indents, exact line spacing, the “— N —” page
number, and saving with fixed times so the same document gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Final

from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from workflow.briefs import chinese_date

RED: Final = RGBColor(0xFF, 0x00, 0x00)
RED_HEX: Final = "FF0000"
MASTHEAD_FONT: Final = "方正小标宋简体"
HEADING_FONT: Final = "方正小标宋简体"
BODY_FONT: Final = "仿宋_GB2312"
HEI_FONT: Final = "黑体"  # first-level headings (一、)
KAI_FONT: Final = "楷体_GB2312"  # second-level headings (（一）)
LATIN_FONT: Final = "Times New Roman"
MASTHEAD_PT: Final = 42  # 初号
HEADING_PT: Final = 22  # 二号
BODY_PT: Final = 16  # 三号
FOOT_PT: Final = 14  # 四号
LINE_PT: Final = 28  # exact line spacing of the body
TEXT_WIDTH: Final = Cm(21.0 - 2.8 - 2.6)
#: Zip entries carry this instead of the time of writing (the zip format starts in 1980).
FIXED_ZIP_TIME: Final = (2000, 1, 1, 0, 0, 0)


def font(
    run: Run,
    name: str,
    size: float,
    *,
    bold: bool = False,
    color: RGBColor | None = None,
    latin: str | None = None,
) -> None:
    """Sets a run's font: the East-Asian face through w:eastAsia, Latin digits and letters in
    `latin` (or the same face), size, weight and colour."""
    run.font.name = latin or name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def border(paragraph: Paragraph, side: str, *, size: int, color: str) -> None:
    """Draws a rule above (`top`) or below (`bottom`) a paragraph; size in eighths of a point."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def indent_two_chars(paragraph: Paragraph) -> None:
    """First line indented by two characters (w:firstLineChars, with the width as fallback)."""
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), "200")


def exact_lines(paragraph: Paragraph, points: float = LINE_PT) -> None:
    """Fixed line spacing, as official documents are typeset."""
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def paragraph_style(
    document: DocxDocument,
    name: str,
    face: str,
    size: float,
    *,
    indent: bool = True,
    keep_with_next: bool = False,
    alignment: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    line: float | None = LINE_PT,
) -> str:
    """Adds a paragraph style (the face through w:eastAsia, Latin in Times New Roman, exact
    lines, the two-character indent) and returns its id: a long document names it in each
    paragraph instead of repeating the formatting in every run."""
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.name = LATIN_FONT
    style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)
    fmt = style.paragraph_format
    fmt.alignment = alignment
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.keep_with_next = keep_with_next
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
        ind = style.element.get_or_add_pPr().find(qn("w:ind"))
        if ind is not None:
            ind.set(qn("w:firstLineChars"), "200")
    return str(style.style_id)


def page_number_footer(document: DocxDocument) -> None:
    """“— N —” centred at the foot of every page."""
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(paragraph.add_run("— "), BODY_FONT, FOOT_PT, latin=LATIN_FONT)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    paragraph._p.append(field)
    font(paragraph.add_run(" —"), BODY_FONT, FOOT_PT, latin=LATIN_FONT)


def setup(document: DocxDocument) -> None:
    """A4 with GB/T 9704 margins; the default style in 仿宋 三号 with Chinese as its language."""
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)


def imprint(document: DocxDocument, issuing_body: str, dated: date) -> Paragraph:
    """The print line of the 版记: the issuing body, and at the right margin the day 印发; the
    caller rules it."""
    printed = document.add_paragraph()
    exact_lines(printed, 24)
    printed.paragraph_format.left_indent = Pt(FOOT_PT)
    printed.paragraph_format.tab_stops.add_tab_stop(
        TEXT_WIDTH - Pt(FOOT_PT), WD_TAB_ALIGNMENT.RIGHT
    )
    font(printed.add_run(issuing_body), BODY_FONT, FOOT_PT)
    font(printed.add_run("\t" + chinese_date(dated) + "印发"), BODY_FONT, FOOT_PT, latin=LATIN_FONT)
    return printed


def back_matter(
    document: DocxDocument,
    lines: list[tuple[str, tuple[str, ...]]],
    issuing_body: str,
    dated: date,
) -> None:
    """The 版记 after a blank line: each 报/送/发 line that names someone (label, names), the
    print line, ruled above, between and below, kept on one page."""
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_before = Pt(24)
    spacer.paragraph_format.keep_with_next = True
    foot: list[Paragraph] = []
    for label, names in lines:
        if not names:
            continue
        paragraph = document.add_paragraph()
        exact_lines(paragraph, 24)
        paragraph.paragraph_format.left_indent = Pt(FOOT_PT)
        paragraph.paragraph_format.keep_with_next = True  # the block stays on one page
        font(paragraph.add_run(f"{label}：{'、'.join(names)}"), BODY_FONT, FOOT_PT)
        foot.append(paragraph)
    printed = imprint(document, issuing_body, dated)
    if foot:
        border(foot[0], "top", size=8, color="000000")
    border(printed, "top", size=4 if foot else 8, color="000000")
    border(printed, "bottom", size=8, color="000000")


def save(document: DocxDocument, dated: date) -> bytes:
    """The document's bytes, the same for the same content: its core properties dated `dated`
    (created, modified, printed) and every zip entry carrying one fixed time."""
    moment = datetime(dated.year, dated.month, dated.day)
    properties = document.core_properties
    properties.created = properties.modified = properties.last_printed = moment
    properties.last_modified_by = properties.author
    properties.revision = 1
    written = io.BytesIO()
    document.save(written)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(written.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
