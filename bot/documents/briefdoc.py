"""The .docx of a 《工作简报》 issue, laid out as a Chinese government bulletin (红头简报).

Red masthead title, the issue number, the issuing body and date on one line above a red rule;
then each item with its heading and body (仿宋, first lines indented two characters, 28 pt
exact line spacing); at the end, between rules, the distribution lines 报 / 送 / 发 and the
print line. Page A4 with the margins of GB/T 9704 and a “— N —” page number at the foot.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from workflow.briefs import BriefContent, chinese_date

RED = RGBColor(0xFF, 0x00, 0x00)
RED_HEX = "FF0000"
MASTHEAD_FONT = "方正小标宋简体"
HEADING_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
MASTHEAD_PT = 42  # 初号
HEADING_PT = 22  # 二号
BODY_PT = 16  # 三号
FOOT_PT = 14  # 四号
LINE_PT = 28  # exact line spacing of the body
TEXT_WIDTH = Cm(21.0 - 2.8 - 2.6)


def _font(
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


def _border(paragraph: Paragraph, side: str, *, size: int, color: str) -> None:
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


def _indent_two_chars(paragraph: Paragraph) -> None:
    """First line indented by two characters (w:firstLineChars, with the width as fallback)."""
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), "200")


def _exact_lines(paragraph: Paragraph, points: float = LINE_PT) -> None:
    """Fixed line spacing, as bulletins are typeset."""
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _page_number_footer(document: DocxDocument) -> None:
    """“— N —” centred at the foot of every page."""
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), BODY_FONT, FOOT_PT, latin=LATIN_FONT)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    paragraph._p.append(field)
    _font(paragraph.add_run(" —"), BODY_FONT, FOOT_PT, latin=LATIN_FONT)


def _setup(document: DocxDocument) -> None:
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


def render(content: BriefContent) -> bytes:
    """The issue as .docx bytes."""
    document = Document()
    _setup(document)
    document.core_properties.title = f"{content.title} {content.year}年第{content.number}期"
    document.core_properties.author = content.issuing_body

    masthead = document.add_paragraph()
    masthead.alignment = WD_ALIGN_PARAGRAPH.CENTER
    masthead.paragraph_format.space_before = Pt(24)
    masthead.paragraph_format.space_after = Pt(12)
    _font(masthead.add_run(content.title), MASTHEAD_FONT, MASTHEAD_PT, bold=True, color=RED)

    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_after = Pt(12)
    total = f"（总第{content.total_number}期）" if content.total_number else ""
    _font(number.add_run(f"第{content.number}期{total}"), BODY_FONT, BODY_PT, latin=LATIN_FONT)

    issuer = document.add_paragraph()
    issuer.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    issuer.paragraph_format.space_after = Pt(18)
    _font(issuer.add_run(content.issuing_body), BODY_FONT, BODY_PT)
    _font(
        issuer.add_run("\t" + chinese_date(content.issue_date)),
        BODY_FONT,
        BODY_PT,
        latin=LATIN_FONT,
    )
    _border(issuer, "bottom", size=18, color=RED_HEX)

    if len(content.entries) > 1:  # 本期要目: the issue's contents, under the red rule
        contents = document.add_paragraph()
        contents.paragraph_format.space_before = Pt(6)
        _font(contents.add_run("本期要目"), HEADING_FONT, BODY_PT, bold=True)
        for number_, (heading, _) in enumerate(content.entries, 1):
            listed = document.add_paragraph()
            _exact_lines(listed)
            listed.paragraph_format.left_indent = Pt(BODY_PT)
            _font(listed.add_run(f"{number_}. {heading}"), BODY_FONT, BODY_PT, latin=LATIN_FONT)

    for index, (heading, body) in enumerate(content.entries):
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_before = Pt(18 if index else 12)
        title.paragraph_format.space_after = Pt(12)
        title.paragraph_format.keep_with_next = True
        _font(title.add_run(heading), HEADING_FONT, HEADING_PT, bold=True)
        for line in (part.strip() for part in body.splitlines()):
            if not line:
                continue
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _exact_lines(paragraph)
            _indent_two_chars(paragraph)
            _font(paragraph.add_run(line), BODY_FONT, BODY_PT, latin=LATIN_FONT)
        if index < len(content.units) and content.units[index]:
            source = document.add_paragraph()  # 供稿单位, at the entry's end
            source.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(source.add_run(f"（{content.units[index]}供稿）"), BODY_FONT, BODY_PT)

    spacer = document.add_paragraph()
    spacer.paragraph_format.space_before = Pt(24)
    spacer.paragraph_format.keep_with_next = True
    lines = [
        (label, "、".join(names))
        for label, names in (
            ("报", content.report_to),
            ("送", content.send_to),
            ("发", content.issue_to),
        )
        if names
    ]
    foot: list[Paragraph] = []
    for label, names in lines:
        paragraph = document.add_paragraph()
        _exact_lines(paragraph, 24)
        paragraph.paragraph_format.left_indent = Pt(FOOT_PT)
        paragraph.paragraph_format.keep_with_next = True  # the block stays on one page
        _font(paragraph.add_run(f"{label}：{names}"), BODY_FONT, FOOT_PT)
        foot.append(paragraph)
    printed = document.add_paragraph()
    _exact_lines(printed, 24)
    printed.paragraph_format.left_indent = Pt(FOOT_PT)
    printed.paragraph_format.tab_stops.add_tab_stop(
        TEXT_WIDTH - Pt(FOOT_PT), WD_TAB_ALIGNMENT.RIGHT
    )
    _font(printed.add_run(content.issuing_body), BODY_FONT, FOOT_PT)
    _font(
        printed.add_run("\t" + chinese_date(content.issue_date) + "印发"),
        BODY_FONT,
        FOOT_PT,
        latin=LATIN_FONT,
    )
    if foot:
        _border(foot[0], "top", size=8, color="000000")
    _border(printed, "top", size=4 if foot else 8, color="000000")
    _border(printed, "bottom", size=8, color="000000")

    _page_number_footer(document)
    out = BytesIO()
    document.save(out)
    return out.getvalue()
